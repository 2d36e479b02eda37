"""The NumPy binding on special values and every broadcast, and the broadcast
index math as a unit. No TensorFlow: tools/sanitize.sh runs this file (with
`--noconftest`) against the binding built under AddressSanitizer and
UndefinedBehaviorSanitizer."""

import itertools
import os

import ml_dtypes
import numpy as np
import pytest

from softround_ops import _numpy_kernels as kernels
from softround_ops import numpy as srnp

from numpy_model import soft_round as model_soft_round
from tolerances import value_tolerance

DTYPES = [np.float16, ml_dtypes.bfloat16, np.float32, np.float64]
MODE_ALPHA = {"tanh": 4.0, "sigmoid": 9.0, "sine": 0.4, "ste": 1.0}
WRT = ("x", "xx", "alpha", "x_alpha")
# Zeros, subnormals (of float32 and float64), halves and integers, and huge
# values (those a 16-bit dtype cannot hold are dropped there).
SPECIAL = [0.0, -0.0, 1e-45, -1e-39, 5e-324, 1e-8, 0.5, -0.5, 2.0, -3.0, 2.501, 1e30, -1e300, 3e38, 65504.0]


def _special_values(dtype):
    with np.errstate(over="ignore"):
        finite = np.array(SPECIAL, np.float64).astype(dtype)
    finite = finite[np.isfinite(finite.astype(np.float64))]
    return finite, np.array([np.nan, np.inf, -np.inf], dtype)


@pytest.mark.parametrize("mode", list(MODE_ALPHA))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_special_values(dtype, mode):
    finite, non_finite = _special_values(dtype)
    x = np.concatenate([finite, non_finite])
    alpha = MODE_ALPHA[mode]
    y = srnp.soft_round(x, alpha, mode)
    slope = srnp.soft_round_grad(np.ones_like(x), x, alpha, mode)
    n = finite.size
    assert np.isfinite(y[:n].astype(np.float64)).all()
    assert np.isfinite(slope[:n].astype(np.float64)).all()
    # NaN in, NaN out; infinities stay.
    assert np.isnan(y[n].astype(np.float64)) and y[n + 1] == np.inf and y[n + 2] == -np.inf
    if mode != "ste":
        dx, dalpha = srnp.soft_round_grad_with_alpha(
            np.ones_like(finite), finite, np.asarray(alpha, dtype), mode
        )
        assert np.isfinite(dx.astype(np.float64)).all() and np.isfinite(float(dalpha))
    inverse = srnp.soft_round_inverse(x, 4.0) if mode == "tanh" else None
    if inverse is not None:
        assert np.isfinite(inverse[:n].astype(np.float64)).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_integers_and_half_integers_stay_fixed(dtype):
    integers = np.arange(-8.0, 9.0).astype(dtype)
    halves = (integers[:-1].astype(np.float64) + 0.5).astype(dtype)
    for mode, fixed in [("tanh", (integers, halves)), ("sine", (integers, halves)), ("sigmoid", (halves,))]:
        for points in fixed:
            np.testing.assert_array_equal(srnp.soft_round(points, MODE_ALPHA[mode], mode), points)
    np.testing.assert_array_equal(srnp.soft_round(integers, 0.0, "ste"), integers)


# x shapes and alpha shapes that broadcast to them, from the planner's every
# path: scalar, own, tiled (short or long rows), expanded (any inner axis),
# runs (per row, NCHW per channel, runs longer than a loop piece), rank 10,
# empty and 0-d.
BROADCASTS = [
    ((), ()),
    ((0,), ()),
    ((3, 0, 2), (2,)),
    ((5,), (5,)),
    ((6, 700), (700,)),
    ((1, 7, 100), (100,)),
    ((6, 700), (6, 1)),
    ((3, 4, 5, 6), (4, 1, 6)),
    ((3, 4, 5, 6), (3, 1, 1, 1)),
    ((2,) * 10, (2, 1, 2)),
    ((2,) * 10, (2,) + (1,) * 9),
    ((9, 2048), (1, 2048)),
    ((4, 3, 16, 16), (1, 3, 1, 1)),
    ((2, 3, 300), (3, 1)),
    ((3, 70000), (3, 1)),
    ((0, 300), (1, 1)),
]


