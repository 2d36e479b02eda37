"""The public functions: the compiled ops where loaded, else the reference."""

import numbers

import tensorflow as tf

from softround_ops import _eager, _fallback, _loader, _modes, _placement, reference
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


def _python_alpha(func, mode, alpha, dtype):
    """alpha checked for mode; in eager mode, a cached constant tensor of dtype
    (never while tracing: a graph keeps the number, not a captured tensor)."""
    if not tf.executing_eagerly():
        return _checked_number(func, mode, alpha, dtype)
    key = (mode, alpha, dtype.as_datatype_enum)
    cached = _alpha_constants.get(key)
    if cached is not None:
        return cached
    value = _checked_number(func, mode, alpha, dtype)
    if len(_alpha_constants) >= _MAX_CACHED_ALPHAS:
        _alpha_constants.clear()
    constant = _alpha_constants[key] = tf.constant(value, dtype)
    return constant


def _checked_number(func, mode, alpha, dtype):
    """alpha as a float, checked for mode as given and in x's dtype; ste ignores it."""
    if mode == "ste":
        return 0.0
    return _modes.check_python_alpha(func, mode, alpha, dtype.as_numpy_dtype)


def _eager_fast_path(x, alpha, mode, name, function):
    """The custom op for an eager call whose arguments were all checked
    before (a cached number alpha, or a tensor alpha of x's dtype), else None.
    Costs about as much as the op's own Python binding: the public functions
    call it first, and a small tensor pays for no validation it does not
    need."""
    if type(x) is not _eager.EagerTensor or type(mode) is not str:
        return None
    context = _eager.eager_context()
    ops = _loader.custom_ops()
    if context is None or ops is None:
        return None
    if function != "forward" and mode not in _modes.INVERTIBLE_MODES:
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
    # Every attribute, defaults too: the gradient reads them off the record.
    result = _eager.execute(context, "SoftRound", name, x, alpha, "mode", mode, "function", function)
    if result is not None:
        return result
    return ops.soft_round(x, alpha, mode=mode, function=function, name=name)


def _ragged(func, function, x, alpha, mode, name):
    """A RaggedTensor x: the function over its flat values (alpha must be a scalar)."""
    if getattr(alpha, "shape", ()) not in ((), tf.TensorShape([])):
        raise TypeError(f"{func}: a RaggedTensor x needs a scalar alpha; got alpha of shape {alpha.shape}")
    return tf.ragged.map_flat_values(lambda values: _family(func, function, values, alpha, mode, name), x)


def _family(func, function, x, alpha, mode, name):
    """The `SoftRound` op computing `function` where it can run, else the
    reference (the public functions try _eager_fast_path first)."""
    _modes.check_mode(mode)
    _modes.check_function(func, function, mode)
    if isinstance(x, tf.RaggedTensor):
        return _ragged(func, function, x, alpha, mode, name)
    # The inverse functions call their first argument y.
    argument = "x" if function == "forward" else "y"
    if isinstance(x, tf.SparseTensor):
        raise TypeError(f"{func}: {argument} must be a dense or ragged float tensor; got a SparseTensor")
    if not isinstance(x, tf.Tensor):
        x = reference.converted(func, argument, x, f"a {reference.FLOAT_NAMES} tensor")
    dtype = x.dtype
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{func}: {argument} must be {reference.FLOAT_NAMES}; got {dtype.name}")
    if isinstance(alpha, numbers.Real):
        alpha = _python_alpha(func, mode, alpha, dtype)
    elif getattr(alpha, "dtype", None) != dtype:
        _modes.check_alpha_type(func, alpha)
        alpha = reference.converted(func, "alpha", alpha, "a real number or a float tensor")
        _modes.check_alpha_type(func, alpha)  # a list of strings is a string tensor now
        alpha = tf.cast(alpha, dtype)
    implementation = reference.FUNCTIONS[function]
    if not tf.executing_eagerly():
        # Only a traced function can be exported or compiled by XLA.
        if _placement.in_portable_scope():
            return implementation(x, alpha, mode=mode, name=name, check_alpha=False)
        if _placement.in_xla_graph():
            return implementation(x, alpha, mode=mode, name=name)
    ops = _loader.custom_ops()
    if ops is None:
        if tf.executing_eagerly():
            return _fallback.call(function, mode, x, alpha)
        return implementation(x, alpha, mode=mode, name=name)
    return ops.soft_round(x, alpha, mode=mode, function=function, name=name)


