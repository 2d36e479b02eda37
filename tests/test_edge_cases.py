"""Alpha broadcasting, empty and scalar tensors, extreme alpha and x (docs/design.md's special values)."""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops

from conftest import DTYPES, value_tolerance
from numpy_model import slope as model_slope
from numpy_model import soft_round as model_soft_round
from test_gradients import gradient

X_SHAPE = (4, 5, 6)


def per_element_alpha(shape, rng):
    return rng.uniform(0.5, 12.0, size=shape)


# alpha shapes: scalar, one element of higher rank, per channel (trailing),
# trailing block, a broadcast over an inner axis (not trailing), full shape,
# and a short trailing period that the kernel tiles.
ALPHA_SHAPES = [(), (1,), (1, 1, 1), (6,), (1, 6), (5, 6), (4, 1, 6), (4, 5, 1), (5, 1), X_SHAPE]


@pytest.mark.parametrize("alpha_shape", ALPHA_SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["tanh", "sigmoid"])
def test_alpha_broadcasts_like_numpy(backend, alpha_shape, mode):
    _, soft_round = backend
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, X_SHAPE)
    alpha = per_element_alpha(alpha_shape, rng)
    y = soft_round(tf.constant(x), tf.constant(alpha), mode=mode)
    assert y.shape == X_SHAPE
    np.testing.assert_allclose(y.numpy(), model_soft_round(x, alpha, mode), rtol=1e-12, atol=1e-12)
    g = gradient(soft_round, tf.constant(x), tf.constant(alpha), mode)
    np.testing.assert_allclose(g.numpy(), model_slope(x, alpha, mode), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 3, 1000, 1500])
