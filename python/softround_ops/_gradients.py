"""Gradient of the SoftRound op, registered once when the package is imported."""

import tensorflow as tf

from softround_ops import _loader


@tf.RegisterGradient("SoftRound")
def _soft_round_grad(op, dy):
    """dx = dy * dy/dx by the SoftRoundGrad kernel; alpha gets no gradient."""
    x, alpha = op.inputs
    ops = _loader.custom_ops()
    if ops is None:
        raise _loader.LibraryLoadError(
            "a SoftRound op needs softround_ops' compiled library for its gradient, and it "
            "did not load (see the warning above)"
        )
    return [ops.soft_round_grad(dy, x, alpha, mode=op.get_attr("mode")), None]
