"""Offline stand-in for TensorFlow's @local_config_cuda: if_cuda, and where
the CUDA toolkit is (cuda_config.bzl, written by tools/bazel_build.sh)."""

load(":cuda_config.bzl", _CUDA_ARCHS = "CUDA_ARCHS", _CUDA_PATH = "CUDA_PATH")

CUDA_ARCHS = _CUDA_ARCHS
CUDA_PATH = _CUDA_PATH

def if_cuda(if_true, if_false = []):
    """if_true with --config=cuda, if_false without."""
    return select({
        "@local_config_cuda//cuda:using_nvcc": if_true,
        "//conditions:default": if_false,
    })
