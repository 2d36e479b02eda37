"""The demo (the project's main job) and the mode plot, end to end."""

import json
import subprocess
import sys

import numpy as np

from conftest import run_python


def run_module(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=timeout)


def test_quick_demo_prints_both_tables_and_writes_its_png(tmp_path):
    png, results = tmp_path / "demo.png", tmp_path / "demo.json"
    result = run_module("softround_ops.demo", "--quick", "--plot", str(png), "--json", str(results))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Integer labels: exact-match accuracy" in result.stdout
    assert "Integer bottleneck" in result.stdout
    for head in ["mode", "mse", "mae", "softmax", "ste", "softround"]:
        assert f"\n{head} " in result.stdout
    for quantizer in ["none", "ste", "noise", "softround", "softround+noise"]:
        assert f"\n{quantizer} " in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(results.read_text())
    runs = [r for row in data["integer_labels"] for r in row["runs"]]
    assert len(runs) == 2 * 6 and all(0 <= r["exact"] <= 1 for r in runs)
    assert all(r["entropy"] > 0 for row in data["bottleneck"] for r in row["runs"])


def test_demo_is_reproducible_with_a_fixed_seed(tmp_path):
    outputs = []
    for name in ["a.json", "b.json"]:
        args = ["--experiment", "bottleneck", "--quick", "--epochs", "1", "--json", str(tmp_path / name)]
        result = subprocess.run(
            [sys.executable, "-m", "softround_ops.demo", *args], capture_output=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(json.loads((tmp_path / name).read_text())["bottleneck"])
    assert outputs[0] == outputs[1]


def test_mode_plot(tmp_path):
    out = tmp_path / "modes.png"
    result = subprocess.run(
        [sys.executable, "-m", "softround_ops.plot", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_mode_plot_draws_the_inverse_and_the_conditional_mean():
    from softround_ops.plot import curves, panels

    titles = [title for title, _, _ in panels()]
    assert titles[-2:] == ["tanh inverse", "tanh conditional mean"]
    y, slope = curves(panels()[-2][1], 4.0, np.linspace(-1, 1, 5))
    assert np.isfinite(slope).all() and y[2] == 0.0


def test_mode_plot_without_matplotlib_says_how_to_get_it(tmp_path):
    code = "import sys\nsys.modules['matplotlib'] = None\nfrom softround_ops.plot import main\n"
    result = run_python(code + f"main(['--out', {str(tmp_path / 'x.png')!r}])")
    assert result.returncode != 0
    assert "pip install 'softround_ops[plot]'" in result.stderr
