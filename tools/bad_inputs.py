"""The bad-input matrix: bad and edge inputs against softround_ops' public functions.

Every row of ROWS is one call (x or y, alpha, mode) of soft_round,
soft_round_inverse or soft_round_conditional_mean, with the gradient of the
result in x and alpha, and names the argument that is bad ("none" for a
valid edge input). Each row runs in three contexts (eager, tf.function,
tf.function(jit_compile=True)) on two backends (the custom op,
`softround_ops.*`, and the fallback, `softround_ops.reference.*`). Cells run
in child processes that the parent watches, so a crash or a hang is
reported, not suffered.

    python tools/bad_inputs.py            # runs the matrix, writes docs/bad-inputs.md
    python tools/bad_inputs.py --check    # runs it, exits 1 listing the violations
    python tools/bad_inputs.py --check --quick                   # the test suite's subset
    python tools/bad_inputs.py --check --rows x-int8,mode-none   # some rows only

Only the child processes import TensorFlow; importing this module is cheap
(tests read ROWS from it).
"""

import argparse
import collections
import fractions
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "bad-inputs.md"
REGENERATE = "python tools/bad_inputs.py"
CONTEXTS = ("eager", "graph", "XLA")
BACKENDS = ("op", "fallback")
NAN_LABEL = "ok (NaN in → NaN out)"
MARKER = "@@bad_inputs "
# How the parent starts a child (tests swap in a stand-in to exercise crashes and hangs).
CHILD_COMMAND = [sys.executable, str(Path(__file__).resolve()), "--child"]
# Seconds a cell may take before it counts as a hang (an XLA compile of a
# rank-10 gradient takes a few seconds on a busy 2-core machine), and for a
# child to import TensorFlow.
CELL_TIMEOUT = 60
STARTUP_TIMEOUT = 180

# ---------------------------------------------------------------------------
# Inputs: small descriptions that build the value in the child process.


def _shape_text(shape):
    """[2, 3], or runs of a repeated size as [2]*10 and [2]+[1]*9."""
    if len(shape) <= 3:
        return str(list(shape))
    runs = []
    for size in shape:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return "+".join(f"[{size}]*{count}" if count > 1 else f"[{size}]" for size, count in runs)


# Integers, half-integers and both signs, repeated to any size.
_SPREAD = (-1.3, 0.2, 0.5, 2.0, 1.7, -0.5)


@dataclass(frozen=True)
class Tensor:
    """tf.constant of dtype and shape (values: one number, a flat list, or the spread)."""

    dtype: str = "float32"
    shape: tuple = (4,)
    values: object = None

    def array(self):
        size = int(np.prod(self.shape))
        values = _SPREAD if self.values is None else self.values
        return np.resize(np.asarray(values, np.float64), size).reshape(self.shape)

    def build(self):
        import tensorflow as tf

        data = tf.constant(self.array(), tf.float64)
        if self.dtype == "string":
            return tf.strings.as_string(data)
        return tf.cast(data, self.dtype)

    def __str__(self):
        values = "" if self.values is None else f" = {_number_text(self.values)}"
        return f"tf {self.dtype}{_shape_text(self.shape)}{values}"


def _number_text(values):
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(_number_text(value) for value in values) + "]"
    return repr(values) if isinstance(values, float) else str(values)


@dataclass(frozen=True)
class Py:
    """A Python value passed as it is (text: how the table shows it)."""

    value: object
    text: str = ""

    def build(self):
        return self.value

    def __str__(self):
        return self.text or f"{self.value!r} ({type(self.value).__name__})"


class Opaque:
    """An object of no kind TensorFlow knows, whose repr is the same in every process."""

    def __repr__(self):
        return "Opaque()"


@dataclass(frozen=True)
class NpScalar:
    dtype: str
    value: object

    def build(self):
        return np.dtype(self.dtype).type(self.value)

    def __str__(self):
        return f"np.{self.dtype}({self.value!r})"


@dataclass(frozen=True)
class NpArray:
    dtype: str
    values: object

    def build(self):
        return np.asarray(self.values, self.dtype)

    def __str__(self):
        return f"np.array({_number_text(self.values)}, {self.dtype})"


@dataclass(frozen=True)
class Variable:
    """tf.Variable (or keras.Variable) holding values of dtype."""

    values: object
    dtype: str = "float32"
    trainable: bool = True
    keras: bool = False

    def build(self):
        import tensorflow as tf

        if self.keras:
            import keras

            return keras.Variable(self.values, dtype=self.dtype, trainable=self.trainable)
        return tf.Variable(tf.constant(self.values, self.dtype), trainable=self.trainable)

    def __str__(self):
        kind = "keras.Variable" if self.keras else "tf.Variable"
        frozen = "" if self.trainable else ", not trainable"
        return f"{kind}({_number_text(self.values)}, {self.dtype}{frozen})"


@dataclass(frozen=True)
class Ragged:
    rows: tuple = ((0.2, 1.7), (0.5,), ())

    def build(self):
        import tensorflow as tf

        return tf.ragged.constant([list(row) for row in self.rows], tf.float32)

    def __str__(self):
        return "tf.RaggedTensor float32 [3, None]"


@dataclass(frozen=True)
class Sparse:
    def build(self):
        import tensorflow as tf

        return tf.sparse.from_dense(tf.constant([0.0, 1.7, 0.5, 0.0]))

    def __str__(self):
        return "tf.SparseTensor float32[4]"


# ---------------------------------------------------------------------------
# The rows.

FUNCTION_NAMES = {
    "forward": "soft_round",
    "inverse": "soft_round_inverse",
    "mean": "soft_round_conditional_mean",
}
BAD_ARGUMENTS = ("x", "y", "alpha", "mode", "none")