@pytest.mark.parametrize("x_shape,alpha_shape", BROADCASTS)
def test_every_broadcast_matches_the_model(x_shape, alpha_shape):
    rng = np.random.default_rng(7)
    x = rng.uniform(-9, 9, x_shape)
    alpha = rng.uniform(2, 6, alpha_shape)
    for dtype in (np.float32, np.float64):
        y = srnp.soft_round(x.astype(dtype), alpha.astype(dtype))
        expected = model_soft_round(x.astype(dtype), alpha.astype(dtype), "tanh")
        assert np.all(np.abs(y - expected) <= value_tolerance(expected, dtype))
        # alpha's gradient: each alpha element sums the terms of the x
        # elements it reaches, as with alpha spelled out per element.
        dy = rng.normal(size=x_shape).astype(dtype)
        full = np.broadcast_to(alpha, x_shape).astype(dtype)
        _, per_element = srnp.soft_round_grad_with_alpha(dy, x.astype(dtype), full)
        dx, dalpha = srnp.soft_round_grad_with_alpha(dy, x.astype(dtype), alpha.astype(dtype))
        assert dalpha.shape == alpha_shape and dx.shape == x_shape
        axes = tuple(range(len(x_shape) - len(alpha_shape)))
        summed = per_element.astype(np.float64).sum(axis=axes)
        summed = summed.sum(axis=tuple(i for i, d in enumerate(alpha_shape) if d == 1), keepdims=True)
        np.testing.assert_allclose(dalpha, summed.reshape(alpha_shape), rtol=1e-5, atol=1e-5)


# The broadcast index math as a unit (64-bit offsets, any start index).
SMALL_BROADCASTS = [((4, 3), (3,)), ((4, 3), (4, 1)), ((2, 3, 5), (3, 1)), ((2, 3, 5), (2, 1, 5)), ((7,), ())]


@pytest.mark.parametrize("x_shape,alpha_shape", SMALL_BROADCASTS)
def test_alpha_offsets_follow_numpy_broadcasting(x_shape, alpha_shape):
    ids = np.arange(int(np.prod(alpha_shape)), dtype=np.int64).reshape(alpha_shape)
    want = np.broadcast_to(ids, x_shape).ravel()
    n = want.size
    for begin, end in itertools.combinations(range(n + 1), 2):
        np.testing.assert_array_equal(
            kernels.alpha_offsets(x_shape, alpha_shape, begin, end), want[begin:end]
        )


def test_alpha_offsets_beyond_32_bits():
    # x of 2^34 elements and an alpha of 2^32: offsets past 2^31 and 2^32,
    # reached directly from a start index (no loop over the elements before).
    x_shape, alpha_shape = (2**20, 4, 2**10, 4), (2**20, 1, 2**10, 4)
    total = 2**34
    for begin in (0, 2**31 - 3, 2**32 + 5, total - 7):
        got = kernels.alpha_offsets(x_shape, alpha_shape, begin, begin + 7)
        want = []
        for i in range(begin, begin + 7):
            a, rest = divmod(i, 4 * 2**10 * 4)
            c = rest % (2**10 * 4)
            want.append(a * 2**10 * 4 + c)
        np.testing.assert_array_equal(got, want)
    assert got[-1] == 2**32 - 1


