"""What every benchmark here shares: the machine it ran on, timing by
medians of interleaved repetitions, and the JSON it writes."""

import json
import os
import platform
import random
import statistics
import time

# The vector extensions that decide which loops run (cc/kernels/cpu_levels.h).
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_fp16")


def machine():
    """The CPU (model, the vector extensions above that it has, the x86-64
    level whose loops run), core count and TensorFlow."""
    import tensorflow as tf

    import softround_ops

    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    try:
        from softround_ops import _numpy_kernels

        level = _numpy_kernels.cpu_level()
    except ImportError:
        level = "unknown"
    return {
        "cpu": cpu,
        "cpu_flags": [flag for flag in CPU_FLAGS if flag in flags],
        "cpu_level": level,
        "cores": os.cpu_count(),
        "tensorflow": tf.__version__,
        "custom_ops": softround_ops.using_custom_ops(),
    }


def describe(info):
    return (
        f"{info['cpu']} ({' '.join(info['cpu_flags'])}; loops: x86-64-{info['cpu_level']}), "
        f"{info['cores']} cores, TensorFlow {info['tensorflow']}, custom ops: {info['custom_ops']}"
    )


def interleaved_medians(cases, reps, calls, progress=None):
    """{name: median seconds per call}: each repetition times every case once,
    in a shuffled order, so that a noisy neighbour hits them all alike."""
    samples = {name: [] for name in cases}
    for fn in cases.values():  # warm-up: tracing, allocation
        fn()
    order = list(cases)
    for _ in range(reps):
        random.shuffle(order)
        for name in order:
            start = time.perf_counter()
            for _ in range(calls):
                cases[name]()
            samples[name].append((time.perf_counter() - start) / calls)
            if progress is not None:
                progress.add(1)
    return {name: statistics.median(values) for name, values in samples.items()}


def write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as out:
        json.dump(data, out, indent=1)
    print(f"results written to {path}")