@dataclass(frozen=True)
class Row:
    """One call: x (y for the inverse functions) and alpha as input specs, the mode,
    which function ("forward", "inverse", "mean"), and which argument is bad."""

    id: str
    group: str
    bad: str
    x: object
    alpha: object
    mode: object = "tanh"
    function: str = "forward"

    def first_argument(self):
        return "x" if self.function == "forward" else "y"

    def describe(self):
        prefix = "" if self.function == "forward" else f"{self.function}: "
        return f"{prefix}{self.first_argument()} {self.x}; alpha {self.alpha}; mode {self.mode!r}"


MODES = ("tanh", "sigmoid", "sine", "ste")
GOOD_ALPHA = {"tanh": 5.0, "sigmoid": 10.0, "sine": 0.5, "ste": 0.0}
X = Tensor("float32")
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8")
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
FAMILY = ("inverse", "mean")


def _expected_bad_alpha(mode, value, dtype):
    """'alpha' where the README's range for mode refuses value once in dtype, else 'none'
    (a subnormal counts as 0, as everywhere in TensorFlow; 16-bit types compute in float32)."""
    if mode == "ste":
        return "none"
    try:
        with np.errstate(over="ignore", under="ignore"):
            rounded = float(np.asarray(float(value), dtype))
    except OverflowError:
        return "alpha"
    if abs(rounded) < np.finfo(np.float64 if dtype == np.float64 else np.float32).tiny:
        rounded = 0.0
    finite = np.isfinite(rounded)
    in_range = {
        "tanh": finite and rounded >= 0,
        "sigmoid": finite and rounded > 0,
        "sine": 0 < rounded <= 1,
    }[mode]
    return "none" if in_range else "alpha"


def _x_rows():
    group = "x: dtype and kind"
    bad_dtypes = INTEGER_DTYPES + ("bool", "complex64", "complex128", "string")
    rows = [Row(f"x-{dtype}", group, "x", Tensor(dtype), Py(5.0)) for dtype in bad_dtypes]
    rows += [Row(f"x-{dtype}", group, "none", Tensor(dtype), Py(5.0)) for dtype in FLOAT_DTYPES]
    for function in FAMILY:
        for dtype in ("int32", "complex64", "string"):
            rows.append(Row(f"{function}-y-{dtype}", group, "y", Tensor(dtype), Py(5.0), function=function))
    rows += [
        Row("x-list", group, "none", Py([0.2, 0.5, 1.7]), Py(5.0)),
        Row("x-python-float", group, "none", Py(1.3), Py(5.0)),
        Row("x-python-int", group, "x", Py(2), Py(5.0)),
        Row("x-numpy-float64", group, "none", NpArray("float64", [0.2, 0.5, 1.7]), Py(5.0)),
        Row("x-numpy-int64", group, "x", NpArray("int64", [1, 2]), Py(5.0)),
        Row("x-none", group, "x", Py(None), Py(5.0)),
        Row("x-string-literal", group, "x", Py("0.5"), Py(5.0)),
        Row("x-variable", group, "none", Variable([0.2, 0.5, 1.7]), Py(5.0)),
        Row("x-ragged", group, "none", Ragged(), Py(5.0)),
        Row("x-ragged-tensor-alpha", group, "none", Ragged(), Tensor("float32", (), 5.0)),
        Row("x-ragged-vector-alpha", group, "alpha", Ragged(), Tensor("float32", (3,), 5.0)),
        Row("x-sparse", group, "x", Sparse(), Py(5.0)),
        Row("inverse-y-none", group, "y", Py(None), Py(5.0), function="inverse"),
    ]
    return rows


def _shape_rows():
    group = "x: empty, 0-d and high rank"
    scalar = Tensor("float32", (), 5.0)
    rows = [
        Row("x-empty", group, "none", Tensor("float32", (0,)), Py(5.0)),
        Row("x-empty-tensor-alpha", group, "none", Tensor("float32", (0,)), scalar),
        Row("x-empty-alpha-empty", group, "none", Tensor("float32", (0,)), Tensor("float32", (0,), 5.0)),
        Row("x-empty-alpha-2", group, "alpha", Tensor("float32", (0,)), Tensor("float32", (2,), 5.0)),
        Row(
            "x-empty-2d-channel-alpha", group, "none", Tensor("float32", (0, 3)), Tensor("float32", (3,), 5.0)
        ),
        Row("x-0d", group, "none", Tensor("float32", ()), Py(5.0)),
        Row("x-0d-tensor-alpha", group, "none", Tensor("float32", ()), scalar),
        Row("x-0d-alpha-1", group, "alpha", Tensor("float32", ()), Tensor("float32", (1,), 5.0)),
        Row("inverse-y-empty", group, "none", Tensor("float32", (0,)), scalar, function="inverse"),
        Row("mean-y-0d", group, "none", Tensor("float32", ()), Py(5.0), function="mean"),
    ]
    for rank in (9, 10):
        shape = (2,) * rank
        alphas = {
            "python": Py(5.0),
            "scalar": scalar,
            "last-axis": Tensor("float32", (2,), [4.0, 6.0]),
            "first-axis": Tensor("float32", (2,) + (1,) * (rank - 1), [4.0, 6.0]),
            "full": Tensor("float32", shape, [4.0, 6.0, 5.0]),
        }
        for name, alpha in alphas.items():
            rows.append(Row(f"x-rank{rank}-{name}", group, "none", Tensor("float32", shape), alpha))
    wide = Tensor("float32", (2,) * 10)
    for function in FAMILY:
        rows.append(Row(f"{function}-y-rank10-python", group, "none", wide, Py(5.0), function=function))
        for name, shape in (("last-axis", (2,)), ("first-axis", (2,) + (1,) * 9)):
            alpha = Tensor("float32", shape, [4.0, 6.0])
            rows.append(Row(f"{function}-y-rank10-{name}", group, "none", wide, alpha, function=function))
    return rows


