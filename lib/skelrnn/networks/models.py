"""The thesis's recurrent classifiers, built with Keras 3 (thesis 3.1, figure 11).

Defined for the baselines chapter (``notebooks/03_baselines.md``); the front-ends of chapters 05
and 06 (skeleton transformer, motion, two streams) and the every-step head of chapter 07 plug in
through ``FRONT_ENDS`` and ``HEADS``. A model reads a batch of
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
from dataclasses import dataclass

import keras
import numpy as np

from skelrnn.core.identity import identity_dict
from skelrnn.networks import losses  # noqa: F401 (registers its Keras classes: load_model)
from skelrnn.networks.layers import TRANSFORMER_VARIANTS, SkeletonMotion, SkeletonTransformer

__all__ = [
    "CELLS", "FRONT_ENDS", "HEADS", "GateBias", "ModelConfig", "recurrent_layer", "build_model", "scoring_model",
    "register_front_end", "register_head", "load_model", "StepSoftmax",
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
        # Built in NumPy: JAX would make ``where(mask, value, 0.0)`` of Python floats a weakly typed
        # array, and the variable's first update a strongly typed one, so the train step compiled
        # twice per padded length (the rehearsal found it: GRUs only, their first two updates slow).
        bias = np.where(np.arange(size) < gates, self.value, 0.0)
        return keras.ops.convert_to_tensor(bias, dtype=dtype or "float32")

    def get_config(self) -> dict:
        return {"n_gates": self.n_gates, "n_blocks": self.n_blocks, "value": self.value}


# Extension points of ``build_model``. A front-end maps the masked input ``(B, T, D)`` to the
# sequences the recurrent stacks read: one (the joints, the learned skeleton transformer of thesis
# eq. 8-10, the motion of 3.3.2) or a dict of named streams (two streams: each gets its own
# stack, and their last-step outputs are concatenated before the head). A head maps the stack's
# output to class scores. Each entry is ``(builder, sequences)``: ``sequences`` says whether the
# head reads the stack's output at every step (True) or at the last real step only (False).
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


@register_front_end("skeleton_transformer")
def _skeleton_transformer(x, config):
    """Virtual joints ``W P_t`` (thesis 3.3.1; ``layers.SkeletonTransformer``, N' = N = 25)."""
    return SkeletonTransformer(
        config.n_features // 3, variant=config.transformer, sparsity=config.sparsity, name="skeleton_transformer"
    )(x)


@register_front_end("motion")
def _motion(x, config):
    """Skeleton motion ``P_{t+1} - P_t`` alone (thesis 3.3.2: 75.57 % on NTU), one step shorter."""
    return SkeletonMotion(name="motion")(x)


@register_front_end("chain_motion")
def _chain_motion(x, config):
    """Motion decomposed along the kinematic chains: each joint's motion relative to its parent's."""
    return SkeletonMotion(relative_to_parent=True, name="chain_motion")(x)


@register_front_end("two_stream")
def _two_stream(x, config):
    """Poses and their motion, each read by its own recurrent stack (the thesis's next step, after Li et al.)."""
    return {"pose": x, "motion": SkeletonMotion(name="motion")(x)}


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
    front_end   what turns the input into the sequence the network reads (``FRONT_ENDS``):
                "none", "skeleton_transformer" (thesis 3.3.1), "motion", "chain_motion" (motion
                relative to the parent joint) or "two_stream" (poses and motion, a stack each)
    head        how the stack's output becomes class scores (``HEADS``): "last_step" (thesis fig. 11)
                or "every_step" (appendix A; probabilities ``(B, T, C)``, zero at padded steps)
    transformer the skeleton transformer's variant (``layers.TRANSFORMER_VARIANTS``, table 8)
    sparsity    its sparsity weight mu (table 8: 0, 0.001, 0.01)

    ``to_dict`` leaves out ``transformer`` and ``sparsity`` at their defaults: they came with
    chapter 05, and runs recorded before keep their names (``core.identity.run_key`` hashes the dict).
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
    transformer: str = "linear"
    sparsity: float = 0.0

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
        if self.transformer not in TRANSFORMER_VARIANTS:
            raise ValueError(f"transformer: expected one of {sorted(TRANSFORMER_VARIANTS)}, got {self.transformer!r}")
        if self.sparsity < 0:
            raise ValueError(f"sparsity: expected a weight >= 0, got {self.sparsity}")
        if self.front_end == "two_stream" and self.head != "last_step":
            raise ValueError("front_end 'two_stream': the streams have different lengths; expected head 'last_step'")

    def to_dict(self) -> dict:

        return identity_dict(self, _ADDED_FIELDS)


# Fields added after the first records, with their defaults (see ``ModelConfig.to_dict``).
_ADDED_FIELDS = {"transformer": "linear", "sparsity": 0.0}


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
    streams = FRONT_ENDS[config.front_end](x, config)
    if isinstance(streams, dict):  # a stack per stream, fused after their last real steps
        outputs = [_recurrent_stack(s, config, sequences, prefix=f"{name}_") for name, s in streams.items()]
        x = keras.layers.Concatenate(name="fusion")(outputs)
    else:
        x = _recurrent_stack(streams, config, sequences)
    scores = head(x, config, keras.regularizers.L2(config.l2) if config.l2 > 0 else None)
    # An Activation layer, not Softmax: it passes the time mask of an every-step head through,
    # where Softmax would read it as a mask over classes. An every-step head's probabilities are
    # zeroed at the padding instead (StepSoftmax), so that its losses see the real steps.
    softmax = StepSoftmax(name="softmax") if sequences else keras.layers.Activation("softmax", name="softmax")
    outputs = softmax(scores)
    name = f"{'bi' if config.bidirectional else 'uni'}_{config.cell}{config.units}x{config.layers}"
    return keras.Model(inputs, outputs, name=name)


def _recurrent_stack(x, config: ModelConfig, sequences: bool, prefix: str = ""):
    """``config.layers`` recurrent layers (with dropout) on ``x``; the last returns every step when
    ``sequences``, else the last real one."""
    for k in range(config.layers):
        last = k == config.layers - 1
        units = config.units // 2 if config.bidirectional else config.units
        layer = recurrent_layer(config.cell, units, return_sequences=sequences or not last, l2=config.l2,
                                name=f"{prefix}{config.cell}_{k + 1}")  # fmt: skip
        if config.bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{prefix}bi{config.cell}_{k + 1}")
        x = layer(x)
        if config.keep_prob < 1.0:
            x = keras.layers.Dropout(1.0 - config.keep_prob, name=f"{prefix}dropout_{k + 1}")(x)
    return x


@keras.saving.register_keras_serializable(package="skelrnn")
class StepSoftmax(keras.layers.Layer):
    """Softmax over classes at every step, ``(B, T, C)``, times the time mask: exactly 0 at padded
    steps, and no mask passed on (the losses of ``skelrnn.networks.losses`` read the real steps from it)."""

    activation = staticmethod(keras.activations.softmax)  # what ``scoring_model`` looks for

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, scores, mask=None):
        p = keras.activations.softmax(scores, axis=-1)
        return p if mask is None else p * keras.ops.cast(mask, p.dtype)[..., None]

    def compute_mask(self, scores, mask=None):
        return None


def scoring_model(model: keras.Model) -> keras.Model:
    """A model on the same layers as ``model`` (from ``build_model``) with two outputs: the class
    scores (the softmax's input) and the probabilities. No weights are copied."""
    softmax = model.layers[-1]
    if getattr(softmax, "activation", None) is not keras.activations.softmax:
        kind = type(softmax).__name__
        raise ValueError(f"model {model.name!r}: expected a Softmax last layer (build_model), got {kind}")
    scores = softmax.input
    if isinstance(scores, list | tuple):  # StepSoftmax: its inputs are the scores and the time mask
        scores = scores[0]
    # model.input, not model.inputs: the same structure as the model's own input (one tensor), or
    # Keras warns, on torch, at every call that the structure differs.
    return keras.Model(model.input, [scores, model.output], name=f"{model.name}_scoring")


def load_model(path) -> keras.Model:
    """Load a model saved with ``model.save(path)`` (``.keras``), custom parts included: the layers
    and losses it may name are registered first (a fresh process, such as a worker resuming a run,
    has not imported them: this module imports both, which registers their Keras classes)."""
    return keras.saving.load_model(path)
