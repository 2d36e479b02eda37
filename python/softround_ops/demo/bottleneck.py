"""Experiment 2: an autoencoder whose latents are rounded to integers at test time."""

import keras
import numpy as np

from softround_ops.keras import AlphaSchedule, SoftRound

LATENTS = 8

# Every quantizer is a configuration of the SoftRound layer; all round exactly at test.
QUANTIZERS = {
    "none": dict(alpha=0.0),  # identity while training
    "ste": dict(mode="ste"),
    "noise": dict(alpha=0.0, noise=True),  # additive uniform noise
    "softround": dict(alpha=1.0),
    "softround+noise": dict(alpha=1.0, noise=True),
}
ANNEALED = {"softround", "softround+noise"}


def entropy_bits(latents):
    """Empirical entropy of the rounded latents, summed over latent dimensions (bits per image)."""
    total = 0.0
    for column in latents.T:
        _, counts = np.unique(column, return_counts=True)
        p = counts / counts.sum()
        total += float(-(p * np.log2(p)).sum())
    return total


def run_quantizer(name, scale, train, test, epochs, seed, verbose):
    """Trains one autoencoder; returns test MSE with hard-rounded latents and their entropy."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((train.shape[1],))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    latent = keras.layers.Rescaling(scale)(keras.layers.Dense(LATENTS)(hidden))
    quantized = SoftRound(seed=seed, **QUANTIZERS[name])(latent)
    hidden = keras.layers.Dense(64, activation="relu")(keras.layers.Rescaling(1.0 / scale)(quantized))
    outputs = keras.layers.Dense(train.shape[1], activation="sigmoid")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    callbacks = [AlphaSchedule(1.0, 20.0, kind="geometric")] if name in ANNEALED else []
    model.fit(train, train, epochs=epochs, batch_size=64, callbacks=callbacks, verbose=verbose)
    # Calls, not evaluate/predict: no tf.function traced per model.
    error = float(np.mean((model(test, training=False).numpy() - test) ** 2))
    codes = keras.Model(inputs, quantized)(test, training=False).numpy()
    return {"error": error, "entropy": entropy_bits(codes)}