# Python alphas: huge, tiny, zero, negative and non-finite, each checked in
# float32 (x's dtype); tensor alphas the same in float64 (so 1e300 stays finite).
PYTHON_ALPHAS = {
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "1e30": 1e30,
    "1e300": 1e300,
    "10**400": 10**400,
    "1e-45": 1e-45,
    "1e-300": 1e-300,
    "0": 0.0,
    "-1": -1.0,
}
TENSOR_ALPHAS = {name: value for name, value in PYTHON_ALPHAS.items() if name != "10**400"}
TENSOR_ALPHAS["1e308"] = 1e308  # near float64's largest value, where 2 alpha overflows


def _python_alpha(value, name):
    return Py(value, "10**400 (int)" if name == "10**400" else "")


def _alpha_value_rows():
    group = "alpha: values per mode"
    rows = []
    for mode in MODES:
        for name, value in PYTHON_ALPHAS.items():
            bad = _expected_bad_alpha(mode, value, np.float32)
            rows.append(Row(f"alpha-{mode}-py-{name}", group, bad, X, _python_alpha(value, name), mode))
        for name, value in TENSOR_ALPHAS.items():
            bad = _expected_bad_alpha(mode, value, np.float64)
            alpha = Tensor("float64", (), value)
            rows.append(Row(f"alpha-{mode}-tf-{name}", group, bad, Tensor("float64"), alpha, mode))
        # Near float32's largest value, where 2 alpha overflows.
        bad = _expected_bad_alpha(mode, 3e38, np.float32)
        rows.append(Row(f"alpha-{mode}-tf32-3e38", group, bad, X, Tensor("float32", (), 3e38), mode))
    return rows


def _alpha_kind_rows():
    group = "alpha: kinds"
    kinds = [
        ("int", "none", Py(3)),
        ("float", "none", Py(3.0)),
        ("bool", "none", Py(True)),
        ("fraction", "none", Py(fractions.Fraction(7, 2))),
        ("decimal", "alpha", Py(Decimal("3.5"))),
        ("np-float32", "none", NpScalar("float32", 3.0)),
        ("np-float64", "none", NpScalar("float64", 3.0)),
        ("np-float16", "none", NpScalar("float16", 3.0)),
        ("np-int64", "none", NpScalar("int64", 3)),
        ("np-bool", "none", NpScalar("bool", True)),
        ("np-array-0d", "none", NpArray("float64", 3.0)),
        ("np-array", "none", NpArray("float64", [1.0, 2.0, 3.0, 4.0])),
        ("np-array-int", "none", NpArray("int64", [1, 2, 3, 4])),
        ("tf-float32", "none", Tensor("float32", (), 3.0)),
        ("tf-float64", "none", Tensor("float64", (), 3.0)),
        ("tf-float16", "none", Tensor("float16", (), 3.0)),
        ("tf-int32", "none", Tensor("int32", (), 3.0)),
        ("tf-bool", "none", Tensor("bool", (), 1.0)),
        ("variable", "none", Variable(3.0)),
        ("variable-untrainable", "none", Variable(3.0, trainable=False)),
        ("variable-float64", "none", Variable(3.0, "float64")),
        ("variable-vector", "none", Variable([1.0, 2.0, 3.0, 4.0])),
        ("keras-variable", "none", Variable(3.0, keras=True)),
        ("list", "none", Py([1.0, 2.0, 3.0, 4.0])),
        ("tuple", "none", Py((1.0, 2.0, 3.0, 4.0))),
        ("complex", "alpha", Py(3 + 0j)),
        ("complex-imaginary", "alpha", Py(3 + 1j)),
        ("np-complex64", "alpha", NpScalar("complex64", 3.0)),
        ("tf-complex64", "alpha", Tensor("complex64", (), 3.0)),
        ("tf-complex128", "alpha", Tensor("complex128", (4,), 3.0)),
        ("string", "alpha", Py("3.0")),
        ("bytes", "alpha", Py(b"3")),
        ("tf-string", "alpha", Tensor("string", (), 3.0)),
        ("none", "alpha", Py(None)),
        ("list-of-strings", "alpha", Py(["a", "b", "c", "d"])),
        ("dict", "alpha", Py({"alpha": 3.0})),
        ("object", "alpha", Py(Opaque())),
    ]
    rows = [Row(f"alpha-kind-{name}", group, bad, X, alpha) for name, bad, alpha in kinds]
    for name, bad, alpha in kinds:
        if name in ("variable", "keras-variable", "none", "string", "complex", "fraction", "np-float32"):
            rows.append(Row(f"inverse-alpha-kind-{name}", group, bad, X, alpha, function="inverse"))
    return rows


