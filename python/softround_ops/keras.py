"""Keras 3 pieces: the SoftRound, SoftRoundInverse and SoftRoundConditionalMean
layers and the AlphaSchedule callback.

    model = keras.Sequential([..., keras.layers.Dense(1), softround_ops.keras.SoftRound(alpha=1.0)])
    model.fit(x, y, callbacks=[softround_ops.keras.AlphaSchedule(1.0, 20.0, hard_rounding_epochs=2)])
    model.predict(x)  # integers: exact round() at inference

Both are registered as Keras-serializable under the package name
"softround_ops", so a saved `.keras` file reloads after `import softround_ops`.
Needs Keras's TensorFlow backend (the layer runs TensorFlow ops).
"""

import math

import keras
import tensorflow as tf

from softround_ops import _api, _modes

_PACKAGE = "softround_ops"

# Where a trainable alpha is kept by the constraint: the mode's range, with
# the open ends closed a little (sigmoid needs alpha > 0, sine a width > 0).
_TRAINABLE_ALPHA_RANGE = {
    "tanh": (0.0, math.inf),
    "sigmoid": (1e-3, math.inf),
    "sine": (1e-3, 1.0),
    "ste": (-math.inf, math.inf),
}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AlphaRange(keras.constraints.Constraint):
    """Projects a trainable alpha into its mode's range after each optimizer step."""

    def __init__(self, mode="tanh"):
        _modes.check_mode(mode)
        self.mode = mode

    def __call__(self, w):
        low, high = _TRAINABLE_ALPHA_RANGE[self.mode]
        return keras.ops.clip(w, low, high)

    def get_config(self):
        return {"mode": self.mode}


# A layer's alpha when none is given: a moderate value inside each mode's range.
DEFAULT_ALPHAS = {"tanh": 5.0, "sigmoid": 10.0, "sine": 0.5, "ste": 0.0}


