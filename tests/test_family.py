"""The soft-quantization family: inverse, conditional mean, alpha gradients,
second derivatives, against closed forms, central differences and the reference."""

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import reference

from conftest import DTYPES, ulp
from numpy_model import conditional_mean as model_conditional_mean
from numpy_model import inverse as model_inverse
from numpy_model import slope as model_slope

FAMILY = {
    "inverse": (softround_ops.soft_round_inverse, reference.soft_round_inverse),
    "conditional_mean": (softround_ops.soft_round_conditional_mean, reference.soft_round_conditional_mean),
}
ALPHAS = [0.0, 5e-4, 1e-3, 0.3, 2.0, 5.0, 20.0, 50.0, 100.0, 1e3, 1e6]


@pytest.fixture(params=["custom", "reference"])
def family_backend(request):
    return request.param


def family_function(name, backend):
    return FAMILY[name][0 if backend == "custom" else 1]


def special_points():
    """Integers, half-integers, their float neighbours, and a grid."""
    base = np.concatenate([np.arange(-3, 4, 0.5), np.linspace(-3.3, 3.3, 67)])
    neighbours = np.concatenate([np.nextafter(base, np.inf), np.nextafter(base, -np.inf)])
    return np.concatenate([base, neighbours, base + 1e-3, base - 1e-3])


def as_dtype(values, dtype_name):
    return np.asarray(values, np.float64).astype(DTYPES[dtype_name][1]).astype(np.float64)


