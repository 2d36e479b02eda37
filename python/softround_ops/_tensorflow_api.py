"""The TensorFlow side of the package, imported by __init__ when TensorFlow is there."""

from softround_ops import _gradients, _loader, compat, keras, reference  # noqa: F401  (registrations)
from softround_ops._api import (
    approx_round,
    approx_round_sin,
    round_ste,
    soft_round,
    soft_round_conditional_mean,
    soft_round_inverse,
)
from softround_ops._loader import FallbackWarning, LibraryLoadError, using_custom_ops
from softround_ops._modes import ALPHA_RANGES, MODES
from softround_ops._placement import portable

# Registers SoftRound for SavedModels loaded after `import softround_ops`;
# never raises (a failure is reported by the first call).
_loader.preload()

__all__ = [
    "ALPHA_RANGES",
    "MODES",
    "FallbackWarning",
    "LibraryLoadError",
    "approx_round",
    "approx_round_sin",
    "compat",
    "keras",
    "portable",
    "reference",
    "round_ste",
    "soft_round",
    "soft_round_conditional_mean",
    "soft_round_inverse",
    "using_custom_ops",
]