def _alpha_shape_rows():
    group = "alpha: shapes"
    x23 = Tensor("float32", (2, 3))
    cases = [
        ("x4-alpha3", "alpha", X, Tensor("float32", (3,), 5.0)),
        ("x4-alpha0", "alpha", X, Tensor("float32", (0,), 5.0)),
        ("x4-alpha2x4", "alpha", X, Tensor("float32", (2, 4), 5.0)),
        ("x4-alpha1x4", "alpha", X, Tensor("float32", (1, 4), 5.0)),
        ("x4-alpha1", "none", X, Tensor("float32", (1,), 5.0)),
        ("x4-np-alpha3", "alpha", X, NpArray("float32", [5.0, 5.0, 5.0])),
        ("x4-list-alpha3", "alpha", X, Py([5.0, 5.0, 5.0])),
        ("x4-variable-alpha3", "alpha", X, Variable([5.0, 5.0, 5.0])),
        ("x2x3-alpha3", "none", x23, Tensor("float32", (3,), [4.0, 5.0, 6.0])),
        ("x2x3-alpha2x1", "none", x23, Tensor("float32", (2, 1), [4.0, 6.0])),
        ("x2x3-alpha1x3", "none", x23, Tensor("float32", (1, 3), [4.0, 5.0, 6.0])),
        ("x2x3-alpha1x1", "none", x23, Tensor("float32", (1, 1), 5.0)),
        ("x2x3-alpha2x3", "none", x23, Tensor("float32", (2, 3), [4.0, 5.0, 6.0])),
        ("x2x3-alpha2", "alpha", x23, Tensor("float32", (2,), 5.0)),
        ("x2x3-alpha3x2", "alpha", x23, Tensor("float32", (3, 2), 5.0)),
        ("x2x3-alpha1x2x3", "alpha", x23, Tensor("float32", (1, 2, 3), 5.0)),
    ]
    rows = [Row(f"alpha-shape-{name}", group, bad, x, alpha) for name, bad, x, alpha in cases]
    for function in FAMILY:
        rows.append(
            Row(f"{function}-alpha-shape-x4-alpha3", group, "alpha", X, cases[0][3], function=function)
        )
        rows.append(
            Row(f"{function}-alpha-shape-x2x3-alpha2x1", group, "none", x23, cases[9][3], function=function)
        )
    return rows


def _mode_rows():
    group = "mode"
    modes = {
        "unknown": "round",
        "uppercase": "TANH",
        "empty": "",
        "bytes": b"tanh",
        "list": ["tanh"],
        "none": None,
        "int": 0,
    }
    rows = [Row(f"mode-{name}", group, "mode", X, Py(5.0), mode) for name, mode in modes.items()]
    rows.append(Row("mode-unknown-tensor-alpha", group, "mode", X, Tensor("float32", (), 5.0), "round"))
    for function in FAMILY:
        for name in ("unknown", "none"):
            rows.append(Row(f"{function}-mode-{name}", group, "mode", X, Py(5.0), modes[name], function))
    return rows


def _x_value_rows():
    group = "x: non-finite, huge and tiny values"
    nonfinite = Tensor("float32", (5,), [float("nan"), float("inf"), float("-inf"), 0.3, 1.7])
    huge = Tensor("float32", (4,), [3e38, -3e38, 1e30, 16777217.0])
    tiny = Tensor("float32", (4,), [1e-45, -1e-40, 1e-38, 0.0])
    rows = []
    for mode in MODES:
        rows.append(Row(f"x-nonfinite-{mode}", group, "none", nonfinite, Py(GOOD_ALPHA[mode]), mode))
        tensor_alpha = Tensor("float32", (), GOOD_ALPHA[mode])
        rows.append(Row(f"x-nonfinite-{mode}-tensor-alpha", group, "none", nonfinite, tensor_alpha, mode))
        rows.append(Row(f"x-huge-{mode}", group, "none", huge, tensor_alpha, mode))
        rows.append(Row(f"x-tiny-{mode}", group, "none", tiny, tensor_alpha, mode))
    for function in FAMILY:
        tensor_alpha = Tensor("float32", (), 5.0)
        rows.append(Row(f"{function}-y-nonfinite", group, "none", nonfinite, tensor_alpha, function=function))
        rows.append(Row(f"{function}-y-huge", group, "none", huge, tensor_alpha, function=function))
        rows.append(Row(f"{function}-y-tiny", group, "none", tiny, tensor_alpha, function=function))
    return rows


def _half_rows():
    group = "16-bit x with alphas beyond their range"
    half = Tensor("float16")
    rows = []
    for mode in MODES:
        for value in (65504.0, 65520.0, 1e5):
            bad = _expected_bad_alpha(mode, value, np.float16)
            rows.append(Row(f"half-{mode}-py-{value:g}", group, bad, half, Py(value), mode))
        bad = _expected_bad_alpha(mode, 1e5, np.float16)
        rows.append(Row(f"half-{mode}-tf32-1e+05", group, bad, half, Tensor("float32", (), 1e5), mode))
        # Subnormal in float16, normal in float32, where 16-bit types are computed.
        bad = _expected_bad_alpha(mode, 1e-6, np.float16)
        rows.append(Row(f"half-{mode}-py-1e-06", group, bad, half, Py(1e-6), mode))
    rows.append(Row("half-tanh-tf16-65504", group, "none", half, Tensor("float16", (), 65504.0)))
    for function in FAMILY:
        rows.append(Row(f"half-{function}-py-65504", group, "none", half, Py(65504.0), function=function))
        rows.append(Row(f"half-{function}-py-1e+05", group, "alpha", half, Py(1e5), function=function))
        alpha = Tensor("float32", (), 1e5)
        rows.append(Row(f"half-{function}-tf32-1e+05", group, "alpha", half, alpha, function=function))
    bfloat = Tensor("bfloat16")
    rows.append(Row("bfloat16-tanh-py-1e39", group, "alpha", bfloat, Py(1e39)))
    rows.append(Row("bfloat16-tanh-tf32-3e38", group, "none", bfloat, Tensor("float32", (), 3e38)))
    rows.append(Row("bfloat16-tanh-tf64-1e39", group, "alpha", bfloat, Tensor("float64", (), 1e39)))
    return rows


