"""The CPU loops' fast paths for large alphas give what the plain paths give.

An alpha as large as x is checked piece by piece as the loops read it: a bad
value anywhere is reported at its own index, the first of several, in every
dtype, op and thread count. A per-channel tanh alpha reads its constants from a
table built once per call, for the soft round and for the inverse and the
conditional mean: the same bits as the same alpha expanded to x's size and as
a scalar alpha per channel, whichever forms (identity, moderate, sharp) its
values take.
"""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import ALPHA_RANGES, _loader
from softround_ops import numpy as srnp

from conftest import DTYPES

pytestmark = pytest.mark.skipif(
    not softround_ops.using_custom_ops(), reason="the loops' fast paths belong to the compiled op library"
)

PIECE = 4096  # the loops check an x-sized alpha in pieces of this many elements
SIZE = 5 * PIECE + 100
GOOD = {"tanh": 4.0, "sigmoid": 6.0, "sine": 0.5}
BAD = {"tanh": -2.0, "sigmoid": -3.0, "sine": 1.5}
# The first piece, a later piece's middle and x's last element.
WHERE = [0, 3 * PIECE + 17, SIZE - 1]


def _bad_alpha(mode, where, np_dtype):
    alpha = np.full(SIZE, GOOD[mode])
    alpha[where] = BAD[mode]
    alpha[-1] = BAD[mode]  # a second bad value after it: the first is reported
    return alpha.astype(np_dtype)


def _expected(mode, where):
    return f"alpha for mode '{mode}' must be {ALPHA_RANGES[mode]}; got alpha[{where}] = {BAD[mode]:g}"


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("mode", list(GOOD))
@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_a_bad_x_sized_alpha_is_reported_at_its_first_index(dtype_name, mode, where):
    tf_dtype, np_dtype = DTYPES[dtype_name]
    alpha_np = _bad_alpha(mode, where, np_dtype)
    x_np = np.linspace(-3, 3, SIZE).astype(np_dtype)
    x, alpha, dy = tf.constant(x_np), tf.constant(alpha_np), tf.ones([SIZE], tf_dtype)
    ops = _loader.custom_ops()
    calls = {
        "SoftRound": lambda: ops.soft_round(x, alpha, mode=mode),
        "SoftRoundGrad": lambda: ops.soft_round_grad(dy, x, alpha, mode=mode),
        "SoftRoundGradWithAlpha": lambda: ops.soft_round_grad_with_alpha(dy, x, alpha, mode=mode),
    }
    for op, call in calls.items():
        with pytest.raises(tf.errors.InvalidArgumentError) as error:
            call()
        assert f" {op}: {_expected(mode, where)}" in error.value.message, error.value.message
    ones = np.ones(SIZE, np_dtype)
    for threads in (1, 2, 3):
        for call, args in (
            (srnp.soft_round, (x_np, alpha_np)),
            (srnp.soft_round_grad, (ones, x_np, alpha_np)),
            (srnp.soft_round_grad_with_alpha, (ones, x_np, alpha_np)),
        ):
            with pytest.raises(ValueError) as error:
                call(*args, mode, threads=threads)
            assert _expected(mode, where) in str(error.value), str(error.value)


def test_a_bad_alpha_in_a_two_dimensional_x_is_named_by_its_flat_index():
    x = tf.zeros([8, PIECE])
    alpha = np.full([8, PIECE], 2.0, np.float32)
    alpha[6, 5] = float("nan")
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"got alpha\[{6 * PIECE + 5}\] = nan"):
        softround_ops.soft_round(x, tf.constant(alpha))


# Per-channel alphas: all moderate (both tables), none the identity (alpha's
# gradient reads a table), and mixed forms (no table).
CHANNEL_ALPHAS = {
    "moderate": lambda rng: rng.uniform(0.5, 40.0, 300),
    "mixed forms": lambda rng: rng.choice([0.0, 1e-4, 2.0, 15.0, 79.0, 100.0, 1e3, 1e30], 300),
    "moderate and sharp": lambda rng: rng.choice([2.0, 15.0, 79.0, 100.0, 1e3, 1e30], 300),
}


@pytest.mark.parametrize("values", list(CHANNEL_ALPHAS))
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_per_channel_tanh_family_equals_expanded_and_scalar_alphas_bit_for_bit(dtype_name, values):
    np_dtype = DTYPES[dtype_name][1]
    rng = np.random.default_rng(1)
    x = rng.uniform(-4, 4, (16, 300)).astype(np_dtype)
    dy = rng.normal(size=x.shape).astype(np_dtype)
    alpha = CHANNEL_ALPHAS[values](rng).astype(np_dtype)
    expanded = np.ascontiguousarray(np.broadcast_to(alpha, x.shape))
    for compute in (
        lambda a, x, dy: srnp.soft_round(x, a),
        lambda a, x, dy: srnp.soft_round_grad(dy, x, a),
        lambda a, x, dy: srnp.soft_round_inverse(x, a),
        lambda a, x, dy: srnp.soft_round_grad(dy, x, a, function="inverse"),
        lambda a, x, dy: srnp.soft_round_conditional_mean(x, a),
        lambda a, x, dy: srnp.soft_round_grad(dy, x, a, function="conditional_mean"),
    ):
        per_channel = compute(alpha, x, dy)
        assert per_channel.tobytes() == compute(expanded, x, dy).tobytes()
        columns = [compute(alpha[j], x[:, j].copy(), dy[:, j].copy()) for j in range(x.shape[1])]
        assert per_channel.tobytes() == np.ascontiguousarray(np.stack(columns, axis=1)).tobytes()
    op = softround_ops.soft_round(tf.constant(x), tf.constant(alpha)).numpy()
    assert op.tobytes() == srnp.soft_round(x, alpha).tobytes()
    op = softround_ops.soft_round_inverse(tf.constant(x), tf.constant(alpha)).numpy()
    assert op.tobytes() == srnp.soft_round_inverse(x, alpha).tobytes()
    # With alpha's gradient: x's the same bits; alpha's summed in another order.
    dx, dalpha = srnp.soft_round_grad_with_alpha(dy, x, alpha)
    dx_expanded, dalpha_expanded = srnp.soft_round_grad_with_alpha(dy, x, expanded)
    assert dx.tobytes() == dx_expanded.tobytes()
    np.testing.assert_allclose(dalpha, dalpha_expanded.sum(axis=0), rtol=1e-5, atol=1e-6)
