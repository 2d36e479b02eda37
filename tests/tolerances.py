"""The accuracy the project holds to (docs/design.md), without TensorFlow: the
sanitizer run imports it where TensorFlow is absent."""

import ml_dtypes
import numpy as np

FLOAT32_EPS = float(np.finfo(np.float32).eps)
FLOAT64_EPS = float(np.finfo(np.float64).eps)


def ulp(values, np_dtype):
    """Spacing of the given dtype at each value (the value itself rounded to it)."""
    rounded = np.asarray(values, np.float64).astype(np_dtype)
    finfo = ml_dtypes.finfo(np_dtype)
    exponent = np.floor(np.log2(np.maximum(np.abs(rounded.astype(np.float64)), float(finfo.tiny))))
    return np.exp2(exponent - finfo.nmant)


def value_tolerance(expected, np_dtype, steepest=0.0):
    """1e-12 / 2e-6 relative to max(1, |y|); for 16-bit types one ulp plus
    float32's own error (they are computed in float32 and rounded once; near
    0 their spacing is finer than float32's absolute error). With the mode's
    steepest slope at this alpha: plus two roundings of the fraction (half an
    ulp of 1/2 each, eps in all) times that slope, which dominates for steep
    modes (a sine of width 1e-3 has slope 1571)."""
    scale = np.maximum(1.0, np.abs(expected))
    if np_dtype == np.float64:
        return 1e-12 * scale + FLOAT64_EPS * steepest
    if np_dtype == np.float32:
        return 2e-6 * scale + FLOAT32_EPS * steepest
    return ulp(expected, np_dtype) + 2e-6 * scale + FLOAT32_EPS * steepest


def gradient_tolerance(expected, np_dtype, steepest):
    """dy/dx's accuracy: relative to the slope, plus float32 rounding of the
    fraction scaled by the mode's steepest slope at this alpha, plus that
    rounding (eps) times the steepest curvature, at most 2 steepest^2 in
    every mode (tanh: alpha c', sigmoid: ~alpha^2/10, sine: 2 (pi/2w)^2),
    which dominates for steep modes (a sine of width 1e-3)."""
    curvature = 2 * np.square(steepest)
    if np_dtype == np.float64:
        return 1e-12 * np.maximum(1, np.abs(expected)) + 1e-12 * steepest + FLOAT64_EPS * curvature
    if np_dtype == np.float32:
        return 1e-4 * np.abs(expected) + 8 * FLOAT32_EPS * steepest + FLOAT32_EPS * curvature
    # dy * slope computed in float32 and rounded once to the dtype.
    return ulp(expected, np_dtype) + 8 * FLOAT32_EPS * steepest + FLOAT32_EPS * curvature
