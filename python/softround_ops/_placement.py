"""Where soft_round must build plain TensorFlow ops instead of the custom op:
inside a function XLA compiles, and inside `softround_ops.portable()`."""

import contextlib
import threading

import tensorflow as tf

try:  # TensorFlow's own test for "this graph is being compiled by XLA".
    from tensorflow.python.ops.control_flow_util import GraphOrParentsInXlaContext
except ImportError:  # pragma: no cover - a TensorFlow without it

    def GraphOrParentsInXlaContext(graph):  # noqa: N802
        return False


_state = threading.local()


@contextlib.contextmanager
def portable():
    """Functions traced (or saved) inside build only TensorFlow's own ops.

    A SavedModel exported this way loads and runs where softround_ops is not
    installed (TF Serving, another machine) and converts to TFLite:

        with softround_ops.portable():
            tf.saved_model.save(model, path)

    The run-time check of a tensor alpha is left out (TFLite has no Assert).
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def in_portable_scope():
    return getattr(_state, "depth", 0) > 0


def in_xla_graph():
    """True while tracing a function that XLA compiles (jit_compile=True)."""
    return GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())
