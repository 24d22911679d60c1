"""The thesis's recurrent classifiers, built with Keras 3 (thesis 3.1, figure 11).

Defined for the baselines chapter (``notebooks/03_baselines.ipynb``). A model reads a batch of
zero-padded skeleton sequences ``(B, T, D)`` (``D`` = joints x 3 coordinates), masks the
padding, runs ``layers`` recurrent layers, takes the output of the last layer at the last real
time step (``(B, H)``), and classifies it with the thesis's head: a fully connected layer with
one output per class followed by a ReLU, then a softmax (figure 11).

Initialisation follows thesis 3.1.2: Glorot (Xavier) for every weight matrix, the recurrent
ones included; GRU reset and update gates biased to 1 (``GateBias``); the LSTM forget gate
biased to 1 (Keras's ``unit_forget_bias``). The GRU is the thesis's form (``reset_after=False``,
chapter 1 shows why it matters). Models save and load as ``.keras`` files: every custom part is
registered with Keras and has a ``get_config``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras

__all__ = ["CELLS", "GateBias", "ModelConfig", "recurrent_layer", "build_model", "load_model"]

CELLS = ("rnn", "lstm", "gru")


@keras.saving.register_keras_serializable(package="skelrnn")
class GateBias(keras.initializers.Initializer):
    """Bias of a gated recurrent layer: ``value`` on the first ``n_gates`` of its ``n_blocks`` blocks, 0 after.

    Keras's GRU (``reset_after=False``) stores its bias ``(3H,)`` as update, reset, candidate, so
    ``GateBias(n_gates=2, n_blocks=3)`` starts both gates at 1 and the candidate at 0 (thesis 3.1.2).
    """

    def __init__(self, n_gates: int = 2, n_blocks: int = 3, value: float = 1.0):
        if not 0 <= n_gates <= n_blocks:
            raise ValueError(f"expected 0 <= n_gates <= n_blocks, got {n_gates} and {n_blocks}")
        self.n_gates, self.n_blocks, self.value = int(n_gates), int(n_blocks), float(value)

    def __call__(self, shape, dtype=None):
        size = shape[-1]
        if size % self.n_blocks:
            raise ValueError(f"GateBias: a bias of {size} entries is not {self.n_blocks} equal blocks")
        gates = self.n_gates * (size // self.n_blocks)
        mask = keras.ops.arange(size) < gates
        return keras.ops.cast(keras.ops.where(mask, self.value, 0.0), dtype or "float32")

    def get_config(self) -> dict:
        return {"n_gates": self.n_gates, "n_blocks": self.n_blocks, "value": self.value}


@dataclass(frozen=True)
class ModelConfig:
    """One architecture of the thesis's tables 4-7.

    n_features  D, inputs per time step (75 for 25 joints x 3)
    n_classes   C, action classes
    cell        "rnn" (standard RNN), "lstm" or "gru"
    units       units of each layer; a bidirectional layer gives each direction half (thesis 3.1.2)
    layers      stacked recurrent layers
    bidirectional
    keep_prob   dropout keep probability on the output of every recurrent layer (1: no dropout)
    l2          weight of the L2 penalty on every kernel (0: none)
    """

    n_features: int = 75
    n_classes: int = 60
    cell: str = "gru"
    units: int = 100
    layers: int = 3
    bidirectional: bool = False
    keep_prob: float = 0.5
    l2: float = 0.0

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell: expected one of {CELLS}, got {self.cell!r}")
        for name in ("n_features", "n_classes", "units", "layers"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {getattr(self, name)!r}")
        if self.n_classes < 2:
            raise ValueError(f"n_classes: expected at least 2, got {self.n_classes}")
        if self.bidirectional and self.units % 2:
            raise ValueError(f"units: a bidirectional layer splits its units in two; got an odd {self.units}")
        if not 0.0 < self.keep_prob <= 1.0:
            raise ValueError(f"keep_prob: expected a probability in (0, 1], got {self.keep_prob}")
        if self.l2 < 0:
            raise ValueError(f"l2: expected a weight >= 0, got {self.l2}")

    def to_dict(self) -> dict:
        return asdict(self)


def recurrent_layer(cell: str, units: int, return_sequences: bool, l2: float = 0.0, name: str | None = None):
    """One Keras recurrent layer initialised as in the thesis (3.1.2); ``l2`` penalises both kernels."""
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")
    reg = keras.regularizers.L2(l2) if l2 > 0 else None
    common = {
        "kernel_initializer": "glorot_uniform",
        "recurrent_initializer": "glorot_uniform",  # Keras would start recurrent weights orthogonal
        "kernel_regularizer": reg,
        "recurrent_regularizer": reg,
        "return_sequences": return_sequences,
        "name": name,
    }
    if cell == "rnn":
        return keras.layers.SimpleRNN(units, **common)
    if cell == "lstm":
        return keras.layers.LSTM(units, unit_forget_bias=True, **common)
    return keras.layers.GRU(units, reset_after=False, bias_initializer=GateBias(2, 3, 1.0), **common)


def build_model(config: ModelConfig) -> keras.Model:
    """The classifier of ``config`` (uncompiled): ``(B, T, D)`` zero-padded float32 -> ``(B, C)`` probabilities.

    Steps that are all zeros are padding (``Masking``): recurrent layers skip them, so the last
    layer's output is taken at each sequence's last real step, and a bidirectional layer's
    backward direction starts there.
    """
    inputs = keras.Input((None, config.n_features), name="skeletons")
    x = keras.layers.Masking(0.0, name="padding")(inputs)
    for k in range(config.layers):
        last = k == config.layers - 1
        units = config.units // 2 if config.bidirectional else config.units
        layer = recurrent_layer(
            config.cell, units, return_sequences=not last, l2=config.l2, name=f"{config.cell}_{k + 1}"
        )
        if config.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bi{config.cell}_{k + 1}")
        x = layer(x)
        if config.keep_prob < 1.0:
            x = keras.layers.Dropout(1.0 - config.keep_prob, name=f"dropout_{k + 1}")(x)
    reg = keras.regularizers.L2(config.l2) if config.l2 > 0 else None
    scores = keras.layers.Dense(
        config.n_classes, activation="relu", kernel_initializer="glorot_uniform", kernel_regularizer=reg, name="fc"
    )(x)
    outputs = keras.layers.Softmax(name="softmax")(scores)
    name = f"{'bi' if config.bidirectional else 'uni'}_{config.cell}{config.units}x{config.layers}"
    return keras.Model(inputs, outputs, name=name)


def load_model(path) -> keras.Model:
    """Load a model saved with ``model.save(path)`` (``.keras``), custom parts included."""
    return keras.saving.load_model(path)
