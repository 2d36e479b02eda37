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
    # Without TensorFlow only softround_ops.numpy works; everything else
    # says what to install when it is first reached.
    from softround_ops._requirements import missing_tensorflow

    __getattr__ = missing_tensorflow
else:
    from softround_ops._tensorflow_api import *  # noqa: F403
    from softround_ops._tensorflow_api import __all__  # noqa: F401

__version__ = "0.1.0"
