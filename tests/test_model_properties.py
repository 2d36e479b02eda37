"""Property tests at scale: the op and the NumPy binding against the float64
model, for every mode x dtype x alpha layout (scalar, per channel, per row,
per element), values and gradients.

CI runs hypothesis's default profile; the soak profile runs 10^5 examples per
mode and implementation (README, "Reliability"):

    pytest tests/test_model_properties.py --hypothesis-profile=soak

Without TensorFlow (tools/sanitize.sh runs this file with the binding built
under sanitizers, and `--noconftest`) only the binding is tested.
"""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softround_ops import numpy as srnp

from numpy_model import slope as model_slope
from numpy_model import soft_round as model_soft_round
from numpy_model import steepest_slope
from tolerances import gradient_tolerance, value_tolerance

try:
    import tensorflow as tf

    import softround_ops
except ImportError:  # the sanitizer run: no TensorFlow in its environment
    tf = None

DTYPES = [np.float16, ml_dtypes.bfloat16, np.float32, np.float64]
ALPHAS = {
    "tanh": st.floats(0.0, 60.0),
    "sigmoid": st.floats(1e-3, 60.0),
    "sine": st.floats(1e-3, 1.0),
    "ste": st.floats(-1e30, 1e30),
}
# x anywhere, and on and next to the integers and half-integers, where the
# modes are most delicate.
X_VALUES = st.one_of(
    st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False),
    st.integers(-200, 200).map(lambda k: k / 2),
    st.tuples(st.integers(-200, 200), st.sampled_from([1e-6, -1e-6, 1e-3, -1e-3])).map(
        lambda t: t[0] / 2 + t[1]
    ),
)


def _numpy_value_and_slope(x, alpha, mode):
    return srnp.soft_round(x, alpha, mode), srnp.soft_round_grad(np.ones_like(x), x, alpha, mode)


def _op_value_and_slope(x, alpha, mode):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = softround_ops.soft_round(xt, tf.constant(alpha), mode=mode)
    return y.numpy(), tape.gradient(y, xt, output_gradients=tf.ones_like(y)).numpy()


IMPLEMENTATIONS = {"numpy": _numpy_value_and_slope}
if tf is not None:
    IMPLEMENTATIONS["op"] = _op_value_and_slope


@st.composite
def cases(draw, mode):
    """x of shape (rows, cols) and an alpha in one of the four layouts."""
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 24))
    layout = draw(st.sampled_from([(), (cols,), (rows, 1), (rows, cols)]))
    x = draw(arrays(np.float64, (rows, cols), elements=X_VALUES))
    alpha = draw(arrays(np.float64, layout, elements=ALPHAS[mode]))
    return x, alpha


def _as_kernel_sees_it(values, dtype):
    """values rounded to dtype, in float64, with subnormals flushed to zero as
    in TensorFlow's kernels (half's subnormals are normal floats and stay)."""
    with np.errstate(over="ignore"):  # ste's huge alphas are inf in 16 bits
        rounded = values.astype(dtype).astype(np.float64)
    if dtype == np.float16:
        return rounded
    tiny = np.finfo(np.float64 if dtype == np.float64 else np.float32).tiny
    return np.where(np.abs(rounded) < tiny, 0.0, rounded)


def _assert_within(got, expected, tolerance, what, dtype):
    error = np.abs(got.astype(np.float64) - expected)
    bad = ~(error <= tolerance)
    assert not bad.any(), (
        f"{what} in {np.dtype(dtype).name}: got {got[bad][:4]}, expected {expected[bad][:4]}, "
        f"error {error[bad][:4]} > tolerance {np.broadcast_to(tolerance, error.shape)[bad][:4]}"
    )


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("mode", list(ALPHAS))
@settings(deadline=None)
@given(data=st.data())
def test_values_and_slopes_match_the_model(implementation, mode, data):
    x, alpha = data.draw(cases(mode))
    value_and_slope = IMPLEMENTATIONS[implementation]
    for dtype in DTYPES:
        with np.errstate(over="ignore"):  # ste's huge alphas are inf in 16 bits
            x_in, alpha_in = x.astype(dtype), alpha.astype(dtype)
        x64, alpha64 = _as_kernel_sees_it(x, dtype), _as_kernel_sees_it(alpha, dtype)
        y, g = value_and_slope(x_in, alpha_in, mode)
        assert y.dtype == dtype and g.dtype == dtype and y.shape == x.shape
        expected = model_soft_round(x64, alpha64, mode)
        steepest = np.broadcast_to(steepest_slope(mode, alpha64), x.shape)
        _assert_within(y, expected, value_tolerance(expected, dtype, steepest), "value", dtype)
        expected_g = model_slope(x64, alpha64, mode)
        _assert_within(g, expected_g, gradient_tolerance(expected_g, dtype, steepest), "slope", dtype)
