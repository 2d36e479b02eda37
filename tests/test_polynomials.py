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
    """Float and double results: a quarter ulp; float computing a 16-bit result:
    a sixteenth of that type's ulp (10 and 7 mantissa bits)."""
    header = (ROOT / "cc/include/softround/polynomials.h").read_text()
    errors = [line for line in header.splitlines() if "relative error 2^-" in line]
    # exp and sine: float for three precisions and double; atanh: float and double
    assert len(errors) == 10
    required = {
        "float, kFull": 23 + 2,
        "float, kHalf": 10 + 4,
        "float, kBFloat16": 7 + 4,
        "double, kFull": 52 + 2,
    }
    for line in errors:
        kind = line[3:].split(" (")[0]
        bits = float(line.rsplit("2^-", 1)[1].rstrip("."))
        assert bits >= required[kind], line
