"""`python -m softround_ops.plot --out modes.png`: every mode's y(x) and dy/dx on [-2, 2]
for several alphas, to choose a mode and an alpha schedule, and the tanh mode's inverse
and conditional mean with their slopes (the decoder side of learned compression)."""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from softround_ops import _api  # noqa: E402

ALPHAS = {"tanh": [1.0, 4.0, 16.0], "sigmoid": [2.0, 8.0, 32.0], "sine": [1.0, 0.5, 0.2], "ste": [0.0]}
# The tanh family's other functions: (panel title, function).
FAMILY = [
    ("tanh inverse", _api.soft_round_inverse),
    ("tanh conditional mean", _api.soft_round_conditional_mean),
]


def curves(function, alpha, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x, alpha)
    return y.numpy(), tape.gradient(y, x).numpy()


def panels():
    """(title, function of (x, alpha), alphas) of every column of the figure."""
    columns = []
    for mode, alphas in ALPHAS.items():

        def soft_round(x, alpha, mode=mode):
            return _api.soft_round(x, alpha, mode=mode)

        columns.append((mode, soft_round, alphas))
    return columns + [(title, function, ALPHAS["tanh"]) for title, function in FAMILY]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m softround_ops.plot", description=__doc__)
    parser.add_argument("--out", required=True, metavar="PATH", help="PNG file to write")
    args = parser.parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("this command needs matplotlib: pip install 'softround_ops[plot]'") from None
    x = np.linspace(-2, 2, 2001)
    columns = panels()
    fig, axes = plt.subplots(2, len(columns), figsize=(4 * len(columns), 6.5), sharex=True)
    for column, (title, function, alphas) in enumerate(columns):
        for alpha in alphas:
            y, slope = curves(function, alpha, x)
            label = title if title == "ste" else f"alpha={alpha:g}"
            axes[0][column].plot(x, y, label=label)
            axes[1][column].plot(x, slope, label=label)
        axes[0][column].plot(x, np.round(x), "k:", linewidth=0.8)
        axes[0][column].set(title=f"{title}: y(x)")
        axes[1][column].set(title=f"{title}: dy/dx", xlabel="x")
        if title in dict(FAMILY):
            # The inverse's slope is enormous next to integers; a log axis shows it.
            axes[1][column].set_yscale("log")
        axes[0][column].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
