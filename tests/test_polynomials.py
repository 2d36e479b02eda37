"""The minimax polynomials of the math header are what tools/minimax.py fits."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_header_is_what_the_tool_writes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools/minimax.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_each_polynomial_meets_its_bound():
    header = (ROOT / "cc/include/softround/polynomials.h").read_text()
    errors = [line for line in header.splitlines() if "relative error 2^-" in line]
    assert len(errors) == 6  # three functions, float and double
    for line in errors:
        bits = float(line.rsplit("2^-", 1)[1].rstrip("."))
        mantissa = 23 if line.startswith("// float") else 52
        assert bits >= mantissa + 2, line
