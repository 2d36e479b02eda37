"""Wherever a model goes: XLA, portable SavedModels, TFLite, serving, tf.distribute."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference

from conftest import run_python, value_tolerance

MODES = [("tanh", 5.0), ("sigmoid", 8.0), ("sine", 0.5), ("ste", 0.0)]


def op_types(concrete_function):
    graph = concrete_function.graph
    types = {op.type for op in graph.get_operations()}
    for function in graph.as_graph_def().library.function:
        types |= {node.op for node in function.node_def}
    return types


def forward_and_gradient(x, alpha, mode):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = softround_ops.soft_round(x, alpha, mode=mode)
    return y, tape.gradient(y, x, output_gradients=tf.ones_like(y))


@pytest.mark.parametrize("mode,alpha", MODES)
def test_xla_builds_the_reference_with_the_same_results(mode, alpha):
    x = tf.constant(np.random.default_rng(0).uniform(-20, 20, 4096), tf.float32)
    compiled = tf.function(lambda x: forward_and_gradient(x, alpha, mode), jit_compile=True)
    plain = tf.function(lambda x: forward_and_gradient(x, alpha, mode))
    y_xla, g_xla = compiled(x)
    y_op, g_op = plain(x)
    np.testing.assert_array_less(np.abs(y_xla - y_op), 2 * value_tolerance(y_op.numpy(), np.float32))
    np.testing.assert_allclose(g_xla, g_op, rtol=1e-4, atol=1e-5 * max(1.0, alpha))
    xla_ops = op_types(compiled.get_concrete_function(x))
    plain_ops = op_types(plain.get_concrete_function(x))
    assert "SoftRound" not in xla_ops and "SoftRoundGrad" not in xla_ops
    assert "SoftRound" in plain_ops and ("SoftRoundGrad" in plain_ops or mode == "ste")


def test_portable_scope_builds_only_tensorflow_ops():
    f = tf.function(lambda x: softround_ops.soft_round(x, 4.0))
    spec = tf.TensorSpec([None], tf.float32)
    with softround_ops.portable():
        portable_ops = op_types(f.get_concrete_function(spec))
    assert "SoftRound" not in portable_ops and "Assert" not in portable_ops
    assert "SoftRound" in op_types(
        tf.function(lambda x: softround_ops.soft_round(x, 4.0)).get_concrete_function(spec)
    )


class Model(tf.Module):
    def __init__(self):
        self.alpha = tf.Variable(6.0)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return {
            "tanh": softround_ops.soft_round(x, self.alpha),
            "sigmoid": softround_ops.approx_round(x, 5.0),
            "sine": softround_ops.approx_round_sin(x, 0.5),
            "ste": softround_ops.round_ste(x),
        }


PROBE = np.linspace(-3, 3, 61, dtype=np.float32)

RUN_WITHOUT_SOFTROUND_OPS = """
import json, sys
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
x = tf.constant(np.linspace(-3, 3, 61, dtype=np.float32))
with tf.GradientTape() as tape:
    tape.watch(x)
    out = loaded(x)
grad = tape.gradient(out["tanh"], x)
print(json.dumps({"imported": "softround_ops" in sys.modules,
                  "out": {k: v.numpy().tolist() for k, v in out.items()}, "grad": grad.numpy().tolist()}))
