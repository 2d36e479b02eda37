"""Builds softround_ops: CMake compiles the op library against the installed TensorFlow.

The TensorFlow the library is built against is the one the target Python
imports. Under pip's build isolation that Python hides its site-packages (via
PYTHONPATH and PYTHONNOUSERSITE); the build then asks it again without them
(CMake's TensorFlow query too), so `pip install .` builds against the user's
TensorFlow and never downloads a second one.
"""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
_ISOLATION_VARIABLES = ("PYTHONPATH", "PYTHONNOUSERSITE")


def _tensorflow_python():
    """(TF version, environment variables to unset) with which sys.executable imports TensorFlow."""
    query = [sys.executable, "-c", "import tensorflow as tf; print(tf.__version__)"]
    for unset in ((), _ISOLATION_VARIABLES):
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        result = subprocess.run(query, env=env, capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.strip().splitlines()[-1], unset
    sys.exit(
        "softround_ops compiles against the TensorFlow you have installed, and "
        f"{sys.executable} cannot import one. Install TensorFlow first "
        "(`pip install tensorflow` or `pip install tensorflow-cpu`), then softround_ops."
    )


TF_VERSION, TF_UNSET_ENV = _tensorflow_python()
_MAJOR, _MINOR = (int(part) for part in TF_VERSION.split(".")[:2])
# The library only loads in the TensorFlow minor version it was built for.
# Declared as extras, never as a plain requirement: users have either
# tensorflow or tensorflow-cpu, and pip must not install the other beside it.
TF_REQUIREMENT = f">={_MAJOR}.{_MINOR},<{_MAJOR}.{_MINOR + 1}"


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


def _drop_stale_cache(build_dir, cmake):
    """Forgets a CMake cache made by another cmake (pip's isolated build envs are temporary)."""
    cache = build_dir / "CMakeCache.txt"
    if cache.exists() and f"CMAKE_COMMAND:INTERNAL={cmake}\n" not in cache.read_text():
        cache.unlink()
        shutil.rmtree(build_dir / "CMakeFiles", ignore_errors=True)


def _pybind11_args():
    """Where CMake finds pybind11 (a build requirement) for the NumPy binding."""
    try:
        import pybind11
    except ImportError:
        sys.exit("softround_ops builds its NumPy binding with pybind11: `pip install pybind11`")
    return [f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"]


class CMakeBuild(build_ext):
    """Runs CMake for each extension; honours CMAKE_ARGS and SOFTROUND_WITH_CUDA=1
    (the CUDA kernels), uses Ninja when present."""

    def build_extension(self, ext):
        library = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = Path(self.build_temp).resolve() / ext.name
        build_dir.mkdir(parents=True, exist_ok=True)
        cmake = shutil.which("cmake")
        _drop_stale_cache(build_dir, cmake)
        args = [
            f"-DSOFTROUND_OUTPUT_DIR={library.parent}",
            f"-DSOFTROUND_LIBRARY_FILENAME={library.name}",
            f"-DTENSORFLOW_PYTHON={sys.executable}",
            f"-DTENSORFLOW_PYTHON_UNSET_ENV={';'.join(TF_UNSET_ENV)}",
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            *_pybind11_args(),
        ]
        ninja = shutil.which("ninja")
        if ninja and "CMAKE_GENERATOR" not in os.environ:
            args += ["-GNinja", f"-DCMAKE_MAKE_PROGRAM={ninja}"]
        if os.environ.get("SOFTROUND_WITH_CUDA", "").lower() in ("1", "on", "true", "yes"):
            args.append("-DSOFTROUND_WITH_CUDA=ON")
        args += shlex.split(os.environ.get("CMAKE_ARGS", ""))
        jobs = str(self.parallel or os.cpu_count() or 1)
        subprocess.run([cmake, str(ROOT), *args], cwd=build_dir, check=True)
        subprocess.run([cmake, "--build", ".", "--parallel", jobs], cwd=build_dir, check=True)


setup(
    package_dir={"": "python"},
    packages=["softround_ops", "softround_ops.compat", "softround_ops.demo"],
    py_modules=["_softround_demo"],
    ext_modules=[CMakeExtension("softround_ops._soft_round_ops")],
    cmdclass={"build_ext": CMakeBuild},
    extras_require={
        "tensorflow": [f"tensorflow{TF_REQUIREMENT}"],
        "tensorflow-cpu": [f"tensorflow-cpu{TF_REQUIREMENT}"],
        "test": [
            "pytest>=7",
            "hypothesis>=6",
            "mpmath",
            "scikit-learn",
            "statsmodels",
            "pandas",
            "matplotlib",
        ],
        "demo": ["scikit-learn", "statsmodels", "pandas", "matplotlib"],
        "plot": ["matplotlib"],
        "lint": ["ruff==0.17.6", "clang-format==23.1.5"],
    },
)
