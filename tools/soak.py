#!/usr/bin/env python3
"""Soak test of softround_ops: concurrency and memory (issue #13, item 13).

Concurrency: N Python threads each make M mixed calls (the three functions,
every mode, dtype and alpha layout, with and without gradients, eager and in
one shared tf.function); every result must equal, bit for bit, the same call
made single-threaded beforehand.

Memory: RSS after a warm-up, then after many small eager calls and after
calls on 2^20 elements with and without gradients; each phase's growth must
stay under a limit (see MEMORY_LIMITS_MIB).

    tools/soak.py                     # full: 8 x 1000 calls, 10^5 small, 2 x 10^3 large
    tools/soak.py --quick             # the same checks with fewer calls (under ~30 s)
    tools/soak.py --backend reference --json soak.json

Exits non-zero if a check fails. Unless --allow-fallback, the compiled ops
must be loaded (SOFTROUND_OPS_STRICT=1), so the fallback is never soaked by
accident.
"""

import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf

import softround_ops
from softround_ops import reference

FULL = {"threads": 8, "calls_per_thread": 1000, "small_calls": 100_000, "large_calls": 1000}
QUICK = {"threads": 8, "calls_per_thread": 100, "small_calls": 10_000, "large_calls": 48}
LARGE_SIZE = 2**20
SMALL_SHAPE = (16, 33)  # odd last axis: a per-channel alpha does not tile evenly
LARGE_SHAPE = (1024, LARGE_SIZE // 1024)

# Growth a phase may show before it fails. After a warm-up over the same calls
# (and with freed heap returned to the OS before each reading) RSS moved by
# 0.0 MiB in each memory phase of the full run, and by no more without the
# trim; 4 MiB leaves room for allocator caching while still failing a leak of
# 100 bytes per small call (10^5 calls = 9.5 MiB). A fixed-size leak per call
# is the small phase's to catch (the large calls run the same code); a leak
# that scales with the tensor (an unfreed 2^20-element buffer, >= 2 MiB) is
# GiBs over 10^3 calls, so the large phases may keep a few such buffers cached.
MEMORY_LIMITS_MIB = {"small": 4.0, "large": 16.0}

DTYPES = ("float16", "bfloat16", "float32", "float64")
LAYOUTS = ("scalar", "per-channel", "per-row", "per-element")
GRADIENTS = ("none", "x", "x+alpha")
# (function, mode): the inverse family exists for tanh only.
FUNCTION_MODES = (
    ("soft_round", "tanh"),
    ("soft_round", "sigmoid"),
    ("soft_round", "sine"),
    ("soft_round", "ste"),
    ("soft_round_inverse", "tanh"),
    ("soft_round_conditional_mean", "tanh"),
)
# A Python-number alpha per mode, and the range tensor alphas are drawn from.
SCALAR_ALPHAS = {"tanh": 5.0, "sigmoid": 9.0, "sine": 0.4, "ste": 0.0}
ALPHA_RANGES = {"tanh": (0.5, 8.0), "sigmoid": (1.0, 20.0), "sine": (0.1, 1.0), "ste": (0.0, 1.0)}


@dataclass(frozen=True)
class Case:
    """One kind of call."""

    function: str
    mode: str
    dtype: str
    layout: str
    gradient: str
    path: str  # "eager" or "graph" (the shared tf.function)


@dataclass
class Figures:
    """One check's row of the table."""

    check: str
    calls: int
    threads: int
    mismatches: "int | None"
    errors: int
    rss_before_mib: "float | None"
    rss_after_mib: "float | None"
    limit_mib: "float | None"
    wall_s: float
    passed: bool

    @property
    def growth_mib(self):
        if self.rss_before_mib is None or self.rss_after_mib is None:
            return None
        return self.rss_after_mib - self.rss_before_mib


# ---------------------------------------------------------------- the calls


def backend_functions(backend):
    module = softround_ops if backend == "custom" else reference
    return {name: getattr(module, name) for name, _ in FUNCTION_MODES}


def differentiate(function, mode, gradient, x, alpha, upstream):
    """The call, and the gradients the case asks for (None for ste's alpha)."""
    if gradient == "none":
        return (function(x, alpha, mode=mode),)
    with tf.GradientTape() as tape:
        tape.watch(x)  # a trainable variable alpha is watched by itself
        y = function(x, alpha, mode=mode)
    sources = [x, alpha] if gradient == "x+alpha" else [x]
    return (y, *tape.gradient(y, sources, output_gradients=upstream))


class Runner:
    """Runs a case eagerly or in one tf.function shared by every thread."""

    def __init__(self, backend):
        self.functions = backend_functions(backend)
        self.graph = tf.function(self._by_name)

    def _by_name(self, x, alpha, upstream, function, mode, gradient):
        return differentiate(self.functions[function], mode, gradient, x, alpha, upstream)

    def __call__(self, case, inputs):
        x, alpha, upstream = inputs
        if case.path == "graph":
            return self.graph(x, alpha, upstream, case.function, case.mode, case.gradient)
        return differentiate(self.functions[case.function], case.mode, case.gradient, x, alpha, upstream)


def fingerprint(results):
    """The exact bits of every result (with dtype and shape)."""
    return tuple(None if t is None else (t.dtype.name, tuple(t.shape), t.numpy().tobytes()) for t in results)


# --------------------------------------------------------------- the inputs


def make_alpha(case, shape, rng):
    """alpha in the case's layout: a Python number, or a tensor (a variable
    when its gradient is asked for)."""
    if case.layout == "scalar" and case.gradient != "x+alpha":
        return SCALAR_ALPHAS[case.mode]
    alpha_shape = {
        "scalar": (),
        "per-channel": shape[-1:],
        "per-row": (shape[0], 1),
        "per-element": shape,
    }[case.layout]
    low, high = ALPHA_RANGES[case.mode]
    values = tf.constant(rng.uniform(low, high, alpha_shape), case.dtype)
    return tf.Variable(values) if case.gradient == "x+alpha" else values


def make_inputs(case, shape, seed):
    """(x, alpha, upstream gradient), the same for the same case and seed."""
    rng = np.random.default_rng([seed, *(ord(c) for c in repr(case))])
    x = tf.constant(rng.uniform(-6.0, 6.0, shape), case.dtype)
    upstream = tf.constant(rng.uniform(-2.0, 2.0, shape), case.dtype)
    return x, make_alpha(case, shape, rng), upstream


def concurrency_cases():
    return [
        Case(function, mode, dtype, layout, gradient, path)
        for function, mode in FUNCTION_MODES
        for dtype in DTYPES
        for layout in LAYOUTS
        for gradient in GRADIENTS
        for path in ("eager", "graph")
    ]


def large_cases(gradients):
    """Every function, mode and dtype once, the layouts and gradients in turn."""
    cases = []
    for index, (function, mode) in enumerate(FUNCTION_MODES):
        for dtype_index, dtype in enumerate(DTYPES):
            layout = LAYOUTS[(index + dtype_index) % len(LAYOUTS)]
            # Not in step with the layouts, so that each gradient meets each layout.
            gradient = gradients[(index + dtype_index // 2) % len(gradients)]
            cases.append(Case(function, mode, dtype, layout, gradient, "eager"))
    return cases


# ------------------------------------------------------------ the progress


class Progress:
    """tqdm where installed, else Keras's Progbar; nothing with --no-progress."""

    def __init__(self, label, total, enabled):
        self.bar = None
        if not enabled:
            return
        try:
            from tqdm import tqdm

            self.bar, self.kind = tqdm(total=total, desc=label, file=sys.stderr), "tqdm"
        except ImportError:
            import keras

            print(label, flush=True)
            # A terminal redraws one line; a log gets a line per interval.
            interval = 0.2 if sys.stdout.isatty() else 10.0
            self.bar, self.kind = keras.utils.Progbar(total, interval=interval), "keras"
        self.done = 0

    def update_to(self, done):
        if self.bar is None:
            return
        if self.kind == "tqdm":
            self.bar.update(done - self.done)
        else:
            self.bar.update(done)
        self.done = done

    def close(self):
        if self.bar is not None and self.kind == "tqdm":
            self.bar.close()


# ---------------------------------------------------------- RSS, measured


def _malloc_trim():
    """Returns glibc's freed heap to the OS, so RSS reflects live memory and
    not the allocator's cache (a leak stays allocated and still shows)."""
    libc_name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc_name), "malloc_trim", None) if libc_name else None
    return trim or (lambda pad: 0)


MALLOC_TRIM = _malloc_trim()


def rss_mib():
    """Resident memory in MiB after collecting garbage, or None where unknown."""
    gc.collect()
    MALLOC_TRIM(0)
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        pass
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ------------------------------------------------------------- concurrency


def single_threaded_results(runner, cases, inputs):
    """The expected fingerprint of every case (also traces the shared function)."""
    return {case: fingerprint(runner(case, inputs[case])) for case in cases}


def call_order(seed, thread, cases, calls):
    """Thread `thread`'s calls: cases in a shuffled order of its own."""
    picks = np.random.default_rng([seed, 1_000 + thread]).integers(0, len(cases), calls)
    return [cases[i] for i in picks]


def run_thread(runner, order, inputs, expected, barrier, tally):
    """Makes the thread's calls; tally = [done, mismatches, errors, first error]."""
    barrier.wait()
    for case in order:
        try:
            if fingerprint(runner(case, inputs[case])) != expected[case]:
                tally[1] += 1
        except Exception as error:  # reported, not raised: the other threads go on
            tally[2] += 1
            tally[3] = tally[3] or f"{case}: {type(error).__name__}: {error}"
        tally[0] += 1


def start_threads(runner, cases, inputs, expected, args):
    """The threads, started together; returns them and their tallies."""
    barrier = threading.Barrier(args.threads)
    tallies = [[0, 0, 0, None] for _ in range(args.threads)]
    threads = []
    for thread_index, tally in enumerate(tallies):
        order = call_order(args.seed, thread_index, cases, args.calls_per_thread)
        arguments = (runner, order, inputs, expected, barrier, tally)
        threads.append(threading.Thread(target=run_thread, args=arguments, daemon=True))
    for thread in threads:
        thread.start()
    return threads, tallies


def wait_for(threads, tallies, progress):
    """Joins the threads, showing their calls as they go."""
    while any(thread.is_alive() for thread in threads):
        progress.update_to(sum(tally[0] for tally in tallies))
        time.sleep(0.1)
    progress.update_to(sum(tally[0] for tally in tallies))
    progress.close()


def check_concurrency(runner, args):
    """Every threaded call's bits against the same call made single-threaded."""
    cases = concurrency_cases()
    inputs = {case: make_inputs(case, SMALL_SHAPE, args.seed) for case in cases}
    start = time.perf_counter()
    expected = single_threaded_results(runner, cases, inputs)
    baseline_s = time.perf_counter() - start
    rss_before = rss_mib()
    total = args.threads * args.calls_per_thread
    label = f"concurrency: {args.threads} threads x {args.calls_per_thread} calls"
    progress = Progress(label, total, args.progress)
    start = time.perf_counter()
    threads, tallies = start_threads(runner, cases, inputs, expected, args)
    wait_for(threads, tallies, progress)
    wall_s = time.perf_counter() - start
    done, mismatches, errors = (sum(tally[i] for tally in tallies) for i in range(3))
    first_error = next((tally[3] for tally in tallies if tally[3]), None)
    if first_error:
        print(f"first error in a thread: {first_error}", file=sys.stderr)
    figures = Figures(
        check="concurrency",
        calls=done,
        threads=args.threads,
        mismatches=mismatches,
        errors=errors,
        rss_before_mib=rss_before,
        rss_after_mib=rss_mib(),
        limit_mib=None,  # threads add stacks and per-thread state: reported, not limited
        wall_s=wall_s,
        passed=done == total and mismatches == 0 and errors == 0,
    )
    extra = {"distinct_cases": len(cases), "single_threaded_baseline_s": baseline_s}
    return figures, extra


# ------------------------------------------------------------------ memory


def run_calls(runner, cases, inputs, calls, progress=None):
    """Makes `calls` calls cycling through cases; returns the number of errors."""
    errors = 0
    for index in range(calls):
        case = cases[index % len(cases)]
        x, alpha, upstream = inputs[case]
        if isinstance(alpha, float) and alpha:
            # 1024 distinct Python numbers in turn: the package's cache of
            # number alphas (256 entries) fills and clears, leak-free too.
            alpha *= 1 + (index % 1024) / 4096
        try:
            runner(case, (x, alpha, upstream))
        except Exception as error:
            errors += 1
            if errors == 1:
                print(f"error in {case}: {type(error).__name__}: {error}", file=sys.stderr)
        if progress is not None and index % 64 == 0:
            progress.update_to(index)
    if progress is not None:
        progress.update_to(calls)
        progress.close()
    return errors


def check_memory_phase(runner, label, cases, shape, calls, limit_mib, args):
    """RSS growth over `calls` calls, measured after two warm-up passes over cases."""
    inputs = {case: make_inputs(case, shape, args.seed) for case in cases}
    run_calls(runner, cases, inputs, 2 * len(cases))
    rss_before = rss_mib()
    progress = Progress(f"{label}: {calls} calls", calls, args.progress)
    start = time.perf_counter()
    errors = run_calls(runner, cases, inputs, calls, progress)
    wall_s = time.perf_counter() - start
    rss_after = rss_mib()
    # Where RSS cannot be read (no /proc, no psutil) only the errors count.
    growth_ok = rss_before is None or rss_after is None or rss_after - rss_before <= limit_mib
    return Figures(
        check=label,
        calls=calls,
        threads=1,
        mismatches=None,
        errors=errors,
        rss_before_mib=rss_before,
        rss_after_mib=rss_after,
        limit_mib=limit_mib,
        wall_s=wall_s,
        passed=errors == 0 and growth_ok,
    )


def check_memory(runner, args):
    """The small eager phase, then the large phases without and with gradients."""
    small = [case for case in concurrency_cases() if case.path == "eager"]
    phases = [
        ("small eager calls", small, SMALL_SHAPE, args.small_calls, "small"),
        ("large, forward", large_cases(["none"]), LARGE_SHAPE, args.large_calls, "large"),
        ("large, gradients", large_cases(["x", "x+alpha"]), LARGE_SHAPE, args.large_calls, "large"),
    ]
    return [
        check_memory_phase(runner, label, cases, shape, calls, MEMORY_LIMITS_MIB[size], args)
        for label, cases, shape, calls, size in phases
    ]


# ------------------------------------------------------------------ report


def _cell(value, fmt="{:.1f}"):
    return "-" if value is None else fmt.format(value)


def table(rows):
    header = (
        f"{'check':<18} {'calls':>7} {'threads':>7} {'mismatches':>10} {'errors':>6} "
        f"{'RSS before':>10} {'RSS after':>9} {'growth':>7} {'limit':>6} {'wall s':>7}  result"
    )
    lines = [
        header,
        f"{'':<18} {'':>7} {'':>7} {'':>10} {'':>6} {'MiB':>10} {'MiB':>9} {'MiB':>7} {'MiB':>6}",
    ]
    for row in rows:
        lines.append(
            f"{row.check:<18} {row.calls:>7} {row.threads:>7} {_cell(row.mismatches, '{}'):>10} "
            f"{row.errors:>6} {_cell(row.rss_before_mib):>10} {_cell(row.rss_after_mib):>9} "
            f"{_cell(row.growth_mib, '{:+.1f}'):>7} {_cell(row.limit_mib):>6} {row.wall_s:>7.1f}  "
            f"{'ok' if row.passed else 'FAIL'}"
        )
    return "\n".join(lines)


def write_json(path, args, rows, extra, total_s):
    report = {
        "backend": args.backend,
        "custom_ops": softround_ops.using_custom_ops(),
        "tensorflow": tf.__version__,
        "quick": args.quick,
        "config": {key: getattr(args, key) for key in FULL},
        "total_s": total_s,
        "passed": all(row.passed for row in rows),
        "checks": [{**asdict(row), "growth_mib": row.growth_mib} for row in rows],
        **extra,
    }
    with open(path, "w") as file:
        json.dump(report, file, indent=2)


# -------------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls: a smoke test of under ~30 s")
    parser.add_argument("--threads", type=int, help=f"threads (default {FULL['threads']})")
    parser.add_argument("--calls-per-thread", type=int, help=f"default {FULL['calls_per_thread']}")
    parser.add_argument("--small-calls", type=int, help=f"small eager calls (default {FULL['small_calls']})")
    parser.add_argument(
        "--large-calls", type=int, help=f"calls per large phase (default {FULL['large_calls']})"
    )
    parser.add_argument(
        "--backend",
        choices=["custom", "reference"],
        default="custom",
        help="soak the compiled ops (default) or the pure-TF reference",
    )
    parser.add_argument(
        "--allow-fallback", action="store_true", help="do not require the compiled ops to be loaded"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def require_custom_ops(args):
    """False (with a message) where the compiled ops would not be soaked."""
    if args.allow_fallback or args.backend == "reference":
        return True
    os.environ["SOFTROUND_OPS_STRICT"] = "1"  # read at the first call: a failed load raises
    try:
        in_use = softround_ops.using_custom_ops()
    except softround_ops.LibraryLoadError as error:
        print(f"the compiled ops did not load: {error}", file=sys.stderr)
        return False
    if not in_use:
        print(
            "the compiled ops are not in use (SOFTROUND_OPS_PY set?); use --allow-fallback", file=sys.stderr
        )
        return False
    return True


def main(argv=None):
    args = parse_args(argv)
    if not require_custom_ops(args):
        return 2
    # The shared tf.function traces once per case on purpose; TensorFlow's
    # retracing warning would only be noise.
    tf.get_logger().setLevel("ERROR")
    start = time.perf_counter()
    runner = Runner(args.backend)
    concurrency, extra = check_concurrency(runner, args)
    rows = [concurrency, *check_memory(runner, args)]
    total_s = time.perf_counter() - start
    print(
        f"softround_ops soak: backend {args.backend}, custom ops {softround_ops.using_custom_ops()}, "
        f"TensorFlow {tf.__version__}, {extra['distinct_cases']} distinct concurrent cases"
    )
    print(table(rows))
    print(f"total {total_s:.1f} s: {'PASS' if all(row.passed for row in rows) else 'FAIL'}")
    if args.json:
        write_json(args.json, args, rows, extra, total_s)
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
