"""The soft-round family on NumPy arrays, without TensorFlow.

    from softround_ops import numpy as srnp
    y = srnp.soft_round(x, 5.0)                     # mode="tanh"
    dx = srnp.soft_round_grad(np.ones_like(x), x, 5.0)
    dx, dalpha = srnp.soft_round_grad_with_alpha(dy, x, alpha)
    x = srnp.soft_round_inverse(y, 5.0)

The op library's own CPU loops (the same alpha layouts, reduction tiles and
clone per x86-64 level), so every result equals the TensorFlow op's bit for
bit. float16, float32 and float64 arrays, and bfloat16 where ml_dtypes is
installed; alpha is a number or an array that broadcasts to x without
enlarging it, in x's dtype. Large arrays are split over `threads` threads
(all cores by default) with the GIL released.
"""

import numbers
import os

import numpy as np

from softround_ops import _modes
from softround_ops._numpy_kernels import run as _run

try:
    import ml_dtypes

    _BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # bfloat16 arrays need ml_dtypes (TensorFlow brings it)
    _BFLOAT16 = None

_DTYPE_NAMES = {
    np.dtype(np.float16): "float16",
    np.dtype(np.float32): "float32",
    np.dtype(np.float64): "float64",
}
if _BFLOAT16 is not None:
    _DTYPE_NAMES[_BFLOAT16] = "bfloat16"


def soft_round(x, alpha, mode="tanh", *, threads=None):
    """Soft round of x in one of the modes (tanh, sigmoid, sine, ste)."""
    return _value("soft_round", "forward", x, alpha, mode, threads)


def soft_round_inverse(y, alpha, mode="tanh", *, threads=None):
    """The inverse of the tanh soft round."""
    return _value("soft_round_inverse", "inverse", y, alpha, mode, threads)


def soft_round_conditional_mean(y, alpha, mode="tanh", *, threads=None):
    """The decoder's conditional mean of the tanh soft round."""
    return _value("soft_round_conditional_mean", "conditional_mean", y, alpha, mode, threads)


def soft_round_grad(dy, x, alpha, mode="tanh", *, function="forward", wrt="x", threads=None):
    """dy times one partial derivative of a function of the family at x: wrt
    "x", "xx" (second), "alpha" or "x_alpha" (mixed); x's shape."""
    func = "soft_round_grad"
    x, alpha, dy = _prepared(func, x, alpha, mode, function, dy)
    out = np.empty_like(x)
    _call(func, mode, function, wrt, False, dy, x, alpha, out, None, threads)
    return out


def soft_round_grad_with_alpha(dy, x, alpha, mode="tanh", *, function="forward", wrt="x", threads=None):
    """(dx, dalpha) in one pass: dx as soft_round_grad's (wrt "x" or "xx"), and
    alpha's gradient summed over the elements each alpha element reaches, in
    alpha's shape."""
    func = "soft_round_grad_with_alpha"
    x, alpha, dy = _prepared(func, x, alpha, mode, function, dy)
    out, dalpha = np.empty_like(x), np.empty_like(alpha)
    _call(func, mode, function, wrt, True, dy, x, alpha, out, dalpha, threads)
    return out, dalpha


def _value(func, function, x, alpha, mode, threads):
    x, alpha, _ = _prepared(func, x, alpha, mode, function)
    out = np.empty_like(x)
    _call(func, mode, function, "", False, None, x, alpha, out, None, threads)
    return out


def _prepared(func, x, alpha, mode, function, dy=None):
    """x, alpha and dy as C-contiguous arrays of x's dtype, or the error naming the argument."""
    _modes.check_mode(mode)
    _modes.check_function(func, function, mode)
    x = _float_array(func, "x", x)
    alpha = _alpha_array(func, mode, alpha, x.dtype)
    if dy is not None:
        dy = _float_array(func, "dy", dy)
        if dy.shape != x.shape:
            raise ValueError(f"{func}: dy of shape {dy.shape} must have x's shape {x.shape}")
        dy = np.asarray(dy, x.dtype, order="C")
    return x, alpha, dy


def _float_array(func, name, value):
    array = np.asarray(value)
    if array.dtype not in _DTYPE_NAMES:
        accepted = ", ".join(dtype.name for dtype in _DTYPE_NAMES)
        raise TypeError(f"{func}: {name} must be an array of {accepted}; got dtype {array.dtype}")
    return np.asarray(array, order="C")


def _alpha_array(func, mode, alpha, dtype):
    """alpha in x's dtype; a Python number is checked as given and once rounded to it."""
    _modes.check_alpha_type(func, alpha)
    if isinstance(alpha, numbers.Number) and not isinstance(alpha, np.generic):
        alpha = _modes.check_python_alpha(func, mode, alpha, dtype)
    array = np.asarray(alpha)
    if array.dtype.kind not in "biuf" and array.dtype not in _DTYPE_NAMES:
        raise TypeError(f"{func}: alpha must be a real number or a float array; got dtype {array.dtype}")
    with np.errstate(over="ignore", under="ignore"):
        return np.asarray(array, dtype, order="C")


def _call(func, mode, function, wrt, with_alpha, dy, x, alpha, out, dalpha, threads):
    if threads is not None and (not isinstance(threads, numbers.Integral) or threads < 1):
        raise ValueError(f"{func}: threads must be None (every core) or an integer >= 1; got {threads!r}")
    dtype = _DTYPE_NAMES[x.dtype]
    # 16-bit arrays travel as their bit patterns (the kernels' storage types).
    bits = (lambda a: a.view(np.uint16)) if x.dtype.itemsize == 2 else (lambda a: a)
    _run(
        func,
        dtype,
        mode,
        function,
        wrt,
        with_alpha,
        None if dy is None else bits(dy),
        bits(x),
        bits(alpha),
        bits(out),
        None if dalpha is None else bits(dalpha),
        threads or os.cpu_count() or 1,
    )
