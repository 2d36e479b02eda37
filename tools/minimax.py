"""Minimax polynomials of the elementary functions in soft_round_math.h.

    python tools/minimax.py            # rewrites cc/include/softround/polynomials.h
    python tools/minimax.py --check    # exits 1 if the header is not what it would write

Each function is written P(t) = 1 + t q(t) and fitted by the Remez exchange
in mpmath's extended precision, minimizing the relative error of P on the
interval its caller needs; the constant term stays exactly 1, so that P is
exact at t = 0 (expm1 keeps its relative accuracy for tiny arguments). The
coefficients are rounded to the type, and the degree is the smallest whose
rounded polynomial stays within 2^-(mantissa + 2) of the function on a
dense grid: a quarter of the unit in the last place at 1, small against
the roundings of its own evaluation. Taylor series of the same accuracy
need one to seven more terms (docs/design.md).

Half and bfloat16 results are computed in float and rounded once to 11 or 8
significant bits, so float has a second and third set sized for them:
within 2^-(mantissa + 4) of the 16-bit type's mantissa (2^-14 for half,
2^-11 for bfloat16), a sixteenth of the result's unit in the last place,
which leaves room for the formulas around the polynomial to double or
triple it and still round within one unit of the exactly rounded result.
Needs mpmath.
"""

import argparse
import math
import sys
from pathlib import Path

import mpmath
from mpmath import mp, mpf

mp.dps = 60
HEADER = Path(__file__).resolve().parent.parent / "cc/include/softround/polynomials.h"

# The argument reductions leave a little more than the ideal interval
# (rounding of the reduction itself): a margin of 2^-10 on each bound.
MARGIN = 1 + 2.0**-10


def _expm1_over_t(t):
    return mpf(1) if t == 0 else mpmath.expm1(t) / t


def _sin_over_v(w):
    return mpf(1) if w == 0 else mpmath.sin(mpmath.sqrt(w)) / mpmath.sqrt(w)


def _atanh_over_s(w):
    return mpf(1) if w == 0 else mpmath.atanh(mpmath.sqrt(w)) / mpmath.sqrt(w)


# (name, what it is, f, interval in t, q(0), whether 16-bit results use it);
# the weight of q's error: P's relative error where the interval ends at 0
# (a zero of the weight only at an end), q's own relative error for exp's
# interval around 0 (where P's weight would vanish inside it; P's error is
# then at most 0.16 of q's). The inverse (atanh) keeps float's precision
# for 16-bit types, so it has no reduced sets.
FUNCTIONS = [
    (
        "ExpM1OverR",
        "(e^r - 1) / r on |r| <= ln2 / 2, ExpInRange's reduced argument: e^r - 1 = r P(r)",
        _expm1_over_t,
        (-mpmath.log(2) / 2 * MARGIN, mpmath.log(2) / 2 * MARGIN),
        mpf(1) / 2,
        True,
    ),
    (
        "SinOverV",
        "sin(v) / v in t = v^2 for 0 <= v <= pi / 2: sin(v) = v P(v^2)",
        _sin_over_v,
        (mpf(0), (mpmath.pi / 2) ** 2 * MARGIN),
        -mpf(1) / 6,
        True,
    ),
    (
        "AtanhOverS",
        "atanh(s) / s in t = s^2 for |s| <= 1/3, LogOfRatio's s: log = 2 s P(s^2)",
        _atanh_over_s,
        (mpf(0), mpf(1) / 9 * MARGIN),
        mpf(1) / 3,
        False,
    ),
]

# (C++ type, literal suffix, rounding of an mpf to the type, the Precision
# of the results the polynomial serves, its bound's exponent)
TYPES = [
    ("float", "f", lambda value: _round_to_float(value), "kFull", 23 + 2),
    ("float", "f", lambda value: _round_to_float(value), "kHalf", 10 + 4),
    ("float", "f", lambda value: _round_to_float(value), "kBFloat16", 7 + 4),
    ("double", "", lambda value: float(value), "kFull", 52 + 2),
]


def _round_to_float(value):
    """value rounded to the nearest float32, as a Python float."""
    as_double = float(value)
    if as_double == 0:
        return 0.0
    mantissa, exponent = math.frexp(as_double)
    scaled = mpf(value) * mpf(2) ** (24 - exponent)
    return float(mpmath.nint(scaled)) * 2.0 ** (exponent - 24)


def _evaluate(coefficients, t):
    """1 + t (c0 + t (c1 + ...)) in extended precision."""
    return 1 + t * mpmath.polyval(coefficients[::-1], t)


def _grid(low, high, count):
    """count Chebyshev-spaced points of [low, high] (dense near the ends)."""
    return [
        (low + high) / 2 - (high - low) / 2 * mpmath.cos(mpmath.pi * k / (count - 1)) for k in range(count)
    ]


def _relative_error(f, coefficients, t):
    """P's relative error at t."""
    return (_evaluate(coefficients, t) - f(t)) / f(t)


class _Target:
    """q's target F = (f - 1) / t and the weight of q's error."""

    def __init__(self, f, interval, q_at_zero):
        self.f, self.q_at_zero = f, q_at_zero
        self.around_zero = interval[0] < 0 < interval[1]

    def value(self, t):
        # The limit where f - 1 would cancel to nothing at this precision.
        return self.q_at_zero if abs(t) < mpf(10) ** -20 else (self.f(t) - 1) / t

    def weight(self, t):
        return 1 / self.value(t) if self.around_zero else abs(t) / self.f(t)

    def error(self, coefficients, t):
        return self.weight(t) * (mpmath.polyval(coefficients[::-1], t) - self.value(t))


