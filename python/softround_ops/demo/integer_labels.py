"""Experiment 1: a network whose outputs must be integers, trained with different heads."""

import keras
import numpy as np

from softround_ops.keras import AlphaSchedule, SoftRound

HEADS = ["mode", "mse", "mae", "softmax", "ste", "softround"]


def _body(features):
    inputs = keras.Input((features,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    return inputs, keras.layers.Dense(64, activation="relu")(hidden)


def _regression(features, loss, quantizer=None):
    inputs, hidden = _body(features)
    outputs = keras.layers.Dense(1)(hidden)
    if quantizer is not None:
        outputs = quantizer(outputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
    return model


class _TestError(keras.callbacks.Callback):
    """The test MAE of the rounded predictions after each epoch: a curve every head
    shares (their training losses are in different units)."""

    def __init__(self, x_test, y_test, decode):
        super().__init__()
        self.x_test, self.y_test, self.decode, self.maes = x_test, y_test, decode, []

    def on_epoch_end(self, epoch, logs=None):
        prediction = self.decode(self.model(self.x_test, training=False).numpy())
        self.maes.append(float(np.mean(np.abs(prediction - self.y_test))))


def run_head(head, train, test, epochs, seed, verbose):
    """Trains one head; returns (test metrics, test MAE per epoch, test predictions)."""
    (x, y), (x_test, y_test) = train, test
    keras.utils.set_random_seed(seed)
    callbacks = []
    low = int(y.min())
    if head == "mode":
        values, count = np.unique(y, return_counts=True)
        prediction = np.full_like(y_test, values[np.argmax(count)])
        curve = [float(np.mean(np.abs(prediction - y_test)))] * epochs
    else:
        if head == "softmax":
            classes = int(y.max()) - low + 1
            inputs, hidden = _body(x.shape[1])
            model = keras.Model(inputs, keras.layers.Dense(classes)(hidden))
            model.compile(
                optimizer=keras.optimizers.Adam(3e-3),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
            targets = y - low
        else:
            targets = y[:, None]
            if head in ("mse", "mae"):
                model = _regression(x.shape[1], head)
            elif head == "ste":
                model = _regression(x.shape[1], "mae", SoftRound(mode="ste"))
            else:  # softround: annealed to 20, the last two epochs hard
                model = _regression(x.shape[1], "mae", SoftRound(alpha=1.0))
                callbacks = [
                    AlphaSchedule(1.0, 20.0, kind="geometric", hard_rounding_epochs=min(2, epochs - 1))
                ]

        def decode(raw):
            return (np.argmax(raw, axis=1) + low) if head == "softmax" else np.round(raw[:, 0])

        # Calls, not predict: no tf.function per model.
        test_error = _TestError(x_test, y_test, decode)
        model.fit(
            x, targets, epochs=epochs, batch_size=128, callbacks=[*callbacks, test_error], verbose=verbose
        )
        curve = test_error.maes
        prediction = decode(model(x_test, training=False).numpy())
    metrics = {
        "exact": float(np.mean(prediction == y_test)),
        "mae": float(np.mean(np.abs(prediction - y_test))),
    }
    return metrics, curve, prediction
