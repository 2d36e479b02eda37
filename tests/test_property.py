"""Property-based: the op against the float64 NumPy model on arbitrary inputs."""

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import softround_ops

from numpy_model import slope as model_slope
from numpy_model import soft_round as model_soft_round

# No subnormal x: TensorFlow runs kernels with denormals flushed to zero, so
# to every TF op (tf.floor included) a subnormal x is 0, while NumPy is exact.
finite_x = arrays(
    np.float64, st.integers(1, 64), elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
)
ALPHAS = {
    "tanh": st.floats(0.0, 60.0),
    "sigmoid": st.floats(1e-3, 60.0),
    "sine": st.floats(1e-3, 1.0),
    "ste": st.just(0.0),
}


@settings(max_examples=200, deadline=None)
@given(
    x=finite_x, mode_alpha=st.sampled_from(list(ALPHAS)).flatmap(lambda m: st.tuples(st.just(m), ALPHAS[m]))
)
def test_float64_matches_the_numpy_model(x, mode_alpha):
    mode, alpha = mode_alpha
    y = softround_ops.soft_round(tf.constant(x), alpha, mode=mode).numpy()
    expected = model_soft_round(x, alpha, mode)
    np.testing.assert_array_less(np.abs(y - expected), 1e-12 * np.maximum(1, np.abs(expected)) + 1e-300)
    with tf.GradientTape() as tape:
        xt = tf.constant(x)
        tape.watch(xt)
        y = softround_ops.soft_round(xt, alpha, mode=mode)
    g = tape.gradient(y, xt).numpy()
    expected_g = model_slope(x, alpha, mode)
    # The slope's own scale: d(slope)/dx is up to alpha times the slope (x
    # itself is exact in float64, so its size adds nothing).
    scale = np.maximum(1, np.abs(expected_g)) * max(1.0, alpha) * 1e-15
    np.testing.assert_array_less(np.abs(g - expected_g), 1e-12 * np.maximum(1, np.abs(expected_g)) + scale)


@settings(max_examples=100, deadline=None)
@given(
    x=arrays(np.float32, st.integers(1, 64), elements=st.floats(-1e4, 1e4, width=32, allow_subnormal=False)),
    alpha=st.floats(0.0, 30.0, width=32),
)
def test_float32_tanh_matches_the_numpy_model(x, alpha):
    y = softround_ops.soft_round(tf.constant(x), alpha).numpy()
    expected = model_soft_round(x.astype(np.float64), np.float64(np.float32(alpha)), "tanh")
    np.testing.assert_array_less(np.abs(y - expected), 2e-6 * np.maximum(1, np.abs(expected)))
