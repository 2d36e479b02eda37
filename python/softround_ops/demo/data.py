"""The demo's data sets: made in code, or shipped inside a package (no download at run time)."""

import numpy as np

INSTALL_HINT = "the demo's data sets need its extra: pip install 'softround_ops[demo]'"


def _split(x, y, seed, test_fraction=0.2):
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    train, test = order[:cut], order[cut:]
    mean, std = x[train].mean(0), x[train].std(0) + 1e-8
    return ((x[train] - mean) / std, y[train]), ((x[test] - mean) / std, y[test])


def counts(quick=False, seed=0):
    """Synthetic counting task: y ~ Poisson(exp(0.8 + 0.6 x1 - 0.4 x2 + 0.3 x3)), 6 features."""
    n = 2000 if quick else 8000
    rng = np.random.default_rng(1234)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    rate = np.exp(0.8 + x[:, :3] @ np.array([0.6, -0.4, 0.3], np.float32))
    y = rng.poisson(rate).astype(np.float32)
    return _split(x, y, seed)


def randhie(quick=False, seed=0):
    """RAND Health Insurance Experiment (statsmodels): number of outpatient visits, 9 features."""
    try:
        import statsmodels.api as sm
    except ImportError as error:
        raise SystemExit(f"{INSTALL_HINT} (statsmodels is missing)") from error
    frame = sm.datasets.randhie.load_pandas().data
    y = frame.pop("mdvis").to_numpy(np.float32)
    x = frame.to_numpy(np.float32)
    if quick:
        x, y = x[:2000], y[:2000]
    return _split(x, y, seed)


def digits(seed=0):
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1] (inputs = targets)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise SystemExit(f"{INSTALL_HINT} (scikit-learn is missing)") from error
    x = (load_digits().data / 16.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * 0.8)
    return x[order[:cut]], x[order[cut:]]


def csv_dataset(path, target, quick=False, seed=0):
    """Your own data: a CSV file with a header row. Numeric columns are features as
    they are, other columns one-hot; rows with a missing value are left out; the
    target must hold integers. A fifth of the rows is held out for testing."""
    try:
        import pandas as pd
    except ImportError as error:
        raise SystemExit(f"{INSTALL_HINT} (pandas is missing)") from error
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SystemExit(f"softround-demo: cannot read --csv {path}: {error}") from None
    if target not in frame.columns:
        columns = ", ".join(map(repr, frame.columns))
        raise SystemExit(
            f"softround-demo: --target {target!r} is not a column of {path}; its columns: {columns}"
        )
    frame = frame.dropna()
    raw = frame.pop(target)
    y = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(y) | (y != np.round(y))
    if bad.any():
        first = int(np.argmax(bad))
        raise SystemExit(
            f"softround-demo: --target {target!r} must hold integers (the demo compares ways to "
            f"predict integers); data row {raw.index[first] + 1} has {str(raw.iloc[first])!r}"
        )
    if frame.shape[1] == 0:
        raise SystemExit(f"softround-demo: {path} has no feature column besides {target!r}")
    if len(y) < 20:
        raise SystemExit(f"softround-demo: {path} has {len(y)} complete rows; the demo needs at least 20")
    x = pd.get_dummies(frame, dtype=np.float32).to_numpy(np.float32)
    if quick:
        x, y = x[:2000], y[:2000]
    return _split(x, y.astype(np.float32), seed)


INTEGER_DATASETS = {"counts": counts, "randhie": randhie}