def soft_round(x, alpha, mode="tanh", name=None):
    """Differentiable rounding: y = floor(x) + c(x - floor(x)).

    Args:
      x: a float tensor (half, bfloat16, float32 or float64).
      alpha: the mode's parameter, a Python number or a tensor that is a
        scalar or broadcasts to x's shape: the sharpness of `tanh` (>= 0; 0
        is the identity, large values approach round), the steepness of
        `sigmoid` (> 0), the band width of `sine` (in (0, 1]); `ste` ignores
        it. A tensor (e.g. a tf.Variable being annealed or learned) is cast
        to x's dtype and checked by the kernel, and gets a gradient (the
        derivative of the closed form, summed over the elements it
        broadcasts to; None for `ste`, which ignores it). Second derivatives
        (nested tapes, `tf.hessians`) work in x and alpha.
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
    result = _eager_fast_path(x, alpha, mode, name, "forward")
    if result is not None:
        return result
    return _family("soft_round", "forward", x, alpha, mode, name)


def soft_round_inverse(y, alpha, name=None, *, mode="tanh"):
    """The inverse of `soft_round`'s tanh mode: x with soft_round(x, alpha) = y.

    With m = floor(y) + 1/2: x = m + clip(atanh(2 (y - m) tanh(alpha/2)) /
    alpha, -1/2, 1/2), and x = y for alpha below 1e-3 (as `soft_round`). It
    is the decoder-side map of Agustsson & Theis 2020 and tensorflow-
    compression's `soft_round_inverse`, as one fused op.

    Args:
      y: a float tensor (half, bfloat16, float32 or float64).
      alpha: the sharpness (finite, >= 0), a Python number or a tensor that is
        a scalar or broadcasts to y's shape; a tensor alpha gets a gradient.
      name: a name for the operation.
      mode: (keyword only) "tanh", the only mode that is invertible on the whole real line
        (sigmoid jumps at integers; sine and ste are flat in places); any
        other mode is a ValueError.

    Returns:
      A tensor of y's shape and dtype. Values and gradients are finite for
      every finite y and alpha up to 1e6 in every dtype: the gradient with
      respect to y is 1 / soft_round'(x), and where that exceeds the dtype's
      largest finite value (next to integers at large alpha, where
      soft_round is flat) it is that largest value. Second derivatives
      saturate the same way. Under XLA and inside `softround_ops.portable()`
      it is built from plain TensorFlow ops with the same values and
      gradients.

    Raises:
      ValueError: for a mode other than "tanh" or a Python-number alpha out
        of range.
      TypeError: for a y that is not a float tensor.
      tf.errors.InvalidArgumentError: for a tensor alpha out of range or of a
        shape that does not broadcast to y's.
    """
    result = _eager_fast_path(y, alpha, mode, name, "inverse")
    if result is not None:
        return result
    return _family("soft_round_inverse", "inverse", y, alpha, mode, name)


def soft_round_conditional_mean(y, alpha, name=None, *, mode="tanh"):
    """E[X | soft_round(X) + U = y] for U uniform on [-1/2, 1/2): soft_round_inverse(y - 1/2) + 1/2.

    The decoder's estimate of Agustsson & Theis 2020 (Sec. 4.1) and
    tensorflow-compression's `soft_round_conditional_mean`, fused into one
    pass (no y - 1/2 is formed, so large |y| keep their precision).
    Arguments, values, gradients, saturation and errors as in
    `soft_round_inverse`.
    """
    result = _eager_fast_path(y, alpha, mode, name, "conditional_mean")
    if result is not None:
        return result
    return _family("soft_round_conditional_mean", "conditional_mean", y, alpha, mode, name)


approx_round, approx_round_sin, round_ste = seed_helpers(soft_round)
