"""Defects an adversarial pass found: every tensor-like alpha on every path, any rank,
alpha checked in x's dtype, one sign of zero, non-real alphas, unclear messages."""

import fractions
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference

PATHS = {
    "eager": lambda f: f,
    "graph": lambda f: tf.function(f),
    "xla": lambda f: tf.function(f, jit_compile=True),
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    "make_alpha",
    [
        lambda: keras.Variable(5.0),
        lambda: tf.Variable(5.0),
        lambda: np.float32(5.0),
        lambda: np.array([5.0, 5.0], np.float32),
    ],
    ids=["keras.Variable", "tf.Variable", "numpy scalar", "numpy array"],
)
@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
def test_every_tensor_like_alpha_on_every_path(path, make_alpha, function):
    alpha = make_alpha()
    run = PATHS[path](lambda t: function(t, alpha))
    got = run(tf.constant([0.3, 1.6]))
    np.testing.assert_allclose(got, softround_ops.soft_round(tf.constant([0.3, 1.6]), 5.0), rtol=1e-6)


def test_a_keras_variable_alpha_under_portable_export():
    alpha = keras.Variable(5.0)
    f = tf.function(lambda t: softround_ops.soft_round_inverse(t, alpha))
    with softround_ops.portable():
        got = f(tf.constant([0.3, 1.6]))
    np.testing.assert_allclose(got, softround_ops.soft_round_inverse(tf.constant([0.3, 1.6]), 5.0), rtol=1e-6)


@pytest.mark.parametrize("rank", [8, 9, 11])
@pytest.mark.parametrize("function", [reference.soft_round, reference.soft_round_inverse])
def test_the_reference_accepts_every_rank_the_op_does(rank, function):
    shape = [2] * rank
    x = tf.constant(np.random.default_rng(0).uniform(-3, 3, shape), tf.float32)
    alpha = tf.constant(np.linspace(2, 6, 2), tf.float32)  # broadcast over the last axis
    op = softround_ops.soft_round if function is reference.soft_round else softround_ops.soft_round_inverse
    np.testing.assert_allclose(function(x, alpha), op(x, alpha), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    "dtype,mode,alpha,in_dtype",
    [
        (tf.float16, "sigmoid", 1e5, "inf"),
        (tf.float32, "tanh", 1e300, "inf"),
        (tf.float32, "sigmoid", 1e-50, "0.0"),
    ],
)
def test_a_number_alpha_is_checked_in_x_dtype_everywhere(path, dtype, mode, alpha, in_dtype):
    run = PATHS[path](lambda t: softround_ops.soft_round(t, alpha, mode=mode))
    expected = f"got {alpha!r}, which is {in_dtype} in {dtype.name}"
    with pytest.raises(ValueError, match=re.escape(expected)):
        run(tf.constant([0.3], dtype))


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
def test_ste_rounds_to_plus_zero_on_every_path(path, function):
    x = tf.constant([-0.0, -0.5, -0.4, 0.0, -1e-30], tf.float32)
    got = PATHS[path](lambda t: function(t, 0.0, mode="ste"))(x).numpy()
    assert (got == 0).all() and not np.signbit(got).any()


@pytest.mark.parametrize("alpha", [5 + 3j, np.complex64(2), tf.constant(1 + 2j), "5"])
@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
def test_complex_and_string_alphas_are_type_errors(alpha, function):
    with pytest.raises(TypeError, match="alpha must be a real number or a float tensor"):
        function(tf.constant([0.3]), alpha)


def test_clear_messages_for_odd_arguments():
    x = tf.constant([0.3, 1.7])
    with pytest.raises(
        ValueError, match=r"mode must be one of 'tanh', 'sigmoid', 'sine', 'ste'; got \['tanh'\]"
    ):
        softround_ops.soft_round(x, 2.0, mode=["tanh"])
    with pytest.raises(ValueError, match=r"got 1000000000.*, beyond every float"):
        softround_ops.soft_round(x, 10**400)
    half = softround_ops.soft_round(x, fractions.Fraction(1, 2))
    np.testing.assert_array_equal(half, softround_ops.soft_round(x, 0.5))


def test_ragged_x_maps_over_its_values():
    ragged = tf.ragged.constant([[0.3, 1.7], [2.2]])
    got = softround_ops.soft_round(ragged, 4.0)
    assert isinstance(got, tf.RaggedTensor)
    np.testing.assert_allclose(got.flat_values, softround_ops.soft_round(ragged.flat_values, 4.0))
    with pytest.raises(TypeError, match="a RaggedTensor x needs a scalar alpha"):
        softround_ops.soft_round(ragged, tf.constant([1.0, 2.0]))