def test_alpha_layouts_are_planned_by_their_shape():
    assert kernels.alpha_layout((4, 3), ()) == ("own", 1)
    assert kernels.alpha_layout((4, 3), (3,)) == ("tiled", 1026)  # a whole number of rows >= 1024
    assert kernels.alpha_layout((4, 3), (4, 1)) == ("expanded", 12)  # runs of 3: too short
    assert kernels.alpha_layout((4, 300), (4, 1)) == ("runs", 4)  # per row
    assert kernels.alpha_layout((2, 3, 16, 16), (3, 1, 1)) == ("runs", 3)  # NCHW per channel
    assert kernels.alpha_layout((3, 2, 300), (3, 1, 1)) == ("runs", 3)
    assert kernels.alpha_layout((3, 4, 300), (3, 1, 300)) == ("expanded", 3600)
    assert kernels.alpha_layout((3000, 2000), (2000,)) == ("own", 2000)
    assert kernels.alpha_layout((2**40, 2), (2,)) == ("tiled", 1024)
    with pytest.raises(ValueError, match="does not broadcast"):
        kernels.alpha_layout((4, 3), (2, 4, 3))


def test_runs_the_cpu_level_and_half_conversion_asked_for():
    """tests/test_cpu_levels.py runs this file once per level and without F16C."""
    levels = ["baseline", "v2", "v3", "v4"]
    requested = os.environ.get("SOFTROUND_OPS_CPU_LEVEL", "v4")
    best = kernels.best_cpu_level()
    assert kernels.cpu_level() == min(requested, best, key=levels.index)
    if os.environ.get("SOFTROUND_OPS_F16C") == "0":
        assert not kernels.f16c()


@pytest.mark.parametrize("x_shape,alpha_shape", SMALL_BROADCASTS + BROADCASTS[3:])
def test_the_gpu_index_arithmetic_follows_numpy_broadcasting(x_shape, alpha_shape):
    """AlphaIndex: how the CUDA kernels read a broadcast alpha where it lies."""
    ids = np.arange(int(np.prod(alpha_shape)), dtype=np.int64).reshape(alpha_shape)
    want = np.broadcast_to(ids, x_shape).ravel()
    got = kernels.alpha_index_offsets(x_shape, alpha_shape, 0, want.size)
    assert got is not None  # at most four separate runs of kept axes here
    np.testing.assert_array_equal(got, want)


def test_the_gpu_index_arithmetic_beyond_32_bits():
    x_shape, alpha_shape = (2**20, 4, 2**10, 4), (2**20, 1, 2**10, 4)
    for begin in (0, 2**31 - 3, 2**32 + 5, 2**34 - 7):
        np.testing.assert_array_equal(
            kernels.alpha_index_offsets(x_shape, alpha_shape, begin, begin + 7),
            kernels.alpha_offsets(x_shape, alpha_shape, begin, begin + 7),
        )
    # Five separate kept runs: the kernels take four, the op expands alpha.
    assert kernels.alpha_index_offsets((2, 3) * 5, (2, 1) * 5, 0, 1) is None


@pytest.mark.parametrize(
    "dtype", [ml_dtypes.bfloat16, np.float32, np.float64], ids=lambda d: np.dtype(d).name
)
def test_tanh_derivatives_stay_finite_up_to_the_largest_alpha(dtype):
    """No factor 2 alpha: it overflows beyond half the largest float, and inf
    times a vanishing factor was NaN (found by tools/bad_inputs.py)."""
    largest = float(ml_dtypes.finfo(dtype).max)
    x = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5, -2.5, 2.3], dtype)
    ones = np.ones_like(x)
    for alpha in (largest / 4, largest / 2, largest):
        alpha = np.asarray(alpha, dtype)
        for function in ("forward", "inverse", "conditional_mean"):
            results = [srnp.soft_round_grad(ones, x, alpha, function=function, wrt=w) for w in WRT]
            results += srnp.soft_round_grad_with_alpha(ones, x, alpha, function=function)
            for result in results:
                assert not np.isnan(np.asarray(result, np.float64)).any(), (function, float(alpha))
        # The forward slope at half-integers is alpha / 2, finite.
        slope = srnp.soft_round_grad(ones, x, alpha).astype(np.float64)
        assert slope[2] == pytest.approx(float(alpha) / 2, rel=1e-2)
