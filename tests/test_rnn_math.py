"""NumPy cells (thesis eq. 1-4) against Keras, and hand-written BPTT against references."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skelrnn.networks import rnn_math

KINDS = ["rnn", "lstm", "gru", "gru_reset_after"]
shapes = st.tuples(
    st.integers(1, 4),  # N
    st.integers(1, 9),  # T
    st.integers(1, 6),  # D
    st.integers(1, 7),  # H
)
slow = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@slow
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_numpy_cell_equals_keras_layer(kind, shape, seed):
    assert rnn_math.keras_agreement(kind, shape, seed) < 1e-5


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=5, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 3), st.integers(1, 4)),
    seed=st.integers(0, 2**16),
)
def test_bptt_matches_finite_differences_and_keras(kind, shape, seed):
    errors = rnn_math.gradient_checks(kind, shape, seed)
    assert errors["dx vs finite differences"] < 1e-4
    assert errors["dW vs finite differences"] < 1e-4
    # Keras differentiates in float32: relative agreement to ~1e-6 is expected.
    assert errors["dx vs Keras"] < 1e-4
    assert errors["dW vs Keras"] < 1e-4


def test_bptt_of_standard_rnn_by_finite_differences_in_h0():
    rng = np.random.default_rng(3)
    w = rnn_math.RNNWeights(rng.standard_normal((4, 3 + 4 + 1)) * 0.7)
    x = rng.standard_normal((2, 6, 3))
    h0 = rng.standard_normal((2, 4)) * 0.3
    g = rng.standard_normal((2, 6, 4))
    ours = rnn_math.bptt(w, x, g, h0=h0).h0
    fd = rnn_math.numerical_gradient(lambda h: float(np.sum(g * rnn_math.forward(w, x, h))), h0)
    assert rnn_math.relative_error(ours, fd) < 1e-6


def test_gradient_norms_follow_the_recurrent_scale_exactly():
    # With no input weights, no bias and W_h = a I, h stays 0, tanh'(0) = 1, so ||dL/dh_{T-k}|| = a^k.
    units, d, a = 5, 2, 0.8
    W = np.zeros((units, d + units + 1))
    W[:, d : d + units] = a * np.eye(units)
    x = np.random.default_rng(0).standard_normal((3, 12, d))
    norms = rnn_math.hidden_gradient_norms(rnn_math.RNNWeights(W), x)
    np.testing.assert_allclose(norms, a ** np.arange(12), rtol=1e-12)


def test_thesis_gru_and_reset_after_gru_differ():
    rng = np.random.default_rng(1)
    mats = [rng.standard_normal((4, 3 + 4 + 1)) for _ in range(3)]
    x = rng.standard_normal((2, 5, 3))
    before = rnn_math.forward(rnn_math.GRUWeights(*mats), x)
    after = rnn_math.forward(rnn_math.GRUWeights(*mats, b_hh=np.zeros(4)), x)
    assert np.abs(before - after).max() > 1e-2


def test_lstm_weights_follow_keras_gate_order():
    # A Keras LSTM whose kernel is zero except one gate block: only the matching thesis matrix is non-zero.
    import keras

    layer = keras.layers.LSTM(2)
    layer.build((None, None, 3))
    kernel = np.zeros((3, 8), dtype="float32")
    kernel[:, 2:4] = 1.0  # Keras block 1 = forget gate
    layer.set_weights([kernel, np.zeros((2, 8), "float32"), np.zeros(8, "float32")])
    w = rnn_math.weights_from_keras(layer)
    assert np.abs(w.W_f[:, :3]).sum() == 6 and np.abs(w.W_i).sum() == 0 and np.abs(w.W_o).sum() == 0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: rnn_math.forward(rnn_math.RNNWeights(np.zeros((2, 6))), np.zeros((1, 3, 4))), "4 features"),
        (lambda: rnn_math.forward(rnn_math.RNNWeights(np.zeros((2, 6))), np.zeros((3, 3))), r"\(N, T, D\)"),
        (lambda: rnn_math.RNNWeights(np.zeros((3, 2))), r"\(H, D \+ H \+ 1\)"),
        (lambda: rnn_math.forward(rnn_math.RNNWeights(np.zeros((2, 6))), np.zeros((1, 3, 3)), np.zeros((2, 2))), "h0"),
        (lambda: rnn_math.bptt(rnn_math.RNNWeights(np.zeros((2, 6))), np.zeros((1, 3, 3)), np.zeros((1, 3, 3))), "dh"),
    ],
)
def test_bad_shapes_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_weights_from_keras_rejects_other_layers():
    import keras

    dense = keras.layers.Dense(3)
    dense.build((None, 2))
    with pytest.raises(TypeError, match="SimpleRNN, LSTM or GRU"):
        rnn_math.weights_from_keras(dense)
