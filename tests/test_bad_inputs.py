"""The bad-input matrix of tools/bad_inputs.py holds, and docs/bad-inputs.md shows all of it.

The matrix runs in child processes of the script (a crash or a hang is an
outcome there, not the end of the test run).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "bad_inputs.py"


def _matrix():
    """The script as a module (importing it does not import TensorFlow)."""
    spec = importlib.util.spec_from_file_location("bad_inputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_matrix_has_no_violation():
    """No crash, hang, NaN for finite input, error for a valid input, or error
    that does not name the bad argument.

    Runs `--quick`, the script's is_quick() subset: the full matrix (about 310
    rows x 3 contexts x 2 backends) takes about 2.5 minutes on 2 cores, mostly
    XLA compiles; the subset (about 200 rows, without XLA on the fallback, which
    is what softround_ops.* builds under XLA anyway) takes about 70 s and still
    covers every group, every bad argument of every function and every context.
    The rest runs whenever the document is regenerated (`--check` without `--quick`).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("SOFTROUND_OPS_")}
    env.update(SOFTROUND_OPS_STRICT="1", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"violations:\n{result.stdout}\n{result.stderr[-3000:]}"


# A stand-in for the script's child process: the same protocol, and a cell that
# crashes or hangs on request.
FAKE_CHILD = """
import ctypes, faulthandler, json, sys, time
faulthandler.enable()
def answer(kind, **payload):
    print("@@bad_inputs " + json.dumps({"kind": kind, **payload}), flush=True)
answer("ready", custom_ops=True, tensorflow="none")
for line in sys.stdin:
    row_id, context, backend = json.loads(line)
    if row_id == "segfault":
        ctypes.string_at(0)
    if row_id == "hang":
        time.sleep(600)
    answer("done", cell=[row_id, context, backend], outcome="ok", message="", seconds=0)
"""


def test_a_crash_or_a_hang_is_an_outcome_and_the_run_goes_on(monkeypatch):
    matrix = _matrix()
    monkeypatch.setattr(matrix, "CHILD_COMMAND", [sys.executable, "-c", FAKE_CHILD])
    cells = [("segfault", "eager", "op"), ("hang", "graph", "op"), ("fine", "XLA", "fallback")]
    results, _ = matrix.run_cells(cells, workers=1, timeout=2)
    crash, hang, fine = (results[cell] for cell in cells)
    assert crash["outcome"] == "crash" and "SIGSEGV" in crash["message"], crash
    assert hang["outcome"] == "hang", hang
    assert fine["outcome"] == "ok", fine


def test_the_quick_subset_covers_every_group_and_bad_argument():
    matrix = _matrix()
    quick = [row for row in matrix.ROWS if matrix.is_quick(row)]
    assert {row.group for row in quick} == {row.group for row in matrix.ROWS}
    assert {(row.function, row.bad) for row in quick} == {(row.function, row.bad) for row in matrix.ROWS}


def test_the_document_lists_every_row():
    """Current enough: every row of the script appears (messages vary with TensorFlow's version)."""
    matrix = _matrix()
    text = (ROOT / "docs" / "bad-inputs.md").read_text()
    missing = [row.id for row in matrix.ROWS if f"`{row.id}`" not in text]
    assert not missing, f"docs/bad-inputs.md lacks rows {missing}; regenerate it: {matrix.REGENERATE}"
    assert matrix.REGENERATE in text
