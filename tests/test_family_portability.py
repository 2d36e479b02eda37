"""The family wherever soft_round goes: XLA, portable SavedModels, TFLite, old SavedModels."""

import json

import numpy as np
import pytest
import tensorflow as tf
from test_portability import op_types

import softround_ops

from conftest import run_python

FUNCTIONS = {
    "soft_round": softround_ops.soft_round,
    "inverse": softround_ops.soft_round_inverse,
    "conditional_mean": softround_ops.soft_round_conditional_mean,
}


def values_and_gradients(function, x, alpha):
    with tf.GradientTape() as tape:
        tape.watch([x, alpha])
        y = function(x, alpha)
    d_x, d_alpha = tape.gradient(y, [x, alpha], output_gradients=tf.ones_like(y))
    return y, d_x, d_alpha


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("alpha", [2.0, 9.0])
def test_xla_builds_plain_ops_with_the_same_values_and_gradients(name, alpha):
    function = FUNCTIONS[name]
    x = tf.constant(np.random.default_rng(0).uniform(-6, 6, 2048), tf.float32)
    alpha = tf.constant([alpha, alpha * 0.9, alpha * 1.1, alpha])  # per channel
    x = tf.reshape(x, [512, 4])
    compiled = tf.function(lambda x, a: values_and_gradients(function, x, a), jit_compile=True)
    plain = tf.function(lambda x, a: values_and_gradients(function, x, a))
    for got, expected in zip(compiled(x, alpha), plain(x, alpha)):
        np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-5)
    compiled_ops = op_types(compiled.get_concrete_function(x, alpha))
    assert not {"SoftRound", "SoftRoundGrad", "SoftRoundGradWithAlpha"} & compiled_ops
    assert "SoftRound" in op_types(plain.get_concrete_function(x, alpha))


class FamilyModel(tf.Module):
    def __init__(self):
        self.alpha = tf.Variable(6.0)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return {name: function(x, self.alpha) for name, function in FUNCTIONS.items()}


PROBE = np.linspace(-3.2, 3.2, 65, dtype=np.float32)

RUN_WITHOUT_SOFTROUND_OPS = """
import json, sys
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(PATH)
x = tf.constant(np.linspace(-3.2, 3.2, 65, dtype=np.float32))
grads = {}
for name in ["soft_round", "inverse", "conditional_mean"]:
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = loaded(x)[name]
    grads[name] = tape.gradient(out, x).numpy().tolist()
print(json.dumps({"imported": "softround_ops" in sys.modules,
                  "out": {k: v.numpy().tolist() for k, v in loaded(x).items()}, "grad": grads}))
"""


def expected_outputs(model):
    x = tf.constant(PROBE)
    grads = {}
    for name in FUNCTIONS:
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = model(x)[name]
        grads[name] = tape.gradient(out, x).numpy()
    return model(x), grads


def test_portable_saved_model_of_the_family_runs_without_softround_ops(tmp_path):
    path = str(tmp_path / "portable")
    model = FamilyModel()
    with softround_ops.portable():
        tf.saved_model.save(model, path)
    result = run_python(RUN_WITHOUT_SOFTROUND_OPS.replace("PATH", repr(path)))
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["imported"] is False
    outputs, grads = expected_outputs(model)
    for name in FUNCTIONS:
        np.testing.assert_allclose(loaded["out"][name], outputs[name].numpy(), atol=2e-6, err_msg=name)
        np.testing.assert_allclose(loaded["grad"][name], grads[name], rtol=1e-4, atol=1e-5, err_msg=name)


def test_portable_family_converts_to_tflite(tmp_path):
    path = str(tmp_path / "portable")
    model = FamilyModel()
    with softround_ops.portable():
        tf.saved_model.save(model, path, signatures=model.__call__.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_saved_model(path)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    interpreter = tf.lite.Interpreter(model_content=converter.convert())
    outputs = interpreter.get_signature_runner()(x=PROBE)
    expected = model(tf.constant(PROBE))
    for name in FUNCTIONS:
        np.testing.assert_allclose(outputs[name], expected[name].numpy(), atol=1e-5, err_msg=name)


def test_saved_models_written_before_the_function_attr_still_load(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2

    path = tmp_path / "old"
    tf.saved_model.save(FamilyModel(), str(path))
    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((path / "saved_model.pb").read_bytes())
    # A node written before the attr existed has none; TensorFlow may already
    # leave a default-valued attr out when it saves.
    without_attr = 0
    for meta_graph in saved.meta_graphs:
        for function in meta_graph.graph_def.library.function:
            for node in function.node_def:
                if node.op != "SoftRound" or node.attr["function"].s not in (b"", b"forward"):
                    continue
                del node.attr["function"]
                without_attr += 1
    assert without_attr > 0
    (path / "saved_model.pb").write_bytes(saved.SerializeToString())
    code = RUN_WITHOUT_SOFTROUND_OPS.replace("PATH", repr(str(path))).replace(
        "import tensorflow as tf", "import tensorflow as tf\nimport softround_ops"
    )
    result = run_python(code, env={"SOFTROUND_OPS_STRICT": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    outputs, _ = expected_outputs(FamilyModel())
    np.testing.assert_allclose(loaded["out"]["soft_round"], outputs["soft_round"].numpy(), atol=1e-6)
