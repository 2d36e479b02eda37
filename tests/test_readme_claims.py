"""What the README claims and no other test checked."""

import importlib.metadata
import os
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference
from softround_ops.keras import AlphaSchedule

from conftest import DTYPES, run_python

ALPHA = {"tanh": 5.0, "sigmoid": 8.0, "sine": 0.5, "ste": 0.0}


@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
@pytest.mark.parametrize("mode", list(ALPHA))
def test_subnormal_x_counts_as_zero(function, mode):
    tiny = np.float32(1e-40)  # subnormal in float32
    got = function(tf.constant([tiny, -tiny, 0.0], tf.float32), ALPHA[mode], mode=mode).numpy()
    assert got[0] == got[1] == got[2]


@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_integers_and_half_integers_stay_fixed(function, dtype_name):
    tf_dtype, _ = DTYPES[dtype_name]
    integers = np.arange(-4.0, 5.0)
    halves = integers[:-1] + 0.5
    for mode, fixed in [("tanh", "both"), ("sine", "both"), ("sigmoid", "halves"), ("ste", "integers")]:
        for points, kind in [(integers, "integers"), (halves, "halves")]:
            if fixed not in ("both", kind):
                continue
            got = function(tf.constant(points, tf_dtype), ALPHA[mode], mode=mode)
            np.testing.assert_array_equal(tf.cast(got, tf.float64), points, err_msg=f"{mode} {kind}")
    # A sine band narrower than float's spacing at 1/2 still keeps both (half
    # holds no such width: 1e-7 is nearly its smallest).
    points = np.concatenate([integers, halves])
    width = 1e-7 if tf_dtype == tf.float16 else 1e-30
    got = function(tf.constant(points, tf_dtype), width, mode="sine")
    np.testing.assert_array_equal(tf.cast(got, tf.float64), points, err_msg=f"sine, width {width}")


@pytest.mark.parametrize("function", [softround_ops.soft_round, reference.soft_round])
def test_bfloat16_beyond_its_mantissa_is_unchanged(function):
    x = np.array([256.0, 258.0, -1024.0, 3.0e4, 1.0e30], dtype=ml_dtypes.bfloat16)
    for mode in ["tanh", "sine", "ste"]:
        got = function(tf.constant(x, tf.bfloat16), ALPHA[mode], mode=mode).numpy()
        np.testing.assert_array_equal(got, x)


def test_a_valid_library_override_loads():
    library = os.path.join(
        os.path.dirname(softround_ops.__file__), softround_ops._build_info.LIBRARY_FILENAME
    )
    code = "import softround_ops\nprint(softround_ops.using_custom_ops())\n"
    result = run_python(code, {"SOFTROUND_OPS_LIBRARY": library, "SOFTROUND_OPS_STRICT": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_a_linear_schedule_steps_evenly():
    schedule = AlphaSchedule(1.0, 5.0, kind="linear")
    assert [schedule.value(p) for p in (0.0, 0.25, 0.5, 0.75, 1.0)] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_the_package_pins_the_tensorflow_minor_it_was_built_for():
    major, minor = (int(v) for v in tf.__version__.split(".")[:2])
    requires = importlib.metadata.requires("softround_ops")
    for name in ["tensorflow", "tensorflow-cpu"]:
        expected = f'{name}<{major}.{minor + 1},>={major}.{minor}; extra == "{name}"'
        assert expected in requires, requires


SETUP = os.path.join(os.path.dirname(__file__), "..", "setup.py")


@pytest.mark.skipif(not os.path.exists(SETUP), reason="setup.py is not next to tests/ (an installed copy)")
def test_the_build_stops_without_tensorflow():
    """setup.py run by an interpreter that has no TensorFlow (the venv's base Python)."""
    base = getattr(sys, "_base_executable", sys.executable)
    probe = subprocess.run([base, "-c", "import tensorflow"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip(f"{base} imports TensorFlow itself; no interpreter without one to try")
    if subprocess.run([base, "-c", "import setuptools"], capture_output=True).returncode != 0:
        pytest.skip(f"{base} has no setuptools to run setup.py with")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [base, SETUP, "--name"],
        cwd=os.path.dirname(SETUP),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "cannot import one. Install TensorFlow first" in result.stderr
