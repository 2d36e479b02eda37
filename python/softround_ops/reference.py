"""Soft round in plain TensorFlow ops: the test oracle, the fallback, and what
runs under XLA and in portable exports.

Correct on its own terms (DESIGN.md), differentiable by autodiff, and free of
NaN in any unselected `tf.where` branch, so that no NaN reaches a gradient.
Half and bfloat16 are computed in float32 and rounded once, as the kernels do.
Only ops that TFLite has as builtins are used (hence expm1 through tanh and
is_finite through abs), except the optional alpha check.
"""

import math

import tensorflow as tf

from softround_ops import _modes
from softround_ops._seed_helpers import seed_helpers

_NAME = "soft_round (reference)"


# Each c is point-symmetric, c(1 - f) = 1 - c(f), so y = floor(x) + c(x - floor(x))
# equals m + sign(r) c(|r|) with m = round(x), r = x - m: r is exact, c is only
# needed on [0, 1/2] where each form below keeps full relative accuracy, and
# y = m + small has no cancellation (cc/include/softround/soft_round_math.h
# derives the same forms).


def _one_minus_exp(z):
    """1 - e^{-z} for z >= 0, accurate for tiny z: 2 t / (1 + t) with t = tanh(z / 2)."""
    t = tf.tanh(0.5 * z)
    return 2 * t / (1 + t)


def _fraction_tanh(u, alpha):
    """0.5 + 0.5 tanh(alpha (u - 1/2)) / tanh(alpha / 2), with q = exp(-alpha (1 - 2u))."""
    identity = alpha < _modes.TANH_IDENTITY_ALPHA
    safe = tf.where(identity, tf.ones_like(alpha), alpha)
    q = tf.exp(-safe * (1 - 2 * u))
    c = q * _one_minus_exp(2 * safe * u) / (_one_minus_exp(safe) * (1 + q))
    # Exactly 1/2 at half-integers (TF's tanh may differ by an ulp between its
    # vector and scalar paths, so rise / (1 - e^-alpha) need not be 1); the
    # correction is exact and passes the gradient of c.
    return c + tf.stop_gradient(tf.where(u == 0.5, 0.5 - c, tf.zeros_like(c))), identity


def _fraction_sigmoid(u, alpha):
    return tf.sigmoid(alpha * (u - 0.5)), None


def _fraction_sine(u, width):
    """sin(phi)^2 near the band's edge, 1/2 - sin(pi (1/2 - u) / w) / 2 near u = 1/2."""
    lower = 0.5 - 0.5 * width
    phi = tf.where(u > lower, (u - lower) * (math.pi / 2) / width, tf.zeros_like(u))
    near_edge = phi <= math.pi / 8
    return tf.where(near_edge, tf.sin(phi) ** 2, 0.5 - 0.5 * tf.sin(math.pi * (0.5 - u) / width)), None


_FRACTIONS = {"tanh": _fraction_tanh, "sigmoid": _fraction_sigmoid, "sine": _fraction_sine}


def _checked_alpha(alpha, mode, x, check_values):
    """alpha with its shape checked against x and (if asked) its values asserted in range."""
    if alpha.shape.rank is not None and x.shape.rank is not None:
        try:
            broadcast = tf.broadcast_static_shape(x.shape, alpha.shape)
        except ValueError:
            broadcast = None
        if broadcast is None or broadcast.rank != x.shape.rank or not broadcast.is_compatible_with(x.shape):
            raise tf.errors.InvalidArgumentError(
                None,
                None,
                f"{_NAME}: alpha of shape {alpha.shape} does not broadcast to x of shape "
                f"{x.shape}; alpha must be a scalar or broadcast to x's shape by numpy rules "
                "without enlarging it",
            )
    if mode == "ste" or not check_values:
        return alpha
    ok = tf.reshape(_modes.alpha_in_range(mode, alpha), [-1])
    # The first offending value, found with static shapes only (XLA-friendly;
    # the appended False/NaN make it well-defined for an all-good or empty alpha).
    first = tf.argmin(tf.cast(tf.concat([ok, [False]], 0), tf.int32))
    first_bad = tf.gather(tf.concat([tf.reshape(alpha, [-1]), [math.nan]], 0), first)
    message = _modes.alpha_range_message(_NAME, mode, "")
    check = tf.debugging.Assert(tf.reduce_all(ok), [message, first_bad])
    with tf.control_dependencies([check]):
        return tf.identity(alpha)


def soft_round(x, alpha, mode="tanh", name=None, check_alpha=True):
    """Pure-TF `softround_ops.soft_round`: y = floor(x) + c(x - floor(x)) for the mode's c.

    check_alpha=False leaves out the run-time check of a tensor alpha (an
    Assert op, which TFLite does not have and XLA ignores).
    """
    _modes.check_mode(mode)
    with tf.name_scope(name or "soft_round_reference"):
        x = tf.convert_to_tensor(x)
        if x.dtype not in (tf.float16, tf.bfloat16, tf.float32, tf.float64):
            raise TypeError(f"{_NAME}: x must be half, bfloat16, float32 or float64; got {x.dtype.name}")
        if isinstance(alpha, (int, float)):
            _modes.check_python_alpha(_NAME, mode, alpha)
        compute = x.dtype if x.dtype in (tf.float32, tf.float64) else tf.float32
        xc = tf.cast(x, compute)
        # alpha has x's dtype, as the op's inputs do (a Python float goes there
        # directly, not through float32).
        if not isinstance(alpha, (tf.Tensor, tf.Variable)):
            alpha = tf.constant(alpha, x.dtype)
        alpha = _checked_alpha(tf.cast(tf.cast(alpha, x.dtype), compute), mode, xc, check_alpha)
        finite = tf.abs(xc) <= xc.dtype.max  # false for NaN and +-inf
        if mode == "ste":
            # Straight-through: round forward, identity backward, inf kept.
            offset = tf.where(finite, tf.round(xc) - xc, tf.zeros_like(xc))
            y = xc + tf.stop_gradient(offset)
        else:
            m = tf.round(xc)
            r = tf.where(finite, xc - m, tf.zeros_like(xc))
            below = r < 0
            # where, not abs: abs has gradient 0 at r = 0, the integers.
            c, identity = _FRACTIONS[mode](tf.where(below, -r, r), alpha)
            keep = finite if identity is None else finite & tf.logical_not(identity)
            # Non-finite x passes through with zero gradient; the identity
            # case passes x with gradient 1.
            passthrough = tf.where(finite, xc, tf.stop_gradient(xc))
            y = tf.where(keep, tf.where(below, m - c, m + c), passthrough)
            y = tf.reshape(y, tf.shape(xc))  # an alpha must never enlarge x
        return tf.cast(y, x.dtype)


approx_round, approx_round_sin, round_ste = seed_helpers(soft_round)
