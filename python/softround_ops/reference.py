"""Soft round in plain TensorFlow ops: the test oracle, the fallback, and what
runs under XLA and in portable exports.

Correct on its own terms (docs/design.md), differentiable by autodiff, and free of
NaN in any unselected `tf.where` branch, so that no NaN reaches a gradient.
Half and bfloat16 are computed in float32 and rounded once, as the kernels do.
Only ops that TFLite has as builtins are used (hence expm1 through tanh and
is_finite through abs), except the optional alpha check.
"""

import math
import numbers

import numpy as np
import tensorflow as tf

from softround_ops import _modes
from softround_ops._seed_helpers import seed_helpers

_NAME = "soft_round (reference)"
FLOAT_NAMES = "half, bfloat16, float32 or float64"


# Each c is point-symmetric, c(1 - f) = 1 - c(f), so y = floor(x) + c(x - floor(x))
# equals m + sign(r) c(|r|) with m = round(x), r = x - m: r is exact, c is only
# needed on [0, 1/2] where each form below keeps full relative accuracy, and
# y = m + small has no cancellation (cc/include/softround/soft_round_math.h
# derives the same forms).


def _one_minus_exp(z):
    """1 - e^{-z} for z >= 0, accurate for tiny z: 2 t / (1 + t) with t = tanh(z / 2)."""
    return _one_minus_exp_of_twice(0.5 * z)


def _one_minus_exp_of_twice(h):
    """1 - e^{-2h} for h >= 0, without forming 2 h (which overflows near the
    largest float, and inf * 0 is NaN)."""
    t = tf.tanh(h)
    return 2 * t / (1 + t)


def _fraction_tanh(u, alpha):
    """0.5 + 0.5 tanh(alpha (u - 1/2)) / tanh(alpha / 2), with q = exp(-alpha (1 - 2u))."""
    identity = alpha < _modes.TANH_IDENTITY_ALPHA
    safe = tf.where(identity, tf.ones_like(alpha), alpha)
    q = tf.exp(-safe * (1 - 2 * u))
    c = q * _one_minus_exp_of_twice(safe * u) / (_one_minus_exp(safe) * (1 + q))
    # Exactly 1/2 at half-integers (TF's tanh may differ by an ulp between its
    # vector and scalar paths, so rise / (1 - e^-alpha) need not be 1); the
    # correction is exact and passes the gradient of c.
    return c + tf.stop_gradient(tf.where(u == 0.5, 0.5 - c, tf.zeros_like(c))), identity


def _fraction_sigmoid(u, alpha):
    return tf.sigmoid(alpha * (u - 0.5)), None


def _fraction_sine(u, width):
    """sin(phi)^2 near the band's edge, 1/2 - sin(pi (1/2 - u) / w) / 2 near u = 1/2."""
    # Below a quarter of eps, 1/2 - width/2 rounds to 1/2 and every c is 0, so
    # this floor changes no value; it keeps width^2 in the gradient (0 * inf
    # in an unselected branch) from underflowing.
    width = tf.maximum(width, np.finfo(width.dtype.as_numpy_dtype).eps / 4)
    lower = 0.5 - 0.5 * width
    phi = tf.where(u > lower, (u - lower) * (math.pi / 2) / width, tf.zeros_like(u))
    near_edge = phi <= math.pi / 8
    c = tf.where(near_edge, tf.sin(phi) ** 2, 0.5 - 0.5 * tf.sin(math.pi * (0.5 - u) / width))
    # Exactly 1/2 at u = 1/2, also where lower rounds to 1/2 (a tiny width);
    # the correction passes the gradient of c.
    return c + tf.stop_gradient(tf.where(u == 0.5, 0.5 - c, tf.zeros_like(c))), None


_FRACTIONS = {"tanh": _fraction_tanh, "sigmoid": _fraction_sigmoid, "sine": _fraction_sine}


def check_alpha_shape(x_shape, alpha_shape):
    """InvalidArgumentError unless alpha's static shape broadcasts to x's
    without enlarging it (nothing to check where a rank is unknown)."""
    if alpha_shape.rank is None or x_shape.rank is None:
        return
    try:
        broadcast = tf.broadcast_static_shape(x_shape, alpha_shape)
    except ValueError:
        broadcast = None
    if broadcast is None or broadcast.rank != x_shape.rank or not broadcast.is_compatible_with(x_shape):
        raise tf.errors.InvalidArgumentError(
            None,
            None,
            f"{_NAME}: alpha of shape {alpha_shape} does not broadcast to x of shape "
            f"{x_shape}; alpha must be a scalar or broadcast to x's shape by numpy rules "
            "without enlarging it",
        )


def _checked_alpha(alpha, mode, x, check_values):
    """alpha with its shape checked against x and (if asked) its values asserted in range."""
    check_alpha_shape(x.shape, alpha.shape)
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


