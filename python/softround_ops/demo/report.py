"""Tables (mean +- sd over seeds) and the demo's figure."""

import os

import numpy as np


def _cell(values, scale=1.0, digits=3):
    values = np.asarray(values) * scale
    return f"{values.mean():.{digits}f} +- {values.std():.{digits}f}"


def labels_table(results):
    lines = ["Integer labels: exact-match accuracy and MAE of the rounded test predictions (mean +- sd)"]
    datasets = list(dict.fromkeys(name for name, _ in results))
    header = f"{'head':12s}" + "".join(f"{d + ' exact':>22s}{d + ' MAE':>22s}" for d in datasets)
    lines += [header, "-" * len(header)]
    for head in dict.fromkeys(h for _, h in results):
        row = f"{head:12s}"
        for d in datasets:
            runs = results[d, head]
            row += f"{_cell([r['exact'] for r in runs]):>22s}{_cell([r['mae'] for r in runs]):>22s}"
        lines.append(row)
    return "\n".join(lines)


def bottleneck_table(results):
    lines = [
        "Integer bottleneck (digits autoencoder, 8 latents rounded at test): "
        "test MSE x 1000 / entropy of the latents in bits per image (mean +- sd)"
    ]
    scales = sorted({s for _, s in results})
    header = f"{'quantizer':16s}" + "".join(f"{'scale ' + str(s):>30s}" for s in scales)
    lines += [header, "-" * len(header)]
    for name in dict.fromkeys(n for n, _ in results):
        row = f"{name:16s}"
        for s in scales:
            runs = results[name, s]
            cell = (
                f"{_cell([r['error'] for r in runs], 1000, 2)} / {np.mean([r['entropy'] for r in runs]):.1f}"
            )
            row += f"{cell:>30s}"
        lines.append(row)
    return "\n".join(lines)


def as_json(labels, codes, settings):
    # Paths as relative to the working directory: the file names no machine.
    settings = {
        key: os.path.relpath(value) if key in ("plot", "json") and value else value
        for key, value in settings.items()
    }
    return {
        "settings": settings,
        "integer_labels": [{"dataset": d, "head": h, "runs": r} for (d, h), r in (labels or {}).items()],
        "bottleneck": [{"quantizer": q, "scale": s, "runs": r} for (q, s), r in (codes or {}).items()],
    }


def plot(path, curves, predictions, codes):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is missing (pip install 'softround_ops[plot]')")
        return
    datasets = list(dict.fromkeys(d for d, _ in (predictions or {})))
    heads = list(dict.fromkeys(h for _, h in (predictions or {})))
    rows = len(datasets) + (1 if codes else 0)
    columns = max(1 + len(heads), 2)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.0 * rows), squeeze=False)
    for row, dataset in enumerate(datasets):
        ax = axes[row][0]
        for head in heads:
            if curves.get((dataset, head)):
                ax.plot(np.arange(1, len(curves[dataset, head]) + 1), curves[dataset, head], label=head)
        ax.set(title=f"{dataset}: test MAE (rounded)", xlabel="epoch", ylabel="MAE")
        ax.legend(fontsize=7)
        for column, head in enumerate(heads, start=1):
            truth, prediction = predictions[dataset, head]
            ax = axes[row][column]
            jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(truth))
            ax.scatter(truth + jitter, prediction, s=2, alpha=0.3)
            top = max(truth.max(), prediction.max())
            ax.plot([0, top], [0, top], "k--", linewidth=0.8)
            ax.set(title=f"{dataset}: {head}", xlabel="true", ylabel="predicted")
    if codes:
        ax = axes[-1][0]
        for name in dict.fromkeys(n for n, _ in codes):
            scales = sorted(s for n, s in codes if n == name)
            entropy = [np.mean([r["entropy"] for r in codes[name, s]]) for s in scales]
            error = [1000 * np.mean([r["error"] for r in codes[name, s]]) for s in scales]
            ax.plot(entropy, error, marker="o", label=name)
        ax.set(title="bottleneck: error vs entropy", xlabel="bits per image", ylabel="test MSE x 1000")
        ax.legend(fontsize=7)
        for ax in axes[-1][1:]:
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot written to {path}")
