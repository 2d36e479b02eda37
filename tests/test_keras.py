"""The Keras layer and the alpha schedule."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops.keras import AlphaSchedule, SoftRound

from conftest import run_python
from numpy_model import soft_round as model_soft_round


def integer_data(n=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 3)).astype(np.float32)
    y = np.round(x @ np.array([2.0, -1.0, 0.5], np.float32) + 0.3)[:, None]
    return x, y.astype(np.float32)


def sequential(**layer_kwargs):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1), SoftRound(**layer_kwargs)])


def test_inference_gives_integers_training_gives_the_soft_round():
    layer = SoftRound(alpha=4.0)
    x = tf.constant([[0.2, 0.5, 1.4, -2.7]])
    np.testing.assert_array_equal(layer(x, training=False).numpy(), np.round(x.numpy()))
    np.testing.assert_allclose(
        layer(x, training=True).numpy(), model_soft_round(x.numpy(), 4.0, "tanh"), atol=2e-6
    )
    soft = SoftRound(alpha=4.0, round_at_inference=False)
    np.testing.assert_allclose(soft(x).numpy(), model_soft_round(x.numpy(), 4.0, "tanh"), atol=2e-6)


def test_functional_model_predicts_integers():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((3,))
    outputs = SoftRound(alpha=2.0, mode="sigmoid")(keras.layers.Dense(2)(inputs))
    model = keras.Model(inputs, outputs)
    prediction = model.predict(integer_data()[0], verbose=0)
    np.testing.assert_array_equal(prediction, np.round(prediction))


def test_noise_only_while_training():
    layer = SoftRound(alpha=50.0, noise=True, seed=3)
    x = tf.fill([1000], 2.0)
    noisy = layer(x, training=True).numpy()
    assert noisy.std() > 0.2 and np.all(np.abs(noisy - 2.0) <= 0.5)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), np.full(1000, 2.0))


class CountingSoftRound(SoftRound):
    """Counts Python executions of call: inside fit, those are traces."""

    traces = 0

    def call(self, inputs, training=False):
        CountingSoftRound.traces += 1
        return super().call(inputs, training=training)


class RecordTraces(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.per_epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.per_epoch.append(CountingSoftRound.traces)


@pytest.mark.parametrize("per", ["epoch", "step"])
def test_fit_with_alpha_schedule_changes_alpha_without_retracing(per):
    x, y = integer_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1), CountingSoftRound(alpha=1.0)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mae")
    schedule, traces = AlphaSchedule(1.0, 16.0, kind="geometric", per=per), RecordTraces()
    history = model.fit(x, y, epochs=5, batch_size=128, callbacks=[schedule, traces], verbose=0)
    alphas = history.history["alpha"]
    if per == "epoch":
        np.testing.assert_allclose(alphas, [1.0, 2.0, 4.0, 8.0, 16.0], rtol=1e-6)
    else:
        assert alphas[0] > 1.0 and alphas[-1] == pytest.approx(16.0) and sorted(alphas) == alphas
    assert float(model.layers[-1].alpha.numpy()) == pytest.approx(16.0)
    assert len(set(traces.per_epoch)) == 1, f"retraced after the first epoch: {traces.per_epoch}"
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_hard_rounding_epochs_train_on_exact_integers():
    x, y = integer_data()
    model = sequential(alpha=1.0, noise=True, seed=0)
    model.compile(optimizer="adam", loss="mae")
    model.fit(
        x, y, epochs=3, batch_size=256, callbacks=[AlphaSchedule(1.0, 5.0, hard_rounding_epochs=1)], verbose=0
    )
    layer = model.layers[-1]
    assert float(layer.hard_rounding.numpy()) == 1.0 and float(layer.alpha.numpy()) == 5.0
    out = layer(tf.constant([0.3, 1.6]), training=True).numpy()
    np.testing.assert_array_equal(out, [0.0, 2.0])
    with tf.GradientTape() as tape:
        v = tf.constant([0.3, 1.6])
        tape.watch(v)
        g = tape.gradient(layer(v, training=True), v)
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])  # straight through


def test_schedule_errors():
    with pytest.raises(ValueError, match="geometric schedule needs start > 0"):
        AlphaSchedule(0.0, 10.0, kind="geometric")
    with pytest.raises(ValueError, match="per must be 'epoch' or 'step'"):
        AlphaSchedule(1.0, 2.0, per="batch")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="no softround_ops.keras.SoftRound layer"):
        model.fit(*integer_data(64), epochs=1, callbacks=[AlphaSchedule(1.0, 2.0)], verbose=0)
    with pytest.raises(ValueError, match="alpha for mode 'sine' must be a width in"):
        SoftRound(alpha=3.0, mode="sine")


def test_jit_compile_trains_through_the_reference_ops():
    x, y = integer_data()
    model = sequential(alpha=2.0)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mae", jit_compile=True)
    history = model.fit(x, y, epochs=3, batch_size=128, callbacks=[AlphaSchedule(2.0, 8.0)], verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_default_jit_compile_auto_works():
    x, y = integer_data()
    model = sequential(alpha=2.0)
    model.compile(optimizer="adam", loss="mae")  # jit_compile="auto"
    assert np.isfinite(model.fit(x, y, epochs=1, verbose=0).history["loss"]).all()


LOAD_KERAS = """
import json, sys
import numpy as np
import keras
import softround_ops  # registers SoftRound; no custom_objects
model = keras.saving.load_model(sys.argv[1])
x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3)
layer = model.layers[-1]
print(json.dumps({"prediction": model.predict(x, verbose=0).tolist(), "alpha": float(layer.alpha.numpy()),
                  "config": layer.get_config()}))
"""


def test_keras_file_reloads_in_a_fresh_process(tmp_path):
    x, y = integer_data()
    model = sequential(alpha=3.0, noise=True, seed=5)
    model.compile(optimizer="adam", loss="mae")
    model.fit(x, y, epochs=2, callbacks=[AlphaSchedule(3.0, 9.0)], verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    result = run_python(LOAD_KERAS.replace("sys.argv[1]", repr(path)))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    probe = np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(loaded["prediction"], model.predict(probe, verbose=0))
    assert loaded["alpha"] == pytest.approx(9.0)
    assert loaded["config"]["noise"] is True and loaded["config"]["seed"] == 5


def test_layer_is_exported_by_the_package():
    assert softround_ops.keras.SoftRound is SoftRound
    assert keras.saving.get_registered_name(SoftRound) == "softround_ops>SoftRound"
