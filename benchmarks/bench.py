"""SoftRound against the memory roofline, the reference as a TF graph, and XLA.

    python benchmarks/bench.py                       # full table, JSON and PNG
    python benchmarks/bench.py --quick               # a small smoke run

For each dtype, the roofline is tf.negative (one read and one write per element)
and its gradient through GradientTape; for each mode, the fused op (forward,
and forward+backward through GradientTape, also with alpha's gradient), the
pure-TF reference as a graph (tf.function) and compiled by XLA
(jit_compile=True); and in float32 the inverse and the
conditional mean, alpha's gradient, a per-channel alpha, and
tensorflow-compression's formulas as TF ops (--no-family leaves them out).
Every case runs inside a
tf.function on the same input; repetitions are interleaved across cases in a
shuffled order and reported as medians; ratios are to the roofline of the same
dtype, size and pass in the same run. Small tensors are also timed eagerly
(tf.function costs far more than the work there), forward and with a
gradient, through the op and through the reference fallback (what runs
when the op library cannot load).

--layouts adds every alpha layout against a scalar alpha
(benchmarks/bench_layouts.py, which also runs on its own), and --e2e a whole
training step of a small CNN with and without a soft round after each
activation (benchmarks/bench_e2e.py); their results go into the same JSON.

Large outputs often come from fresh pages of the operating system, and their
page faults can cost more than the arithmetic. Minor page faults are counted
per call; a ratio marked + or - belongs to a case that paid more or fewer
faults than its roofline (a graph allocates intermediates; or the allocator
happened to reuse memory for one of the two, which flatters it).
--allocator bfc runs TensorFlow's BFC allocator on the CPU, which reuses
memory, so no case pays faults and the roofline is memory bandwidth alone.
"""

import argparse
import contextlib
import os
import random
import resource
import statistics
import time

ALLOCATORS = ("default", "bfc")


def _allocator_option(parser):
    parser.add_argument(
        "--allocator", choices=ALLOCATORS, default="default", help="TensorFlow's CPU allocator (see above)"
    )


# The allocator must be chosen before TensorFlow starts.
_pre_parser = argparse.ArgumentParser(add_help=False)
_allocator_option(_pre_parser)
if _pre_parser.parse_known_args()[0].allocator == "bfc":
    os.environ["TF_CPU_ALLOCATOR_USE_BFC"] = "true"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import bench_e2e  # noqa: E402
import bench_layouts  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import describe, interleaved_medians, machine, write_json  # noqa: E402
from tfc_formulas import tfc_soft_round, tfc_soft_round_conditional_mean, tfc_soft_round_inverse  # noqa: E402

import softround_ops as sro  # noqa: E402
from softround_ops import _loader, reference  # noqa: E402

# Each size traces every case again, on purpose; TF's retracing warning is noise here.
tf.get_logger().setLevel("ERROR")

ALPHAS = {"tanh": 5.0, "sigmoid": 10.0, "sine": 0.5, "ste": 0.0}
DTYPES = {"float32": tf.float32, "float16": tf.float16, "bfloat16": tf.bfloat16, "float64": tf.float64}


def forward(fn):
    return tf.function(lambda x, dy: fn(x), autograph=False)


def forward_backward(fn, jit_compile=False):
    def run(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x, output_gradients=dy)

    return tf.function(run, jit_compile=jit_compile, autograph=False)


def forward_backward_alpha(fn, alpha, jit_compile=False):
    """Forward and backward with alpha's gradient requested too."""

    def run(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x, alpha)
        return y, tape.gradient(y, [x, alpha], output_gradients=dy)

    return tf.function(run, jit_compile=jit_compile, autograph=False)


FAMILY = {
    "soft_round": (sro.soft_round, tfc_soft_round),
    "inverse": (sro.soft_round_inverse, tfc_soft_round_inverse),
    "cond_mean": (sro.soft_round_conditional_mean, tfc_soft_round_conditional_mean),
}
CHANNELS = 1024


def per_channel(fn):
    """fn on x viewed as (rows, 1024) with one alpha per channel."""
    alpha = tf.constant(np.linspace(4.0, 6.0, CHANNELS), tf.float32)
    return lambda x: tf.reshape(fn(tf.reshape(x, [-1, CHANNELS]), tf.cast(alpha, x.dtype)), tf.shape(x))


