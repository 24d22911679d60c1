"""Losses and metrics of a network that predicts at every time step (thesis appendix A, eq. 11-12).

Defined for ``notebooks/07_inattention.md``. The model's every-step head (``models``, head
"every_step") outputs ``(B, T, C)`` probabilities that are exactly zero at padded steps
(``models.StepSoftmax``), so the losses here read which steps are real from the predictions
themselves, on every Keras backend, and labels stay one class per sequence ``(B,)``.

Per-step loss (eq. 11): ``L = -(1/T) sum_t log p_t^y`` over the T real steps of a sequence.
Inattention loss (eq. 12 with uniform weights, as the thesis's table 12): the same mean over
only the ``|S|`` real steps where ``p_t^y`` is lowest, chosen again at every forward pass; at
``|S| >= T`` it is the per-step loss, and it is never below it: the mean of the ``|S|`` largest
terms is at least the mean of all of them (the thesis's condition on its weightings).
"""

from __future__ import annotations

import keras

__all__ = ["step_log_likelihood", "inattention_loss", "InattentionLoss", "SequenceAccuracy", "sequence_prediction"]

_EPSILON = 1e-7  # p is clipped to [eps, 1] before the log, as Keras's cross-entropy does


def step_log_likelihood(y_true, y_pred):
    """``(-log p_t^y, real)``: the negative log-likelihood of the true class at every step ``(B, T)``
    and the real (unpadded) steps as 0/1 ``(B, T)``. ``y_true`` ``(B,)`` class indices, ``y_pred``
    ``(B, T, C)`` probabilities, all zero at padded steps."""
    y_pred = keras.ops.convert_to_tensor(y_pred)  # arrays too, on every backend
    labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
    real = keras.ops.cast(keras.ops.sum(y_pred, axis=-1) > 0.5, y_pred.dtype)
    onehot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1], dtype=y_pred.dtype)
    p_true = keras.ops.sum(y_pred * onehot[:, None, :], axis=-1)
    return -keras.ops.log(keras.ops.clip(p_true, _EPSILON, 1.0)) * real, real


def inattention_loss(y_true, y_pred, steps: int | None = None):
    """Per sequence ``(B,)``: the mean of ``-log p_t^y`` over the ``min(steps, T)`` real steps where
    it is largest (``p_t^y`` lowest); ``steps=None``: over all real steps (eq. 11).

    Steps are ranked by sorting, so the selection is recomputed at every call; the gradient of a
    sorted value reaches only the step it came from, so steps outside the selection get none.
    Padded steps rank below every real one (their value is -1, a real one's is >= 0) and carry a
    weight of 0."""
    nll, real = step_log_likelihood(y_true, y_pred)
    n_real = keras.ops.maximum(keras.ops.sum(real, axis=1, keepdims=True), 1.0)
    if steps is None:
        return keras.ops.sum(nll, axis=1) / n_real[:, 0]
    ranked = -keras.ops.sort(-(nll - (1.0 - real)), axis=1)  # largest first; padding (-1) last
    chosen = keras.ops.minimum(n_real, float(steps))  # |S| for each sequence
    rank = keras.ops.cast(keras.ops.arange(keras.ops.shape(ranked)[1]), ranked.dtype)[None, :]
    weight = keras.ops.cast(rank < chosen, ranked.dtype) / chosen
    return keras.ops.sum(keras.ops.where(weight > 0, ranked, 0.0) * weight, axis=1)


@keras.saving.register_keras_serializable(package="skelrnn")
class InattentionLoss(keras.losses.Loss):
    """``inattention_loss`` as a Keras loss, averaged over the batch; ``steps=None`` is eq. 11."""

    def __init__(self, steps: int | None = None, name: str = "inattention", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        if steps is not None and int(steps) < 1:
            raise ValueError(f"steps: expected None or an integer >= 1, got {steps!r}")
        self.steps = None if steps is None else int(steps)

    def call(self, y_true, y_pred):
        return inattention_loss(y_true, y_pred, self.steps)

    def get_config(self) -> dict:
        return {"steps": self.steps, "name": self.name, "reduction": self.reduction}


def sequence_prediction(y_pred):
    """``(B, T, C)`` step probabilities (zero at padding) -> ``(B, C)``: their mean over the real steps,
    the network's prediction for the whole sequence (thesis appendix A: the bidirectional network
    as an ensemble of its steps)."""
    y_pred = keras.ops.convert_to_tensor(y_pred)
    real = keras.ops.maximum(keras.ops.sum(y_pred, axis=(1, 2)), 1.0)
    return keras.ops.sum(y_pred, axis=1) / real[:, None]


@keras.saving.register_keras_serializable(package="skelrnn")
class SequenceAccuracy(keras.metrics.MeanMetricWrapper):
    """Accuracy of ``sequence_prediction`` against one class per sequence (named "accuracy", as the
    training engine reads it)."""

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(_sequence_correct, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


def _sequence_correct(y_true, y_pred):
    guess = keras.ops.argmax(sequence_prediction(y_pred), axis=-1)
    labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), guess.dtype)
    return keras.ops.cast(keras.ops.equal(guess, labels), "float32")
