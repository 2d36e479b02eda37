"""softround_ops.numpy: the op library's loops on NumPy arrays, bit for bit the
TensorFlow op's results, in every thread count, with TensorFlow absent too."""

import threading

import numpy as np
import pytest
import tensorflow as tf

import softround_ops
from softround_ops import _loader
from softround_ops import numpy as srnp

from conftest import DTYPES, run_python

pytestmark = pytest.mark.skipif(
    not softround_ops.using_custom_ops(), reason="the bit-for-bit comparison needs the compiled op library"
)

SHAPE = (6, 700)  # 4200 elements: per-channel alpha is tiled, loops have tails
# Alpha layouts over SHAPE: each hits another path of the layout planner.
LAYOUTS = {
    "scalar": (),
    "per channel (tiled)": (SHAPE[1],),
    "per row (runs)": (SHAPE[0], 1),
    "short rows (expanded)": (7, 1),  # rows of 100: too short for runs
    "per element (own)": SHAPE,
    "short tiled": (100,),  # tiled past x's own size
}
MODE_ALPHA = {"tanh": 4.0, "sigmoid": 9.0, "sine": 0.4, "ste": 1.0}


def _inputs(dtype_name, mode, layout, function="forward"):
    rng = np.random.default_rng(0)
    np_dtype = DTYPES[dtype_name][1]
    shape = (1, 7, 100) if layout.startswith("short") else SHAPE
    x = rng.uniform(-6, 6, shape)
    if function != "forward":
        x = np.clip(x, -5.49, 5.49)
    scale = rng.uniform(0.5, 1.0, LAYOUTS[layout]) if LAYOUTS[layout] else 1.0
    alpha = np.asarray(MODE_ALPHA[mode] * scale)
    return x.astype(np_dtype), alpha.astype(np_dtype), rng.normal(size=shape).astype(np_dtype)


def _assert_same_bits(got, want):
    want = want.numpy() if hasattr(want, "numpy") else np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes(), (got, want)


CASES = [(mode, "forward") for mode in MODE_ALPHA] + [("tanh", "inverse"), ("tanh", "conditional_mean")]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("mode,function", CASES)
@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_every_quantity_equals_the_op_bit_for_bit(dtype_name, mode, function, layout):
    ops = _loader.custom_ops()
    x, alpha, dy = _inputs(dtype_name, mode, layout, function)
    value = {"forward": srnp.soft_round, "inverse": srnp.soft_round_inverse}.get(
        function, srnp.soft_round_conditional_mean
    )
    _assert_same_bits(value(x, alpha, mode), ops.soft_round(x, alpha, mode=mode, function=function))
    for wrt in ("x", "xx", "alpha", "x_alpha"):
        got = srnp.soft_round_grad(dy, x, alpha, mode, function=function, wrt=wrt)
        _assert_same_bits(got, ops.soft_round_grad(dy, x, alpha, mode=mode, function=function, wrt=wrt))
    if mode == "ste":
        return  # ste has no alpha gradient
    for wrt in ("x", "xx"):
        dx, dalpha = srnp.soft_round_grad_with_alpha(dy, x, alpha, mode, function=function, wrt=wrt)
        want_dx, want_dalpha = ops.soft_round_grad_with_alpha(
            dy, x, alpha, mode=mode, function=function, wrt=wrt
        )
        _assert_same_bits(dx, want_dx)
        _assert_same_bits(dalpha, want_dalpha)


# (x's shape, alpha's shape): large enough to split, odd, so that blocks end
# inside vectors.
THREAD_LAYOUTS = {
    "scalar": ((512, 4099), ()),
    "per channel (tiled)": ((512, 4099), (4099,)),
    "per row (runs)": ((512, 4099), (512, 1)),
    "per channel, NCHW, runs longer than a piece (runs)": ((3, 5, 70001), (5, 1)),
    "rows of 100 (expanded)": ((20000, 100), (20000, 1)),
}


@pytest.mark.parametrize("layout", list(THREAD_LAYOUTS))
def test_results_do_not_depend_on_the_thread_count(layout):
    rng = np.random.default_rng(3)
    shape, alpha_shape = THREAD_LAYOUTS[layout]
    x = rng.uniform(-30, 30, shape).astype(np.float32)
    dy = rng.normal(size=shape).astype(np.float32)
    alpha = rng.uniform(2, 6, alpha_shape).astype(np.float32)
    runs = [srnp.soft_round_grad_with_alpha(dy, x, alpha, threads=t) for t in (1, 2, 3, 8)]
    runs += [(srnp.soft_round(x, alpha, threads=t), np.zeros(())) for t in (1, 5)]
    for dx, dalpha in runs[1:4]:
        _assert_same_bits(dx, runs[0][0])
        _assert_same_bits(dalpha, runs[0][1])
    _assert_same_bits(runs[5][0], runs[4][0])


