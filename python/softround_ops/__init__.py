"""softround_ops: differentiable rounding for TensorFlow, as fused custom ops.

    import softround_ops as sro
    y = sro.soft_round(x, alpha=5.0)            # tanh soft round
    y = sro.approx_round(x, steepness=10)       # the seed's sigmoid version
    y = sro.approx_round_sin(x, width=0.5)      # the seed's clipped sine
    y = sro.round_ste(x)                        # straight-through round
    x = sro.soft_round_inverse(y, alpha=5.0)    # its inverse (tanh)
    x = sro.soft_round_conditional_mean(y, 5.0) # the decoder's conditional mean

`softround_ops.reference` holds the same functions in plain TensorFlow ops;
`softround_ops.keras` the SoftRound layers and the AlphaSchedule callback;
`softround_ops.compat.tfc` tensorflow-compression's names, answered by these ops;
`softround_ops.portable()` exports models without the custom op.
"""

try:
    import tensorflow  # noqa: F401
except ModuleNotFoundError as error:
    if error.name != "tensorflow":
        raise
    from softround_ops._requirements import missing_tensorflow_message

    raise ImportError(missing_tensorflow_message()) from None

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

__version__ = "0.1.0"

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
