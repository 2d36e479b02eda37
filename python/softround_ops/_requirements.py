"""What softround_ops needs from its environment, in words for error messages (no TensorFlow import)."""


def missing_tensorflow_message():
    """The ImportError text for an environment without TensorFlow."""
    try:
        from softround_ops._build_info import TENSORFLOW_VERSION
    except ImportError:  # a source tree: any supported TensorFlow
        TENSORFLOW_VERSION = None
    if TENSORFLOW_VERSION:
        minor = ".".join(TENSORFLOW_VERSION.split(".")[:2])
        wanted = f"TensorFlow {minor} (its op library was compiled against {TENSORFLOW_VERSION})"
        pin = f"=={minor}.*"
    else:
        wanted, pin = "TensorFlow", ""
    return (
        f"softround_ops needs {wanted}, and TensorFlow is not installed. Install it with the "
        f"package's extra, `pip install 'softround_ops[tensorflow-cpu]'` (or `[tensorflow]` for "
        f"TensorFlow's GPU build), or directly: `pip install 'tensorflow-cpu{pin}'`."
    )


def missing_tensorflow(name):
    """The package's __getattr__ without TensorFlow: its API raises the ImportError
    above when first reached (softround_ops.numpy needs no TensorFlow)."""
    # AttributeError lets `from softround_ops import numpy` (and the private
    # modules it uses) import the module, and answers probes such as
    # __wrapped__ by inspection tools.
    if name == "numpy" or name.startswith("_"):
        raise AttributeError(f"module 'softround_ops' has no attribute {name!r}")
    raise ImportError(missing_tensorflow_message())
