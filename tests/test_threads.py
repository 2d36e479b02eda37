"""The threaded and the single-threaded kernels give bit-identical results."""

import json

from conftest import run_python

HASH_ALL = """
import hashlib, json, sys
import numpy as np
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(int(sys.argv[1]))
import softround_ops

n = 2**20 + 13  # odd, so shards end at different offsets inside vectors
x = np.random.default_rng(0).uniform(-30, 30, n)
digests = {}
for dtype in [tf.float16, tf.bfloat16, tf.float32, tf.float64]:
    xt = tf.constant(x, dtype)
    for mode, alpha in [("tanh", 5.0), ("sigmoid", 9.0), ("sine", 0.4), ("ste", 0.0)]:
        per_element = tf.constant(np.random.default_rng(1).uniform(0.1, 1.0, n) * (alpha or 1), dtype)
        for name, a in [("scalar", alpha), ("per-element", per_element)]:
            with tf.GradientTape() as tape:
                tape.watch(xt)
                y = softround_ops.soft_round(xt, a, mode=mode)
            g = tape.gradient(y, xt, output_gradients=tf.ones_like(y))
            data = tf.io.serialize_tensor(y).numpy() + tf.io.serialize_tensor(g).numpy()
            digests[f"{dtype.name} {mode} {name}"] = hashlib.sha256(data).hexdigest()
    # The family and alpha's gradient (summed in tiles of fixed size).
    cases = [(softround_ops.soft_round, "sigmoid", 9.0)]
    for inverse in (softround_ops.soft_round_inverse, softround_ops.soft_round_conditional_mean):
        cases.append((inverse, "tanh", 5.0))
    for function, mode, alpha in cases:
        per_element = tf.constant(np.random.default_rng(1).uniform(0.5, 1.0, n) * alpha, dtype)
        for name, a in [("scalar", tf.constant(alpha, dtype)), ("per-element", per_element)]:
            with tf.GradientTape() as tape:
                tape.watch([xt, a])
                y = function(xt, a, mode=mode)
            g, ga = tape.gradient(y, [xt, a], output_gradients=tf.ones_like(y))
            data = b"".join(tf.io.serialize_tensor(t).numpy() for t in (y, g, ga))
            key = f"{dtype.name} {function.__name__} {mode} {name} alpha"
            digests[key] = hashlib.sha256(data).hexdigest()
print(json.dumps(digests))
"""


def digests(threads):
    result = run_python(HASH_ALL.replace("sys.argv[1]", str(threads)), timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_thread_count_does_not_change_a_single_bit():
    single, threaded = digests(1), digests(4)
    assert len(single) == 4 * 4 * 2 + 4 * 3 * 2
    assert single == threaded
