"""The model builder: thesis initialisation, masking takes the last real step, save and load."""

import keras
import numpy as np
import pytest

from skelrnn.core.backend import set_seed
from skelrnn.networks import models


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
    with pytest.raises(ValueError, match="front_end"):
        models.ModelConfig(front_end="skeleton_transformer_v9")
    with pytest.raises(ValueError, match="head"):
        models.ModelConfig(head="middle_step")


def reference_classifier(cfg):
    """The builder as it was before front-ends and heads became extension points (written out by
    hand): Masking, the recurrent stack, dropout, Dense + ReLU, softmax."""
    inputs = keras.Input((None, cfg.n_features))
    x = keras.layers.Masking(0.0)(inputs)
    for k in range(cfg.layers):
        units = cfg.units // 2 if cfg.bidirectional else cfg.units
        layer = models.recurrent_layer(cfg.cell, units, return_sequences=k < cfg.layers - 1, l2=cfg.l2)
        x = (keras.layers.Bidirectional(layer) if cfg.bidirectional else layer)(x)
        if cfg.keep_prob < 1:
            x = keras.layers.Dropout(1 - cfg.keep_prob)(x)
    x = keras.layers.Dense(cfg.n_classes, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Softmax()(x))


@pytest.mark.parametrize("cell", models.CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_todays_models_are_unchanged_by_the_extension_points(cell, bidirectional):
    cfg = models.ModelConfig(n_features=6, n_classes=5, cell=cell, units=8, layers=2, bidirectional=bidirectional)
    model, reference = models.build_model(cfg), reference_classifier(cfg)
    assert model.count_params() == reference.count_params()
    assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]
    reference.set_weights(model.get_weights())
    x = padded_batch(np.random.default_rng(2), [4, 8, 1], 8)
    np.testing.assert_array_equal(reference.predict_on_batch(x), model.predict_on_batch(x))


def test_the_scoring_model_shares_the_layers_and_reads_the_scores_before_the_softmax():
    model = models.build_model(models.ModelConfig(n_features=6, n_classes=5, units=8, layers=1, keep_prob=1.0))
    scores, probabilities = models.scoring_model(model).predict_on_batch(padded_batch(np.random.default_rng(3), [5], 5))
    assert (scores >= 0).all(), "ReLU scores"
    np.testing.assert_allclose(probabilities, keras.ops.convert_to_numpy(keras.ops.softmax(scores)), atol=1e-6)
    assert models.scoring_model(model).count_params() == model.count_params(), "no weights copied"
    with pytest.raises(ValueError, match="Softmax"):
        models.scoring_model(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


def test_the_every_step_head_scores_each_step_and_zeroes_the_padding():
    cfg = models.ModelConfig(n_features=6, n_classes=5, units=8, layers=2, head="every_step")
    model = models.build_model(cfg)
    x = padded_batch(np.random.default_rng(4), [3, 6], 6)
    p = model.predict_on_batch(x)
    assert p.shape == (2, 6, 5)
    real = np.array([[1, 1, 1, 0, 0, 0], [1] * 6], "float32")  # probabilities at real steps, zeros at padding
    np.testing.assert_allclose(p.sum(axis=-1), real, atol=1e-5)
    assert np.all(p[0, 3:] == 0.0), "exact zeros: the losses read the real steps from them"
    np.testing.assert_allclose(model.predict_on_batch(x[:1, :3]), p[:1, :3], atol=1e-6)  # padding does not leak back
    assert (
        model.count_params()
        == models.build_model(models.ModelConfig(**{**cfg.to_dict(), "head": "last_step"})).count_params()
    )
