"""Every x86-64 version of the loops and both half conversions, on whatever
CPU runs the suite: the TensorFlow-free binding tests rerun in a child per
SOFTROUND_OPS_CPU_LEVEL (up to the CPU's best) and with SOFTROUND_OPS_F16C=0."""

import os
import subprocess
import sys

import pytest

from softround_ops import _numpy_kernels as kernels

LEVELS = ["baseline", "v2", "v3", "v4"]
RUNNABLE = LEVELS[: LEVELS.index(kernels.best_cpu_level()) + 1]
TESTS = os.path.dirname(os.path.abspath(__file__))

# Half values (no NaN: payloads may differ) through every mode and quantity.
HASH_HALF_RESULTS = """
import hashlib, sys
sys.modules["tensorflow"] = None
import numpy as np
from softround_ops import numpy as srnp
x = np.random.default_rng(0).uniform(-70000, 70000, 4099).astype(np.float16)
x[::7] = np.random.default_rng(1).uniform(-5, 5, x[::7].size)
digest = hashlib.sha256()
for mode, alpha in [("tanh", 4.0), ("sigmoid", 9.0), ("sine", 0.4), ("ste", 0.0)]:
    digest.update(srnp.soft_round(x, alpha, mode).tobytes())
    for wrt in ("x", "xx", "alpha", "x_alpha"):
        digest.update(srnp.soft_round_grad(np.ones_like(x), x, alpha, mode, wrt=wrt).tobytes())
digest.update(srnp.soft_round_inverse(x, 4.0).tobytes())
print(digest.hexdigest())
"""


def _child_env(**switches):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTROUND_OPS_")}
    env.update(switches)
    return env


# The children run without TensorFlow (as the sanitizer run does): faster to
# start, and the binding alone is what they check.
RUN_BINDING_TESTS = """
import sys
sys.modules["tensorflow"] = None
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--noconftest", *sys.argv[1:]]))
"""


def _run_binding_tests(**switches):
    files = [
        os.path.join(TESTS, name)
        for name in ("test_binding_cases.py", "test_model_properties.py", "test_lookup_tables.py")
    ]
    command = [sys.executable, "-c", RUN_BINDING_TESTS, *files]
    env = _child_env(PYTHONPATH=TESTS, **switches)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("level", LEVELS)
def test_every_cpu_level_passes_the_binding_tests(level):
    if level not in RUNNABLE:
        pytest.skip(f"this CPU runs up to x86-64-{kernels.best_cpu_level()}, not {level}")
    result = _run_binding_tests(SOFTROUND_OPS_CPU_LEVEL=level)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_bit_code_half_conversion_passes_the_binding_tests():
    result = _run_binding_tests(SOFTROUND_OPS_F16C="0")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _half_digest(**switches):
    result = subprocess.run(
        [sys.executable, "-c", HASH_HALF_RESULTS], env=_child_env(**switches), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def test_f16c_and_the_bit_code_agree_bit_for_bit():
    assert _half_digest() == _half_digest(SOFTROUND_OPS_F16C="0")


def test_fma_levels_agree_bit_for_bit():
    """v3 (AVX2) and v4 (AVX-512) contract the same operations into FMAs."""
    if "v4" not in RUNNABLE:
        pytest.skip("needs an AVX-512 CPU (x86-64-v4) to compare v3 with v4")
    assert _half_digest(SOFTROUND_OPS_CPU_LEVEL="v3") == _half_digest()
