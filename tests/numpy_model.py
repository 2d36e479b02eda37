"""An independent float64 NumPy model of docs/design.md's formulas: the tests' closed forms."""

import numpy as np

TANH_IDENTITY_ALPHA = 1e-3


def fraction(mode, f, alpha):
    """c(f) for f in [0, 1]."""
    with np.errstate(all="ignore"):
        if mode == "tanh":
            safe = np.where(alpha < TANH_IDENTITY_ALPHA, 1.0, alpha)
            return 0.5 + 0.5 * np.tanh(safe * (f - 0.5)) / np.tanh(safe / 2)
        if mode == "sigmoid":
            return 1.0 / (1.0 + np.exp(-alpha * (f - 0.5)))
        if mode == "sine":
            inside = 0.5 + 0.5 * np.sin(np.pi * (f - 0.5) / alpha)
            upper = 0.5 + 0.5 * alpha
            lower = 0.5 - 0.5 * alpha
            return np.where(f >= upper, 1.0, np.where(f <= lower, 0.0, inside))
    raise ValueError(mode)


def fraction_slope(mode, f, alpha):
    """dc/df."""
    with np.errstate(all="ignore"):
        if mode == "tanh":
            safe = np.where(alpha < TANH_IDENTITY_ALPHA, 1.0, alpha)
            slope = 0.5 * safe / np.cosh(safe * (f - 0.5)) ** 2 / np.tanh(safe / 2)
            return np.where(alpha < TANH_IDENTITY_ALPHA, 1.0, slope)
        if mode == "sigmoid":
            s = 1.0 / (1.0 + np.exp(-alpha * (f - 0.5)))
            return alpha * s * (1 - s)
        if mode == "sine":
            inside = np.pi * np.cos(np.pi * (f - 0.5) / alpha) / (2 * alpha)
            return np.where(np.abs(f - 0.5) < 0.5 * alpha, inside, 0.0)
    raise ValueError(mode)


def soft_round(x, alpha, mode):
    x = np.asarray(x, np.float64)
    alpha = np.broadcast_to(np.asarray(alpha, np.float64), x.shape)
    if mode == "ste":
        return np.round(x)
    finite = np.isfinite(x)
    n = np.floor(np.where(finite, x, 0.0))
    y = n + fraction(mode, np.where(finite, x - n, 0.0), alpha)
    keep = finite & ~((mode == "tanh") & (alpha < TANH_IDENTITY_ALPHA))
    return np.where(keep, y, x)


def slope(x, alpha, mode):
    """dy/dx; 0 at non-finite x except for ste."""
    x = np.asarray(x, np.float64)
    alpha = np.broadcast_to(np.asarray(alpha, np.float64), x.shape)
    if mode == "ste":
        return np.ones_like(x)
    finite = np.isfinite(x)
    f = np.where(finite, x - np.floor(np.where(finite, x, 0.0)), 0.0)
    return np.where(finite, fraction_slope(mode, f, alpha), 0.0)


def steepest_slope(mode, alpha):
    """The largest |dy/dx| of a mode at this alpha (elementwise), the scale of gradient errors."""
    alpha = np.asarray(alpha, np.float64)
    with np.errstate(all="ignore"):
        if mode == "tanh":
            return np.where(alpha < TANH_IDENTITY_ALPHA, 1.0, alpha / (2 * np.tanh(alpha / 2)))
        if mode == "sigmoid":
            return alpha / 4
        if mode == "sine":
            return np.pi / (2 * alpha)
    return np.ones_like(alpha)


def inverse(y, alpha):
    """The tanh soft round's inverse in the closed form: m = floor(y) + 1/2,
    x = m + clip(atanh(2 (y - m) tanh(alpha/2)) / alpha, -1/2, 1/2); y below alpha 1e-3."""
    y = np.asarray(y, np.float64)
    alpha = np.broadcast_to(np.asarray(alpha, np.float64), y.shape)
    with np.errstate(all="ignore"):
        safe = np.where(alpha < TANH_IDENTITY_ALPHA, 1.0, alpha)
        m = np.floor(y) + 0.5
        x = m + np.clip(np.arctanh(2 * (y - m) * np.tanh(safe / 2)) / safe, -0.5, 0.5)
    return np.where((alpha < TANH_IDENTITY_ALPHA) | ~np.isfinite(y), y, x)


def conditional_mean(y, alpha):
    """inverse(y - 1/2) + 1/2."""
    return inverse(np.asarray(y, np.float64) - 0.5, alpha) + 0.5