def build_family_cases(cases):
    """float32: each function fused and as tensorflow-compression's TF ops (graph and XLA),
    alpha's gradient requested or not, scalar and per-channel alpha."""
    alpha = tf.Variable(5.0)
    for name, (fused, tfc) in FAMILY.items():
        for label, fn in [("fused", fused), ("tfc graph", tfc)]:
            one = lambda x, fn=fn: fn(x, 5.0)  # noqa: E731
            cases["float32", f"{name} {label} fwd"] = forward(one)
            cases["float32", f"{name} {label} fwd+bwd"] = forward_backward(one)
        tfc_one = lambda x, tfc=tfc: tfc(x, 5.0)  # noqa: E731
        cases["float32", f"{name} tfc xla fwd"] = tf.function(
            lambda x, dy, f=tfc_one: f(x), jit_compile=True, autograph=False
        )
        cases["float32", f"{name} tfc xla fwd+bwd"] = forward_backward(tfc_one, jit_compile=True)
        cases["float32", f"{name} fused +alpha fwd+bwd"] = forward_backward_alpha(fused, alpha)
        cases["float32", f"{name} per-channel fwd"] = forward(per_channel(fused))
        cases["float32", f"{name} per-channel fwd+bwd"] = forward_backward(per_channel(fused))


def build_cases(modes, dtypes, family=False):
    """{(dtype, case name): tf.function(x, dy)}; names like 'tanh fused fwd+bwd'."""
    cases = {}
    for dtype in dtypes:
        cases[dtype, "roofline fwd"] = forward(tf.negative)
        cases[dtype, "roofline fwd+bwd"] = forward_backward(tf.negative)
        for mode in modes:
            alpha = ALPHAS[mode]

            def fused(x, mode=mode, alpha=alpha):
                return sro.soft_round(x, alpha, mode=mode)

            def ref(x, mode=mode, alpha=alpha):
                return reference.soft_round(x, alpha, mode=mode)

            cases[dtype, f"{mode} fused fwd"] = forward(fused)
            cases[dtype, f"{mode} fused fwd+bwd"] = forward_backward(fused)
            if mode != "ste":  # alpha's gradient, in every dtype (ste has none)
                learned = tf.Variable(alpha, dtype=DTYPES[dtype])
                cases[dtype, f"{mode} fused +alpha fwd+bwd"] = forward_backward_alpha(
                    lambda x, a, mode=mode: sro.soft_round(x, a, mode=mode), learned
                )
            if mode == "tanh" and dtype in ("float16", "bfloat16"):
                # A 16-bit table is cached per alpha; an alpha annealed at every
                # call fills a new one per call (from 2^20 elements on).
                annealed = tf.Variable(alpha, dtype=DTYPES[dtype])

                def new_alpha(x, annealed=annealed):
                    annealed.assign_add(tf.constant(1 / 64, annealed.dtype))
                    return sro.soft_round(x, annealed, mode="tanh")

                cases[dtype, "tanh fused fwd, new alpha per call"] = forward(new_alpha)
            cases[dtype, f"{mode} graph fwd"] = forward(ref)
            cases[dtype, f"{mode} graph fwd+bwd"] = forward_backward(ref)
            cases[dtype, f"{mode} xla fwd"] = tf.function(
                lambda x, dy, ref=ref: ref(x), jit_compile=True, autograph=False
            )
            cases[dtype, f"{mode} xla fwd+bwd"] = forward_backward(ref, jit_compile=True)
    if family:
        cases.setdefault(("float32", "roofline fwd"), forward(tf.negative))
        cases.setdefault(("float32", "roofline fwd+bwd"), forward_backward(tf.negative))
        build_family_cases(cases)
    return cases


def inputs(size, dtype, rng):
    x = tf.constant(rng.uniform(-4, 4, size), DTYPES[dtype])
    dy = tf.constant(rng.uniform(0.5, 1.5, size), DTYPES[dtype])
    return x, dy


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_call(fn, args, calls):
    """(seconds, minor page faults) per call."""
    faults = minor_faults()
    start = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return (time.perf_counter() - start) / calls, (minor_faults() - faults) / calls


