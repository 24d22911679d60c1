"""The model builder: thesis initialisation, masking takes the last real step, save and load."""

import keras
import numpy as np
import pytest

from skelrnn import models
from skelrnn.backend import set_seed


def padded_batch(rng, lengths, t_max, d=6):
    x = np.zeros((len(lengths), t_max, d), dtype="float32")
    for i, n in enumerate(lengths):
        x[i, :n] = rng.normal(size=(n, d))
    return x


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", models.CELLS)
def test_the_prediction_is_read_at_the_last_real_step(cell, bidirectional):
    set_seed(0)
    cfg = models.ModelConfig(n_features=6, n_classes=5, cell=cell, units=8, layers=2, bidirectional=bidirectional)
    model = models.build_model(cfg)
    rng = np.random.default_rng(0)
    x = padded_batch(rng, [7, 3, 10], 10)
    p = model.predict_on_batch(x)
    more_padding = np.concatenate([x, np.zeros((3, 9, 6), "float32")], axis=1)
    np.testing.assert_allclose(model.predict_on_batch(more_padding), p, atol=1e-6)
    alone = model.predict_on_batch(x[1:2, :3])  # the same sequence without any padding
    np.testing.assert_allclose(alone, p[1:2], atol=1e-6)
    changed = x.copy()
    changed[1, 2] += 1.0  # the last real step of sample 1 matters
    assert np.abs(model.predict_on_batch(changed)[1] - p[1]).max() > 1e-4


def test_thesis_initialisation_and_bidirectional_halves():
    cfg = models.ModelConfig(n_features=6, n_classes=5, cell="gru", units=8, layers=3, bidirectional=True)
    model = models.build_model(cfg)
    layer = model.get_layer("bigru_1")
    assert layer.forward_layer.units == 4 and layer.backward_layer.units == 4
    gru = layer.forward_layer
    assert gru.cell.reset_after is False
    np.testing.assert_array_equal(gru.cell.bias.numpy(), [1.0] * 8 + [0.0] * 4)  # update, reset: 1
    assert isinstance(gru.cell.recurrent_initializer, keras.initializers.GlorotUniform)
    lstm = models.build_model(models.ModelConfig(n_features=6, n_classes=5, cell="lstm", units=4, layers=1))
    np.testing.assert_array_equal(lstm.get_layer("lstm_1").cell.bias.numpy()[4:8], 1.0)  # forget gate
    head = model.get_layer("fc")
    assert head.units == 5 and head.activation.__name__ == "relu"  # FC + ReLU, then softmax (fig. 11)
    assert [layer.name for layer in model.layers if "dropout" in layer.name] == ["dropout_1", "dropout_2", "dropout_3"]
    assert model.get_layer("dropout_1").rate == pytest.approx(0.5)  # keep probability 0.5


def test_gate_bias_is_serialisable():
    init = models.GateBias(2, 3, 1.0)
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert isinstance(again, models.GateBias) and again.get_config() == init.get_config()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again((6,))), [1, 1, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="equal blocks"):
        init((7,))


@pytest.mark.parametrize(
    "cfg",
    [
        models.ModelConfig(n_features=6, n_classes=5, cell="gru", units=8, layers=2, keep_prob=0.5, l2=1e-3),
        models.ModelConfig(n_features=6, n_classes=5, cell="lstm", units=8, layers=1, bidirectional=True),
        models.ModelConfig(n_features=6, n_classes=5, cell="rnn", units=4, layers=3, keep_prob=1.0),
    ],
)
def test_save_and_load_round_trip(tmp_path, cfg):
    set_seed(1)
    model = models.build_model(cfg)
    x = padded_batch(np.random.default_rng(1), [5, 9], 9)
    path = tmp_path / "model.keras"
    model.save(path)
    back = models.load_model(path)
    np.testing.assert_array_equal(back.predict_on_batch(x), model.predict_on_batch(x))
    assert back.name == model.name and len(back.weights) == len(model.weights)
    gru_layers = [layer for layer in back.layers if isinstance(layer, keras.layers.GRU)]
    for layer in gru_layers:
        assert isinstance(layer.cell.bias_initializer, models.GateBias)
    assert len(back.losses) == len(model.losses)  # the L2 penalties survive


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match="cell"):
        models.ModelConfig(cell="transformer")
    with pytest.raises(ValueError, match="keep_prob"):
        models.ModelConfig(keep_prob=0.0)
    with pytest.raises(ValueError, match="odd"):
        models.ModelConfig(units=101, bidirectional=True)
    with pytest.raises(ValueError, match="layers"):
        models.ModelConfig(layers=0)
