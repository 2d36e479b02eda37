"""The soak script's quick version: threads agree bit for bit, memory stays flat."""

import json
import os
import pathlib
import subprocess
import sys

SOAK = pathlib.Path(__file__).resolve().parents[1] / "tools" / "soak.py"


def run_quick_soak(json_path):
    # A fresh interpreter that must use the compiled ops: the switches the
    # suite may run under (SOFTROUND_OPS_PY among them) are not passed on.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTROUND_OPS_")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", SOFTROUND_OPS_STRICT="1")
    command = [sys.executable, str(SOAK), "--quick", "--no-progress", "--json", str(json_path)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_quick_soak_passes_with_its_calls_made(tmp_path):
    result = run_quick_soak(tmp_path / "soak.json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["passed"] and report["custom_ops"] and report["backend"] == "custom"
    config = report["config"]
    checks = {check["check"]: check for check in report["checks"]}
    concurrency = checks["concurrency"]
    assert concurrency["calls"] == config["threads"] * config["calls_per_thread"] > 0
    assert concurrency["threads"] == config["threads"] > 1
    assert concurrency["mismatches"] == 0 and concurrency["errors"] == 0
    expected_calls = {
        "small eager calls": config["small_calls"],
        "large, forward": config["large_calls"],
        "large, gradients": config["large_calls"],
    }
    for name, calls in expected_calls.items():
        check = checks[name]
        assert check["calls"] == calls > 0 and check["errors"] == 0, check
        assert check["growth_mib"] is not None and check["growth_mib"] <= check["limit_mib"], check
    # The printed table says the same as the JSON.
    row = next(line for line in result.stdout.splitlines() if line.startswith("concurrency"))
    assert row.split()[1:5] == [str(concurrency["calls"]), str(config["threads"]), "0", "0"]
