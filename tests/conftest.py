"""Shared fixtures: the two backends, the dtypes; the tolerances (tolerances.py) of docs/design.md."""

import os
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, settings

import softround_ops
from softround_ops import reference

from tolerances import ulp, value_tolerance  # noqa: F401  (the tests import them from here)

DTYPES = {
    "float16": (tf.float16, np.float16),
    "bfloat16": (tf.bfloat16, ml_dtypes.bfloat16),
    "float32": (tf.float32, np.float32),
    "float64": (tf.float64, np.float64),
}

# `--hypothesis-profile=soak`: the property tests at scale (README, "Reliability").
settings.register_profile(
    "soak", max_examples=100_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# A representative alpha per mode for grids (small enough that float32 input
# rounding stays within the value tolerance; huge alphas are tested apart).
MODE_ALPHAS = {"tanh": [0.5, 5.0, 20.0], "sigmoid": [1.0, 5.0, 20.0], "sine": [0.1, 0.5, 1.0], "ste": [0.0]}


@pytest.fixture(scope="session", autouse=True)
def _custom_ops_are_loaded():
    # A fallback would make every "custom" test test the reference instead.
    if not os.environ.get("SOFTROUND_OPS_PY"):
        assert softround_ops.using_custom_ops(), "the compiled op library did not load"


@pytest.fixture(params=["custom", "reference"])
def backend(request):
    """(name, soft_round) of one implementation."""
    return request.param, softround_ops.soft_round if request.param == "custom" else reference.soft_round


@pytest.fixture(params=list(DTYPES))
def dtype_name(request):
    return request.param


def run_python(code, env=None, timeout=120):
    """Runs code in a fresh interpreter (no state shared with this process)."""
    # The child sees only the switches it is given (CI may set STRICT for us);
    # given none, it is strict, so that a child that failed to load the
    # library cannot quietly compare the reference with itself.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTROUND_OPS_")}
    env = dict(env or {})
    if not any(key.startswith("SOFTROUND_OPS_") for key in env):
        env["SOFTROUND_OPS_STRICT"] = "1"
    full_env.update(TF_CPP_MIN_LOG_LEVEL="3", **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=timeout
    )