def tape_values(function, y, alpha, **kwargs):
    """(value, d/dy, d/dalpha) with alpha a watched tensor."""
    alpha = tf.convert_to_tensor(alpha, y.dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([y, alpha])
        value = function(y, alpha, **kwargs)
    return value, tape.gradient(value, y), tape.gradient(value, alpha)


def model_inverse_slope(x, alpha):
    """dx/dy of the inverse at its value x: 1 / soft_round'(x)."""
    with np.errstate(divide="ignore"):
        return 1 / model_slope(x, alpha, "tanh")


@pytest.mark.parametrize("name", list(FAMILY))
@pytest.mark.parametrize("alpha", [0.0, 1e-3, 0.3, 2.0, 5.0, 20.0, 100.0, 1e3, 1e6])
def test_values_match_the_closed_form(family_backend, dtype_name, name, alpha):
    tf_dtype, np_dtype = DTYPES[dtype_name]
    if alpha > tf_dtype.max:
        pytest.skip(f"{dtype_name} cannot hold alpha = {alpha:g} (docs/design.md)")
    y = as_dtype(special_points(), dtype_name)
    got = tf.cast(family_function(name, family_backend)(tf.constant(y, tf_dtype), alpha), tf.float64).numpy()
    alpha_t = float(as_dtype(alpha, dtype_name))
    model = model_inverse if name == "inverse" else model_conditional_mean
    expected = model(y, alpha_t)
    shift = 0.0 if name == "inverse" else 0.5
    # The closed form is only as good as its conditioning: compare where a
    # unit of y moves x by at most 1e3 (elsewhere the round trip tests hold).
    slope = model_inverse_slope(expected - shift, alpha_t)
    conditioned = slope <= 1e3
    eps = np.finfo(np_dtype).eps if np_dtype in (np.float32, np.float64) else np.finfo(np.float32).eps
    tolerance = 8 * eps * (1 + slope) * np.maximum(1, np.abs(y))
    if np_dtype not in (np.float32, np.float64):
        tolerance += ulp(expected, np_dtype)
    assert conditioned.sum() > len(y) // 4
    bad = conditioned & ~(np.abs(got - expected) <= tolerance)
    assert not bad.any(), f"y={y[bad][:5]} got={got[bad][:5]} expected={expected[bad][:5]}"


@pytest.mark.parametrize("alpha", [0.3, 2.0, 5.0, 12.0])
def test_round_trips(family_backend, alpha):
    inverse = family_function("inverse", family_backend)
    x = tf.constant(np.linspace(-4.49, 4.49, 2001), tf.float64)
    back = inverse(softround_ops.soft_round(x, alpha), alpha)
    np.testing.assert_allclose(back, x, rtol=0, atol=1e-9)
    y = tf.constant(np.linspace(-4.49, 4.49, 2001), tf.float64)
    np.testing.assert_allclose(softround_ops.soft_round(inverse(y, alpha), alpha), y, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_round_trip_near_half_integers_to_float_rounding(family_backend, dtype_name):
    """Where soft_round is well conditioned (its slope >= 1) the round trip is exact to a few ulp."""
    inverse = family_function("inverse", family_backend)
    tf_dtype, np_dtype = DTYPES[dtype_name]
    x = np.linspace(0.3, 0.7, 401).astype(np_dtype)
    y = softround_ops.soft_round(tf.constant(x, tf_dtype), 8.0)
    back = inverse(y, 8.0).numpy()
    np.testing.assert_array_less(np.abs(back - x), 4 * np.finfo(np_dtype).eps)


def test_conditional_mean_is_the_shifted_inverse(family_backend):
    y = tf.constant(np.linspace(-5.2, 5.2, 1041), tf.float64)
    for alpha in [0.5, 5.0, 40.0]:
        expected = family_function("inverse", family_backend)(y - 0.5, alpha) + 0.5
        got = family_function("conditional_mean", family_backend)(y, alpha)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_large_alpha_limit(family_backend):
    """As alpha grows the inverse tends to ceil(y) - 1/2 away from integers (the
    conditional mean to the nearest integer, away from half-integers)."""
    y = np.linspace(-3, 3, 601)
    y = y[np.abs(y - np.round(y)) > 0.01]
    inverse = family_function("inverse", family_backend)(tf.constant(y), 1e6).numpy()
    np.testing.assert_allclose(inverse, np.ceil(y) - 0.5, atol=1e-5)
    y = y[np.abs(y - np.floor(y) - 0.5) > 0.01]
    mean = family_function("conditional_mean", family_backend)(tf.constant(y), 1e6).numpy()
    np.testing.assert_allclose(mean, np.round(y), atol=1e-5)


@pytest.mark.parametrize("name", ["forward", *FAMILY])
def test_values_and_gradients_are_finite_everywhere(family_backend, dtype_name, name):
    """Finite y, alpha from 0 to 1e6 (float16: to its largest value): no NaN, no inf,
    in values, gradients in y and alpha; the inverse's slope saturates at the dtype's max."""
    tf_dtype, np_dtype = DTYPES[dtype_name]
    if name == "forward":
        function = softround_ops.soft_round if family_backend == "custom" else reference.soft_round
    else:
        function = family_function(name, family_backend)
    y = tf.constant(as_dtype(special_points(), dtype_name), tf_dtype)
    largest = float(tf_dtype.max)
    for alpha in [a for a in ALPHAS if a <= largest] + ([65504.0] if dtype_name == "float16" else []):
        value, d_y, d_alpha = tape_values(function, y, alpha)
        for what, tensor in [("value", value), ("d/dy", d_y), ("d/dalpha", d_alpha)]:
            array = tf.cast(tensor, tf.float64).numpy()
            assert np.isfinite(array).all(), f"{name} alpha={alpha}: {what} not finite"
        # 1 / soft_round' at an integer is about e^alpha / (2 alpha): beyond the dtype's max it saturates.
        if name != "forward" and alpha > 0 and np.exp(min(alpha, 700.0)) / (2 * alpha) > 2 * largest:
            at_integer = tf.cast(d_y, tf.float64).numpy()[
                np.asarray(y) == (0.5 if name != "inverse" else 0.0)
            ]
            assert (at_integer == largest).all(), f"{name} alpha={alpha}: slope {at_integer} not saturated"


def random_points(rng, n, avoid_half=True):
    """Points away from integers and half-integers (second derivatives jump there)."""
    x = rng.uniform(-3, 3, n)
    frac = x - np.floor(x)
    keep = (np.abs(frac - 0.5) > 0.05) & (frac > 0.05) & (frac < 0.95) if avoid_half else (frac > 0.05)
    return x[keep]


CASES = [
    ("forward", "tanh", 3.0),
    ("forward", "tanh", 25.0),
    ("forward", "sigmoid", 4.0),
    ("forward", "sine", 0.7),
    ("inverse", "tanh", 3.0),
    ("inverse", "tanh", 9.0),
    ("conditional_mean", "tanh", 3.0),
]


def call(name, backend, x, alpha, mode):
    if name == "forward":
        function = softround_ops.soft_round if backend == "custom" else reference.soft_round
        return function(x, alpha, mode=mode)
    return family_function(name, backend)(x, alpha)


def central_difference(function, point, h=1e-6):
    return (function(point + h) - function(point - h)) / (2 * h)


@pytest.mark.parametrize("name,mode,alpha", CASES)
@pytest.mark.parametrize("layout", ["scalar", "per_channel"])
@pytest.mark.parametrize("traced", [False, True])
def test_gradients_match_central_differences(family_backend, name, mode, alpha, layout, traced):
    rng = np.random.default_rng(7)
    x_np = random_points(rng, 400)[:96].reshape(32, 3)
    alpha_np = np.full((3,) if layout == "per_channel" else (), alpha) * (
        np.array([1.0, 0.8, 0.9]) if layout == "per_channel" else 1.0
    )
    weights = tf.constant(rng.uniform(0.5, 1.5, x_np.shape))
    x, alpha_t = tf.constant(x_np), tf.constant(alpha_np)

    def loss_and_grads(x, alpha_t):
        with tf.GradientTape() as tape:
            tape.watch([x, alpha_t])
            loss = tf.reduce_sum(weights * call(name, family_backend, x, alpha_t, mode))
        return tape.gradient(loss, [x, alpha_t])

    run = tf.function(loss_and_grads) if traced else loss_and_grads
    d_x, d_alpha = run(x, alpha_t)

    def loss(x_values, alpha_values):
        return np.sum(
            weights.numpy()
            * call(name, family_backend, tf.constant(x_values), tf.constant(alpha_values), mode).numpy(),
            axis=None,
        )

    def per_element(x_values):
        return weights.numpy() * call(name, family_backend, tf.constant(x_values), alpha_t, mode).numpy()

    expected_x = central_difference(per_element, x_np)
    np.testing.assert_allclose(d_x, expected_x, rtol=1e-6, atol=1e-7)
    expected_alpha = np.zeros_like(alpha_np)
    for index in np.ndindex(alpha_np.shape or ()):
        step = np.zeros_like(alpha_np)
        step[index] = 1e-6
        expected_alpha[index] = (loss(x_np, alpha_np + step) - loss(x_np, alpha_np - step)) / 2e-6
    np.testing.assert_allclose(d_alpha, expected_alpha, rtol=1e-5, atol=1e-7)


def second_derivatives(name, backend, x, alpha, mode):
    """(d2F/dx2, d2F/dx dalpha per element, d2(sum F)/dalpha2) by nested tapes."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, alpha])
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([x, alpha])
            value = call(name, backend, x, alpha, mode)
        d_x = inner.gradient(value, x)
        d_alpha = inner.gradient(value, alpha)
    return (
        outer.gradient(d_x, x),
        outer.gradient(d_x, alpha),
        outer.gradient(d_alpha, alpha),
        outer.gradient(d_alpha, x),
    )


@pytest.mark.parametrize("name,mode,alpha", CASES)
def test_second_derivatives_match_central_differences(family_backend, name, mode, alpha):
    rng = np.random.default_rng(11)
    x_np = random_points(rng, 200)[:64]
    x, alpha_t = tf.constant(x_np), tf.constant(alpha, tf.float64)
    d_xx, d_x_alpha, d_alpha_alpha, d_alpha_x = second_derivatives(name, family_backend, x, alpha_t, mode)

    def first(x_values, alpha_value, wrt):
        x_values, alpha_value = tf.constant(x_values), tf.constant(alpha_value, tf.float64)
        with tf.GradientTape() as tape:
            tape.watch([x_values, alpha_value])
            value = call(name, family_backend, x_values, alpha_value, mode)
        return tape.gradient(value, x_values if wrt == "x" else alpha_value).numpy()

    scale = max(1.0, alpha) ** 2
    np.testing.assert_allclose(
        d_xx, central_difference(lambda p: first(p, alpha, "x"), x_np), rtol=1e-5, atol=1e-6 * scale
    )
    # d/dalpha of the x-gradient summed over x (alpha is a scalar).
    expected_x_alpha = central_difference(lambda a: first(x_np, a, "x").sum(), alpha)
    np.testing.assert_allclose(d_x_alpha, expected_x_alpha, rtol=1e-5, atol=1e-6 * scale)
    expected_alpha_alpha = central_difference(lambda a: first(x_np, a, "alpha"), alpha)
    np.testing.assert_allclose(d_alpha_alpha, expected_alpha_alpha, rtol=1e-5, atol=1e-7 * scale)


@pytest.mark.parametrize("name,mode,alpha", CASES)
def test_mixed_second_derivatives_agree(name, mode, alpha):
    """d/dalpha of d/dx equals d/dx of d/dalpha, per element (Schwarz), in the ops."""
    rng = np.random.default_rng(3)
    x = tf.constant(random_points(rng, 200)[:64])
    alpha_t = tf.constant(np.full(x.shape, alpha))
    _, d_x_alpha, _, d_alpha_x = second_derivatives(name, "custom", x, alpha_t, mode)
    np.testing.assert_allclose(d_x_alpha, d_alpha_x, rtol=1e-9, atol=1e-12)


def test_hessians_and_hessian_vector_products(family_backend):
    x = tf.constant(random_points(np.random.default_rng(5), 50)[:16])
    for name, mode, alpha in CASES:

        def hessian_of(x, name=name, alpha=alpha, mode=mode):
            return tf.hessians(tf.reduce_sum(call(name, family_backend, x, alpha, mode)), x)[0]

        hessian = tf.function(hessian_of)(x)
        d_xx, *_ = second_derivatives(name, family_backend, x, tf.constant(alpha, tf.float64), mode)
        np.testing.assert_allclose(np.diag(hessian.numpy()), d_xx, rtol=1e-9, atol=1e-12)
        off_diagonal = hessian.numpy() - np.diag(np.diag(hessian.numpy()))
        assert not off_diagonal.any()
        vector = tf.ones_like(x) * 0.5
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                value = tf.reduce_sum(call(name, family_backend, x, alpha, mode))
            product = tf.reduce_sum(inner.gradient(value, x) * vector)
        np.testing.assert_allclose(outer.gradient(product, x), d_xx * 0.5, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "x_shape,alpha_shape",
    [
        ((300, 7), ()),
        ((300, 7), (7,)),
        ((300, 7), (1, 7)),
        ((300, 7), (300, 1)),
        ((300, 7), (300, 7)),
        ((4, 5, 6), (5, 1)),
        ((130, 2048), (2048,)),
        ((70000,), ()),
        ((3, 40000), (3, 1)),
        ((2, 3), (3,)),
        ((2, 512), (512,)),  # a short alpha tiled to exactly x's size
        ((103, 10), (10,)),
    ],
)
@pytest.mark.parametrize("dtype_name", ["float32", "float64", "float16"])
def test_alpha_gradient_is_reduced_to_alpha_shape(x_shape, alpha_shape, dtype_name):
    tf_dtype, np_dtype = DTYPES[dtype_name]
    rng = np.random.default_rng(1)
    x = tf.constant(rng.uniform(-4, 4, x_shape).astype(np_dtype))
    alpha = tf.constant(rng.uniform(2, 6, alpha_shape).astype(np_dtype))
    upstream = tf.constant(rng.uniform(-1, 1, x_shape).astype(np_dtype))
    with tf.GradientTape() as tape:
        tape.watch(alpha)
        value = softround_ops.soft_round(x, alpha)
    got = tape.gradient(value, alpha, output_gradients=upstream)
    assert got.shape == alpha.shape and got.dtype == tf_dtype
    # Oracle: the elementwise terms dy * dF/dalpha of the float64 reference, summed.
    x64, alpha64 = tf.cast(x, tf.float64), tf.cast(alpha, tf.float64)
    wide = tf.broadcast_to(alpha64, x_shape)
    with tf.GradientTape() as tape:
        tape.watch(wide)
        value = reference.soft_round(x64, wide)
    terms = tape.gradient(value, wide, output_gradients=tf.cast(upstream, tf.float64)).numpy()
    axes = tuple(range(len(x_shape) - len(alpha_shape)))
    expected = terms.sum(axis=axes)
    if alpha_shape:
        keep = [i for i, d in enumerate(alpha_shape) if d == 1]
        expected = expected.sum(axis=tuple(keep), keepdims=True)
    count = np.prod(x_shape) / max(1, np.prod(alpha_shape))
    eps = 1e-3 if dtype_name == "float16" else np.finfo(np_dtype).eps
    tolerance = 32 * eps * np.sqrt(count) * np.maximum(1, np.abs(expected))
    np.testing.assert_array_less(np.abs(got.numpy().astype(np.float64) - expected), tolerance)


def graph_op_types(function, *args):
    graph = function.get_concrete_function(*args).graph
    types = [op.type for op in graph.get_operations()]
    for library_function in graph.as_graph_def().library.function:
        types += [node.op for node in library_function.node_def]
    return types


def test_alpha_gradient_is_computed_only_when_needed():
    x = tf.constant(np.linspace(-2, 2, 64), tf.float32)
    variable = tf.Variable(3.0)
    fixed = tf.Variable(3.0, trainable=False)

    def gradient_of(alpha, watch_alpha):
        def run(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                if watch_alpha:
                    tape.watch(alpha)
                y = softround_ops.soft_round(x, alpha)
            return tape.gradient(y, x)

        return tf.function(run)

    for alpha, watched, fused in [(3.0, False, False), (fixed, False, False), (variable, True, True)]:
        types = graph_op_types(gradient_of(alpha, watched), x)
        assert ("SoftRoundGradWithAlpha" in types) == fused, (alpha, types)
        assert ("SoftRoundGrad" in types) == (not fused), (alpha, types)

    @tf.function
    def legacy(x):
        return tf.gradients(softround_ops.soft_round(x, 3.0), x)

    assert "SoftRoundGradWithAlpha" not in graph_op_types(legacy, x)


def test_ste_gives_alpha_no_gradient():
    alpha = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = softround_ops.soft_round(tf.constant([0.3, 1.7]), alpha, mode="ste")
    assert tape.gradient(y, alpha) is None


def test_python_number_alpha_gets_no_gradient_and_variable_alpha_does():
    x = tf.constant([0.2, 0.7])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = softround_ops.soft_round_inverse(x, 4.0)
    assert tape.gradient(y, x) is not None


@pytest.mark.parametrize("mode", ["sigmoid", "sine", "ste"])
def test_only_tanh_has_an_inverse(family_backend, mode):
    for name in FAMILY:
        with pytest.raises(ValueError, match=f"mode '{mode}' has no inverse; only 'tanh'"):
            family_function(name, family_backend)(tf.constant([0.3]), 0.5, mode=mode)
        with pytest.raises(ValueError, match=f"mode '{mode}' has no inverse"):
            family_function(name, family_backend)(tf.constant([0.3]), tf.constant(0.5), mode=mode)


def test_inverse_alpha_is_checked_like_soft_round():
    with pytest.raises(ValueError, match="alpha for mode 'tanh' must be a finite sharpness >= 0; got -1.0"):
        softround_ops.soft_round_inverse(tf.constant([0.3]), -1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="SoftRound: alpha for mode 'tanh'"):
        softround_ops.soft_round_conditional_mean(tf.constant([0.3]), tf.constant(-1.0))


def test_third_derivatives_raise_a_clear_error():
    x = tf.constant([0.3, 0.6], tf.float64)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = softround_ops.soft_round(x, 3.0)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    with pytest.raises(NotImplementedError, match="third derivatives through SoftRoundGrad"):
        t3.gradient(d2, x)


def test_graphs_hold_the_compiled_ops():
    x = tf.constant([0.2, 0.7])
    for function, attr in [
        (softround_ops.soft_round_inverse, b"inverse"),
        (softround_ops.soft_round_conditional_mean, b"conditional_mean"),
    ]:
        graph = tf.function(lambda x, f=function: f(x, 5.0)).get_concrete_function(x).graph
        ops = [op for op in graph.get_operations() if op.type == "SoftRound"]
        assert len(ops) == 1 and ops[0].get_attr("function") == attr


def test_sixteen_bit_slope_saturates_at_the_dtype_maximum():
    for dtype, largest in [(tf.float16, 65504.0), (tf.bfloat16, float(tf.bfloat16.max))]:
        y = tf.constant([0.0, 1.0, 0.25], dtype)
        _, d_y, _ = tape_values(softround_ops.soft_round_inverse, y, 100.0)
        values = tf.cast(d_y, tf.float64).numpy()
        assert values[0] == largest and values[1] == largest and np.isfinite(values[2])


def test_an_empty_x_gives_alpha_a_zero_gradient():
    alpha = tf.constant([2.0, 3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(alpha)
        y = softround_ops.soft_round(tf.zeros([0, 3]), alpha)
    np.testing.assert_array_equal(tape.gradient(y, alpha), [0.0, 0.0, 0.0])


def test_second_derivatives_in_x_skip_the_alpha_alpha_term(monkeypatch):
    """A learned alpha watched by both tapes: the unused alpha-of-alpha term
    (autodiff of the reference) is not computed for a Hessian in x."""
    from softround_ops import _gradients

    def fail(*args):
        raise AssertionError("the alpha-alpha term was computed")

    monkeypatch.setattr(_gradients, "_reference_alpha_alpha", fail)
    x = tf.constant([0.2, 0.7, 1.4], tf.float64)
    alpha = tf.Variable(3.0, dtype=tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = softround_ops.soft_round_inverse(x, alpha)
        d_x = inner.gradient(y, x)
    assert np.isfinite(outer.gradient(d_x, x)).all()
