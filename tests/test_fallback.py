"""The fallback's eager path: without the op library, eager calls run the
reference through cached graphs (softround_ops._fallback) and must give the
reference's values, gradients, second derivatives and errors."""

import ml_dtypes
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import _fallback, _loader, reference

from conftest import DTYPES, MODE_ALPHAS

CASES = [("soft_round", mode) for mode in MODE_ALPHAS] + [
    ("soft_round_inverse", "tanh"),
    ("soft_round_conditional_mean", "tanh"),
]
# Integers, half-integers, their neighbours and values between, 7 x 43.
X = np.concatenate([np.linspace(-3, 3, 297), [-0.5, 0.5, 1.0, 2.5]]).reshape(7, 43)


@pytest.fixture
def fallback(monkeypatch):
    monkeypatch.setattr(_loader, "custom_ops", lambda: None)
    assert not softround_ops.using_custom_ops()


def alpha_of(kind, mode, dtype):
    values = MODE_ALPHAS[mode]
    if kind == "python":
        return values[len(values) // 2]
    if kind == "per channel":
        return tf.constant(np.linspace(min(values), max(values), X.shape[1]), dtype)
    scalar = tf.constant(values[len(values) // 2], dtype)
    return tf.Variable(scalar) if kind == "variable" else scalar


def evaluate(module, name, mode, x, alpha):
    """(y, dy/dx, dy/dalpha) under one tape, dy a fixed cotangent."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        if isinstance(alpha, tf.Tensor):
            tape.watch(alpha)
        y = getattr(module, name)(x, alpha, mode=mode)
        loss = tf.reduce_sum(tf.cast(y, tf.float64) * np.cos(np.arange(X.size)).reshape(X.shape))
    dalpha = tape.gradient(loss, alpha) if not isinstance(alpha, float) else None
    return y, tape.gradient(loss, x), dalpha


def assert_close(got, want, np_dtype, summed=1):
    """Within 4 eps of the largest value, times the number of terms summed:
    the same ops run as a graph, where TensorFlow's graph optimizer may order
    the arithmetic differently than eager execution does (sine, the inverse
    and alpha's sums differ by an ulp or two; the rest is bit-identical)."""
    if got is None or want is None:
        assert got is None and want is None, (got, want)
        return
    want = np.asarray(want, np.float64)
    tolerance = 4 * float(ml_dtypes.finfo(np_dtype).eps) * summed * max(np.max(np.abs(want)), 1.0)
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=0, atol=tolerance)


@pytest.mark.parametrize("kind", ["python", "scalar", "per channel", "variable"])
@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("name,mode", CASES)
def test_values_and_gradients_are_the_references(fallback, name, mode, dtype_name, kind):
    dtype, np_dtype = DTYPES[dtype_name]
    x = tf.constant(X, dtype)
    alpha = alpha_of(kind, mode, dtype)
    got = evaluate(softround_ops, name, mode, x, alpha)
    want = evaluate(reference, name, mode, x, alpha)
    assert_close(got[0], want[0], np_dtype)
    assert_close(got[1], want[1], np_dtype)
    alpha_terms = X.size // (X.shape[1] if kind == "per channel" else 1)
    assert_close(got[2], want[2], np_dtype, summed=alpha_terms)


@pytest.mark.parametrize("name", ["soft_round", "soft_round_inverse"])
def test_second_derivatives_are_the_references(fallback, name):
    x = tf.constant(X, tf.float64)
    alpha = tf.constant(3.0, tf.float64)

    def second(module):
        with tf.GradientTape(persistent=True) as outer:
            outer.watch([x, alpha])
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = getattr(module, name)(x, alpha, mode="tanh")
            dx = inner.gradient(y, x)
        return outer.gradient(dx, x), outer.gradient(dx, alpha)

    for got, want in zip(second(softround_ops), second(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_tensor_alpha_out_of_range_names_alpha_and_the_value(fallback):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"alpha[\s\S]*-2"):
        softround_ops.soft_round(tf.constant([0.3, 1.7]), tf.constant(-2.0))


def test_an_alpha_that_does_not_broadcast_is_refused_before_anything_runs(fallback):
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not broadcast"):
        softround_ops.soft_round(tf.zeros([4, 3]), tf.ones([4]))


def test_each_function_mode_and_dtype_is_traced_once(fallback):
    before = _fallback._graphs.cache_info()
    for shape in [(3,), (2, 5), (4, 1, 3), ()]:
        with tf.GradientTape() as tape:
            x = tf.zeros(shape, tf.float64)
            tape.watch(x)
            y = softround_ops.soft_round(x, tf.constant(2.0, tf.float64), mode="sigmoid")
        assert tape.gradient(y, x).shape == shape
    after = _fallback._graphs.cache_info()
    assert after.misses - before.misses <= 1
    assert after.hits - before.hits >= 3


def test_a_forward_accumulator_inside_a_tape_gets_the_references_jvp(fallback):
    x = tf.constant(X, tf.float64)
    tangent = tf.fill(x.shape, tf.constant(0.5, tf.float64))

    def jvp_and_gradient(module):
        with tf.GradientTape() as tape:
            tape.watch(x)
            with tf.autodiff.ForwardAccumulator(x, tangent) as accumulator:
                y = module.soft_round(x, 5.0)
            jvp = accumulator.jvp(y)
        return jvp, tape.gradient(y, x)

    for got, want in zip(jvp_and_gradient(softround_ops), jvp_and_gradient(reference)):
        assert got is not None
        assert_close(got, want, np.float64)
