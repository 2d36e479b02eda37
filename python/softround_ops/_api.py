"""The public functions: the compiled ops where loaded, else the reference."""

import numbers

import tensorflow as tf

from softround_ops import _eager, _loader, _modes, _placement, reference
from softround_ops._seed_helpers import seed_helpers

_FLOAT_DTYPES = frozenset([tf.float16, tf.bfloat16, tf.float32, tf.float64])
_FLOAT_DTYPE_ENUMS = frozenset(dtype.as_datatype_enum for dtype in _FLOAT_DTYPES)

# Validated Python-number alphas as eager constants, keyed by (mode, alpha,
# dtype enum): an eager call then does no per-call Python work on values (a
# few hundred distinct values at most). Keys avoid DType objects, whose hash
# alone costs microseconds.
_alpha_constants = {}
_MAX_CACHED_ALPHAS = 256
_PYTHON_NUMBER_TYPES = (float, int)


def _python_alpha(mode, alpha, dtype):
    """alpha checked for mode; in eager mode, a cached constant tensor of dtype
    (never while tracing: a graph keeps the number, not a captured tensor)."""
    if not tf.executing_eagerly():
        _modes.check_python_alpha("soft_round", mode, alpha)
        return alpha
    key = (mode, alpha, dtype.as_datatype_enum)
    cached = _alpha_constants.get(key)
    if cached is not None:
        return cached
    _modes.check_python_alpha("soft_round", mode, alpha)
    if len(_alpha_constants) >= _MAX_CACHED_ALPHAS:
        _alpha_constants.clear()
    constant = _alpha_constants[key] = tf.constant(alpha, dtype)
    return constant


def _eager_fast_path(x, alpha, mode, name):
    """The custom op for an eager call whose arguments were all checked
    before (a cached number alpha, or a tensor alpha of x's dtype), else None.
    Costs about as much as the op's own Python binding: a small tensor pays
    for no validation it does not need."""
    ops = _loader.custom_ops()
    if ops is None or type(x) is not _eager.EagerTensor:
        return None
    dtype_enum = _eager.dtype_enum(x)
    if type(alpha) in _PYTHON_NUMBER_TYPES:
        alpha = _alpha_constants.get((mode, alpha, dtype_enum))
        if alpha is None:
            return None
    elif not (
        type(alpha) is _eager.EagerTensor
        and mode in _modes.ALPHA_RANGES
        and _eager.dtype_enum(alpha) == dtype_enum
        and dtype_enum in _FLOAT_DTYPE_ENUMS
    ):
        return None
    return ops.soft_round(x, alpha, mode=mode, name=name)


def soft_round(x, alpha, mode="tanh", name=None):
    """Differentiable rounding: y = floor(x) + c(x - floor(x)).

    Args:
      x: a float tensor (half, bfloat16, float32 or float64).
      alpha: the mode's parameter, a Python number or a tensor that is a
        scalar or broadcasts to x's shape: the sharpness of `tanh` (>= 0; 0
        is the identity, large values approach round), the steepness of
        `sigmoid` (> 0), the band width of `sine` (in (0, 1]); `ste` ignores
        it. A tensor (e.g. a tf.Variable being annealed) is cast to x's dtype
        and checked by the kernel.
      mode: "tanh" (default), "sigmoid", "sine" or "ste".
      name: a name for the operation.

    Returns:
      A tensor of x's shape and dtype. Inside a function compiled by XLA
      (`jit_compile=True`) and inside `softround_ops.portable()` it is built
      from plain TensorFlow ops (`softround_ops.reference`), with the same
      values and gradients; elsewhere it is the fused `SoftRound` op.

    Raises:
      ValueError: for an unknown mode or a Python-number alpha out of range.
      TypeError: for an x that is not a float tensor.
      tf.errors.InvalidArgumentError: for a tensor alpha out of range or of a
        shape that does not broadcast to x's.
    """
    if _eager.executing_eagerly():
        result = _eager_fast_path(x, alpha, mode, name)
        if result is not None:
            return result
    if mode not in _modes.ALPHA_RANGES:
        _modes.check_mode(mode)
    if not isinstance(x, tf.Tensor):
        x = tf.convert_to_tensor(x)
    dtype = x.dtype
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"soft_round: x must be half, bfloat16, float32 or float64; got {dtype.name}")
    if isinstance(alpha, numbers.Real):
        alpha = _python_alpha(mode, alpha, dtype)
    elif getattr(alpha, "dtype", None) != dtype:
        alpha = tf.cast(alpha, dtype)
    if not tf.executing_eagerly():
        # Only a traced function can be exported or compiled by XLA.
        if _placement.in_portable_scope():
            return reference.soft_round(x, alpha, mode=mode, name=name, check_alpha=False)
        if _placement.in_xla_graph():
            return reference.soft_round(x, alpha, mode=mode, name=name)
    ops = _loader.custom_ops()
    if ops is None:
        return reference.soft_round(x, alpha, mode=mode, name=name)
    return ops.soft_round(x, alpha, mode=mode, name=name)


approx_round, approx_round_sin, round_ste = seed_helpers(soft_round)
