"""Keras layers of the family (trainable alpha, inverse, conditional mean) and compat.tfc."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops.compat import tfc
from softround_ops.keras import AlphaSchedule, SoftRound, SoftRoundConditionalMean, SoftRoundInverse

from conftest import run_python


def regression_data(seed=0, n=256, channels=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.round(x[:, :channels] * 2).astype("float32")
    return x, y


def test_trainable_alpha_is_learned_during_fit_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    x, y = regression_data()
    layer = SoftRound(alpha=2.0, alpha_trainable=True, alpha_shape=(3,), round_at_inference=False)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), layer])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    assert [w.name for w in model.trainable_weights].count("alpha") == 1
    before = layer.alpha.numpy().copy()
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    after = layer.alpha.numpy()
    assert after.shape == (3,) and not np.allclose(after, before)
    assert (after >= 0).all()
    path = str(tmp_path / "model.keras")
    model.save(path)
    code = f"""
import json, numpy as np, keras
import softround_ops
model = keras.saving.load_model({path!r})
layer = model.layers[-1]
x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
print(json.dumps({{"alpha": layer.alpha.numpy().tolist(), "trainable": layer.alpha_trainable,
                   "prediction": model.predict(x, verbose=0).tolist()}}))
"""
    result = run_python(code, env={"SOFTROUND_OPS_STRICT": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(loaded["alpha"], after, rtol=1e-6)
    assert loaded["trainable"] is True
    probe = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(loaded["prediction"], model.predict(probe, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,start,low,high", [("tanh", 0.5, 0.0, np.inf), ("sine", 0.5, 1e-3, 1.0)])
def test_trainable_alpha_stays_in_its_mode_range(mode, start, low, high):
    layer = SoftRound(alpha=start, mode=mode, alpha_trainable=True)
    layer.alpha.assign(-5.0)
    clipped = layer.alpha.constraint(layer.alpha).numpy()
    assert low <= clipped <= high


def test_alpha_schedule_refuses_a_trainable_alpha():
    x, y = regression_data(channels=1)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1), SoftRound(alpha=1.0, alpha_trainable=True, name="learned")]
    )
    model.compile(optimizer="sgd", loss="mae")
    with pytest.raises(ValueError, match="layer 'learned' learns its alpha"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[AlphaSchedule(1.0, 5.0)])


def test_alpha_schedule_checks_its_range_against_each_layer_before_training():
    x, y = regression_data(channels=1)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1), SoftRound(alpha=0.5, mode="sine", name="band")]
    )
    model.compile(optimizer="sgd", loss="mae")
    with pytest.raises(
        ValueError,
        match=r"leaves the range of layer 'band' \(mode 'sine', alpha must be a width in \(0, 1\]\) at 20",
    ):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[AlphaSchedule(1.0, 20.0)])


@pytest.mark.parametrize(
    "layer_class,function",
    [
        (SoftRoundInverse, softround_ops.soft_round_inverse),
        (SoftRoundConditionalMean, softround_ops.soft_round_conditional_mean),
    ],
)
def test_inverse_layers_apply_their_function_and_serialize(layer_class, function):
    layer = layer_class(alpha=4.0)
    x = tf.constant([[0.1, 0.4, 0.6, 1.3]])
    np.testing.assert_allclose(layer(x), function(x, 4.0), rtol=1e-6)
    clone = layer_class.from_config(layer.get_config())
    np.testing.assert_allclose(clone(x), layer(x), rtol=1e-6)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, layer_class) and restored.initial_alpha == 4.0


def test_tfc_functions_are_ours():
    x = tf.constant(np.linspace(-2.3, 2.3, 47), tf.float32)
    np.testing.assert_array_equal(tfc.soft_round(x, 5.0), softround_ops.soft_round(x, 5.0))
    np.testing.assert_array_equal(tfc.soft_round_inverse(x, 5.0), softround_ops.soft_round_inverse(x, 5.0))
    np.testing.assert_array_equal(
        tfc.soft_round_conditional_mean(x, 5.0), softround_ops.soft_round_conditional_mean(x, 5.0)
    )
    np.testing.assert_array_equal(tfc.round_st(x), tf.round(x))
    np.testing.assert_allclose(tfc.round_st(x, 0.25), tf.round(x - 0.25) + 0.25)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tfc.round_st(x, 0.25)
    np.testing.assert_array_equal(tape.gradient(y, x), tf.ones_like(x))


def test_tfc_eps_is_the_identity_threshold():
    x = tf.constant([0.2, 0.7])
    np.testing.assert_array_equal(tfc.soft_round(x, 0.01, eps=0.05), x)
    np.testing.assert_array_equal(tfc.soft_round(x, tf.constant(0.01), eps=0.05), x)
    assert not np.allclose(tfc.soft_round(x, 0.5, eps=0.05), x)
    np.testing.assert_array_equal(tfc.soft_round_inverse(x, tf.constant(0.01), eps=0.05), x)


def test_tfc_layers():
    x = tf.constant([[0.2, 0.7, 1.4]])
    np.testing.assert_array_equal(tfc.SoftRound(alpha=3.0)(x), softround_ops.soft_round(x, 3.0))
    np.testing.assert_array_equal(
        tfc.SoftRound(alpha=3.0, inverse=True)(x), softround_ops.soft_round_inverse(x, 3.0)
    )
    np.testing.assert_array_equal(
        tfc.SoftRoundConditionalMean(alpha=3.0)(x), softround_ops.soft_round_conditional_mean(x, 3.0)
    )
    layer = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(tfc.SoftRound(alpha=2.0, inverse=True))
    )
    assert isinstance(layer, tfc.SoftRound) and layer.inverse and layer.alpha == 2.0


def test_alpha_schedule_anneals_the_decoder_layers_too():
    x, y = regression_data(channels=1)
    encoder = SoftRound(alpha=1.0, name="encoder")
    decoder = SoftRoundConditionalMean(alpha=1.0, alpha_shape=(1,), name="decoder")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1), encoder, decoder])
    model.compile(optimizer="sgd", loss="mae")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[AlphaSchedule(1.0, 9.0)])
    assert float(encoder.alpha.numpy()) == 9.0
    np.testing.assert_array_equal(decoder.alpha.numpy(), [9.0])
