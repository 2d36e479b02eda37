"""What users feel: one training step of a small CNN with a soft round after
every activation, as in quantization-aware training.

    python benchmarks/bench_e2e.py            # batch 64, 15 reps
    python benchmarks/bench_e2e.py --quick    # batch 8, 3 reps

The model: six 3x3 convolutions (32, 32, 64, 64, 128, 128 channels; 2x2
max-pooling after the second and fourth), global average pooling and a dense
layer of 10, on 32x32x3 inputs; softmax cross-entropy; one SGD step in a
tf.function. After each convolution's ReLU comes the variant's elementwise
step: nothing; softround_ops' soft round (tanh, alpha 5); tensorflow-
compression's formula as TensorFlow ops; one more ReLU (the cost of one
extra elementwise pass); and softround_ops with the whole step compiled by
XLA. The table gives ms per step and the overhead over no quantization.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import describe, interleaved_medians, machine, write_json  # noqa: E402
from tfc_formulas import tfc_soft_round  # noqa: E402

import softround_ops as sro  # noqa: E402

CHANNELS = (32, 32, 64, 64, 128, 128)
POOL_AFTER = (1, 3)
ALPHA = 5.0

ONE_MORE_PASS = "one more ReLU"
VARIANTS = {
    "no quantization": (lambda h: h, False),
    "softround_ops": (lambda h: sro.soft_round(h, ALPHA), False),
    "tfc formula as TF ops": (lambda h: tfc_soft_round(h, ALPHA), False),
    ONE_MORE_PASS: (tf.nn.relu, False),
    "softround_ops, step under XLA": (lambda h: sro.soft_round(h, ALPHA), True),
}


def make_weights(rng):
    weights, channels_in = [], 3
    for channels in CHANNELS:
        scale = np.sqrt(2.0 / (9 * channels_in))
        weights.append(tf.Variable(rng.normal(0, scale, (3, 3, channels_in, channels)).astype(np.float32)))
        channels_in = channels
    weights.append(tf.Variable(rng.normal(0, 0.1, (channels_in, 10)).astype(np.float32)))
    return weights


def training_step(weights, after_activation, jit_compile):
    """One SGD step of the model, as a tf.function of (images, labels)."""

    def logits(images):
        h = images
        for i, kernel in enumerate(weights[:-1]):
            h = after_activation(tf.nn.relu(tf.nn.conv2d(h, kernel, 1, "SAME")))
            if i in POOL_AFTER:
                h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        return tf.reduce_mean(h, axis=[1, 2]) @ weights[-1]

    @tf.function(jit_compile=jit_compile, autograph=False)
    def step(images, labels):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits(images))
            )
        for weight, gradient in zip(weights, tape.gradient(loss, weights)):
            weight.assign_sub(0.01 * gradient)
        return loss

    return step


def run(batch=64, reps=15, quick=False):
    """Times one step of each variant, prints the table; the results as JSON
    data. quick: batch 8, 3 reps."""
    if quick:
        batch, reps = 8, 3
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(0, 1, (batch, 32, 32, 3)), tf.float32)
    labels = tf.constant(rng.integers(0, 10, batch), tf.int32)
    cases = {}
    for name, (after_activation, jit_compile) in VARIANTS.items():
        step = training_step(make_weights(rng), after_activation, jit_compile)
        cases[name] = lambda step=step: step(images, labels).numpy()
    progress = tf.keras.utils.Progbar(len(cases) * reps, unit_name="timing")
    seconds = interleaved_medians(cases, reps, calls=3, progress=progress)

    base = seconds["no quantization"]
    print(f"\nOne SGD step, batch {batch}, float32: ms per step (overhead over no quantization)")
    for name, value in seconds.items():
        print(f"{name:32s}{value * 1e3:9.1f}  ({(value / base - 1) * 100:+6.1f}%)")
    ours = seconds["softround_ops"] - base
    theirs = seconds["tfc formula as TF ops"] - base
    extra = seconds[ONE_MORE_PASS] - base
    print(
        f"softround_ops' overhead: {ours / theirs:.2f} of the TF-ops formula's, "
        f"{ours / extra:.2f} of {ONE_MORE_PASS}'s"
    )
    return {"reps": reps, "batch": batch, "seconds": seconds}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=15, help="interleaved repetitions")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="batch 8, 3 reps")
    parser.add_argument("--json", default="benchmarks/e2e.json", help="where to write the results")
    args = parser.parse_args()
    info = machine()
    print(describe(info))
    write_json(args.json, {"machine": info, **run(args.batch, args.reps, args.quick)})


if __name__ == "__main__":
    main()
