"""Finds and loads the compiled op library.

Importing softround_ops tries to load the library (about 4 ms), so that
SoftRound is registered before a SavedModel containing it is loaded, but
never fails: a library that is missing or was built for another TensorFlow
is reported at the first call, which then falls back to the pure-TF
reference after one warning, or raises if strictness is asked.

Environment:
  SOFTROUND_OPS_PY=1       use the reference; never load the library
  SOFTROUND_OPS_STRICT=1   a library that does not load is an error
  SOFTROUND_OPS_LIBRARY    path of the op library (e.g. one built with Bazel)
"""

import os
import sys
import threading
import warnings

import tensorflow as tf


class LibraryLoadError(ImportError):
    """The op library is missing or does not fit the installed TensorFlow."""


class FallbackWarning(RuntimeWarning):
    """softround_ops runs on the pure-TF reference instead of its compiled ops."""


_lock = threading.Lock()
_attempted = False  # a load was tried (at import or at the first call)
_ready = False  # custom_ops() may return _ops without further checks
_ops = None
_error = None


def _caller_stacklevel():
    """The stacklevel of the first frame outside softround_ops, so that the
    warning points at the user's call."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _minor(version):
    return ".".join(version.split(".")[:2])


def _library_path():
    """(path, version built for) of the library, or raise LibraryLoadError."""
    override = os.environ.get("SOFTROUND_OPS_LIBRARY")
    if override:
        return override, None
    try:
        from softround_ops import _build_info
    except ImportError:
        raise LibraryLoadError(
            "softround_ops has no compiled op library (imported from a source tree, or its build "
            "failed). Fix: install it with `pip install .` in the source checkout."
        ) from None
    path = os.path.join(os.path.dirname(__file__), _build_info.LIBRARY_FILENAME)
    return path, _build_info.TENSORFLOW_VERSION


def _load():
    installed = tf.__version__
    path, built_for = _library_path()
    fix = (
        f"Fix: rebuild softround_ops against the installed TensorFlow {installed} "
        "(`pip install --force-reinstall --no-deps .` in the source checkout)."
    )
    if built_for is not None and _minor(built_for) != _minor(installed):
        raise LibraryLoadError(
            f"softround_ops' op library was built for TensorFlow {built_for}, but TensorFlow "
            f"{installed} is installed; a custom-op library only loads in the TensorFlow minor "
            f"version it was compiled against. {fix}"
        )
    if built_for is None:  # the path came from SOFTROUND_OPS_LIBRARY
        fix = "Fix: point SOFTROUND_OPS_LIBRARY at a built op library, or unset it."
        if not os.path.exists(path):
            raise LibraryLoadError(f"SOFTROUND_OPS_LIBRARY names {path}, which does not exist. {fix}")
    if not os.path.exists(path):
        raise LibraryLoadError(f"softround_ops' op library {path} does not exist. {fix}")
    try:
        return tf.load_op_library(path)
    except (tf.errors.NotFoundError, OSError) as error:
        raise LibraryLoadError(
            f"softround_ops' op library {path} (built for TensorFlow {built_for or 'unknown'}) "
            f"failed to load in TensorFlow {installed}: {error}. {fix}"
        ) from error


def _attempt_load():
    global _attempted, _ops, _error
    if _attempted:
        return
    _attempted = True
    if _env_flag("SOFTROUND_OPS_PY"):
        return
    try:
        _ops = _load()
    except LibraryLoadError as error:
        _error = error


def preload():
    """Loads the library if it can; any problem waits for the first call."""
    with _lock:
        _attempt_load()


def custom_ops():
    """The loaded op module, or None where the reference must be used."""
    global _ready
    if _ready:
        return _ops
    with _lock:
        _attempt_load()
        if _error is not None:
            if _env_flag("SOFTROUND_OPS_STRICT"):
                raise _error
            warnings.warn(
                f"{_error} Falling back to the pure-TensorFlow reference (slower). Set "
                "SOFTROUND_OPS_PY=1 to choose it without this warning, or "
                "SOFTROUND_OPS_STRICT=1 to make this an error.",
                FallbackWarning,
                stacklevel=_caller_stacklevel(),
            )
        _ready = True
    return _ops


def using_custom_ops():
    """True if calls run the compiled ops, False if they run the reference."""
    return custom_ops() is not None
