"""Values of every mode x dtype x backend against the closed forms of docs/design.md."""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference

from conftest import DTYPES, MODE_ALPHAS, value_tolerance
from numpy_model import fraction
from numpy_model import soft_round as model_soft_round


def known_points():
    """Integers, half-integers, points next to them, and a spread in between."""
    base = np.arange(-3.0, 4.0)
    offsets = [0.0, 0.5, 1e-3, -1e-3, 0.499, 0.501, 0.25, 0.75, 0.1, 0.9]
    points = (base[:, None] + np.array(offsets)[None, :]).ravel()
    spread = np.linspace(-4.0, 4.0, 161)
    return np.concatenate([points, spread])


def as_dtype(values, dtype_name):
    """Values rounded to the dtype, so the model sees exactly the kernel's input."""
    return np.asarray(values).astype(DTYPES[dtype_name][1]).astype(np.float64)


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_values_match_closed_form(backend, dtype_name, mode):
    _, soft_round = backend
    tf_dtype, np_dtype = DTYPES[dtype_name]
    x = as_dtype(known_points(), dtype_name)
    for alpha in MODE_ALPHAS[mode]:
        y = soft_round(tf.constant(x, tf_dtype), alpha, mode=mode)
        assert y.dtype == tf_dtype and y.shape == x.shape
        got = tf.cast(y, tf.float64).numpy()
        expected = model_soft_round(x, as_dtype(alpha, dtype_name), mode)
        np.testing.assert_array_less(np.abs(got - expected), value_tolerance(expected, np_dtype) + 1e-300)


@pytest.mark.parametrize("mode", softround_ops.MODES)
def test_custom_op_matches_reference(dtype_name, mode):
    tf_dtype, np_dtype = DTYPES[dtype_name]
    x = tf.constant(as_dtype(np.random.default_rng(0).uniform(-50, 50, 4096), dtype_name), tf_dtype)
    for alpha in MODE_ALPHAS[mode]:
        custom = tf.cast(softround_ops.soft_round(x, alpha, mode=mode), tf.float64).numpy()
        ref = tf.cast(reference.soft_round(x, alpha, mode=mode), tf.float64).numpy()
        # Both within tolerance of the truth, so within twice of each other.
        np.testing.assert_array_less(np.abs(custom - ref), 2 * value_tolerance(ref, np_dtype) + 1e-300)


def test_integers_and_half_integers_are_fixed_points_of_tanh(backend):
    _, soft_round = backend
    x = np.arange(-5.0, 5.5, 0.5)
    for alpha in [0.5, 5.0, 50.0, 1e6]:
        y = soft_round(tf.constant(x, tf.float64), alpha).numpy()
        np.testing.assert_array_equal(y, x)


def test_tanh_is_the_normalized_seed_sigmoid(backend):
    """(sigmoid(s(f-.5)) - sigmoid(-s/2)) / (sigmoid(s/2) - sigmoid(-s/2)) is tanh's c(f) at alpha = s/2."""
    _, soft_round = backend
    f = np.linspace(0.0, 0.99, 100)
    for s in [1.0, 4.0, 10.0]:
        sig = soft_round(tf.constant(f, tf.float64), s, mode="sigmoid").numpy()
        low, high = fraction("sigmoid", np.array([0.0, 1.0]), s)
        normalized = (sig - low) / (high - low)
        tanh = soft_round(tf.constant(f, tf.float64), s / 2, mode="tanh").numpy()
        np.testing.assert_allclose(tanh, normalized, atol=1e-12)


@pytest.mark.parametrize("alpha,jump", [(1.0, 0.755), (5.0, 0.15), (10.0, 0.013)])
def test_sigmoid_jump_at_integers(backend, alpha, jump):
    """docs/design.md: the seed's sigmoid jumps by 1 - tanh(alpha/4) at each integer."""
    _, soft_round = backend
    x = tf.constant([2.0 - 1e-12, 2.0], tf.float64)
    left, right = soft_round(x, alpha, mode="sigmoid").numpy()
    assert right - left == pytest.approx(1 - np.tanh(alpha / 4), abs=1e-9)
    assert right - left == pytest.approx(jump, abs=2e-3)  # docs/design.md rounds its figures


def test_sine_band_edges(backend):
    """0 up to the lower edge, 1 from the upper edge on (the seed's code gave 0 there)."""
    _, soft_round = backend
    width = 0.25
    f = np.array([0.0, 0.5 - width / 2, 0.5, 0.5 + width / 2, 0.9])
    y = soft_round(tf.constant(3.0 + f, tf.float64), width, mode="sine").numpy()
    np.testing.assert_allclose(y, [3.0, 3.0, 3.5, 4.0, 4.0], atol=1e-15)