def test_concurrent_python_threads_get_their_own_results():
    rng = np.random.default_rng(4)
    inputs = [rng.uniform(-9, 9, 2**18).astype(np.float32) for _ in range(4)]
    want = [srnp.soft_round(x, 3.0 + i) for i, x in enumerate(inputs)]
    got = [None] * len(inputs)

    def work(i):
        for _ in range(5):
            got[i] = srnp.soft_round(inputs[i], 3.0 + i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for g, w in zip(got, want):
        _assert_same_bits(g, w)


def test_works_where_tensorflow_is_absent():
    x = np.linspace(-3, 3, 1001, dtype=np.float32)
    code = (
        "import sys\n"
        "sys.modules['tensorflow'] = None  # import tensorflow now fails\n"
        "import numpy as np\n"
        "import softround_ops\n"
        "from softround_ops import numpy as srnp\n"
        "x = np.linspace(-3, 3, 1001, dtype=np.float32)\n"
        "print(srnp.soft_round(x, 5.0).tobytes().hex())\n"
        "try:\n"
        "    softround_ops.soft_round\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    hex_bits, message = result.stdout.splitlines()[:2]
    assert bytes.fromhex(hex_bits) == softround_ops.soft_round(x, 5.0).numpy().tobytes()
    assert "softround_ops needs TensorFlow" in message and "pip install" in message


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda: srnp.soft_round(np.arange(3), 5.0), TypeError, ["x must be an array of", "int64"]),
        (lambda: srnp.soft_round([0.5], "5"), TypeError, ["alpha must be a real number"]),
        (lambda: srnp.soft_round([0.5], 1 + 2j), TypeError, ["alpha must be a real number"]),
        (lambda: srnp.soft_round([0.5], -1.0), ValueError, ["alpha for mode 'tanh'", ">= 0", "got -1.0"]),
        (
            lambda: srnp.soft_round(np.float16([0.5]), 1e5, "sigmoid"),
            ValueError,
            ["alpha for mode 'sigmoid'", "inf in float16"],
        ),
        (
            lambda: srnp.soft_round(np.zeros((2, 3)), np.ones((2,))),
            ValueError,
            ["alpha of shape (2,) does not broadcast to x of shape (2, 3)"],
        ),
        (
            lambda: srnp.soft_round(np.zeros(2), np.array([1.0, np.nan]), "sigmoid"),
            ValueError,
            ["alpha[1] = nan"],
        ),
        (
            # A subnormal alpha is 0 to the kernels (as in TensorFlow's).
            lambda: srnp.soft_round(np.float32([0.5]), np.float32([1e-40]), "sigmoid"),
            ValueError,
            ["alpha for mode 'sigmoid'", "alpha[0] = 0"],
        ),
        (lambda: srnp.soft_round([0.5], 5.0, "round"), ValueError, ["mode must be one of", "'round'"]),
        (lambda: srnp.soft_round_inverse([0.5], 5.0, "sine"), ValueError, ["mode 'sine' has no inverse"]),
        (lambda: srnp.soft_round_grad(np.ones(3), np.ones(2), 5.0), ValueError, ["dy of shape (3,)", "(2,)"]),
        (lambda: srnp.soft_round_grad([1.0], [1.0], 5.0, wrt="y"), ValueError, ["unknown wrt 'y'"]),
        (
            lambda: srnp.soft_round_grad_with_alpha([1.0], [1.0], 5.0, wrt="alpha"),
            ValueError,
            ["wrt must be 'x' or 'xx'"],
        ),
        (lambda: srnp.soft_round([0.5], 5.0, threads=0), ValueError, ["threads must be", "got 0"]),
    ],
)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as raised:
        call()
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_dtypes_shapes_and_edge_sizes(dtype_name):
    np_dtype = DTYPES[dtype_name][1]
    for shape in [(), (0,), (3, 0, 2), (1,), (2, 1, 1, 3)]:
        x = np.full(shape, 1.25, np_dtype)
        y = srnp.soft_round(x, 5.0)
        assert y.dtype == np_dtype and y.shape == shape
        _assert_same_bits(y, softround_ops.soft_round(tf.constant(x), 5.0).numpy())
    # alpha's gradient of an empty x is zeros in alpha's shape.
    dx, dalpha = srnp.soft_round_grad_with_alpha(
        np.zeros((0, 3), np_dtype), np.zeros((0, 3), np_dtype), [1.0] * 3
    )
    assert dx.shape == (0, 3) and dalpha.shape == (3,) and not dalpha.any()
    # Non-contiguous input is copied, not misread.
    x = np.linspace(-2, 2, 40).astype(np_dtype).reshape(5, 8)[:, ::2]
    _assert_same_bits(srnp.soft_round(x, 5.0), srnp.soft_round(np.ascontiguousarray(x), 5.0))


@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_subnormal_and_special_inputs_give_the_ops_bits(dtype_name):
    """TensorFlow flushes subnormals to zero in its kernels; the binding does too."""
    ops = _loader.custom_ops()
    np_dtype = DTYPES[dtype_name][1]
    tiny = float(np.finfo(np.float32).tiny)
    values = [0.0, -0.0, tiny / 3, -tiny / 7, 1e-42, 5e-324, 2.5, -0.5, np.inf, -np.inf, np.nan, 1e30, -3e38]
    with np.errstate(over="ignore"):  # 1e30 is inf in the 16-bit types
        x = np.array(values * 4, np.float64).astype(np_dtype)
    for mode, alpha in MODE_ALPHA.items():
        _assert_same_bits(srnp.soft_round(x, alpha, mode), ops.soft_round(x, alpha, mode=mode))
        dy = np.ones_like(x)
        _assert_same_bits(
            srnp.soft_round_grad(dy, x, alpha, mode), ops.soft_round_grad(dy, x, alpha, mode=mode)
        )
    y = np.clip(x, -60000, 60000).astype(np_dtype)
    _assert_same_bits(srnp.soft_round_inverse(y, 4.0), ops.soft_round(y, 4.0, function="inverse"))
