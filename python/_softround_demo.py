"""`softround-demo`: the demo's command line, parsed before TensorFlow is imported, so
that `--help` and argument errors answer at once; the experiments import it."""

import argparse

# The demo's shipped data sets (softround_ops.demo.data.INTEGER_DATASETS).
DATASETS = ("counts", "randhie")
DESCRIPTION = """Which head should a network use for integer outputs, and which quantizer for
an integer bottleneck? Trains small networks every way, over several seeds, and prints mean +-
sd against baselines. --csv asks the first question of your own data."""


def build_parser():
    parser = argparse.ArgumentParser(prog="softround-demo", description=DESCRIPTION)
    parser.add_argument(
        "--experiment",
        choices=["labels", "bottleneck", "all"],
        default="all",
        help="integer labels (which head), integer bottleneck (which quantizer), or both (default)",
    )
    parser.add_argument(
        "--dataset",
        choices=[*DATASETS, "all"],
        default="all",
        help="the integer-label data set: synthetic Poisson counts, statsmodels' randhie, or both",
    )
    parser.add_argument(
        "--csv",
        metavar="FILE",
        help="your own data instead: a CSV file with a header row (numeric and categorical "
        "feature columns; runs the integer-label experiment only)",
    )
    parser.add_argument("--target", metavar="COLUMN", help="with --csv: the integer column to predict")
    parser.add_argument("--epochs", type=int, help="training epochs (default 30, --quick 3)")
    parser.add_argument("--seeds", type=int, help="number of seeds (default 3, --quick 1)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (runs use seed, seed+1, ...)")
    parser.add_argument("--quick", action="store_true", help="small data, few epochs: under a minute")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG of curves and predictions here")
    parser.add_argument("--json", metavar="PATH", help="write the raw results here")
    parser.add_argument("--verbose", action="store_true", help="show Keras's progress bar of every fit")
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.csv is None) != (args.target is None):
        parser.error("--csv and --target go together: the file, and the integer column to predict")
    if args.csv is not None:
        if args.experiment == "bottleneck":
            parser.error("--csv runs the integer-label experiment; --experiment bottleneck has no use for it")
        args.experiment = "labels"
    args.epochs = args.epochs or (3 if args.quick else 30)
    args.seeds = args.seeds or (1 if args.quick else 3)
    return args


def main(argv=None):
    args = parse_args(argv)
    from softround_ops.demo.cli import run  # TensorFlow from here on

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
