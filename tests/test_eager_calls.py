"""Eager calls take a fast path once their alpha was checked; it must agree with the checked path."""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference

from conftest import DTYPES, value_tolerance

pytestmark = pytest.mark.skipif(
    not softround_ops.using_custom_ops(), reason="the eager fast path exists only for the compiled ops"
)


def _same(actual, expected):
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@pytest.mark.parametrize("mode,alpha", [("tanh", 2.5), ("sigmoid", 2.5), ("sine", 0.5), ("ste", 2.5)])
def test_a_cached_number_alpha_serves_every_dtype(mode, alpha):
    for tf_dtype, np_dtype in DTYPES.values():
        x = tf.constant(np.linspace(-3, 3, 37), tf_dtype)
        first = softround_ops.soft_round(x, alpha, mode=mode)  # checks alpha, caches it per dtype
        again = softround_ops.soft_round(x, alpha, mode=mode)  # the fast path
        as_tensor = softround_ops.soft_round(x, tf.constant(alpha, tf_dtype), mode=mode)
        _same(again, first)
        _same(as_tensor, first)
        expected = reference.soft_round(x, alpha, mode=mode).numpy().astype(np.float64)
        # Both compute in float32 (float64) and round once: one ulp apart at most.
        np.testing.assert_array_less(
            np.abs(again.numpy().astype(np.float64) - expected), 2 * value_tolerance(expected, np_dtype)
        )


def test_an_int_alpha_equals_the_float_alpha():
    x = tf.constant([0.2, 1.4, -2.7])
    _same(softround_ops.soft_round(x, 3), softround_ops.soft_round(x, 3.0))


def test_errors_still_raise_after_the_cache_is_warm():
    x = tf.constant([0.3, 1.7])
    softround_ops.soft_round(x, 2.0, mode="sigmoid")
    with pytest.raises(ValueError, match="mode"):
        softround_ops.soft_round(x, tf.constant(2.0), mode="nearest")
    with pytest.raises(ValueError, match="alpha"):
        softround_ops.soft_round(x, -2.0, mode="sigmoid")
    with pytest.raises(tf.errors.InvalidArgumentError, match="alpha"):
        softround_ops.soft_round(x, tf.constant(-2.0), mode="sigmoid")
    with pytest.raises(TypeError, match="float"):
        softround_ops.soft_round(tf.constant([1, 2]), 2.0)


def test_a_tensor_alpha_of_another_dtype_is_cast():
    x = tf.constant([0.2, 1.4, -2.7], tf.float32)
    _same(
        softround_ops.soft_round(x, tf.constant(4.0, tf.float64)),
        softround_ops.soft_round(x, tf.constant(4.0, tf.float32)),
    )


def test_non_tensor_inputs_are_converted():
    values = [0.2, 1.4, -2.7]
    _same(softround_ops.soft_round(values, 4.0), softround_ops.soft_round(tf.constant(values), 4.0))
    _same(
        softround_ops.soft_round(np.array(values, np.float64), 4.0),
        softround_ops.soft_round(tf.constant(values, tf.float64), 4.0),
    )
