"""Serving from C++: examples/serving's program, with the op kernels compiled
in, loads a SavedModel exported from Python and gives Python's results."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import softround_ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "serving")
BUILD = os.path.join(ROOT, "build", "serving")
BINARY = os.path.join(BUILD, "serve_soft_round")

sys.path.insert(0, EXAMPLE)
pytestmark = [
    pytest.mark.skipif(
        not os.path.isdir(EXAMPLE), reason="examples/ is not next to tests/ (an installed copy)"
    ),
    pytest.mark.skipif(shutil.which("cmake") is None, reason="no cmake on PATH to build the example"),
]


@pytest.fixture(scope="module")
def server():
    """The example built once (CMake reuses build/serving between runs), or
    the one SOFTROUND_OPS_SERVER names (tools/bazel_build.sh's)."""
    prebuilt = os.environ.get("SOFTROUND_OPS_SERVER")
    if prebuilt:
        assert os.access(prebuilt, os.X_OK), f"SOFTROUND_OPS_SERVER={prebuilt} is not an executable"
        return prebuilt
    configure = ["cmake", "-S", EXAMPLE, "-B", BUILD, f"-DTENSORFLOW_PYTHON={sys.executable}"]
    if shutil.which("ninja"):
        configure.append("-GNinja")
    for command in (configure, ["cmake", "--build", BUILD, "--parallel", str(os.cpu_count() or 1)]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return BINARY


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    import export_model

    path = str(tmp_path_factory.mktemp("serving") / "model")
    export_model.export(path)
    return path


def serve(server, model_dir, signature, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [server, model_dir, signature, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line.split(":") for line in result.stdout.splitlines()]
    return {name: np.array(values.split(), np.float32) for name, values in lines}


X = np.array([-2.6, -0.5, 0.2, 0.45, 0.5, 1.7, 3.0, 12.25], np.float32)


def test_the_server_gives_pythons_values_and_gradients(server, model_dir):
    xt = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = softround_ops.soft_round(xt, 5.0)
    dy_dx = tape.gradient(y, xt).numpy()
    forward = serve(server, model_dir, "serving_default", *map(repr, X.tolist()))
    np.testing.assert_array_equal(forward["y"], y.numpy())
    both = serve(server, model_dir, "with_gradient", *map(repr, X.tolist()))
    np.testing.assert_array_equal(both["y"], y.numpy())
    np.testing.assert_array_equal(both["dy_dx"], dy_dx)


def test_the_server_reads_a_file_and_reports_bad_input(server, model_dir, tmp_path):
    values = tmp_path / "x.txt"
    values.write_text("\n".join(map(repr, X.tolist())))
    from_file = serve(server, model_dir, "serving_default", "--file", str(values))
    np.testing.assert_array_equal(from_file["y"], softround_ops.soft_round(X, 5.0).numpy())
    result = subprocess.run([server, model_dir, "nope", "1"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "no signature 'nope'" in result.stderr
    result = subprocess.run([server, model_dir, "serving_default", "x"], capture_output=True, text=True)
    assert result.returncode != 0 and "bad input values" in result.stderr
