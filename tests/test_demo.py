"""The demo (the project's main job) and the mode plot, end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

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


def test_help_answers_without_tensorflow_and_every_option_is_explained():
    code = (
        "import sys, _softround_demo\n"
        "try:\n    _softround_demo.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('tensorflow' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    import _softround_demo

    parser = _softround_demo.build_parser()
    assert all(action.help for action in parser._actions)
    from softround_ops.demo import data

    assert tuple(data.INTEGER_DATASETS) == _softround_demo.DATASETS


def write_csv(path, target_values=None):
    rng = np.random.default_rng(0)
    n = 300
    size = rng.normal(size=n)
    color = rng.choice(["red", "blue"], n)
    target = rng.poisson(np.exp(0.5 + 0.4 * size)) if target_values is None else target_values(n)
    lines = ["size,color,visits"] + [f"{s:.4f},{c},{t}" for s, c, t in zip(size, color, target)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_demo_on_a_csv_file(tmp_path):
    csv = write_csv(tmp_path / "visits.csv")
    args = ["--csv", str(csv), "--target", "visits", "--quick", "--json", str(tmp_path / "r.json")]
    result = run_module("softround_ops.demo", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "csv exact" in result.stdout and "Integer bottleneck" not in result.stdout
    runs = json.loads((tmp_path / "r.json").read_text())["integer_labels"]
    assert {row["head"] for row in runs} == {"mode", "mse", "mae", "softmax", "ste", "softround"}
    assert json.loads((tmp_path / "r.json").read_text())["settings"]["json"] == os.path.relpath(
        tmp_path / "r.json"
    )


def test_csv_errors_are_clear(tmp_path):
    import _softround_demo

    from softround_ops.demo import data

    csv = write_csv(tmp_path / "visits.csv")
    with pytest.raises(
        SystemExit, match=r"--target 'count' is not a column of .*; its columns: 'size', 'color', 'visits'"
    ):
        data.csv_dataset(str(csv), "count")
    fractional = write_csv(tmp_path / "fractional.csv", lambda n: np.full(n, 1.5))
    with pytest.raises(SystemExit, match=r"--target 'visits' must hold integers .* data row 1 has '1\.5'"):
        data.csv_dataset(str(fractional), "visits")
    with pytest.raises(SystemExit, match="cannot read --csv"):
        data.csv_dataset(str(tmp_path / "missing.csv"), "visits")
    with pytest.raises(SystemExit):
        _softround_demo.parse_args(["--csv", str(csv)])  # --target missing
