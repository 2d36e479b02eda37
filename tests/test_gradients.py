"""Gradients of every mode x dtype x backend: closed forms, numeric checks, graph nodes."""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops

from conftest import DTYPES, MODE_ALPHAS
from numpy_model import slope as model_slope
from numpy_model import steepest_slope
from test_values import as_dtype, known_points
from tolerances import gradient_tolerance


def gradient(soft_round, x, alpha, mode):
    """dy/dx through GradientTape, with an explicit upstream gradient of ones."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = soft_round(x, alpha, mode=mode)
    return tape.gradient(y, x, output_gradients=tf.ones_like(y))


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_gradients_match_closed_form(backend, dtype_name, mode):
    _, soft_round = backend
    tf_dtype, np_dtype = DTYPES[dtype_name]
    x = as_dtype(known_points(), dtype_name)
    for alpha in MODE_ALPHAS[mode]:
        got = tf.cast(gradient(soft_round, tf.constant(x, tf_dtype), alpha, mode), tf.float64).numpy()
        alpha_t = as_dtype(alpha, dtype_name)
        expected = model_slope(x, alpha_t, mode)
        tolerance = gradient_tolerance(expected, np_dtype, steepest_slope(mode, alpha_t))
        np.testing.assert_array_less(np.abs(got - expected), tolerance)


def test_tanh_slopes_at_known_points(backend):
    """docs/design.md: alpha / (2 tanh(alpha/2)) at half-integers, about 2 alpha e^-alpha at integers."""
    _, soft_round = backend
    for alpha in [1.0, 5.0, 20.0]:
        g = gradient(soft_round, tf.constant([2.5, 3.0], tf.float64), alpha, "tanh").numpy()
        half = np.tanh(alpha / 2)
        sech2 = 1 / np.cosh(alpha / 2) ** 2  # 1 - tanh^2 without numpy's cancellation
        np.testing.assert_allclose(g, [alpha / (2 * half), 0.5 * alpha * sech2 / half], rtol=1e-12)
    g20 = gradient(soft_round, tf.constant([3.0], tf.float64), 20.0, "tanh").numpy()[0]
    assert g20 == pytest.approx(2 * 20 * np.exp(-20), rel=1e-6)  # "8e-8 at alpha=20"


def test_sigmoid_gradient_has_the_factor_alpha_the_seed_omitted(backend):
    _, soft_round = backend
    alpha = 8.0
    g = gradient(soft_round, tf.constant([1.5], tf.float64), alpha, "sigmoid").numpy()[0]
    assert g == pytest.approx(alpha * 0.25)  # the seed's s(1-s) gives 0.25


def test_sine_gradient_is_zero_outside_the_band(backend):
    _, soft_round = backend
    g = gradient(soft_round, tf.constant([0.1, 0.3, 0.5, 0.7, 0.9], tf.float64), 0.2, "sine").numpy()
    np.testing.assert_allclose(g, [0, 0, np.pi / 0.4, 0, 0], atol=1e-12)


# Points away from the kinks of each mode (sigmoid jumps at integers, sine
# bends at the band edges 0.5 +- w/2), where numeric differences are valid.
SMOOTH_CASES = [
    ("tanh", 0.5, np.linspace(-2.9, 2.9, 23)),
    ("tanh", 5.0, np.linspace(-2.9, 2.9, 23)),
    ("tanh", 1e-4, np.linspace(-2.9, 2.9, 23)),
    ("sigmoid", 3.0, np.array([-1.7, -1.5, -0.6, 0.2, 0.5, 0.8, 2.3])),
    ("sine", 0.5, np.array([-1.6, -1.5, -0.4, 0.35, 0.5, 0.65, 2.55])),
    ("sine", 1.0, np.array([-1.3, -0.5, 0.2, 0.5, 0.9])),
]


@pytest.mark.parametrize("mode,alpha,points", SMOOTH_CASES)
def test_numeric_gradient(backend, mode, alpha, points):
    _, soft_round = backend
    theoretical, numerical = tf.test.compute_gradient(
        lambda x: soft_round(x, alpha, mode=mode), [tf.constant(points, tf.float64)], delta=1e-6
    )
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-6, atol=1e-6)


def test_ste_gradient_is_one_everywhere(backend, dtype_name):
    _, soft_round = backend
    tf_dtype, _ = DTYPES[dtype_name]
    x = tf.constant([-2.5, -0.3, 0.0, 0.7, 1e4, np.inf, -np.inf], tf_dtype)
    np.testing.assert_array_equal(gradient(soft_round, x, 0.0, "ste").numpy(), np.ones(7))


def test_upstream_gradient_is_multiplied(backend):
    _, soft_round = backend
    x = tf.constant([0.3, 1.5, 2.9], tf.float64)
    dy = tf.constant([2.0, -3.0, 0.5], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = soft_round(x, 4.0)
    np.testing.assert_allclose(
        tape.gradient(y, x, output_gradients=dy), dy * model_slope(x.numpy(), 4.0, "tanh")
    )


def test_a_variable_alpha_gets_the_same_gradient_from_both_backends(backend):
    _, soft_round = backend
    x = tf.constant([0.3, 0.7, 1.2], tf.float64)
    alpha = tf.Variable(4.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = soft_round(x, alpha)
    with tf.GradientTape() as tape_reference:
        y_reference = softround_ops.reference.soft_round(x, alpha)
    got = tape.gradient(y, alpha)
    assert got is not None
    np.testing.assert_allclose(got, tape_reference.gradient(y_reference, alpha), rtol=1e-12)


def test_graph_contains_soft_round_and_its_gradient_op():
    @tf.function
    def loss_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(softround_ops.soft_round(x, 5.0))
        return tape.gradient(loss, x)

    graph = loss_and_grad.get_concrete_function(tf.TensorSpec([None], tf.float32)).graph
    op_types = {op.type for op in graph.get_operations()}
    assert {"SoftRound", "SoftRoundGrad"} <= op_types