def measure_graphs(cases, sizes, reps, progress):
    """{(dtype, case, size): median seconds per call}, and the same of page faults."""
    rng = np.random.default_rng(0)
    results, faults = {}, {}
    for size in sizes:
        data = {dtype: inputs(size, dtype, rng) for dtype in {d for d, _ in cases}}
        calls = int(np.clip(2**18 // size, 1, 50))
        samples = {key: [] for key in cases}
        for key, fn in cases.items():  # warm-up: tracing and XLA compilation
            fn(*data[key[0]])
        order = list(cases)
        for _ in range(reps):
            random.shuffle(order)
            for key in order:
                samples[key].append(time_call(cases[key], data[key[0]], calls))
                progress.add(1)
        for key, values in samples.items():
            results[key + (size,)] = statistics.median(seconds for seconds, _ in values)
            faults[key + (size,)] = statistics.median(count for _, count in values)
    return results, faults


@contextlib.contextmanager
def reference_fallback():
    """The library as it runs where its op library did not load (a TensorFlow
    version mismatch): the loader's answer patched for the duration."""
    loaded = _loader.custom_ops
    _loader.custom_ops = lambda: None
    try:
        yield
    finally:
        _loader.custom_ops = loaded


def eager_forward_backward(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


def eager_cases(modes, x):
    """{name: call}: tf.negative, each mode's op, and tanh through the
    reference fallback; forward, and forward+backward under a tape."""
    cases = {"tf.negative": lambda: tf.negative(x)}
    cases["tf.negative fwd+bwd"] = lambda: eager_forward_backward(tf.negative, x)
    for mode in modes:
        cases[f"{mode} soft_round"] = lambda mode=mode: sro.soft_round(x, ALPHAS[mode], mode=mode)
    tanh = lambda x: sro.soft_round(x, ALPHAS["tanh"])  # noqa: E731
    cases["tanh fwd+bwd"] = lambda: eager_forward_backward(tanh, x)

    def fallback(call):
        with reference_fallback():
            return call()

    cases["tanh fallback"] = lambda: fallback(lambda: tanh(x))
    cases["tanh fallback fwd+bwd"] = lambda: fallback(lambda: eager_forward_backward(tanh, x))
    return cases


def measure_eager(modes, sizes, reps):
    """{(case, size): median seconds per eager call} on float32."""
    rng = np.random.default_rng(1)
    results = {}
    for size in sizes:
        x = tf.constant(rng.uniform(-4, 4, size), tf.float32)
        for name, seconds in interleaved_medians(eager_cases(modes, x), reps, calls=100).items():
            results[name, size] = seconds
    return results


def roofline_of(case):
    return "roofline fwd+bwd" if case.endswith("fwd+bwd") else "roofline fwd"


def fault_mark(faults, key, roofline_key):
    """'+' or '-' where the case paid clearly more or fewer page faults than its roofline."""
    case, roofline = faults[key], faults[roofline_key]
    if abs(case - roofline) <= 0.1 * max(case, roofline) + 1:
        return " "
    return "+" if case > roofline else "-"


def print_graph_table(results, faults, cases, sizes):
    print("\nRatio to the roofline of the same dtype and pass (lower is better; roofline rows: ns/element)")
    header = f"{'dtype':9s} {'case':24s}" + "".join(f"{'2^' + str(int(np.log2(s))):>8s}" for s in sizes)
    print(header)
    print("-" * len(header))
    for dtype, case in cases:
        cells = []
        for size in sizes:
            seconds = results[dtype, case, size]
            if case.startswith("roofline"):
                cells.append(f"{seconds / size * 1e9:8.3f} ")
            else:
                roofline = (dtype, roofline_of(case), size)
                mark = fault_mark(faults, (dtype, case, size), roofline)
                cells.append(f"{seconds / results[roofline]:8.2f}{mark}")
        print(f"{dtype:9s} {case:24s}" + "".join(cells))
    print("+/-: this case paid more/fewer page faults per call than its roofline (see --help)")


def print_eager_table(results, sizes):
    print("\nEager float32 calls: microseconds per call (ratio to tf.negative, of the same pass)")
    names = sorted({name for name, _ in results}, key=lambda n: (not n.startswith("tf.negative"), n))
    print(f"{'case':24s}" + "".join(f"{'2^' + str(int(np.log2(s))):>16s}" for s in sizes))
    for name in names:
        base = "tf.negative fwd+bwd" if name.endswith("fwd+bwd") else "tf.negative"
        cells = []
        for size in sizes:
            us = results[name, size] * 1e6
            cells.append(f"{us:8.1f} ({results[name, size] / results[base, size]:5.2f})")
        print(f"{name:24s}" + "".join(cells))
    for size in sizes:
        print(
            f"2^{int(np.log2(size))}: the reference fallback costs "
            f"{results['tanh fallback', size] / results['tanh soft_round', size]:.1f}x the op forward, "
            f"{results['tanh fallback fwd+bwd', size] / results['tanh fwd+bwd', size]:.1f}x with a gradient"
        )


def plot(results, cases, sizes, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib); no plot written")
        return
    dtypes = list(dict.fromkeys(d for d, _ in cases))
    fig, axes = plt.subplots(1, len(dtypes), figsize=(6 * len(dtypes), 5), squeeze=False)
    for ax, dtype in zip(axes[0], dtypes):
        for case in [c for d, c in cases if d == dtype]:
            if not (case.startswith("roofline") or case.startswith("tanh") or "fused" in case):
                continue
            dashed = "bwd" in case
            style = ("k" if case.startswith("roofline") else "") + ("--" if dashed else "-")
            times = [results[dtype, case, s] / s * 1e9 for s in sizes]
            ax.loglog(sizes, times, style, marker=".", label=case, linewidth=2 if "roofline" in case else 1)
        ax.set(title=dtype, xlabel="elements", ylabel="ns per element")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot written to {path}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10:24:2", help="log2 sizes: start:stop[:step] (inclusive) or one")
    parser.add_argument("--eager-sizes", default="4:10:2", help="log2 sizes of the eager table")
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions per case")
    parser.add_argument(
        "--eager-reps", type=int, default=31, help="interleaved repetitions per eager case (cheap, noisy)"
    )
    parser.add_argument("--modes", default=",".join(ALPHAS), help="comma-separated modes")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated dtypes")
    parser.add_argument("--json", default="benchmarks/results.json", help="where to write the results")
    parser.add_argument("--plot", default="benchmarks/results.png", help="where to write the plot")
    parser.add_argument(
        "--family",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="float32 cases of the inverse and conditional mean, alpha gradients, per-channel alpha, "
        "and tensorflow-compression's formulas as TF ops",
    )
    parser.add_argument(
        "--layouts",
        action="store_true",
        help="also every alpha layout (float32, 2^24 elements; --quick: 2^16)",
    )
    parser.add_argument(
        "--e2e", action="store_true", help="also a training step of a small CNN (batch 64; --quick: batch 8)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 reps, tanh, float32")
    _allocator_option(parser)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.eager_sizes, args.reps, args.eager_reps, args.modes, args.dtypes = (
            "10:14:4",
            "4:4:1",
            3,
            3,
            "tanh",
            "float32",
        )

    def log2_range(text):
        """'start:stop:step', 'start:stop' or a single exponent."""
        start, stop, step = ([int(v) for v in text.split(":")] + [None, 1])[:3]
        return [2**e for e in range(start, (start if stop is None else stop) + 1, step)]

    sizes, eager_sizes = log2_range(args.sizes), log2_range(args.eager_sizes)
    modes, dtypes = args.modes.split(","), args.dtypes.split(",")
    info = machine()
    print(f"{describe(info)}, allocator: {args.allocator}")

    cases = build_cases(modes, dtypes, family=args.family)
    progress = tf.keras.utils.Progbar(len(cases) * len(sizes) * args.reps, unit_name="timing")
    results, faults = measure_graphs(cases, sizes, args.reps, progress)
    eager = measure_eager(modes, eager_sizes, args.eager_reps)
    print_graph_table(results, faults, cases, sizes)
    print_eager_table(eager, eager_sizes)

    data = {
        "machine": info,
        "reps": args.reps,
        "allocator": args.allocator,
        "graph_seconds": [
            {"dtype": d, "case": c, "size": s, "seconds": t, "page_faults": faults[d, c, s]}
            for (d, c, s), t in results.items()
        ],
        "eager_seconds": [{"case": c, "size": s, "seconds": t} for (c, s), t in eager.items()],
    }
    if args.layouts:
        data["layouts"] = bench_layouts.run(quick=args.quick, reps=args.reps)
    if args.e2e:
        data["e2e"] = bench_e2e.run(reps=2 * args.reps + 1, quick=args.quick)
    write_json(args.json, data)
    plot(results, cases, sizes, args.plot)


if __name__ == "__main__":
    main()