def _extrema(target, coefficients, grid, count):
    """count points of alternating error sign, each the largest |error| of its
    run of one sign on the grid, refined between its grid neighbours."""
    errors = [target.error(coefficients, t) for t in grid]
    runs = []  # (index of the largest |error|, sign) per run of one sign
    for i, error in enumerate(errors):
        sign = error >= 0
        if runs and runs[-1][1] == sign:
            if abs(error) > abs(errors[runs[-1][0]]):
                runs[-1] = (i, sign)
        else:
            runs.append((i, sign))
    while len(runs) > count:  # drop the smaller end
        runs.pop(0 if abs(errors[runs[0][0]]) < abs(errors[runs[-1][0]]) else -1)
    points = []
    for i, _ in runs:
        if i in (0, len(grid) - 1):  # an end of the interval
            points.append(grid[i])
            continue
        low, high = grid[i - 1], grid[i + 1]
        for _ in range(40):  # ternary search of |error| on [low, high]
            a, b = low + (high - low) / 3, high - (high - low) / 3
            if abs(target.error(coefficients, a)) < abs(target.error(coefficients, b)):
                low = a
            else:
                high = b
        points.append((low + high) / 2)
    return points


def remez(target, interval, unknowns, iterations=40):
    """q's coefficients (unknowns of them) minimizing max |weight (q - F)|."""
    low, high = interval
    grid = _grid(low, high, 800)
    reference = _grid(low, high, unknowns + 1)
    if not target.around_zero:  # the weight vanishes at t = 0
        reference[0] = grid[1]
    coefficients = []
    for _ in range(iterations):
        # sum_k c_k t^k w(t) + (-1)^i E = F(t) w(t) at each reference t.
        matrix = mpmath.matrix(unknowns + 1, unknowns + 1)
        rhs = mpmath.matrix(unknowns + 1, 1)
        for i, t in enumerate(reference):
            weight = target.weight(t)
            for k in range(unknowns):
                matrix[i, k] = t**k * weight
            matrix[i, unknowns] = (-1) ** i
            rhs[i] = target.value(t) * weight
        solution = mpmath.lu_solve(matrix, rhs)
        coefficients = [solution[k] for k in range(unknowns)]
        levelled = abs(solution[unknowns])
        points = _extrema(target, coefficients, grid, unknowns + 1)
        if len(points) < unknowns + 1:
            break
        reference = points
        largest = max(abs(target.error(coefficients, t)) for t in reference)
        if largest - levelled <= largest * mpf(10) ** -6:
            break
    return coefficients


def fit(f, interval, q_at_zero, bound_bits, rounding):
    """(rounded coefficients of q, P's max relative error) of the smallest
    degree within 2^-bound_bits."""
    target = _Target(f, interval, q_at_zero)
    bound = mpf(2) ** -bound_bits
    check_grid = _grid(interval[0], interval[1], 3000)
    for unknowns in range(1, 30):
        coefficients = [rounding(c) for c in remez(target, interval, unknowns)]
        error = max(abs(_relative_error(f, [mpf(c) for c in coefficients], t)) for t in check_grid)
        if error <= bound:
            return coefficients, error
    raise RuntimeError("no degree below 30 reaches the bound")


def _literal(value, suffix):
    """A hexadecimal literal (exact), without the mantissa's trailing zeros."""
    mantissa, exponent = float(value).hex().split("p")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}p{exponent}{suffix}"


def render():
    lines = [
        "// Minimax polynomials of the elementary functions in soft_round_math.h:",
        "// P(t) = 1 + t (c1 + t (c2 + ...)), coefficients rounded to each type.",
        "// Generated by tools/minimax.py (Remez exchange in extended precision);",
        "// edit the tool and rerun it, not this file.",
        "#ifndef SOFTROUND_POLYNOMIALS_H_",
        "#define SOFTROUND_POLYNOMIALS_H_",
        "",
        '#include "softround/horner.h"',
        '#include "softround/precision.h"',
        "",
        "namespace softround {",
        "namespace detail {",
        "",
        "// One polynomial per line, as the tool writes it: Name<P>(t) for results",
        "// of precision P (softround/precision.h).",
        "// clang-format off",
    ]
    for name, what, f, interval, q_at_zero, for_16_bit in FUNCTIONS:
        lines += ["", f"// {what}."]
        for cpp_type in dict.fromkeys(entry[0] for entry in TYPES):
            lines.append(f"template <Precision P> SOFTROUND_HD {cpp_type} {name}({cpp_type} t);")
        for cpp_type, suffix, rounding, precision, bound_bits in TYPES:
            if precision != "kFull" and not for_16_bit:
                continue
            coefficients, error = fit(f, interval, q_at_zero, bound_bits, rounding)
            bits = -math.log2(float(error)) if error > 0 else float("inf")
            literals = ", ".join(_literal(c, suffix) for c in [1.0, *coefficients])
            lines += [
                f"// {cpp_type}, {precision} (bound 2^-{bound_bits}): degree {len(coefficients)}, "
                f"relative error 2^-{bits:.1f}.",
                f"template <> SOFTROUND_HD {cpp_type} {name}<Precision::{precision}>({cpp_type} t) {{",
                f"  return Horner(t, {literals});",
                "}",
            ]
    lines += [
        "",
        "}  // namespace detail",
        "}  // namespace softround",
        "",
        "#endif  // SOFTROUND_POLYNOMIALS_H_",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the header differs")
    args = parser.parse_args()
    text = render()
    if args.check:
        if HEADER.read_text() != text:
            print(f"{HEADER} is not what tools/minimax.py writes; rerun it", file=sys.stderr)
            return 1
        print(f"{HEADER} is up to date")
        return 0
    HEADER.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
