"""softround_ops in one minute: each mode at a glance, then a model that learns integer outputs.

Run: python examples/quickstart.py
"""

import numpy as np
import tensorflow as tf

import softround_ops as sro


def show_modes():
    x = tf.constant([0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0])
    print(f"x                {np.round(x.numpy(), 3)}")
    for name, y in [
        ("tanh alpha=5", sro.soft_round(x, 5.0)),
        ("sigmoid alpha=10", sro.approx_round(x, steepness=10.0)),
        ("sine width=0.5", sro.approx_round_sin(x, width=0.5)),
        ("ste", sro.round_ste(x)),
    ]:
        print(f"{name:16s} {np.round(y.numpy(), 3)}")


def train_integer_regressor():
    """Integer labels y = round(3 x1 - 2 x2 + 0.3); a linear model with a SoftRound
    head whose sharpness alpha is annealed in a tf.Variable (no retracing)."""
    rng = np.random.default_rng(0)
    features = rng.uniform(-2, 2, (2048, 2)).astype(np.float32)
    labels = np.round(features @ np.array([3.0, -2.0], np.float32) + 0.3).astype(np.float32)

    weights = tf.Variable(tf.zeros([2]))
    bias = tf.Variable(0.0)
    alpha = tf.Variable(1.0)
    optimizer = tf.keras.optimizers.Adam(0.05)
    optimizer.build([weights, bias])  # its slots exist before tracing: one trace

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            prediction = sro.soft_round(tf.linalg.matvec(x, weights) + bias, alpha)
            loss = tf.reduce_mean(tf.abs(prediction - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [weights, bias]), [weights, bias]))
        return loss

    for epoch in range(30):
        alpha.assign(1.0 + epoch / 29 * 14.0)  # anneal 1 -> 15
        for start in range(0, len(features), 256):
            loss = step(features[start : start + 256], labels[start : start + 256])
    exact = tf.round(tf.linalg.matvec(features, weights) + bias).numpy() == labels
    print(
        f"learned w={np.round(weights.numpy(), 2)} b={bias.numpy():.2f}; last loss {float(loss):.3f}; "
        f"exact-match accuracy of round(prediction): {exact.mean():.1%}"
    )
    traces = step.experimental_get_tracing_count()
    print(f"compiled ops in use: {sro.using_custom_ops()}; traces while alpha changed 30 times: {traces}")


if __name__ == "__main__":
    show_modes()
    train_integer_regressor()