class _AlphaLayer(keras.layers.Layer):
    """A layer with an alpha weight: fixed (annealed by AlphaSchedule) or trainable.

    alpha_shape: () for one alpha, or a shape that broadcasts to the inputs
    without enlarging them, e.g. (channels,) for one alpha per channel of the
    last axis. With alpha_trainable=True the optimizer learns it, kept inside
    the mode's range by the `AlphaRange` constraint (a projection after each
    step: tanh >= 0, sigmoid >= 1e-3, sine in [1e-3, 1]).
    """

    def __init__(self, alpha, mode, alpha_trainable, alpha_shape, **kwargs):
        super().__init__(**kwargs)
        _modes.check_mode(mode)
        if alpha is None:
            alpha = DEFAULT_ALPHAS[mode]
        _modes.check_python_alpha(type(self).__name__, mode, alpha, "float32")
        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(
                f"softround_ops.keras.{type(self).__name__} needs Keras's TensorFlow backend; "
                f"KERAS_BACKEND is {keras.backend.backend()!r}"
            )
        self.initial_alpha = float(alpha)
        self.mode = mode
        self.alpha_trainable = bool(alpha_trainable)
        self.alpha_shape = tuple(int(d) for d in (alpha_shape or ()))
        self.alpha = self.add_weight(
            name="alpha",
            shape=self.alpha_shape,
            initializer=keras.initializers.Constant(self.initial_alpha),
            trainable=self.alpha_trainable,
            constraint=AlphaRange(mode) if self.alpha_trainable else None,
            dtype="float32",
        )

    def _alpha_for(self, inputs):
        return tf.cast(self.alpha, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            alpha=self.initial_alpha,
            alpha_trainable=self.alpha_trainable,
            alpha_shape=list(self.alpha_shape),
        )
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SoftRound(_AlphaLayer):
    """Soft rounding while training, exact rounding at inference.

    Args:
      alpha: the starting value of the mode's parameter (see
        `softround_ops.soft_round`); None (default) takes the mode's default,
        `DEFAULT_ALPHAS`: tanh 5, sigmoid 10, sine 0.5. It lives in a non-trainable weight, so
        `AlphaSchedule` (or `layer.alpha.assign`) changes it without retracing,
        unless `alpha_trainable`.
      mode: "tanh", "sigmoid", "sine" or "ste".
      noise: add uniform noise in [-0.5, 0.5) after the soft round while
        training (Agustsson & Theis 2020: it trains the layers after this one
        on values like those hard rounding will give them).
      round_at_inference: with `training=False`, return exact `round(x)`
        (half to even), so predictions are integers; otherwise the soft round.
      seed: seed of the noise.
      alpha_trainable: learn alpha with the other weights (as DSQ does); it
        is then kept in the mode's range by a projection (`AlphaRange`), and
        `AlphaSchedule` refuses the layer.
      alpha_shape: the alpha weight's shape: () (default) or e.g. (channels,)
        for one alpha per channel of the last axis.

    While the non-trainable weight `hard_rounding` is 1 (AlphaSchedule sets it
    for its last epochs), training also rounds exactly, with a straight-through
    gradient and no noise.
    """

    def __init__(
        self,
        alpha=None,
        mode="tanh",
        noise=False,
        round_at_inference=True,
        seed=None,
        alpha_trainable=False,
        alpha_shape=None,
        **kwargs,
    ):
        super().__init__(alpha, mode, alpha_trainable, alpha_shape, **kwargs)
        self.noise = bool(noise)
        self.round_at_inference = bool(round_at_inference)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if noise else None
        self.hard_rounding = self.add_weight(
            name="hard_rounding", shape=(), initializer="zeros", trainable=False, dtype="float32"
        )

    def call(self, inputs, training=False):
        if not training:
            return tf.round(inputs) if self.round_at_inference else self._soft(inputs)
        return tf.cond(self.hard_rounding > 0.5, lambda: _api.round_ste(inputs), lambda: self._noisy(inputs))

    def _soft(self, inputs):
        return _api.soft_round(inputs, self._alpha_for(inputs), mode=self.mode)

    def _noisy(self, inputs):
        y = self._soft(inputs)
        if self.noise:
            shape = tf.shape(inputs)
            y += keras.random.uniform(shape, -0.5, 0.5, dtype=inputs.dtype, seed=self.seed_generator)
        return y

    def get_config(self):
        config = super().get_config()
        config.update(
            mode=self.mode,
            noise=self.noise,
            round_at_inference=self.round_at_inference,
            seed=self.seed,
        )
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SoftRoundInverse(_AlphaLayer):
    """`softround_ops.soft_round_inverse` as a layer (tanh), in training and inference alike.

    Args: alpha, alpha_trainable, alpha_shape as in `SoftRound`.
    """

    def __init__(self, alpha=5.0, alpha_trainable=False, alpha_shape=None, **kwargs):
        super().__init__(alpha, "tanh", alpha_trainable, alpha_shape, **kwargs)

    def call(self, inputs):
        return _api.soft_round_inverse(inputs, self._alpha_for(inputs))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SoftRoundConditionalMean(_AlphaLayer):
    """`softround_ops.soft_round_conditional_mean` as a layer (tanh): the decoder side
    of Agustsson & Theis 2020. Args: alpha, alpha_trainable, alpha_shape as in `SoftRound`.
    """

    def __init__(self, alpha=5.0, alpha_trainable=False, alpha_shape=None, **kwargs):
        super().__init__(alpha, "tanh", alpha_trainable, alpha_shape, **kwargs)

    def call(self, inputs):
        return _api.soft_round_conditional_mean(inputs, self._alpha_for(inputs))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AlphaSchedule(keras.callbacks.Callback):
    """Anneals alpha of every SoftRound, SoftRoundInverse and SoftRoundConditionalMean
    layer of the model during `fit` (hard rounding concerns SoftRound layers only).

    Args:
      start, end: alpha at the first and the last annealing step.
      kind: "linear" or "geometric" (equal ratios; start and end > 0).
      per: "epoch" (one value per epoch) or "step" (one per training batch).
      epochs: epochs to anneal over; default: all but the hard-rounding ones.
      hard_rounding_epochs: the last epochs train with exact rounding and a
        straight-through gradient (removes the train/test mismatch of a soft
        round), alpha staying at `end`.

    The current alpha is written into the logs as "alpha" (progress bar and
    History), and "hard_rounding" is 1 during the hard-rounding epochs.
    """

    def __init__(self, start, end, kind="linear", per="epoch", epochs=None, hard_rounding_epochs=0):
        super().__init__()
        if kind not in ("linear", "geometric"):
            raise ValueError(f"kind must be 'linear' or 'geometric'; got {kind!r}")
        if per not in ("epoch", "step"):
            raise ValueError(f"per must be 'epoch' or 'step'; got {per!r}")
        if kind == "geometric" and not (start > 0 and end > 0):
            raise ValueError(f"a geometric schedule needs start > 0 and end > 0; got {start} and {end}")
        if hard_rounding_epochs < 0:
            raise ValueError(f"hard_rounding_epochs must be >= 0; got {hard_rounding_epochs}")
        self.start, self.end, self.kind, self.per = float(start), float(end), kind, per
        self.epochs, self.hard_rounding_epochs = epochs, int(hard_rounding_epochs)
        self._epoch = 0
        self._value = self.start
        self._hard = False

    def value(self, progress):
        """alpha at progress in [0, 1] through the annealing."""
        progress = min(max(progress, 0.0), 1.0)
        if progress in (0.0, 1.0):  # the ends exactly, not through exp(log(.))
            return self.start if progress == 0.0 else self.end
        if self.kind == "linear":
            return self.start + (self.end - self.start) * progress
        return math.exp(math.log(self.start) + (math.log(self.end) - math.log(self.start)) * progress)

    def _layers(self):
        """Every layer with an alpha: SoftRound, and the decoder-side SoftRoundInverse
        and SoftRoundConditionalMean (annealed together, as Agustsson & Theis do)."""
        return [layer for layer in self.model._flatten_layers() if isinstance(layer, _AlphaLayer)]

    def _set(self, alpha, hard):
        self._value = alpha
        self._hard = hard
        for layer in self._layers():
            layer.alpha.assign(tf.fill(layer.alpha.shape, alpha))
            if isinstance(layer, SoftRound):
                layer.hard_rounding.assign(1.0 if hard else 0.0)

    def _anneal_epochs(self):
        total = self.params.get("epochs") or 1
        return self.epochs if self.epochs is not None else max(1, total - self.hard_rounding_epochs)

    def on_train_begin(self, logs=None):
        layers = self._layers()
        if not layers:
            raise ValueError(
                "AlphaSchedule: the model has no softround_ops.keras.SoftRound layer "
                "(nor SoftRoundInverse, SoftRoundConditionalMean)"
            )
        for layer in layers:
            if layer.alpha_trainable:
                raise ValueError(
                    f"AlphaSchedule: layer {layer.name!r} learns its alpha (alpha_trainable=True); "
                    "a schedule would overwrite what the optimizer learns. Schedule only layers "
                    "with a fixed alpha."
                )
            for end in (self.start, self.end):
                if not _modes.alpha_in_range(layer.mode, end):
                    raise ValueError(
                        f"AlphaSchedule: the schedule {self.start:g} -> {self.end:g} leaves the range of "
                        f"layer {layer.name!r} (mode {layer.mode!r}, alpha must be "
                        f"{_modes.ALPHA_RANGES[layer.mode]}) at {end:g}"
                    )

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        total = self.params.get("epochs") or 1
        hard = epoch >= total - self.hard_rounding_epochs
        if self.per == "epoch" or hard:
            anneal = self._anneal_epochs()
            self._set(self.value(epoch / max(1, anneal - 1)), hard)

    def on_train_batch_begin(self, batch, logs=None):
        total = self.params.get("epochs") or 1
        if self.per != "step" or self._epoch >= total - self.hard_rounding_epochs:
            return
        steps = self.params.get("steps") or 1
        done = self._epoch * steps + batch
        self._set(self.value(done / max(1, self._anneal_epochs() * steps - 1)), False)

    def _log(self, logs):
        if logs is not None:
            logs["alpha"] = self._value
            logs["hard_rounding"] = 1.0 if self._hard else 0.0

    def on_train_batch_end(self, batch, logs=None):
        self._log(logs)

    def on_epoch_end(self, epoch, logs=None):
        self._log(logs)

    def get_config(self):
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "per": self.per,
            "epochs": self.epochs,
            "hard_rounding_epochs": self.hard_rounding_epochs,
        }
