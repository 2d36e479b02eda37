"""16-bit tensors with a scalar alpha, looked up in a table of the loops' own
results (cc/kernels/lookup_table.h): the same bits as the loops, and the
caching policy that decides when a table is filled. No TensorFlow:
test_cpu_levels.py reruns this file at every x86-64 level and with the
bit-code half conversion."""

import ml_dtypes
import numpy as np
import pytest

from softround_ops import _numpy_kernels as kernels
from softround_ops import numpy as srnp

# kMinFillAtFirstCall; a size between it and kMinLookupElements; a piece
# below kMinLookupElements, which the loops always compute.
LARGE = 1 << 20
MEDIUM = 1 << 14
PIECE = 1 << 10

DTYPES = [np.float16, ml_dtypes.bfloat16]
# (function, mode, alpha): every function and mode; tanh's identity, a soft and a sharp alpha.
CASES = [
    ("forward", "tanh", 0.0),  # the identity
    ("forward", "tanh", 3.0),
    ("forward", "tanh", 0.5),
    ("forward", "sigmoid", 4.0),
    ("forward", "sine", 0.7),
    ("forward", "ste", 1.0),
    ("inverse", "tanh", 5.0),
    ("conditional_mean", "tanh", 2.0),
]
VALUES = {
    "forward": srnp.soft_round,
    "inverse": srnp.soft_round_inverse,
    "conditional_mean": srnp.soft_round_conditional_mean,
}


def _counts():
    fills, lookups = kernels.lookup_table_counts()
    return np.array([fills, lookups])


def _every_pattern(dtype, copies, seed=0):
    """Each of the 65536 bit patterns (NaN and infinities included) copies
    times, shuffled."""
    bits = np.tile(np.arange(1 << 16, dtype=np.uint16), copies)
    np.random.default_rng(seed).shuffle(bits)
    return bits.view(dtype)


def _by_pieces(compute, *arrays):
    n = arrays[0].size
    return np.concatenate([compute(*(a[i : i + PIECE] for a in arrays)) for i in range(0, n, PIECE)])


def _assert_same_bits(actual, expected):
    """Bit for bit, NaN payloads aside: the loops' NaN bits already depend on
    which conversion (F16C or the bit code) a chunk's tail takes."""
    nan = np.isnan(expected.astype(np.float32))
    np.testing.assert_array_equal(np.isnan(actual.astype(np.float32)), nan)
    differ = actual.view(np.uint16)[~nan] != expected.view(np.uint16)[~nan]
    assert not differ.any(), f"{differ.sum()} results differ from the loops'"


def _value_and_slope(function, mode, alpha):
    def value(x):
        return VALUES[function](x, alpha, mode)

    def slope(dy, x):
        return srnp.soft_round_grad(dy, x, alpha, mode, function=function, wrt="x")

    return value, slope


@pytest.mark.parametrize("case", CASES, ids=lambda case: "-".join(map(str, case)))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_a_large_tensor_gets_the_bits_of_the_loops(dtype, case):
    function, mode, alpha = case
    value, slope = _value_and_slope(function, mode, alpha)
    x = _every_pattern(dtype, LARGE >> 16)
    dy = np.random.default_rng(1).normal(size=x.size).astype(dtype)
    before = _counts()
    looked_up = value(x), slope(dy, x)
    # ste's slope is dy itself, copied without a table.
    tables = 1 if mode == "ste" else 2
    assert (_counts() - before)[1] == tables
    _assert_same_bits(looked_up[0], _by_pieces(value, x))
    _assert_same_bits(looked_up[1], _by_pieces(slope, dy, x))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_a_medium_tensor_fills_its_table_at_the_second_call_with_the_same_alpha(dtype):
    alpha = 2.671875  # exact in both types, and used by no other test
    x = _every_pattern(dtype, 1, seed=2)[:MEDIUM]
    expected = _by_pieces(lambda piece: srnp.soft_round(piece, alpha), x)
    start = _counts()
    steps = []
    for _ in range(3):
        _assert_same_bits(srnp.soft_round(x, alpha), expected)
        steps.append((_counts() - start).tolist())
    # (fills, lookups): the loops, then a fill and a lookup, then a lookup.
    assert steps == [[0, 0], [1, 1], [1, 2]]


def test_an_alpha_that_changes_at_every_call_fills_no_table_below_the_threshold():
    x = _every_pattern(np.float16, 1, seed=3)[:MEDIUM]
    before = _counts()
    for step in range(20):
        srnp.soft_round(x, 1.0 + step / 64)
    assert (_counts() - before).tolist() == [0, 0]


@pytest.mark.parametrize(
    "case", [case for case in CASES if case[1] != "ste"], ids=lambda case: "-".join(map(str, case))
)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_a_large_tensor_with_alpha_gradient_gets_the_slopes_of_the_loops(dtype, case):
    """x's gradient bit for bit; alpha's, summed in the table's order, within
    one unit in the last place of the float32 loops' sum."""
    function, mode, alpha = case
    x = _every_pattern(dtype, LARGE >> 16, seed=7)
    finite = np.isfinite(x.astype(np.float32))
    x = np.where(finite, x, dtype(0.25))  # a NaN would make alpha's sum NaN
    dy = np.random.default_rng(8).uniform(-1, 1, x.size).astype(dtype)
    alpha = np.asarray(alpha, dtype)
    before = _counts()
    dx, dalpha = srnp.soft_round_grad_with_alpha(dy, x, alpha, mode, function=function)
    assert (_counts() - before)[1] == 1

    def loop_dx(dy, x):
        return srnp.soft_round_grad_with_alpha(dy, x, alpha, mode, function=function)[0]

    _assert_same_bits(dx, _by_pieces(loop_dx, dy, x))
    as_float = [a.astype(np.float32) for a in (dy, x, alpha)]
    wide = srnp.soft_round_grad_with_alpha(*as_float, mode, function=function)[1]
    assert abs(float(dalpha) - float(wide)) <= abs(float(np.spacing(wide.astype(dtype))))


def test_other_types_alphas_and_quantities_run_the_loops():
    x = _every_pattern(np.float16, LARGE >> 16, seed=4)
    dy = np.ones_like(x)
    per_element = np.full(x.shape, 3.0, np.float16)
    before = _counts()
    srnp.soft_round(x.astype(np.float32), 3.0)
    srnp.soft_round(x, per_element)
    srnp.soft_round_grad(dy, x, 3.0, wrt="xx")
    srnp.soft_round_grad(dy, x, 3.0, wrt="alpha")
    srnp.soft_round_grad_with_alpha(dy[:MEDIUM], x[:MEDIUM], np.float16(3.0))
    srnp.soft_round_grad_with_alpha(dy[:MEDIUM], x[:MEDIUM], np.float16(3.0))
    assert (_counts() - before).tolist() == [0, 0]