def _family_rows():
    group = "inverse and conditional mean: modes and alphas"
    rows = []
    for function in FAMILY:
        for mode in ("sigmoid", "sine", "ste"):
            alpha = GOOD_ALPHA[mode]
            rows.append(Row(f"{function}-{mode}", group, "mode", X, Py(alpha), mode, function))
            tensor = Tensor("float32", (), alpha)
            rows.append(Row(f"{function}-{mode}-tensor-alpha", group, "mode", X, tensor, mode, function))
        for name in ("nan", "inf", "-1", "0", "1e-300", "1e30", "10**400"):
            value = PYTHON_ALPHAS[name]
            bad = _expected_bad_alpha("tanh", value, np.float32)
            alpha = _python_alpha(value, name)
            rows.append(Row(f"{function}-py-{name}", group, bad, X, alpha, function=function))
        alpha = Tensor("float32", (), 3e38)
        rows.append(Row(f"{function}-tf32-3e38", group, "none", X, alpha, function=function))
        for name, value in (
            ("nan", float("nan")),
            ("-1", -1.0),
            ("1e6", 1e6),
            ("1e30", 1e30),
            ("1e300", 1e300),
            ("1e308", 1e308),
        ):
            bad = _expected_bad_alpha("tanh", value, np.float64)
            alpha = Tensor("float64", (), value)
            rows.append(Row(f"{function}-tf-{name}", group, bad, Tensor("float64"), alpha, function=function))
    return rows


ROWS = (
    _x_rows()
    + _shape_rows()
    + _alpha_value_rows()
    + _alpha_kind_rows()
    + _alpha_shape_rows()
    + _mode_rows()
    + _x_value_rows()
    + _half_rows()
    + _family_rows()
)
ROWS_BY_ID = {row.id: row for row in ROWS}
assert len(ROWS_BY_ID) == len(ROWS), "row ids must be unique"
assert all(row.bad in BAD_ARGUMENTS for row in ROWS)

# ---------------------------------------------------------------------------
# The child: runs cells it reads from stdin, one JSON line each.


def _error_text(error):
    """The message a user reads, without TensorFlow's wrapping: the node's
    Python stack of a graph error, the function-node prefix, the node and op
    annotations (the stack names source files and functions, which would
    name any argument)."""
    text = getattr(error, "message", None) or str(error)
    if text.startswith("in user code:"):
        # Autograph's wrapping: the stack, a blank line, "    Type: message" indented.
        last = list(re.finditer(r"\n\n    [\w.]+: ", text))
        lines = text[last[-1].end() :].split("\n") if last else [text]
        text = "\n".join(line[4:] if line.startswith("    ") else line for line in lines)
    if text.startswith("Graph execution error"):
        lines = text.split("\n")
        frames = [index for index, line in enumerate(lines) if line.startswith("  File ")]
        text = "\n".join(lines[frames[-1] + 1 :] if frames else lines[1:])
    text = re.sub(r"^\s*\{\{function_node [^}]*\}\}\s*", "", text)
    text = re.sub(r"\s*\[\[\{\{node .*", "", text, flags=re.S)
    text = re.sub(r"\s*\[Op:[^\]]*\]( name: .*)?$", "", text, flags=re.S)
    return text.strip()


def _float_array(value):
    """value as float64 numpy (flat values of a ragged or sparse tensor), or None."""
    import tensorflow as tf

    if isinstance(value, tf.RaggedTensor):
        value = value.flat_values
    if isinstance(value, tf.SparseTensor):
        value = value.values
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            return None
        return array.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return None


def _is_float_tensor(value):
    import tensorflow as tf

    tensor_like = isinstance(value, (tf.Tensor, tf.Variable)) or type(value).__module__.startswith("keras")
    return tensor_like and tf.as_dtype(value.dtype).is_floating


def _call(row, backend):
    """A function computing (y, gradients in x and alpha), and the sources."""
    import tensorflow as tf

    import softround_ops

    module = softround_ops if backend == "op" else softround_ops.reference
    function = getattr(module, FUNCTION_NAMES[row.function])
    x, alpha = row.x.build(), row.alpha.build()
    sources = [value for value in (x, alpha) if _is_float_tensor(value)]

    def body():
        with tf.GradientTape() as tape:
            for source in sources:
                if isinstance(source, tf.Tensor):
                    tape.watch(source)
            y = function(x, alpha, mode=row.mode)
        target = y.flat_values if isinstance(y, tf.RaggedTensor) else y
        return target, tape.gradient(target, sources) if sources else []

    return body, x, alpha, sources


def _nan_excused_by_x(nan, x_nonfinite):
    """Do non-finite x explain these NaN: elementwise where the shapes match (the
    value, x's gradient), else (alpha's gradient, a sum) any non-finite x."""
    if x_nonfinite is None:
        return False
    if x_nonfinite.shape == nan.shape:
        return bool(x_nonfinite[nan].all())
    return bool(x_nonfinite.any())


def _nan_report(row, x, alpha, sources, y, gradients):
    """(has NaN, NaN allowed, text): NaN is allowed where x is NaN or +-inf,
    and anywhere when alpha has one."""
    x_values, alpha_values = _float_array(x), _float_array(alpha)
    alpha_nonfinite = alpha_values is not None and not np.all(np.isfinite(alpha_values))
    x_nonfinite = None if x_values is None else ~np.isfinite(x_values)
    names = [row.first_argument() if source is x else "alpha" for source in sources]
    found, allowed, parts = False, True, []
    for name, value in [("y", y)] + [(f"d/d{n}", g) for n, g in zip(names, gradients)]:
        if value is None:
            parts.append(f"{name} None")
            continue
        array = np.asarray(value.numpy(), np.float64)
        nan = np.isnan(array)
        text = f"{name} {value.dtype.name}{_shape_text(array.shape)}"
        if nan.any():
            found = True
            text += f" ({int(nan.sum())} NaN)"
            allowed = allowed and (alpha_nonfinite or _nan_excused_by_x(nan, x_nonfinite))
        elif np.isinf(array).any() and x_nonfinite is not None and not x_nonfinite.any():
            text += " (inf)"
        parts.append(text)
    return found, allowed, "; ".join(parts)


