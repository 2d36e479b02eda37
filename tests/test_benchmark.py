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
    assert {"roofline fwd", "tanh fused fwd", "tanh xla fwd+bwd", "tanh graph fwd"} <= cases
    assert {"inverse fused fwd+bwd", "cond_mean tfc xla fwd", "soft_round fused +alpha fwd+bwd"} <= cases
    assert {"inverse per-channel fwd", "soft_round tfc graph fwd+bwd"} <= cases
    assert all(row["seconds"] > 0 for row in data["graph_seconds"] + data["eager_seconds"])
    assert all(row["page_faults"] >= 0 for row in data["graph_seconds"])
    assert data["allocator"] == "default"
