"""The modes and the alpha range each accepts (cc/include/softround/modes.h says the same)."""

MODES = ("tanh", "sigmoid", "sine", "ste")

# What alpha means in each mode and which values it accepts, in the words the
# kernel uses in its InvalidArgumentError.
ALPHA_RANGES = {
    "tanh": "a finite sharpness >= 0",
    "sigmoid": "a finite steepness > 0",
    "sine": "a width in (0, 1]",
    "ste": "any value (ignored)",
}

# Range predicates written with operators that work on Python numbers and on
# tensors alike (elementwise), so Python and the reference share them.
# `a - a == 0` is false exactly for NaN and +-inf.
_IN_RANGE = {
    "tanh": lambda a: (a - a == 0) & (a >= 0),
    "sigmoid": lambda a: (a - a == 0) & (a > 0),
    "sine": lambda a: (a > 0) & (a <= 1),
}

# Below this sharpness the tanh mode is the identity (as tensorflow-compression).
TANH_IDENTITY_ALPHA = 1e-3


# The modes with an inverse (and a conditional mean): tanh alone is invertible on
# the whole real line (sigmoid jumps at integers, sine and ste are flat in places).
INVERTIBLE_MODES = ("tanh",)
FUNCTIONS = ("forward", "inverse", "conditional_mean")


def check_function(func, function, mode):
    """ValueError for an inverse or conditional mean of a mode that has none."""
    if function != "forward" and mode not in INVERTIBLE_MODES:
        raise ValueError(
            f"{func}: mode {mode!r} has no inverse; only 'tanh' is invertible on the whole real line "
            "(sigmoid jumps at integers, sine and ste are flat in places)"
        )


def check_mode(mode):
    if not isinstance(mode, str) or mode not in ALPHA_RANGES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}; got {mode!r}")


def alpha_in_range(mode, alpha):
    """Elementwise: is alpha acceptable for mode? (Python number or tensor.)"""
    return _IN_RANGE[mode](alpha) if mode in _IN_RANGE else True


def alpha_range_message(func, mode, got):
    return f"{func}: alpha for mode '{mode}' must be {ALPHA_RANGES[mode]}; got {got}"


def check_python_alpha(func, mode, alpha, dtype=None):
    """ValueError for a Python-number alpha outside mode's range, as given or
    once rounded to dtype (a NumPy dtype: 1e5 is inf in float16, 1e-50 is 0
    in float32); returns alpha as a float."""
    try:
        value = float(alpha)
    except OverflowError:
        raise ValueError(alpha_range_message(func, mode, f"{alpha!r:.40}..., beyond every float")) from None
    if not alpha_in_range(mode, value):
        raise ValueError(alpha_range_message(func, mode, repr(alpha)))
    if dtype is not None and mode in _IN_RANGE:
        import numpy as np

        with np.errstate(over="ignore", under="ignore"):
            rounded = float(np.asarray(value, dtype))
        # The kernels flush subnormals to zero and compute 16-bit types in
        # float32: 1e-45 is 0 to them in float32 (sine would divide by it).
        compute = np.float64 if np.dtype(dtype) == np.float64 else np.float32
        if abs(rounded) < np.finfo(compute).tiny:
            rounded = 0.0
        if not alpha_in_range(mode, rounded):
            got = f"{alpha!r}, which is {rounded!r} in {np.dtype(dtype).name}"
            raise ValueError(alpha_range_message(func, mode, got))
    return value


def check_alpha_type(func, alpha):
    """TypeError for an alpha that is no real number: None, a string or a complex
    value (a cast would fail late or silently drop the imaginary part)."""
    dtype = getattr(alpha, "dtype", None)
    name = getattr(dtype, "name", str(dtype))
    if isinstance(alpha, (type(None), str, bytes, complex)) or (
        dtype is not None and any(kind in name for kind in ("complex", "str", "string", "bytes", "object"))
    ):
        raise TypeError(f"{func}: alpha must be a real number or a float tensor; got {alpha!r}")
