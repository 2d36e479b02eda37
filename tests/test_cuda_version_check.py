"""The CUDA build refuses an nvcc whose major version differs from TensorFlow's
(cmake/CudaVersionCheck.cmake, run as a CMake script)."""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = os.path.join(ROOT, "cmake", "CudaVersionCheck.cmake")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHECK), reason="cmake/ is not next to tests/ (an installed copy)"),
    pytest.mark.skipif(shutil.which("cmake") is None, reason="no cmake on PATH"),
]


def check(tf_cuda, nvcc, allow="OFF"):
    command = ["cmake", f"-DTF_CUDA={tf_cuda}", f"-DNVCC={nvcc}", f"-DALLOW={allow}", "-P", CHECK]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_a_major_version_mismatch_stops_the_configure():
    code, output = check("12.5.1", "13.0.88")
    assert code != 0
    assert "nvcc is CUDA 13.0.88, but this TensorFlow was built with CUDA 12.5.1" in output
    assert "driver >= 580.65.06" in output and "nvidia-cuda-nvcc-cu12" in output


def test_the_same_major_version_passes_and_names_the_driver():
    code, output = check("12.5.1", "12.9.86")
    assert code == 0 and "NVIDIA driver >= 525.60.13" in output


def test_a_mismatch_can_be_allowed_with_a_warning():
    code, output = check("12.5.1", "13.0.88", allow="ON")
    assert code == 0 and "SOFTROUND_ALLOW_CUDA_MISMATCH" in output


def test_tensorflow_cpu_builds_with_the_driver_requirement_said():
    code, output = check("", "13.0.88")
    assert code == 0 and "tensorflow-cpu" in output and "driver >= 580.65.06" in output