"""


def test_portable_saved_model_runs_without_softround_ops(tmp_path):
    path = str(tmp_path / "portable")
    model = Model()
    with softround_ops.portable():
        tf.saved_model.save(model, path)
    result = run_python(RUN_WITHOUT_SOFTROUND_OPS.replace("sys.argv[1]", repr(path)))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["imported"] is False
    expected = model(tf.constant(PROBE))
    for mode, values in loaded["out"].items():
        np.testing.assert_allclose(values, expected[mode].numpy(), atol=2e-6, err_msg=mode)
    with tf.GradientTape() as tape:
        x = tf.constant(PROBE)
        tape.watch(x)
        y = model(x)["tanh"]
    np.testing.assert_allclose(loaded["grad"], tape.gradient(y, x).numpy(), rtol=1e-4, atol=1e-5)


def test_portable_export_converts_to_tflite(tmp_path):
    path = str(tmp_path / "portable")
    model = Model()
    with softround_ops.portable():
        tf.saved_model.save(model, path, signatures=model.__call__.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_saved_model(path)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # no TF ops fallback
    interpreter = tf.lite.Interpreter(model_content=converter.convert())
    outputs = interpreter.get_signature_runner()(x=PROBE)  # resizes the input itself
    expected = model(tf.constant(PROBE))
    for mode in ["tanh", "sigmoid", "sine", "ste"]:
        np.testing.assert_allclose(outputs[mode], expected[mode].numpy(), atol=1e-5, err_msg=mode)


def test_custom_op_saved_model_needs_the_import(tmp_path):
    path = str(tmp_path / "custom")
    tf.saved_model.save(Model(), path)
    result = run_python(RUN_WITHOUT_SOFTROUND_OPS.replace("sys.argv[1]", repr(path)))
    assert result.returncode != 0
    assert "Op type not registered 'SoftRound'" in result.stderr
    with_import = RUN_WITHOUT_SOFTROUND_OPS.replace(
        "import tensorflow as tf", "import tensorflow as tf\nimport softround_ops"
    )
    result = run_python(with_import.replace("sys.argv[1]", repr(path)))
    assert result.returncode == 0, result.stderr


def test_reference_uses_only_tflite_builtin_friendly_ops():
    f = tf.function(lambda x: reference.soft_round(x, 3.0, check_alpha=False))
    types = op_types(f.get_concrete_function(tf.TensorSpec([None], tf.float32)))
    assert not types & {"Expm1", "IsFinite", "Assert", "SoftRound"}


SCRIPT = os.path.join(os.path.dirname(__file__), "distributed_train.py")


def train(kind, loop):
    code = open(SCRIPT).read().replace("sys.argv[1], sys.argv[2]", f"{kind!r}, {loop!r}")
    result = run_python(code, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def single_device_losses():
    return {loop: train("single", loop)["loss"] for loop in ["fit", "loop"]}


@pytest.mark.parametrize("loop", ["fit", "loop"])
def test_mirrored_strategy_matches_a_single_device(single_device_losses, loop):
    mirrored = train("mirrored", loop)
    assert mirrored["replicas"] == 2
    np.testing.assert_allclose(mirrored["loss"], single_device_losses[loop], rtol=1e-4)
    assert mirrored["loss"][-1] < mirrored["loss"][0]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_strategy_matches_a_single_device(single_device_losses):
    """Two worker processes on loopback ports (TF_CONFIG), stopped whatever happens."""
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes, outputs = [], []
    try:
        for index in range(2):
            config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
            env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTROUND_OPS_")}
            env.update(TF_CONFIG=json.dumps(config), TF_CPP_MIN_LOG_LEVEL="3")
            processes.append(
                subprocess.Popen(
                    [sys.executable, SCRIPT, "multiworker", "loop"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (stdout, stderr) in zip(processes, outputs):
        assert p.returncode == 0, stderr[-3000:]
        result = json.loads(stdout.strip().splitlines()[-1])
        assert result["replicas"] == 2
        np.testing.assert_allclose(result["loss"], single_device_losses["loop"], rtol=1e-4)


def test_a_number_alpha_used_eagerly_first_is_still_a_constant_in_exports():
    softround_ops.soft_round(tf.constant([0.3]), 7.5)  # fills the eager cache
    f = tf.function(lambda x: softround_ops.soft_round(x, 7.5))
    graph = f.get_concrete_function(tf.TensorSpec([None], tf.float32)).graph
    assert not graph.captures, "the alpha must be a constant in the graph, not a captured tensor"
