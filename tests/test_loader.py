"""The loader: import never fails; a bad library falls back with one warning, or raises if strict."""

import json
import os

import pytest
import tensorflow as tf

from softround_ops import _build_info, _loader

from conftest import run_python

CALL_TWICE = """
import json, warnings
import numpy as np
import tensorflow as tf
import softround_ops
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    x = tf.constant(np.linspace(-2, 2, 9))
    y1 = softround_ops.soft_round(x, 5.0)
    y2 = softround_ops.soft_round(x, 5.0)
reference = softround_ops.reference.soft_round(x, 5.0)
print(json.dumps({
    "custom": softround_ops.using_custom_ops(),
    "warnings": [str(w.message) for w in caught if issubclass(w.category, softround_ops.FallbackWarning)],
    "equal": bool(np.array_equal(y1, reference) and np.array_equal(y2, reference)),
}))
"""


def call_twice(env):
    result = run_python(CALL_TWICE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_python_only_switch_uses_the_reference_silently():
    outcome = call_twice({"SOFTROUND_OPS_PY": "1"})
    assert outcome == {"custom": False, "warnings": [], "equal": True}


def test_missing_library_falls_back_with_one_warning():
    outcome = call_twice({"SOFTROUND_OPS_LIBRARY": "/nonexistent/_soft_round_ops.so"})
    assert not outcome["custom"] and outcome["equal"]
    assert len(outcome["warnings"]) == 1
    message = outcome["warnings"][0]
    assert "SOFTROUND_OPS_LIBRARY names /nonexistent/_soft_round_ops.so, which does not exist" in message
    assert (
        "Fix: point SOFTROUND_OPS_LIBRARY at a built op library" in message
        and "SOFTROUND_OPS_STRICT=1" in message
    )


def test_unloadable_library_names_the_versions(tmp_path):
    bogus = tmp_path / "_soft_round_ops.so"
    bogus.write_text("not a shared library")
    outcome = call_twice({"SOFTROUND_OPS_LIBRARY": str(bogus)})
    assert not outcome["custom"] and len(outcome["warnings"]) == 1
    assert (
        f"{bogus} (built for TensorFlow unknown) failed to load in TensorFlow {tf.__version__}"
        in (outcome["warnings"][0])
    )


def test_strict_mode_raises_at_the_call_not_at_import():
    code = """
import softround_ops, tensorflow as tf
try:
    softround_ops.soft_round(tf.constant([0.3]), 2.0)
except softround_ops.LibraryLoadError as error:
    print("raised:", error)
"""
    result = run_python(code, {"SOFTROUND_OPS_LIBRARY": "/nonexistent.so", "SOFTROUND_OPS_STRICT": "1"})
    assert result.returncode == 0, result.stderr
    assert "raised: SOFTROUND_OPS_LIBRARY names /nonexistent.so, which does not exist" in result.stdout


def test_library_built_for_another_tensorflow_is_refused_with_both_versions(monkeypatch):
    monkeypatch.setattr(_build_info, "TENSORFLOW_VERSION", "2.14.0")
    monkeypatch.delenv("SOFTROUND_OPS_LIBRARY", raising=False)
    with pytest.raises(_loader.LibraryLoadError) as error:
        _loader._load()
    message = str(error.value)
    assert "built for TensorFlow 2.14.0" in message
    assert f"TensorFlow {tf.__version__} is installed" in message
    assert "pip install --force-reinstall --no-deps ." in message


def test_the_package_records_the_tensorflow_it_was_built_for():
    assert _build_info.TENSORFLOW_VERSION == tf.__version__


def test_import_leaves_tensorflow_unconfigured():
    """Device and distribution setup must stay possible after `import softround_ops`."""
    result = run_python(
        "import tensorflow as tf\n"
        "import softround_ops\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
        "print(len(tf.config.list_logical_devices('CPU')))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2"


def test_the_mapped_library_is_the_one_asked_for():
    """SOFTROUND_OPS_LIBRARY (e.g. tools/bazel_build.sh's library), else the package's own."""
    import softround_ops

    if not softround_ops.using_custom_ops():
        pytest.skip("the op library did not load here (the reference is in use)")
    wanted, _ = _loader._library_path()
    with open("/proc/self/maps") as maps:
        mapped = {line.split(None, 5)[-1].strip() for line in maps if line.count(" ") >= 5}
    assert os.path.realpath(wanted) in mapped