def converted(func, name, value, accepted):
    """value as a tensor, or a TypeError naming the argument and what it accepts
    (TensorFlow's own error for None or an object names neither)."""
    try:
        return tf.convert_to_tensor(value)
    except (TypeError, ValueError):
        raise TypeError(f"{func}: {name} must be {accepted}; got {value!r:.100}") from None


def _prepared(func, x, alpha, mode, check_alpha, name="x"):
    """(x, x in the compute dtype, alpha checked in the compute dtype); name is
    what the caller calls x."""
    _modes.check_mode(mode)
    x = converted(func, name, x, f"a {FLOAT_NAMES} tensor")
    if x.dtype not in (tf.float16, tf.bfloat16, tf.float32, tf.float64):
        raise TypeError(f"{func}: {name} must be {FLOAT_NAMES}; got {x.dtype.name}")
    if isinstance(alpha, numbers.Real):
        # alpha has x's dtype, as the op's inputs do (a Python float goes
        # there directly, not through float32); checked in that dtype.
        value = 0.0 if mode == "ste" else _modes.check_python_alpha(func, mode, alpha, x.dtype.as_numpy_dtype)
        alpha = tf.constant(value, x.dtype)
    else:
        # Tensors, variables (Keras ones too) and arrays, never through
        # tf.constant, which needs eager values.
        _modes.check_alpha_type(func, alpha)
        alpha = converted(func, "alpha", alpha, "a real number or a float tensor")
        _modes.check_alpha_type(func, alpha)  # a list of strings is a string tensor now
    compute = x.dtype if x.dtype in (tf.float32, tf.float64) else tf.float32
    xc = tf.cast(x, compute)
    alpha = _checked_alpha(tf.cast(tf.cast(alpha, x.dtype), compute), mode, xc, check_alpha)
    return x, xc, alpha


def _flat(xc, alpha):
    """x and alpha as vectors (alpha broadcast unless it is a scalar): elementwise ops
    then work at any rank (TensorFlow's select broadcasts up to rank 8 only)."""
    if alpha.shape.rank != 0:
        alpha = tf.reshape(tf.broadcast_to(alpha, tf.shape(xc)), [-1])
    return tf.reshape(xc, [-1]), alpha


def _over_ragged(func, name, x, alpha, function):
    """function(values) over a RaggedTensor x's flat values (alpha must be a
    scalar), as softround_ops' own functions do; name is what the caller calls x."""
    if getattr(alpha, "shape", ()) not in ((), tf.TensorShape([])):
        raise TypeError(
            f"{func}: a RaggedTensor {name} needs a scalar alpha; got alpha of shape {alpha.shape}"
        )
    return tf.ragged.map_flat_values(function, x)


def _finite(xc):
    return tf.abs(xc) <= xc.dtype.max  # false for NaN and +-inf


def soft_round(x, alpha, mode="tanh", name=None, check_alpha=True):
    """Pure-TF `softround_ops.soft_round`: y = floor(x) + c(x - floor(x)) for the mode's c.

    check_alpha=False leaves out the run-time check of a tensor alpha (an
    Assert op, which TFLite does not have and XLA ignores).
    """
    if isinstance(x, tf.RaggedTensor):
        return _over_ragged(
            _NAME, "x", x, alpha, lambda values: soft_round(values, alpha, mode, name, check_alpha)
        )
    with tf.name_scope(name or "soft_round_reference"):
        x, xc, alpha = _prepared(_NAME, x, alpha, mode, check_alpha)
        shape = tf.shape(xc)
        xc, alpha = _flat(xc, alpha)
        finite = _finite(xc)
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
        return tf.cast(tf.reshape(y, shape), x.dtype)


def _log1p(w):
    """log(1 + w) for w >= 0 with builtins only (TFLite has no log1p): log(v) w / (v - 1), v = 1 + w."""
    v = 1 + w
    exact = v == 1
    safe = tf.where(exact, tf.fill(tf.shape(v), tf.constant(2, v.dtype)), v)
    return tf.where(exact, w, tf.math.log(safe) * w / (safe - 1))


def _sharp_alpha(dtype):
    """Above this alpha e^-alpha is not a normal number (the kernels' switch)."""
    return 80.0 if dtype == tf.float32 else 700.0