def test_ste_rounds_half_to_even_like_tf_round(backend, dtype_name):
    _, soft_round = backend
    tf_dtype, _ = DTYPES[dtype_name]
    x = tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, 7.0], tf_dtype)
    np.testing.assert_array_equal(soft_round(x, 0.0, mode="ste").numpy(), tf.round(x).numpy())


def test_seed_helpers_are_the_modes(backend):
    name, _ = backend
    module = softround_ops if name == "custom" else reference
    x = tf.constant(np.linspace(-2, 2, 41), tf.float32)
    np.testing.assert_array_equal(module.approx_round(x, 3.0), module.soft_round(x, 3.0, "sigmoid"))
    np.testing.assert_array_equal(module.approx_round(x), module.soft_round(x, 1.0, "sigmoid"))
    np.testing.assert_array_equal(module.approx_round_sin(x), module.soft_round(x, 0.1, "sine"))
    np.testing.assert_array_equal(module.approx_round_sin(x, 0.5), module.soft_round(x, 0.5, "sine"))
    np.testing.assert_array_equal(module.round_ste(x), tf.round(x))


def test_seed_sine_code_agrees_inside_the_band(backend):
    """The answer's approx_round_sin, copied here, agrees with ours except at the upper edge."""
    _, soft_round = backend

    def seed_approx_round_sin(x, width):
        remainder = tf.math.floormod(x, 1)
        sin_part = (1 + tf.sin(np.pi * ((remainder - 0.5) / width))) / 2
        whole = sin_part * tf.cast(tf.abs(remainder - 0.5) < width / 2, tf.float64)
        whole += tf.cast(remainder > 0.5 + width / 2, tf.float64)
        return tf.floor(x) + whole

    x = tf.constant(np.linspace(-3, 3, 600, endpoint=False) + 1e-4, tf.float64)
    np.testing.assert_allclose(soft_round(x, 0.3, mode="sine"), seed_approx_round_sin(x, 0.3), atol=1e-12)


def exactly_rounded(values, dtype_name):
    """float64 values rounded once to nearest-even in the 16-bit dtype (numpy's
    half cast rounds from double directly; bfloat16's would go through float32)."""
    if dtype_name == "float16":
        return np.asarray(values).astype(np.float16)
    mantissa, exponent = np.frexp(values)
    return np.ldexp(np.round(np.ldexp(mantissa, 8)), exponent - 8).astype(DTYPES[dtype_name][1])


