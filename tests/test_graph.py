"""tf.function behaviour: annealing alpha without retracing; SavedModel in a fresh process."""

import json

import numpy as np
import pytest
import tensorflow as tf

import softround_ops

from conftest import run_python
from numpy_model import slope as model_slope
from numpy_model import soft_round as model_soft_round


def test_variable_alpha_changes_between_calls_without_retracing(backend):
    _, soft_round = backend
    alpha = tf.Variable(1.0, dtype=tf.float64)
    x = tf.constant(np.linspace(-2, 2, 33))

    @tf.function
    def forward_and_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = soft_round(x, alpha)
        return y, tape.gradient(y, x)

    for value in [1.0, 4.0, 20.0, 0.0]:
        alpha.assign(value)
        y, g = forward_and_gradient(x)
        np.testing.assert_allclose(y.numpy(), model_soft_round(x.numpy(), value, "tanh"), atol=1e-12)
        np.testing.assert_allclose(g.numpy(), model_slope(x.numpy(), value, "tanh"), atol=1e-11)
    assert forward_and_gradient.experimental_get_tracing_count() == 1


SAVE_AND_COMPUTE = """
import json, sys
import numpy as np
import tensorflow as tf
import softround_ops

class Model(tf.Module):
    def __init__(self):
        self.alpha = tf.Variable(6.0)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return softround_ops.soft_round(x, self.alpha)

tf.saved_model.save(Model(), sys.argv[1])
"""

LOAD_AND_COMPUTE = """
import json, sys
import numpy as np
import tensorflow as tf
import softround_ops  # registers SoftRound, SoftRoundGrad and the gradient

loaded = tf.saved_model.load(sys.argv[1])
x = tf.constant(np.linspace(-2, 2, 17), tf.float32)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = loaded(x)
g = tape.gradient(y, x)
print(json.dumps({"y": y.numpy().tolist(), "g": g.numpy().tolist()}))
"""


def test_saved_model_loads_in_a_fresh_process_with_gradient(tmp_path):
    path = str(tmp_path / "model")
    saved = run_python(SAVE_AND_COMPUTE.replace("sys.argv[1]", repr(path)))
    assert saved.returncode == 0, saved.stderr
    loaded = run_python(LOAD_AND_COMPUTE.replace("sys.argv[1]", repr(path)))
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout.strip().splitlines()[-1])
    x = np.linspace(-2, 2, 17).astype(np.float32)
    np.testing.assert_allclose(result["y"], model_soft_round(x, 6.0, "tanh"), atol=2e-6)
    np.testing.assert_allclose(result["g"], model_slope(x, 6.0, "tanh"), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_graph_mode_matches_eager(mode):
    alpha = 0.5 if mode == "sine" else 3.0
    x = tf.constant(np.linspace(-3, 3, 61), tf.float32)
    eager = softround_ops.soft_round(x, alpha, mode=mode)
    graph = tf.function(lambda x: softround_ops.soft_round(x, alpha, mode=mode))(x)
    np.testing.assert_array_equal(eager.numpy(), graph.numpy())
