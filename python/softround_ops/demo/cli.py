"""`python -m softround_ops.demo` (also `softround-demo`): which head to use for integer
outputs, and which quantizer for an integer bottleneck, measured with baselines."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from _softround_demo import parse_args  # noqa: E402

from softround_ops.demo import bottleneck, data, integer_labels, report  # noqa: E402


def load(name, args):
    if name == "csv":
        return data.csv_dataset(args.csv, args.target, quick=args.quick)
    return data.INTEGER_DATASETS[name](quick=args.quick)


def run_labels(args, datasets, progress):
    results, curves, predictions = {}, {}, {}
    for name in datasets:
        train, test = load(name, args)
        for seed in range(args.seed, args.seed + args.seeds):
            for head in integer_labels.HEADS:
                metrics, curve, prediction = integer_labels.run_head(
                    head, train, test, args.epochs, seed, verbose=1 if args.verbose else 0
                )
                results.setdefault((name, head), []).append(metrics)
                if seed == args.seed:
                    curves[name, head], predictions[name, head] = curve, (test[1], prediction)
                progress.add(1)
    return results, curves, predictions


def run_bottleneck(args, progress):
    train, test = data.digits()
    scales = [1.0] if args.quick else [0.5, 1.0, 2.0, 4.0]
    results = {}
    for scale in scales:
        for seed in range(args.seed, args.seed + args.seeds):
            for name in bottleneck.QUANTIZERS:
                metrics = bottleneck.run_quantizer(
                    name, scale, train, test, args.epochs, seed, 1 if args.verbose else 0
                )
                results.setdefault((name, scale), []).append(metrics)
                progress.add(1)
    return results


def main(argv=None):
    return run(parse_args(argv))


def run(args):
    """Runs the experiments of parsed arguments (see _softround_demo)."""
    if args.csv is not None:
        datasets = ["csv"]
    else:
        datasets = list(data.INTEGER_DATASETS) if args.dataset == "all" else [args.dataset]
    runs = 0
    if args.experiment in ("labels", "all"):
        runs += len(datasets) * args.seeds * len(integer_labels.HEADS)
    if args.experiment in ("bottleneck", "all"):
        runs += (1 if args.quick else 4) * args.seeds * len(bottleneck.QUANTIZERS)
    last_seed = args.seed + args.seeds - 1
    print(f"softround_ops demo: {runs} training runs, {args.epochs} epochs, seeds {args.seed}..{last_seed}")
    progress = keras.utils.Progbar(runs, unit_name="run")
    labels = curves = predictions = codes = None
    if args.experiment in ("labels", "all"):
        labels, curves, predictions = run_labels(args, datasets, progress)
    if args.experiment in ("bottleneck", "all"):
        codes = run_bottleneck(args, progress)
    print()
    if labels:
        print(report.labels_table(labels))
    if codes:
        print(report.bottleneck_table(codes))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report.as_json(labels, codes, vars(args)), out, indent=1)
        print(f"results written to {args.json}")
    if args.plot:
        report.plot(args.plot, curves, predictions, codes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
