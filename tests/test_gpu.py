"""The CUDA kernels inside TensorFlow: run where TensorFlow sees a GPU, skip with the reason otherwise.

tools/gpu_check.sh checks the same kernels without TensorFlow.
"""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import _build_info

from conftest import DTYPES, value_tolerance

GPUS = tf.config.list_physical_devices("GPU")
pytestmark = [
    pytest.mark.skipif(not GPUS, reason="TensorFlow sees no GPU (tensorflow-cpu, or no device here)"),
    pytest.mark.skipif(
        not _build_info.WITH_CUDA, reason="the op library was built without SOFTROUND_WITH_CUDA=1"
    ),
]

CASES = [("tanh", 5.0), ("tanh", 0.0), ("tanh", 1e3), ("sigmoid", 10.0), ("sine", 0.5), ("ste", 0.0)]


@pytest.fixture(autouse=True)
def _no_soft_placement():
    # A missing GPU kernel must fail, not run silently on the CPU.
    previous = tf.config.get_soft_device_placement()
    tf.config.set_soft_device_placement(False)
    yield
    tf.config.set_soft_device_placement(previous)


def forward_and_gradient(device, x, alpha, mode):
    with tf.device(device):
        x = tf.identity(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = softround_ops.soft_round(x, alpha, mode=mode)
        return y, tape.gradient(y, x, output_gradients=tf.ones_like(y))


@pytest.mark.parametrize("mode,alpha", CASES)
def test_gpu_equals_cpu(dtype_name, mode, alpha):
    tf_dtype, np_dtype = DTYPES[dtype_name]
    values = np.concatenate(
        [np.random.default_rng(0).uniform(-40, 40, 100_003), [np.nan, np.inf, -np.inf, 0.5]]
    )
    x = tf.constant(values, tf_dtype)
    y_gpu, g_gpu = forward_and_gradient("/GPU:0", x, alpha, mode)
    y_cpu, g_cpu = forward_and_gradient("/CPU:0", x, alpha, mode)
    assert "GPU" in y_gpu.device and "GPU" in g_gpu.device
    for gpu, cpu in [(y_gpu, y_cpu), (g_gpu, g_cpu)]:
        gpu, cpu = (tf.cast(t, tf.float64).numpy() for t in (gpu, cpu))
        np.testing.assert_array_equal(np.isnan(gpu), np.isnan(cpu))
        finite = np.isfinite(cpu)
        np.testing.assert_array_less(
            np.abs(gpu[finite] - cpu[finite]), 8 * value_tolerance(cpu[finite], np_dtype) + 1e-300
        )


def test_gpu_per_channel_and_full_alpha():
    x = tf.constant(np.random.default_rng(1).uniform(-5, 5, (64, 3)), tf.float32)
    for alpha in [tf.constant([1.0, 5.0, 20.0]), tf.fill([64, 3], 7.0)]:
        y_gpu, _ = forward_and_gradient("/GPU:0", x, alpha, "tanh")
        y_cpu, _ = forward_and_gradient("/CPU:0", x, alpha, "tanh")
        np.testing.assert_allclose(y_gpu.numpy(), y_cpu.numpy(), atol=1e-6)


def test_gpu_validates_alpha():
    with tf.device("/GPU:0"), pytest.raises(tf.errors.InvalidArgumentError, match="mode 'sine'"):
        softround_ops.soft_round(tf.ones([4]), tf.constant(2.0), mode="sine")
