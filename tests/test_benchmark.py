"""The benchmark command runs end to end (its figures are read by people, not asserted)."""

import json
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench.py")


@pytest.mark.skipif(not os.path.exists(BENCH), reason="benchmarks/ is not next to tests/")
def test_quick_benchmark_writes_its_table_and_json(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, BENCH, "--quick", "--json", str(out), "--plot", str(tmp_path / "plot.png")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Ratio to the roofline" in result.stdout and "tanh fused fwd+bwd" in result.stdout
    data = json.loads(out.read_text())
    cases = {row["case"] for row in data["graph_seconds"]}
    assert {
        "roofline fwd",
        "tanh fused fwd",
        "tanh fused +alpha fwd+bwd",
        "tanh xla fwd+bwd",
        "tanh graph fwd",
    } <= cases
    assert {"inverse fused fwd+bwd", "cond_mean tfc xla fwd", "soft_round fused +alpha fwd+bwd"} <= cases
    assert {"inverse per-channel fwd", "soft_round tfc graph fwd+bwd"} <= cases
    assert all(row["seconds"] > 0 for row in data["graph_seconds"] + data["eager_seconds"])
    assert all(row["page_faults"] >= 0 for row in data["graph_seconds"])
    assert data["allocator"] == "default"


def run_script(name, tmp_path):
    """A benchmark script's --quick run: (stdout, its JSON)."""
    out = tmp_path / f"{name}.json"
    script = os.path.join(os.path.dirname(BENCH), f"{name}.py")
    result = subprocess.run(
        [sys.executable, script, "--quick", "--json", str(out)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(out.read_text())


@pytest.mark.skipif(not os.path.exists(BENCH), reason="benchmarks/ is not next to tests/")
def test_quick_benchmark_times_the_eager_fallback_layouts_and_a_training_step_and_records_the_cpu(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            BENCH,
            "--quick",
            "--no-family",
            "--layouts",
            "--e2e",
            "--json",
            str(out),
            "--plot",
            str(tmp_path / "p.png"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "the reference fallback costs" in result.stdout
    data = json.loads(out.read_text())
    assert {"tanh fallback", "tanh fallback fwd+bwd", "tanh fwd+bwd"} <= {
        r["case"] for r in data["eager_seconds"]
    }
    assert data["machine"]["cpu_level"] in ("v4", "v3", "v2", "baseline")
    assert "alpha grad cost" in result.stdout and "softround_ops' overhead" in result.stdout
    assert {row["layout"] for row in data["layouts"]["seconds"]} >= {"scalar", "per row", "per element"}
    assert {"no quantization", "softround_ops", "one more ReLU"} <= set(data["e2e"]["seconds"])


@pytest.mark.skipif(not os.path.exists(BENCH), reason="benchmarks/ is not next to tests/")
def test_quick_layout_benchmark_covers_every_layout_and_pass(tmp_path):
    stdout, data = run_script("bench_layouts", tmp_path)
    assert "alpha grad cost" in stdout
    timed = {(row["layout"], row["pass"]) for row in data["seconds"]}
    for layout in ("scalar", "per channel (last axis)", "per row", "per channel (NCHW)", "per element"):
        assert {(layout, "fwd"), (layout, "fwd+bwd"), (layout, "fwd+bwd +alpha")} <= timed
    assert all(row["seconds"] > 0 for row in data["seconds"])


@pytest.mark.skipif(not os.path.exists(BENCH), reason="benchmarks/ is not next to tests/")
def test_quick_training_step_benchmark_times_every_variant(tmp_path):
    stdout, data = run_script("bench_e2e", tmp_path)
    assert "of the TF-ops formula's" in stdout
    assert set(data["seconds"]) == {
        "no quantization",
        "softround_ops",
        "tfc formula as TF ops",
        "one more ReLU",
        "softround_ops, step under XLA",
    }
