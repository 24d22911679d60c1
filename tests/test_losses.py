"""The per-step and inattention losses (thesis appendix A, eq. 11-12) and the sequence accuracy."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skelrnn.networks import losses


def step_probabilities(rng, lengths, t_max, n_classes):
    """``(B, t_max, C)`` softmax probabilities at the real steps, zeros at the padding."""
    logits = rng.normal(scale=2.0, size=(len(lengths), t_max, n_classes))
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    for i, n in enumerate(lengths):
        p[i, n:] = 0.0
    return p.astype("float32")


cases = st.tuples(
    st.integers(0, 2**16),  # seed
    st.lists(st.integers(1, 12), min_size=1, max_size=5),  # lengths
    st.integers(2, 6),  # classes
    st.integers(1, 14),  # |S|
)


def reference(p, labels, lengths, steps):
    """The loss of each sequence by hand: the mean of the |S| largest -log p_t^y over its real steps."""
    out = []
    for i, n in enumerate(lengths):
        nll = -np.log(np.clip(p[i, :n, labels[i]].astype("float64"), 1e-7, 1.0))
        k = n if steps is None else min(steps, n)
        out.append(np.sort(nll)[::-1][:k].mean())
    return np.array(out)


@given(cases)
@settings(max_examples=60, deadline=None)
def test_inattention_loss_matches_the_definition_and_bounds_the_per_step_loss(case):
    seed, lengths, n_classes, steps = case
    rng = np.random.default_rng(seed)
    t_max = max(lengths) + int(rng.integers(0, 4))
    p = step_probabilities(rng, lengths, t_max, n_classes)
    labels = rng.integers(0, n_classes, size=len(lengths))
    per_step = np.asarray(losses.inattention_loss(labels, p))
    inattention = np.asarray(losses.inattention_loss(labels, p, steps))
    np.testing.assert_allclose(per_step, reference(p, labels, lengths, None), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(inattention, reference(p, labels, lengths, steps), rtol=1e-5, atol=1e-5)
    assert np.all(inattention >= per_step - 1e-5), "never below the per-step loss"
    at_t = np.asarray(losses.inattention_loss(labels, p, max(lengths)))
    np.testing.assert_allclose(at_t, per_step, rtol=1e-5, atol=1e-6)  # |S| = T is eq. 11


@given(cases)
@settings(max_examples=30, deadline=None)
def test_padding_never_counts(case):
    seed, lengths, n_classes, steps = case
    rng = np.random.default_rng(seed)
    p = step_probabilities(rng, lengths, max(lengths), n_classes)
    labels = rng.integers(0, n_classes, size=len(lengths))
    longer = np.concatenate([p, np.zeros((len(lengths), 7, n_classes), "float32")], axis=1)
    for s in (None, steps):
        np.testing.assert_allclose(np.asarray(losses.inattention_loss(labels, longer, s)),
                                   np.asarray(losses.inattention_loss(labels, p, s)), rtol=1e-6)  # fmt: skip


def _gradient(p, labels, steps):
    """d loss / d p by the backend's autodiff (TensorFlow, JAX or torch)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(p)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(losses.inattention_loss(labels, x, steps))
        return tape.gradient(loss, x).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda x: losses.inattention_loss(labels, x, steps).sum())(p))
    import torch

    x = torch.tensor(p, requires_grad=True)
    losses.inattention_loss(torch.tensor(labels), x, steps).sum().backward()
    return x.grad.numpy()


def test_gradients_flow_only_through_the_selected_steps():
    rng = np.random.default_rng(0)
    lengths, steps = [9, 4, 6], 3
    p = step_probabilities(rng, lengths, 11, 5)
    labels = np.array([1, 4, 0])
    grad = _gradient(p, labels, steps)
    for i, n in enumerate(lengths):
        p_true = p[i, :n, labels[i]]
        chosen = set(np.argsort(p_true)[: min(steps, n)].tolist())  # the lowest p_t^y
        touched = set(np.flatnonzero(np.abs(grad[i, :, labels[i]]) > 0).tolist())
        assert touched == chosen, (i, touched, chosen)
        assert np.all(grad[i, n:] == 0), "no gradient into the padding"
        expected = -1.0 / (min(steps, n) * p_true[sorted(chosen)])
        np.testing.assert_allclose(grad[i, sorted(chosen), labels[i]], expected, rtol=1e-4)


def test_the_keras_loss_averages_over_the_batch_and_round_trips():
    rng = np.random.default_rng(1)
    p = step_probabilities(rng, [5, 3], 5, 4)
    labels = np.array([2, 0])
    loss = losses.InattentionLoss(2)
    assert float(loss(labels, p)) == pytest.approx(float(np.mean(reference(p, labels, [5, 3], 2))), rel=1e-5)
    assert losses.InattentionLoss.from_config(loss.get_config()).steps == 2
    assert losses.InattentionLoss().steps is None
    with pytest.raises(ValueError, match="steps"):
        losses.InattentionLoss(0)


def test_the_sequence_prediction_averages_the_real_steps():
    p = np.zeros((1, 4, 3), "float32")
    p[0, 0], p[0, 1], p[0, 2] = [0.6, 0.4, 0.0], [0.6, 0.4, 0.0], [0.0, 0.1, 0.9]  # step 4 is padding
    np.testing.assert_allclose(np.asarray(losses.sequence_prediction(p)), [[0.4, 0.3, 0.3]], atol=1e-6)
    metric = losses.SequenceAccuracy()
    metric.update_state(np.array([0]), p)
    assert float(metric.result()) == 1.0


def test_a_saved_inattention_model_loads_in_a_fresh_process(tmp_path):
    """A worker that resumes an inattention run has imported neither ``losses`` nor ``layers``:
    ``models.load_model`` registers them before reading the checkpoint."""
    import subprocess
    import sys

    from skelrnn.networks import models
    from skelrnn.training import engine, settings

    config = models.ModelConfig(n_features=6, n_classes=3, units=4, layers=1, bidirectional=True, head="every_step")
    model = models.build_model(config)
    engine._compile(model, settings.TrainConfig(inattention_steps=2), every_step=True)
    model.save(tmp_path / "m.keras")
    code = (f"from skelrnn.networks.models import load_model; m = load_model({str(tmp_path / 'm.keras')!r}); "
            "print(type(m.loss).__name__, m.loss.steps)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["InattentionLoss", "2"]
