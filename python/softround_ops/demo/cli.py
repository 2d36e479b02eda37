"""`python -m softround_ops.demo` (also `softround-demo`): which head to use for integer
outputs, and which quantizer for an integer bottleneck, measured with baselines."""

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from softround_ops.demo import bottleneck, data, integer_labels, report  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="softround-demo", description=__doc__)
    parser.add_argument("--experiment", choices=["labels", "bottleneck", "all"], default="all")
    parser.add_argument("--dataset", choices=[*data.INTEGER_DATASETS, "all"], default="all")
    parser.add_argument("--epochs", type=int, help="training epochs (default 30, --quick 3)")
    parser.add_argument("--seeds", type=int, help="number of seeds (default 3, --quick 1)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (runs use seed, seed+1, ...)")
    parser.add_argument("--quick", action="store_true", help="small data, few epochs: under a minute")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG of curves and predictions here")
    parser.add_argument("--json", metavar="PATH", help="write the raw results here")
    parser.add_argument("--verbose", action="store_true", help="show Keras's progress bar of every fit")
    args = parser.parse_args(argv)
    args.epochs = args.epochs or (3 if args.quick else 30)
    args.seeds = args.seeds or (1 if args.quick else 3)
    return args


def run_labels(args, datasets, progress):
    results, curves, predictions = {}, {}, {}
    for name in datasets:
        train, test = data.INTEGER_DATASETS[name](quick=args.quick)
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
    args = parse_args(argv)
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
