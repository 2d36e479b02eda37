"""`python -m softround_ops.plot --out modes.png`: every mode's y(x) and dy/dx on [-2, 2]
for several alphas, to choose a mode and an alpha schedule."""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from softround_ops import _api  # noqa: E402

ALPHAS = {"tanh": [1.0, 4.0, 16.0], "sigmoid": [2.0, 8.0, 32.0], "sine": [1.0, 0.5, 0.2], "ste": [0.0]}


def curves(mode, alpha, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _api.soft_round(x, alpha, mode=mode)
    return y.numpy(), tape.gradient(y, x).numpy()


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
    fig, axes = plt.subplots(2, len(ALPHAS), figsize=(4 * len(ALPHAS), 6.5), sharex=True)
    for column, (mode, alphas) in enumerate(ALPHAS.items()):
        for alpha in alphas:
            y, slope = curves(mode, alpha, x)
            label = mode if mode == "ste" else f"alpha={alpha:g}"
            axes[0][column].plot(x, y, label=label)
            axes[1][column].plot(x, slope, label=label)
        axes[0][column].plot(x, np.round(x), "k:", linewidth=0.8)
        axes[0][column].set(title=f"{mode}: y(x)")
        axes[1][column].set(title=f"{mode}: dy/dx", xlabel="x")
        axes[0][column].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