def ulps_apart(a, b):
    """|a - b| in units in the last place of a 16-bit dtype (bit patterns made monotonic)."""

    def ordered(v):
        bits = np.asarray(v).view(np.int16).astype(np.int32)
        return np.where(bits < 0, -32768 - bits, bits)

    return np.abs(ordered(a) - ordered(b))


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode", softround_ops.MODES)
@pytest.mark.parametrize("alpha_layout", ["scalar", "per-element", "per-channel"])
def test_16_bit_types_are_within_one_ulp_of_the_exactly_rounded_result(dtype_name, mode, alpha_layout):
    """Half and bfloat16 values and slopes are computed in float32 with polynomials
    sized for 11 and 8 significant bits and rounded once: within one unit in the
    last place of the exactly rounded result (the float64 op on the same inputs),
    over several chunks and a tail, for each alpha layout's loop."""
    tf_dtype, np_dtype = DTYPES[dtype_name]
    rng = np.random.default_rng(3)
    shape = (47, 67)  # 3149 elements: three chunks of 1024 and a tail
    x = tf.cast(tf.constant(rng.uniform(-40, 40, shape), tf.float32), tf_dtype)
    dy = tf.cast(tf.constant(rng.uniform(-2, 2, shape), tf.float32), tf_dtype)
    low, high = {"tanh": (0.5, 20.0), "sigmoid": (1.0, 20.0), "sine": (0.1, 1.0), "ste": (0.0, 1.0)}[mode]
    alpha = MODE_ALPHAS[mode][1 if mode != "ste" else 0]
    if alpha_layout != "scalar":
        alpha_shape = shape if alpha_layout == "per-element" else shape[-1:]
        alpha = tf.cast(tf.constant(rng.uniform(low, high, alpha_shape), tf.float32), tf_dtype)

    def forward_and_gradient(x, dy, alpha):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = softround_ops.soft_round(x, alpha, mode=mode)
        return y, tape.gradient(y, x, output_gradients=dy)

    y, dx = forward_and_gradient(x, dy, alpha)
    wide = alpha if alpha_layout == "scalar" else tf.cast(alpha, tf.float64)
    y64, dx64 = forward_and_gradient(tf.cast(x, tf.float64), tf.cast(dy, tf.float64), wide)
    assert y.dtype == tf_dtype and dx.dtype == tf_dtype
    for got, exact in [(y, y64), (dx, dx64)]:
        distance = ulps_apart(got.numpy(), exactly_rounded(exact.numpy(), dtype_name))
        assert distance.max() <= 1, (np.argmax(distance), distance.max())


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode", ["tanh", "sigmoid", "sine"])
def test_every_16_bit_input_is_within_one_ulp(dtype_name, mode):
    """All 65536 bit patterns of the dtype (NaN and infinities included), at a
    soft and a sharp alpha: values and slopes within one ulp of the exactly
    rounded result, non-finite inputs as the float64 op treats them. Results
    below float32's smallest normal number are flushed to zero, as
    TensorFlow's CPU kernels flush them."""
    tf_dtype = DTYPES[dtype_name][0]
    tiny = np.finfo(np.float32).tiny
    x = tf.bitcast(tf.constant(np.arange(-32768, 32768, dtype=np.int16)), tf_dtype)
    x64 = tf.cast(x, tf.float64)
    # alphas that every dtype holds exactly, so both ops see the same one
    for alpha in {"tanh": (2.0, 40.0), "sigmoid": (2.0, 40.0), "sine": (0.25, 0.875)}[mode]:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, x64])
            y = softround_ops.soft_round(x, alpha, mode=mode)
            y64 = softround_ops.soft_round(x64, alpha, mode=mode)
        dx, dx64 = tape.gradient(y, x), tape.gradient(y64, x64)
        assert y.dtype == tf_dtype and dx.dtype == tf_dtype
        for got, exact in [(y, y64), (dx, dx64)]:
            got, exact = got.numpy(), exact.numpy()
            nan = np.isnan(exact)
            np.testing.assert_array_equal(np.isnan(got.astype(np.float32)), nan)
            flushed = np.abs(exact) < tiny
            np.testing.assert_array_equal(got[flushed & ~nan].astype(np.float32), 0.0)
            compared = ~nan & ~flushed
            distance = ulps_apart(got[compared], exactly_rounded(exact[compared], dtype_name))
            assert distance.max() <= 1, (alpha, np.argmax(distance), distance.max())


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
@pytest.mark.parametrize(
    "function,mode,alpha",
    [("soft_round", "tanh", 3.0), ("soft_round", "sine", 0.5), ("soft_round_conditional_mean", "tanh", 4.0)],
)
def test_a_large_16_bit_tensor_through_the_op_gets_the_bits_of_the_loops(dtype_name, function, mode, alpha):
    """2^20 elements with a scalar alpha are looked up in a table of the loops'
    own results (tests/test_lookup_tables.py checks every mode and the caching
    policy through the NumPy binding): the op's values and slopes equal those
    of the same inputs in pieces of 2048, which the loops compute."""
    tf_dtype = DTYPES[dtype_name][0]
    bits = np.tile(np.arange(-32768, 32768, dtype=np.int16), 16)
    np.random.default_rng(5).shuffle(bits)
    x = tf.bitcast(tf.constant(bits), tf_dtype)
    dy = tf.cast(tf.constant(np.random.default_rng(6).normal(size=bits.size), tf.float32), tf_dtype)

    def value_and_slope(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = getattr(softround_ops, function)(x, alpha, mode=mode)
        return y, tape.gradient(y, x, output_gradients=dy)

    pieces = [value_and_slope(*piece) for piece in zip(tf.split(x, 512), tf.split(dy, 512))]
    for whole, by_pieces in zip(value_and_slope(x, dy), zip(*pieces)):
        by_pieces = tf.concat(by_pieces, 0)
        nan = np.isnan(tf.cast(by_pieces, tf.float32).numpy())
        np.testing.assert_array_equal(np.isnan(tf.cast(whole, tf.float32).numpy()), nan)
        whole_bits = tf.bitcast(whole, tf.int16).numpy()[~nan]
        np.testing.assert_array_equal(whole_bits, tf.bitcast(by_pieces, tf.int16).numpy()[~nan])