def test_per_channel_alpha_on_a_large_tensor(channels):
    """Exercises the kernel's row split over shards (short periods are tiled)."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-50, 50, (300, channels)).astype(np.float32)
    alpha = rng.uniform(0.5, 10, channels).astype(np.float32)
    y = softround_ops.soft_round(tf.constant(x), tf.constant(alpha)).numpy()
    np.testing.assert_allclose(y, model_soft_round(x, alpha, "tanh"), atol=2e-6 * 50)


def test_alpha_variable_of_another_dtype_is_cast(backend):
    _, soft_round = backend
    x = tf.constant([0.3, 1.7], tf.float16)
    y = soft_round(x, tf.Variable(4.0, dtype=tf.float32))
    assert y.dtype == tf.float16
    expected = model_soft_round([0.3, 1.7], 4.0, "tanh")
    np.testing.assert_array_less(np.abs(y.numpy().astype(np.float64) - expected), 2e-3)


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_empty_and_scalar_tensors(backend, dtype_name, mode):
    _, soft_round = backend
    tf_dtype, np_dtype = DTYPES[dtype_name]
    alpha = 0.5 if mode == "sine" else 3.0
    empty = soft_round(tf.zeros([0, 3], tf_dtype), alpha, mode=mode)
    assert empty.shape == (0, 3) and empty.dtype == tf_dtype
    assert gradient(soft_round, tf.zeros([0, 3], tf_dtype), alpha, mode).shape == (0, 3)
    scalar = soft_round(tf.constant(2.0, tf_dtype), alpha, mode=mode)
    expected = model_soft_round(2.0, alpha, mode)
    assert scalar.shape == ()
    assert abs(float(scalar) - expected) <= value_tolerance(expected, np_dtype)


@pytest.mark.parametrize("alpha", [0.0, 1e-6, 9.99e-4])
def test_tiny_alpha_is_the_identity(backend, dtype_name, alpha):
    _, soft_round = backend
    tf_dtype, _ = DTYPES[dtype_name]
    x = tf.constant([-2.7, -0.3, 0.0, 0.2, 0.5, 1.9, 1e3], tf_dtype)
    np.testing.assert_array_equal(soft_round(x, alpha).numpy(), x.numpy())
    g = gradient(soft_round, x, alpha, "tanh").numpy()
    np.testing.assert_array_equal(g, np.ones(7))
    assert not np.isnan(g).any()


def test_alpha_at_the_identity_threshold_is_close_to_identity(backend):
    _, soft_round = backend
    x = tf.constant(np.linspace(-2, 2, 81), tf.float64)
    np.testing.assert_allclose(soft_round(x, 1e-3).numpy(), x.numpy(), atol=1e-7)


@pytest.mark.parametrize("alpha", [50.0, 1e3, 1e5, 1e6])
def test_huge_alpha_approaches_round_and_stays_finite(backend, dtype_name, alpha):
    _, soft_round = backend
    tf_dtype, _ = DTYPES[dtype_name]
    if dtype_name == "float16" and alpha > 65504:
        pytest.skip("float16 cannot hold alpha > 65504 (docs/design.md)")
    x = tf.constant([-1.7, -0.4, 0.1, 0.45, 0.5, 0.55, 2.49, 3.0], tf_dtype)
    y = soft_round(x, alpha).numpy().astype(np.float64)
    g = gradient(soft_round, x, alpha, "tanh").numpy().astype(np.float64)
    assert np.isfinite(y).all() and np.isfinite(g).all()
    # Where c < e^-80, y is round(x) up to a tiny c.
    away = 2 * alpha * np.abs(x.numpy().astype(np.float64) % 1 - 0.5) > 80
    np.testing.assert_allclose(y[away], np.round(x.numpy().astype(np.float64))[away], rtol=0, atol=1e-30)
    assert y[4] == 0.5  # half-integers stay fixed
    for mode, a in [("sigmoid", alpha), ("tanh", alpha)]:
        assert np.isfinite(gradient(soft_round, x, a, mode).numpy().astype(np.float64)).all()


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_non_finite_x(backend, dtype_name, mode):
    _, soft_round = backend
    tf_dtype, _ = DTYPES[dtype_name]
    alpha = 0.5 if mode == "sine" else 3.0
    x = tf.constant([np.nan, np.inf, -np.inf, 1.25], tf_dtype)
    y = soft_round(x, alpha, mode=mode).numpy().astype(np.float64)
    assert np.isnan(y[0]) and y[1] == np.inf and y[2] == -np.inf and np.isfinite(y[3])
    g = gradient(soft_round, x, alpha, mode).numpy().astype(np.float64)
    expected = 1.0 if mode == "ste" else 0.0  # ste passes dy; the others stop at non-finite x
    np.testing.assert_array_equal(g[:3], [expected] * 3)
    assert np.isfinite(g[3])


@pytest.mark.parametrize("mode", ["tanh", "sine", "ste"])
def test_huge_x_is_returned_exactly(backend, mode):
    """Beyond 2^24 (float32) every float is an integer, and y must be x exactly."""
    _, soft_round = backend
    alpha = 0.5 if mode == "sine" else 3.0
    for dtype, big in [(tf.float32, 2.0**24), (tf.float64, 2.0**53), (tf.float16, 2048.0)]:
        x = tf.constant([big, -big, 3 * big, -7 * big, 1e30 if dtype != tf.float16 else 6e4], dtype)
        np.testing.assert_array_equal(soft_round(x, alpha, mode=mode).numpy(), x.numpy())


def test_sigmoid_keeps_the_seed_offset_at_large_x(backend):
    """sigmoid's c(0) = sigmoid(-alpha/2) != 0, by the seed's definition."""
    _, soft_round = backend
    x = tf.constant([2.0**40], tf.float64)
    assert soft_round(x, 2.0, mode="sigmoid").numpy()[0] == 2.0**40 + 1 / (1 + np.exp(1.0))


def test_the_forward_output_never_aliases_a_held_input():
    x = tf.constant(np.linspace(-2, 2, 1000), tf.float32)
    before = x.numpy().copy()
    softround_ops.soft_round(x, 5.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = softround_ops.soft_round(x, 5.0)
    dy = tf.ones_like(y)
    tape.gradient(y, x, output_gradients=dy)
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(dy.numpy(), np.ones(1000, np.float32))