def _inverse_fraction_value(p, alpha):
    """u = c^{-1}(p) on [0, 1/2] for tanh (soft_round_math.h's closed forms)."""
    sharp = alpha > _sharp_alpha(alpha.dtype)
    ones = tf.ones_like(alpha)
    moderate_alpha = tf.where(sharp, ones, alpha)
    sharp_alpha = tf.where(sharp, alpha, ones * (_sharp_alpha(alpha.dtype) + 1))
    g = tf.exp(-moderate_alpha)
    one_minus_g = _one_minus_exp(moderate_alpha)
    w = p * one_minus_g * (1 + g) / g / (1 - p * one_minus_g)
    moderate = _log1p(w) / (2 * moderate_alpha)
    g_sharp = tf.exp(-sharp_alpha)
    ratio = (p + g_sharp * (1 - p)) / (1 - p * _one_minus_exp(sharp_alpha))
    ratio = tf.maximum(ratio, np.finfo(ratio.dtype.as_numpy_dtype).tiny)
    sharp_value = 0.5 + tf.math.log(ratio) / (2 * sharp_alpha)
    u = tf.clip_by_value(tf.where(sharp, sharp_value, moderate), 0.0, 0.5)
    # Integers and half-integers are fixed points (p = 0 needs the g that
    # underflowed in the sharp form).
    u = tf.where(tf.equal(p, 0.5), tf.fill(tf.shape(u), tf.constant(0.5, u.dtype)), u)
    return tf.where(tf.equal(p, 0.0), tf.zeros_like(u), u)


approx_round, approx_round_sin, round_ste = seed_helpers(soft_round)


def _inverse_fraction(p, alpha, bound):
    """u = c^{-1}(p) with the kernels' derivatives: du/dp = 1 / c'(u) and du/dalpha
    in the closed forms of soft_round_math.h, which stay finite where autodiff of
    the value would divide by an underflowed slope; a derivative beyond `bound`
    (the dtype's largest finite value) is `bound`. p and alpha have one shape."""

    @tf.custom_gradient
    def fraction(p, alpha):
        u = _inverse_fraction_value(p, alpha)

        def gradient(du):
            w = 0.5 - u
            g = tf.exp(-alpha)
            # Never 2 alpha, which overflows near the largest float (inf * 0 is
            # NaN); not alpha (2 w) either, which Grappler folds into (2 alpha) w
            # for a constant alpha. The slope's factor 2 comes last.
            q = tf.exp(-alpha * (w + w))
            one_minus_g = _one_minus_exp(alpha)
            slope = alpha * q * (1 + g) / ((1 + q) ** 2 * one_minus_g) * 2
            safe = tf.maximum(slope, 1 / bound)
            du_dp = tf.where(slope * bound > 1, 1 / safe, tf.fill(tf.shape(u), tf.constant(bound, u.dtype)))
            e = tf.exp(-alpha * (u + u))
            du_dalpha = (w - (e - g * q) / (2 * one_minus_g * (1 + g))) / alpha
            return du * du_dp, du * du_dalpha

        return u, gradient

    return fraction(p, alpha)


def _inverse(func, conditional_mean, x, alpha, mode, name, check_alpha):
    _modes.check_mode(mode)
    _modes.check_function(func, "inverse", mode)
    if isinstance(x, tf.RaggedTensor):
        return _over_ragged(
            func,
            "y",
            x,
            alpha,
            lambda values: _inverse(func, conditional_mean, values, alpha, mode, name, check_alpha),
        )
    with tf.name_scope(name or func.split(" ")[0] + "_reference"):
        x, xc, alpha = _prepared(func, x, alpha, mode, check_alpha, name="y")
        shape = tf.shape(xc)
        xc, alpha = _flat(xc, alpha)
        bound = float(x.dtype.max)
        finite = _finite(xc)
        identity = alpha < _modes.TANH_IDENTITY_ALPHA
        safe_alpha = tf.where(identity, tf.ones_like(alpha), alpha)
        if conditional_mean:
            base = tf.floor(tf.where(finite, xc, tf.zeros_like(xc)))
            r = (xc - base) - 0.5
        else:
            base = tf.round(tf.where(finite, xc, tf.zeros_like(xc)))
            r = xc - base
        r = tf.where(finite, r, tf.zeros_like(xc))
        below = r < 0
        p = tf.where(below, -r, r)
        u = _inverse_fraction(p, tf.broadcast_to(safe_alpha, tf.shape(p)), bound)
        signed = tf.where(below, -u, u)
        value = base + (0.5 + signed) if conditional_mean else base + signed
        keep = finite & tf.logical_not(identity)
        passthrough = tf.where(finite, xc, tf.stop_gradient(xc))
        return tf.cast(tf.reshape(tf.where(keep, value, passthrough), shape), x.dtype)


def soft_round_inverse(y, alpha, name=None, *, mode="tanh", check_alpha=True):
    """Pure-TF `softround_ops.soft_round_inverse` (tanh only; the same signature)."""
    return _inverse("soft_round_inverse (reference)", False, y, alpha, mode, name, check_alpha)


def soft_round_conditional_mean(y, alpha, name=None, *, mode="tanh", check_alpha=True):
    """Pure-TF `softround_ops.soft_round_conditional_mean` (tanh only)."""
    return _inverse("soft_round_conditional_mean (reference)", True, y, alpha, mode, name, check_alpha)


# The op's `function` attr -> the reference that computes it.
FUNCTIONS = {
    "forward": soft_round,
    "inverse": soft_round_inverse,
    "conditional_mean": soft_round_conditional_mean,
}
