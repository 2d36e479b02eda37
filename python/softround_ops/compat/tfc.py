"""tensorflow-compression's soft-rounding API, answered by softround_ops' fused ops.

Switch by changing one import:

    # import tensorflow_compression as tfc
    from softround_ops.compat import tfc

    y = tfc.soft_round(x, alpha)                      # Agustsson & Theis 2020
    x = tfc.soft_round_inverse(y, alpha)
    z = tfc.soft_round_conditional_mean(y, alpha)
    q = tfc.round_st(x)                               # straight-through rounding
    layer = tfc.SoftRound(alpha=5.0, inverse=False)   # a Keras layer
    layer = tfc.SoftRoundConditionalMean(alpha=5.0)

Written from tensorflow-compression's published API and the paper, not from
its code. The functions are the same (tanh soft round); what differs: a
tensor alpha also gets a gradient, the inverse's gradient is finite
everywhere (it saturates at the dtype's largest value next to integers at
large alpha, where tensorflow-compression's is infinite or NaN), and the
ops are fused (one pass over memory). Layers are serialized under the
package "softround_ops.compat.tfc".
"""

import keras
import tensorflow as tf

from softround_ops import _api, _modes

_PACKAGE = "softround_ops.compat.tfc"


def round_st(inputs, offset=None):
    """Rounds inputs (half to even) with a straight-through gradient; with
    offset, rounds to the grid offset + integers."""
    if offset is None:
        return _api.round_ste(inputs)
    inputs = tf.convert_to_tensor(inputs)
    offset = tf.cast(offset, inputs.dtype)
    return _api.round_ste(inputs - offset) + offset


def _with_eps(function, x, alpha, eps):
    """function(x, alpha), or x where alpha < eps. softround_ops' ops switch to the
    identity below 1e-3 themselves; another eps costs one select."""
    if eps == _modes.TANH_IDENTITY_ALPHA:
        return function(x, alpha)
    x = tf.convert_to_tensor(x)
    if isinstance(alpha, (int, float)):
        return x if alpha < eps else function(x, alpha)
    alpha = tf.cast(alpha, x.dtype)
    return tf.where(alpha < eps, x, function(x, alpha))


def soft_round(x, alpha, eps=1e-3):
    """x soft-rounded with sharpness alpha (the identity for alpha < eps)."""
    return _with_eps(_api.soft_round, x, alpha, eps)


def soft_round_inverse(y, alpha, eps=1e-3):
    """The inverse of `soft_round` (the identity for alpha < eps)."""
    return _with_eps(_api.soft_round_inverse, y, alpha, eps)


def soft_round_conditional_mean(y, alpha):
    """E[X | soft_round(X, alpha) + U = y] for U uniform on [-1/2, 1/2)."""
    return _api.soft_round_conditional_mean(y, alpha)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SoftRound(keras.layers.Layer):
    """Applies `soft_round` (or, with inverse=True, `soft_round_inverse`), always."""

    def __init__(self, alpha=5.0, inverse=False, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.inverse = bool(inverse)

    def call(self, inputs):
        function = soft_round_inverse if self.inverse else soft_round
        return function(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha, inverse=self.inverse)
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SoftRoundConditionalMean(keras.layers.Layer):
    """Applies `soft_round_conditional_mean`, always."""

    def __init__(self, alpha=5.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return soft_round_conditional_mean(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha)
        return config
