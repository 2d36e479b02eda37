"""Every error path: a clear error naming the argument, the accepted range and the value."""

import re

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import ALPHA_RANGES, reference

BAD_ALPHAS = {
    "tanh": [-1.0, float("nan"), float("inf")],
    "sigmoid": [0.0, -2.0, float("nan"), float("inf")],
    "sine": [0.0, 1.5, -0.1, float("nan"), float("inf")],
}
CASES = [(mode, alpha) for mode, alphas in BAD_ALPHAS.items() for alpha in alphas]


@pytest.mark.parametrize("mode,alpha", CASES)
def test_python_number_alpha_out_of_range_is_a_value_error(backend, mode, alpha):
    _, soft_round = backend
    with pytest.raises(ValueError) as error:
        soft_round(tf.constant([0.3]), alpha, mode=mode)
    message = str(error.value)
    assert f"mode '{mode}'" in message and ALPHA_RANGES[mode] in message and repr(alpha) in message


@pytest.mark.parametrize("mode,alpha", CASES)
def test_tensor_alpha_out_of_range_is_an_invalid_argument_error(backend, mode, alpha):
    name, soft_round = backend
    good = 0.5 if mode == "sine" else 2.0
    alpha_tensor = tf.constant([good, good, alpha], tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        soft_round(tf.constant([0.3, 0.7, 1.2], tf.float64), alpha_tensor, mode=mode)
    message = error.value.message
    assert f"alpha for mode '{mode}' must be {ALPHA_RANGES[mode]}" in message
    assert ("SoftRound" if name == "custom" else "soft_round (reference)") in message
    if name == "custom":
        # The kernel prints the value as C++ streams do at 17 digits.
        assert f"; got alpha[2] = {alpha:.17g}" in message
    else:
        # tf.debugging.Assert prints the offending value on the line after ours.
        assert message.endswith(f'; got "\n{alpha!r}')


def test_kernel_names_the_offending_index_and_value():
    alpha = tf.constant([1.0, 2.0, -3.5])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"got alpha\[2\] = -3\.5"):
        softround_ops.soft_round(tf.constant([0.1, 0.2, 0.3]), alpha)


def test_gradient_kernel_validates_alpha_too():
    ops = softround_ops._loader.custom_ops()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"SoftRoundGrad: alpha for mode 'sine'"):
        ops.soft_round_grad(tf.ones([2]), tf.ones([2]), tf.constant(2.0), mode="sine")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"SoftRoundGrad: dy of shape \[3\]"):
        ops.soft_round_grad(tf.ones([3]), tf.ones([2]), tf.constant(2.0))


def test_ste_ignores_alpha(backend):
    _, soft_round = backend
    y = soft_round(tf.constant([0.4, 0.6]), tf.constant(float("nan")), mode="ste")
    np.testing.assert_array_equal(y.numpy(), [0.0, 1.0])


@pytest.mark.parametrize("alpha_shape", [(3,), (4, 2), (5, 1, 4), (2, 3, 4)], ids=str)
def test_alpha_that_does_not_broadcast_is_rejected(backend, alpha_shape):
    """Against x of shape (2, 4): (3,) and (4, 2) mismatch, (5, 1, 4) and (2, 3, 4) would enlarge x."""
    _, soft_round = backend
    x = tf.zeros([2, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not broadcast to x of shape"):
        soft_round(x, tf.ones(alpha_shape))


def test_shape_function_rejects_a_bad_alpha_at_graph_construction():
    @tf.function
    def f(x, alpha):
        return softround_ops.soft_round(x, alpha)

    with pytest.raises(ValueError, match="SoftRound: alpha of shape \\[3\\] does not broadcast"):
        f.get_concrete_function(tf.TensorSpec([None, 4]), tf.TensorSpec([3]))
    # Unknown dimensions are left to the kernel, which rejects them at run time.
    f_unknown = f.get_concrete_function(tf.TensorSpec([None, None]), tf.TensorSpec([None]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not broadcast"):
        f_unknown(tf.zeros([2, 4]), tf.ones([3]))


def test_unknown_mode_is_a_value_error(backend):
    _, soft_round = backend
    with pytest.raises(ValueError, match="mode must be one of 'tanh', 'sigmoid', 'sine', 'ste'; got 'round'"):
        soft_round(tf.constant([0.3]), 1.0, mode="round")


def test_non_float_x_is_a_type_error(backend):
    _, soft_round = backend
    with pytest.raises(TypeError, match="x must be half, bfloat16, float32 or float64; got int32"):
        soft_round(tf.constant([1, 2]), 1.0)


@pytest.mark.parametrize("module", [softround_ops, reference], ids=["custom", "reference"])
@pytest.mark.parametrize("width", [0.0, -0.5, 1.01])
def test_approx_round_sin_rejects_width_in_the_words_of_soft_round(module, width):
    expected = f"approx_round_sin: alpha for mode 'sine' must be a width in (0, 1]; got {width!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        module.approx_round_sin(tf.constant([0.3]), width)
    with pytest.raises(ValueError, match=re.escape("alpha for mode 'sine' must be a width in (0, 1]; got")):
        module.soft_round(tf.constant([0.3]), width, mode="sine")


def test_python_and_kernel_state_the_same_ranges():
    """The kernel's message and _modes.ALPHA_RANGES are two copies of one text."""
    for mode, text in ALPHA_RANGES.items():
        if mode == "ste":
            continue
        with pytest.raises(tf.errors.InvalidArgumentError) as error:
            softround_ops.soft_round(tf.constant([0.3]), tf.constant(float("nan")), mode=mode)
        assert f"must be {text};" in error.value.message
