"""The demo: when does rounding-aware training pay? Run `python -m softround_ops.demo --help`."""
