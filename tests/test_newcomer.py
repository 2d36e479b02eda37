"""What a newcomer meets first: import errors, defaults, names, messages, warnings."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops.keras import AlphaSchedule, SoftRound

from conftest import run_python


def test_without_tensorflow_the_api_says_what_to_install():
    # The import itself works (softround_ops.numpy needs no TensorFlow); the
    # TensorFlow API raises when it is first reached.
    code = "import sys\nsys.modules['tensorflow'] = None\nimport softround_ops\nsoftround_ops.soft_round\n"
    result = run_python(code)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: softround_ops needs TensorFlow")
    assert f"TensorFlow {'.'.join(tf.__version__.split('.')[:2])}" in last
    assert "pip install 'softround_ops[tensorflow-cpu]'" in last


@pytest.mark.parametrize("mode,default", [("tanh", 5.0), ("sigmoid", 10.0), ("sine", 0.5), ("ste", 0.0)])
def test_each_mode_has_a_default_alpha_in_its_range(mode, default):
    layer = SoftRound(mode=mode)
    assert layer.initial_alpha == default
    assert float(layer.alpha.numpy()) == default


def test_history_shows_hard_rounding_and_the_exact_schedule_end():
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = np.round(x[:, :1] * 3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1), SoftRound(alpha=1.0)])
    model.compile(optimizer="sgd", loss="mae", jit_compile=True)
    schedule = AlphaSchedule(1.0, 20.0, kind="geometric", hard_rounding_epochs=1)
    history = model.fit(x, y, epochs=4, batch_size=32, verbose=0, callbacks=[schedule])
    assert history.history["alpha"][0] == 1.0 and history.history["alpha"][2] == 20.0
    assert history.history["hard_rounding"] == [0.0, 0.0, 0.0, 1.0]


def test_public_functions_carry_their_public_names():
    with pytest.raises(TypeError, match=r"^round_ste\(\) takes 1 positional argument but 2 were given"):
        softround_ops.round_ste(tf.constant([0.3]), 5.0)
    assert softround_ops.approx_round_sin.__qualname__ == "approx_round_sin"


@pytest.mark.parametrize("alpha", ["5", b"5", 5 + 3j, np.array([1 + 2j]), tf.constant("5")])
def test_non_real_alpha_is_a_type_error_naming_alpha(alpha):
    with pytest.raises(TypeError, match="soft_round: alpha must be a real number or a float tensor"):
        softround_ops.soft_round(tf.constant([0.3]), alpha)


def test_a_scalar_alpha_out_of_range_is_named_without_an_index():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"; got alpha = 2(\s|$| \[)"):
        softround_ops.soft_round(tf.constant([0.3]), tf.constant(2.0), mode="sine")


def test_a_missing_override_library_is_named_and_the_warning_points_at_the_caller():
    code = """
import warnings, tensorflow as tf, softround_ops
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    softround_ops.soft_round(tf.constant([0.3]), 2.0)
print(caught[0].filename, caught[0].lineno)
print(caught[0].message)
"""
    result = run_python(code, {"SOFTROUND_OPS_LIBRARY": "/no/such/file.so"})
    assert result.returncode == 0, result.stderr
    where, message = result.stdout.strip().splitlines()[-2:]
    assert where == "<string> 5", where
    assert message.startswith("SOFTROUND_OPS_LIBRARY names /no/such/file.so, which does not exist")