def run_cell(row, context, backend):
    """The outcome of one cell: ok, ok with NaN, NaN out, or the exception raised."""
    import tensorflow as tf

    start = time.perf_counter()
    try:
        body, x, alpha, sources = _call(row, backend)
        if context != "eager":
            body = tf.function(body, jit_compile=context == "XLA")
        y, gradients = body()
        found, allowed, text = _nan_report(row, x, alpha, sources, y, gradients)
        outcome = "ok" if not found else NAN_LABEL if allowed else "NaN out"
    except Exception as error:  # noqa: BLE001 - every exception is an outcome
        outcome, text = type(error).__name__, _error_text(error)
    return {"outcome": outcome, "message": text, "seconds": round(time.perf_counter() - start, 3)}


def _emit(kind, payload):
    print(MARKER + json.dumps({"kind": kind, **payload}), flush=True)


def child_main():
    """Reads one cell per stdin line, answers one JSON line per cell."""
    import faulthandler
    import warnings

    faulthandler.enable()
    warnings.simplefilter("ignore")
    import tensorflow as tf

    # Two workers share two cores: one thread each keeps them out of each other's way.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.get_logger().setLevel("ERROR")
    import softround_ops

    _emit("ready", {"custom_ops": softround_ops.using_custom_ops(), "tensorflow": tf.__version__})
    for line in sys.stdin:
        row_id, context, backend = json.loads(line)
        _emit("done", {"cell": [row_id, context, backend], **run_cell(ROWS_BY_ID[row_id], context, backend)})


# ---------------------------------------------------------------------------
# The parent: hands cells to watched children, one cell at a time.


class ChildDied(Exception):
    """The child crashed or hung on the cell it was given."""

    def __init__(self, outcome, message):
        super().__init__(message)
        self.outcome, self.message = outcome, message


def _crash_line(stderr_text):
    """The line of a fatal error that says why (TensorFlow's F-log, a
    failed check, Python's fatal error), else the last line."""
    lines = [line.strip() for line in stderr_text.splitlines() if line.strip()]
    for line in lines:
        if re.search(r"Fatal Python error|Check failed|terminate called|^F\d{4} |Aborted", line):
            return line
    return lines[-1] if lines else "(no output)"


class Child:
    """A child process running cells; started lazily, replaced when it dies."""

    def __init__(self, env):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            CHILD_COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=env,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.info = self._next(STARTUP_TIMEOUT, "starting")

    def _read(self):
        for line in self.process.stdout:
            if line.startswith(MARKER):
                self.lines.put(json.loads(line[len(MARKER) :]))
        self.lines.put(None)

    def _next(self, timeout, doing):
        try:
            answer = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise ChildDied("hang", f"no answer within {timeout} s while {doing}") from None
        if answer is None:
            code = self.process.wait()
            self.stderr.seek(0)
            why = _crash_line(self.stderr.read())
            name = signal.Signals(-code).name if code < 0 else f"exit code {code}"
            raise ChildDied("crash", f"{name}: {why}")
        return answer

    def run(self, cell, timeout):
        self.process.stdin.write(json.dumps(cell) + "\n")
        self.process.stdin.flush()
        return self._next(timeout, "running the cell")

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.stderr.close()

    def close(self):
        self.process.stdin.close()
        self.process.wait()
        self.stderr.close()


def _child_env():
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _work(pending, results, infos, timeout):
    """One worker: cells from the shared queue into its child until none is left."""
    child = None
    while True:
        try:
            cell = pending.get_nowait()
        except queue.Empty:
            break
        start = time.perf_counter()
        try:
            if child is None:
                child = Child(_child_env())
                infos.append(child.info)
            answer = child.run(list(cell), timeout)
            results[cell] = {key: answer[key] for key in ("outcome", "message", "seconds")}
        except (ChildDied, BrokenPipeError) as died:
            died = died if isinstance(died, ChildDied) else ChildDied("crash", str(died))
            seconds = round(time.perf_counter() - start, 3)
            results[cell] = {"outcome": died.outcome, "message": died.message, "seconds": seconds}
            child = None
    if child is not None:
        child.close()


