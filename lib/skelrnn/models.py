"""The thesis's recurrent classifiers, built with Keras 3 (thesis 3.1, figure 11).

Defined for the baselines chapter (``notebooks/03_baselines.md``). A model reads a batch of
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

from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras

__all__ = [
    "CELLS", "FRONT_ENDS", "HEADS", "GateBias", "ModelConfig", "recurrent_layer", "build_model", "scoring_model",
    "register_front_end", "register_head", "load_model",
]  # fmt: skip

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


# Extension points of ``build_model``. A front-end maps the padded input ``(B, T, D)`` to the
# sequence the recurrent stack reads (the learned skeleton transformer of thesis eq. 8-10, a
# motion input and a two-stream fusion come with their chapters); a head maps the stack's output
# to class scores. Each entry is ``(builder, sequences)``: ``sequences`` says whether the head
# reads the stack's output at every step (True) or at the last real step only (False).
FRONT_ENDS: dict[str, Callable] = {}
HEADS: dict[str, tuple[Callable, bool]] = {}


def register_front_end(name: str):
    """Decorator: ``builder(x, config) -> x`` becomes the front-end ``name`` of ``ModelConfig``."""

    def register(builder):
        FRONT_ENDS[name] = builder
        return builder

    return register


def register_head(name: str, sequences: bool):
    """Decorator: ``builder(h, config, regularizer) -> scores`` becomes the head ``name``."""

    def register(builder):
        HEADS[name] = (builder, sequences)
        return builder

    return register


@register_front_end("none")
def _no_front_end(x, config):
    """The thesis's baseline: the network reads the joint coordinates as they are."""
    return x


def _class_scores(config, regularizer):
    # Thesis figure 11: one output per class, then a ReLU (its "dead" units are measured in chapter 3).
    return keras.layers.Dense(
        config.n_classes, activation="relu", kernel_initializer="glorot_uniform", kernel_regularizer=regularizer,
        name="fc",
    )  # fmt: skip


@register_head("last_step", sequences=False)
def _last_step_head(h, config, regularizer):
    """``(B, H)`` at each sequence's last real step -> ``(B, C)`` ReLU class scores."""
    return _class_scores(config, regularizer)(h)


@register_head("every_step", sequences=True)
def _every_step_head(h, config, regularizer):
    """``(B, T, H)`` -> ``(B, T, C)`` ReLU class scores at every step (the per-step loss of the appendix);
    the padding mask travels with the output."""
    return _class_scores(config, regularizer)(h)


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
    front_end   what turns the input into the sequence the network reads (``FRONT_ENDS``)
    head        how the stack's output becomes class scores (``HEADS``): "last_step" (thesis fig. 11)
                or "every_step"
    """

    n_features: int = 75
    n_classes: int = 60
    cell: str = "gru"
    units: int = 100
    layers: int = 3
    bidirectional: bool = False
    keep_prob: float = 0.5
    l2: float = 0.0
    front_end: str = "none"
    head: str = "last_step"

    def __post_init__(self):
        if self.front_end not in FRONT_ENDS:
            raise ValueError(f"front_end: expected one of {sorted(FRONT_ENDS)}, got {self.front_end!r}")
        if self.head not in HEADS:
            raise ValueError(f"head: expected one of {sorted(HEADS)}, got {self.head!r}")
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
    """The classifier of ``config`` (uncompiled): ``(B, T, D)`` zero-padded float32 -> probabilities,
    ``(B, C)`` for the "last_step" head, ``(B, T, C)`` for "every_step".

    Steps that are all zeros are padding (``Masking``): recurrent layers skip them, so a last-step
    head reads each sequence's last real step, and a bidirectional layer's backward direction
    starts there. The model's last layer is the softmax and its input is the class scores
    (``scoring_model`` relies on it).
    """
    head, sequences = HEADS[config.head]
    inputs = keras.Input((None, config.n_features), name="skeletons")
    x = keras.layers.Masking(0.0, name="padding")(inputs)
    x = FRONT_ENDS[config.front_end](x, config)
    for k in range(config.layers):
        last = k == config.layers - 1
        units = config.units // 2 if config.bidirectional else config.units
        layer = recurrent_layer(
            config.cell, units, return_sequences=sequences or not last, l2=config.l2, name=f"{config.cell}_{k + 1}"
        )
        if config.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bi{config.cell}_{k + 1}")
        x = layer(x)
        if config.keep_prob < 1.0:
            x = keras.layers.Dropout(1.0 - config.keep_prob, name=f"dropout_{k + 1}")(x)
    scores = head(x, config, keras.regularizers.L2(config.l2) if config.l2 > 0 else None)
    # An Activation layer, not Softmax: it passes the time mask of an every-step head through,
    # where Softmax would read it as a mask over classes.
    outputs = keras.layers.Activation("softmax", name="softmax")(scores)
    name = f"{'bi' if config.bidirectional else 'uni'}_{config.cell}{config.units}x{config.layers}"
    return keras.Model(inputs, outputs, name=name)


def scoring_model(model: keras.Model) -> keras.Model:
    """A model on the same layers as ``model`` (from ``build_model``) with two outputs: the class
    scores (the softmax's input) and the probabilities. No weights are copied."""
    softmax = model.layers[-1]
    if getattr(softmax, "activation", None) is not keras.activations.softmax:
        kind = type(softmax).__name__
        raise ValueError(f"model {model.name!r}: expected a Softmax last layer (build_model), got {kind}")
    return keras.Model(model.inputs, [softmax.input, model.output], name=f"{model.name}_scoring")


def load_model(path) -> keras.Model:
    """Load a model saved with ``model.save(path)`` (``.keras``), custom parts included."""
    return keras.saving.load_model(path)
