"""Every alpha layout against a scalar alpha, and alpha's gradient against none.

    python benchmarks/bench_layouts.py            # 2^24 float32 elements, 7 reps
    python benchmarks/bench_layouts.py --quick    # 2^16, 3 reps

x has 2^24 float32 elements (4096 x 4096; NCHW 16 x 64 x 128 x 128); alpha
is a scalar, one per channel of the last axis, one per row, one per NCHW
channel (constant over each 128 x 128 plane), or one per element. For each:
the forward pass, forward+backward with x's gradient only, and with alpha's
gradient too (alpha a variable). Ratios are to the scalar alpha's same pass,
and alpha's gradient to the same layout without it; tf.negative gives the
memory roofline. Medians of interleaved repetitions, in tf.functions.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import describe, interleaved_medians, machine, write_json  # noqa: E402

import softround_ops as sro  # noqa: E402

ALPHA = 5.0


def layouts(rows, columns):
    """{name: (x shape, alpha shape)} with rows * columns elements."""
    planes = rows * columns // (64 * 128 * 128)
    return {
        "scalar": ((rows, columns), ()),
        "per channel (last axis)": ((rows, columns), (columns,)),
        "per row": ((rows, columns), (rows, 1)),
        "per channel (NCHW)": ((planes, 64, 128, 128), (1, 64, 1, 1)),
        "per element": ((rows, columns), (rows, columns)),
    }


def passes(x, dy, alpha):
    """The three timed passes over one layout, as tf.functions of nothing."""

    @tf.function(autograph=False)
    def forward():
        return sro.soft_round(x, alpha.read_value())

    @tf.function(autograph=False)
    def forward_backward():
        constant = alpha.read_value()  # not watched: x's gradient only
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = sro.soft_round(x, constant)
        return tape.gradient(y, x, output_gradients=dy)

    @tf.function(autograph=False)
    def with_alpha():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = sro.soft_round(x, alpha)
        return tape.gradient(y, [x, alpha], output_gradients=dy)

    return {"fwd": forward, "fwd+bwd": forward_backward, "fwd+bwd +alpha": with_alpha}


def roofline(x, dy):
    @tf.function(autograph=False)
    def forward():
        return tf.negative(x)

    @tf.function(autograph=False)
    def forward_backward():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.negative(x)
        return tape.gradient(y, x, output_gradients=dy)

    return {"fwd": forward, "fwd+bwd": forward_backward}


def run(quick=False, reps=7):
    """Times every layout, prints the table; the results as JSON data."""
    rng = np.random.default_rng(0)
    rows, columns = (256, 256) if quick else (4096, 4096)
    reps = 3 if quick else reps
    cases = {}
    for name, (x_shape, alpha_shape) in layouts(rows, columns).items():
        if quick and name == "per channel (NCHW)":
            x_shape = (4, 64, 16, 16)
        x = tf.constant(rng.uniform(-4, 4, x_shape), tf.float32)
        dy = tf.constant(rng.uniform(0.5, 1.5, x_shape), tf.float32)
        alpha = tf.Variable(tf.constant(rng.uniform(0.8, 1.2, alpha_shape) * ALPHA, tf.float32))
        for label, fn in passes(x, dy, alpha).items():
            cases[name, label] = fn
        if name == "scalar":
            for label, fn in roofline(x, dy).items():
                cases["tf.negative", label] = fn
    progress = tf.keras.utils.Progbar(len(cases) * reps, unit_name="timing")
    seconds = interleaved_medians(cases, reps, calls=3, progress=progress)

    print(f"\nfloat32, {rows * columns} elements: ms per call (ratio to the scalar alpha's same pass)")
    print(f"{'layout':26s}{'fwd':>16s}{'fwd+bwd':>16s}{'fwd+bwd +alpha':>16s}{'alpha grad cost':>17s}")
    for name in ["tf.negative"] + list(layouts(rows, columns)):
        cells = []
        for label in ("fwd", "fwd+bwd", "fwd+bwd +alpha"):
            if (name, label) not in seconds:
                cells.append(f"{'':>16s}")
                continue
            scalar = seconds["scalar", label]
            cells.append(f"{seconds[name, label] * 1e3:8.2f} ({seconds[name, label] / scalar:4.2f})")
        extra = (
            f"{seconds[name, 'fwd+bwd +alpha'] / seconds[name, 'fwd+bwd']:16.2f}x"
            if (name, "fwd+bwd +alpha") in seconds
            else ""
        )
        print(f"{name:26s}" + "".join(cells) + extra)
    return {
        "reps": reps,
        "elements": rows * columns,
        "seconds": [{"layout": n, "pass": p, "seconds": s} for (n, p), s in seconds.items()],
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions")
    parser.add_argument("--quick", action="store_true", help="2^16 elements (NCHW: 4 planes of 64 x 16 x 16)")
    parser.add_argument("--json", default="benchmarks/layouts.json", help="where to write the results")
    args = parser.parse_args()
    info = machine()
    print(describe(info))
    write_json(args.json, {"machine": info, **run(args.quick, args.reps)})


if __name__ == "__main__":
    main()