def run_cells(cells, workers, timeout):
    """{cell: result} for every (row id, context, backend) cell; a cell that
    crashed or hung its child is run again alone, to confirm it is the culprit."""
    pending = queue.Queue()
    for cell in cells:
        pending.put(cell)
    results, infos = {}, []
    threads = [
        threading.Thread(target=_work, args=(pending, results, infos, timeout)) for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for cell, result in list(results.items()):
        if result["outcome"] in ("crash", "hang"):
            alone = {}
            single = queue.Queue()
            single.put(cell)
            _work(single, alone, infos, timeout)
            if alone[cell]["outcome"] != result["outcome"]:
                result["message"] += f" (only after other cells; alone: {alone[cell]['outcome']})"
    return results, infos


# ---------------------------------------------------------------------------
# Violations, and the document.

# Violations that come from the C++ kernels (cc/) while a fix is pending:
# shown in the document and not counted by --check until they are gone; then
# --check asks to remove the entry. (None now: the first run found NaN
# gradients of tanh for alpha beyond half the largest float, fixed since.)
# Keyed by (row id, backend); the op runs in eager and graph mode (under XLA
# the reference runs instead).
OP_CONTEXTS = ("eager", "graph")
KNOWN_DEFECTS = {}

# A message names the bad argument when it has the argument's name as a word.
ARGUMENT_WORDS = {"x": r"\bx\b", "y": r"\by\b", "alpha": r"\balpha\b", "mode": r"\bmode\b"}


def _unchecked_under_xla(row, context):
    """A bad tensor alpha under XLA: the README says XLA has no run-time
    asserts, so its range is not checked there (a Python number still is)."""
    return context == "XLA" and row.bad == "alpha" and not isinstance(row.alpha, (Py, NpScalar))


def violation(row, context, result):
    """Why a cell's result breaks the rule, or None."""
    outcome, message = result["outcome"], result["message"]
    if outcome in ("crash", "hang"):
        return f"{outcome}: {message}"
    if outcome == "NaN out" and not _unchecked_under_xla(row, context):
        return f"NaN for finite input: {message}"
    if outcome == "NaN out":
        return None
    if outcome in ("ok", NAN_LABEL):
        return None
    if row.bad == "none":
        return f"{outcome} for a valid input: {_first_line(message)}"
    if not re.search(ARGUMENT_WORDS[row.bad], message, re.IGNORECASE):
        return f"{outcome} does not name {row.bad!r}: {_first_line(message)}"
    return None


def _first_line(message, limit=120):
    line = message.strip().split("\n")[0] if message.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _cell_text(text):
    return text.replace("|", "\\|").replace("\n", " ")


def _merged(row, results):
    """The row's cells as table lines: cells with the same outcome and message
    share a line (contexts, then backends, joined)."""
    by_backend = collections.OrderedDict()
    for backend in BACKENDS:
        for context in CONTEXTS:
            result = results[(row.id, context, backend)]
            key = (result["outcome"], _first_line(result["message"]), backend)
            by_backend.setdefault(key, []).append(context)
    lines = collections.OrderedDict()
    for (outcome, message, backend), contexts in by_backend.items():
        lines.setdefault((outcome, message, tuple(contexts)), []).append(backend)
    return [
        (contexts, backends, outcome, message) for (outcome, message, contexts), backends in lines.items()
    ]


def _table(rows, results):
    header = [
        "| input | bad argument | context | backend | outcome | message (first line) |",
        "|---|---|---|---|---|---|",
    ]
    body = []
    for row in rows:
        for index, (contexts, backends, outcome, message) in enumerate(_merged(row, results)):
            described = f"`{row.id}` {_cell_text(row.describe())}" if index == 0 else ""
            bad = row.bad if index == 0 else ""
            cells = [described, bad, ", ".join(contexts), ", ".join(backends), outcome, _cell_text(message)]
            body.append("| " + " | ".join(cells) + " |")
    return header + body


INTRO = """# Bad inputs: what the public functions do with them

Every row below is one call of `softround_ops.soft_round(x, alpha, mode=...)`,
`soft_round_inverse(y, alpha, mode=...)` or `soft_round_conditional_mean(y, alpha, mode=...)`
with a bad or edge input, together with its gradient in `x` (or `y`) and `alpha` where they
are float tensors (a `tf.GradientTape`). Each runs in three contexts (eager, `tf.function`
= graph, `tf.function(jit_compile=True)` = XLA) on two backends (`op`: `softround_ops.*`,
the compiled op; `fallback`: `softround_ops.reference.*`, the same functions in plain
TensorFlow ops). Each cell runs in a child process that is watched, so a crash or a hang is
an outcome, not the end of the run. Regenerate this file (about {minutes} minutes on 2 cores):

```bash
{command}
```

`{command} --check` runs the same matrix and writes nothing: it exits 1 listing the
violations of the rules below. `--check --quick` runs the test suite's subset
(`tests/test_bad_inputs.py`, about a minute; `is_quick` in the script says which rows),
`--rows ID,ID` single rows.

**Columns.** *bad argument*: which argument the row makes bad (`none`: a valid edge input).
*outcome*: `ok` (value and gradients computed, no NaN), `{nan_label}` (NaN only where
`x` is NaN or +-inf, or anywhere when alpha is: non-finite inputs may give NaN), `NaN out`
(NaN for finite inputs), `crash` or `hang` (the child died, or gave no answer within
{timeout} s), or the type of the exception raised. *message*: the exception's first line
without TensorFlow's wrapping (autograph's and the graph's Python stacks, node names), or for
`ok` the dtype and shape of the value and of each gradient (`None`: no gradient, as for a
non-trainable variable, or in graph mode for the op, where a tensor captured from outside is a
constant and gets none; `(inf)`: an infinity from finite inputs). Cells of one row with the
same outcome and message share a line. Values themselves are not checked here (the other
tests do that).

**The rules** (`--check`): no crash and no hang; no NaN for finite inputs, except for a bad
tensor alpha under XLA, whose range XLA does not check (the README says so; a Python-number
alpha is checked there too); a valid input (`none`) raises nothing; an exception for a bad
argument names it: its message has the argument's name as a word (`alpha`, `mode`, `x`, or `y`
for the first argument of the inverse and the conditional mean), case-insensitive. A bad input
that is accepted is no violation; such rows are listed under "Accepted although bad".
Violations that come from the C++ kernels, which the script's author could not fix, are
listed under "Known defects" and not counted until they are gone.

Run: TensorFlow {tensorflow}, compiled op loaded: {custom_ops}; {rows} rows x 3 contexts x 2
backends = {cells} cells in {seconds:.0f} s with {workers} workers.
"""


def _counts_table(results):
    counts = collections.Counter(result["outcome"] for result in results.values())
    lines = ["| outcome | cells |", "|---|---|"]
    lines += [f"| {outcome} | {count} |" for outcome, count in counts.most_common()]
    return lines


def render(rows, results, infos, seconds, workers, violations):
    info = infos[0] if infos else {"tensorflow": "?", "custom_ops": "?"}
    parts = [
        INTRO.format(
            minutes=max(1, round(seconds / 60)),
            command=REGENERATE,
            nan_label=NAN_LABEL,
            timeout=CELL_TIMEOUT,
            tensorflow=info["tensorflow"],
            custom_ops="yes" if info["custom_ops"] is True else "NO",
            rows=len(rows),
            cells=len(results),
            seconds=seconds,
            workers=workers,
        ),
        "## Outcomes\n",
        "\n".join(_counts_table(results)),
        f"\nViolations of the rules: {len(violations)}.\n",
    ]
    parts += [f"- {line}" for line in violations]
    parts.append("\n## Known defects in the C++ kernels\n")
    parts.append(_known_defects_text())
    parts.append("\n## Accepted although bad\n")
    parts.append(_accepted_text(rows, results))
    groups = collections.OrderedDict()
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    for group, group_rows in groups.items():
        parts.append(f"\n## {group[0].upper()}{group[1:]}\n")
        parts.append("\n".join(_table(group_rows, results)))
    return "\n".join(parts) + "\n"


def _known_defects_text():
    if not KNOWN_DEFECTS:
        return "None."
    lines = [
        "Violations from `cc/` that `--check` does not count until they are fixed (then it asks to",
        "remove them from `KNOWN_DEFECTS` in the script); eager and graph, backend `op`:\n",
    ]
    lines += [f"- `{row_id}`: {defect}" for (row_id, _), defect in KNOWN_DEFECTS.items()]
    return "\n".join(lines)


def _accepted_text(rows, results):
    """The rows with a bad argument that some cell accepted, and where."""
    lines = [
        "Rows with a bad argument that a cell accepts without an error (no violation: under XLA",
        "a tensor alpha's range is not checked, as the README says).\n",
        "| row | accepted in (context backend: outcome) |",
        "|---|---|",
    ]
    for row in rows:
        accepted = [
            f"{context} {backend}: {results[(row.id, context, backend)]['outcome']}"
            for backend in BACKENDS
            for context in CONTEXTS
            if row.bad != "none"
            and results[(row.id, context, backend)]["outcome"] in ("ok", NAN_LABEL, "NaN out")
        ]
        if accepted:
            lines.append(f"| `{row.id}` | {'; '.join(accepted)} |")
    return "\n".join(lines)


def _violations(rows, results, infos):
    found = []
    if not all(info.get("custom_ops") is True for info in infos):
        found.append("the compiled op library did not load: the op backend ran the fallback")
    for (row_id, context, backend), result in results.items():
        why = violation(ROWS_BY_ID[row_id], context, result)
        known = KNOWN_DEFECTS.get((row_id, backend)) if context in OP_CONTEXTS else None
        if why and not known:
            found.append(f"{row_id} [{context}, {backend}]: {why}")
    for row_id, backend in KNOWN_DEFECTS:
        cells = [results.get((row_id, context, backend)) for context in OP_CONTEXTS]
        row = ROWS_BY_ID[row_id]
        if all(cell and not violation(row, context, cell) for context, cell in zip(OP_CONTEXTS, cells)):
            found.append(f"{row_id} [{backend}]: known defect no longer seen, remove it from KNOWN_DEFECTS")
    return found


def _selected_rows(row_ids):
    if not row_ids:
        return list(ROWS)
    unknown = [row_id for row_id in row_ids if row_id not in ROWS_BY_ID]
    if unknown:
        raise SystemExit(f"unknown row ids: {', '.join(unknown)}")
    return [ROWS_BY_ID[row_id] for row_id in row_ids]


# The groups that sweep values over modes and functions, where --quick keeps
# one representative of each twin.
SWEEPS = (
    "alpha: values per mode",
    "x: empty, 0-d and high rank",
    "x: non-finite, huge and tiny values",
    "16-bit x with alphas beyond their range",
    "inverse and conditional mean: modes and alphas",
)


def is_quick(row):
    """The rows of --quick (the test suite's subset): every group, and every bad
    argument of every function, less the sweeps' near-twins of other rows: the
    conditional mean's rows (the inverse's code, shifted by 1/2), the sigmoid and
    ste rows (tanh has the range [0, inf) and sine (0, 1]; sigmoid and ste add no
    check of their own), rank 9 (rank 10 takes the same path); and the inverse's
    alpha kinds (soft_round's checks, the same code)."""
    twin_in_sweep = row.group in SWEEPS and (row.function == "mean" or row.mode in ("sigmoid", "ste"))
    return not (twin_in_sweep or "rank9" in row.id or row.id.startswith("inverse-alpha-kind"))


def _cells(rows, quick):
    """(row id, context, backend) to run; --quick leaves out XLA on the fallback,
    because under XLA softround_ops.* builds the fallback's ops itself."""
    return [
        (row.id, context, backend)
        for row in rows
        for backend in BACKENDS
        for context in CONTEXTS
        if not (quick and context == "XLA" and backend == "fallback")
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 listing the violations")
    parser.add_argument("--rows", default="", help="comma-separated row ids (default: all)")
    parser.add_argument("--out", type=Path, default=DOC, help=f"the document to write (default {DOC})")
    parser.add_argument("--workers", type=int, default=2, help="child processes at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=CELL_TIMEOUT, help="seconds per cell before a hang")
    parser.add_argument(
        "--quick", action="store_true", help="with --check: the test suite's subset (is_quick)"
    )
    parser.add_argument("--json", type=Path, help="also write every cell's result to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main()
    if args.quick and not args.check:
        parser.error("--quick runs part of the matrix: use it with --check")
    rows = _selected_rows([row_id for row_id in args.rows.split(",") if row_id])
    rows = [row for row in rows if is_quick(row)] if args.quick else rows
    cells = _cells(rows, args.quick)
    start = time.perf_counter()
    results, infos = run_cells(cells, args.workers, args.timeout)
    seconds = time.perf_counter() - start
    violations = _violations(rows, results, infos)
    if args.json:
        cells_json = [{"cell": list(cell), **result} for cell, result in results.items()]
        args.json.write_text(json.dumps({"violations": violations, "cells": cells_json}, indent=1))
    counts = collections.Counter(result["outcome"] for result in results.values())
    print(f"{len(rows)} rows, {len(cells)} cells in {seconds:.0f} s: {dict(counts.most_common())}")
    if args.check:
        for line in violations:
            print(line)
        print(f"{len(violations)} violations")
        return 1 if violations else 0
    args.out.write_text(render(rows, results, infos, seconds, args.workers, violations))
    print(f"wrote {args.out} ({len(violations)} violations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
