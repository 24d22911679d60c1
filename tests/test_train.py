"""The training engine: determinism, resume after a kill, early stopping with learning-rate decay, records."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from skelrnn.networks import models
from skelrnn.training import engine, records, settings

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from skelrnn.networks import models
    from skelrnn.training import engine, settings

    def splits(seed=0):
        # Three classes told apart by the sign of a drift on one feature; lengths 4..12.
        rng = np.random.default_rng(seed)
        out = {}
        for part, n in (("train", 96), ("validation", 32), ("test", 32)):
            labels = rng.integers(0, 3, size=n)
            feats = []
            for y in labels:
                t = int(rng.integers(4, 13))
                f = rng.normal(scale=0.5, size=(t, 4))
                f[:, y] += np.linspace(0.0, 1.5, t)
                feats.append(f.astype("float32"))
            out[part] = (feats, labels)
        return out

    MODEL = models.ModelConfig(n_features=4, n_classes=3, cell="gru", units=8, layers=2, keep_prob=0.8, l2=1e-4)
    # 96 sequences in batches of 16: 6 updates an epoch; evaluations every 4 updates fall inside
    # epochs, so checkpoints (and a kill) land mid-epoch too.
    TRAIN = settings.TrainConfig(batch_size=16, max_epochs=int(sys.argv[3]), eval_every=4, patience=2,
                              min_learning_rate=5e-5, pad_multiple=4)

    if __name__ == "__main__":
        engine.train_run(MODEL, TRAIN, splits(), sys.argv[1], sys.argv[2], seed=3, profile="test",
                        dataset_name="drift", log=lambda line: print(line, flush=True), checkpoint_seconds=0)
    """
)


def without_time(record: dict) -> dict:
    return records.outcome(record)


def run_script(tmp_path: Path, name: str, epochs: int = 6, kill_after_update: int | None = None) -> dict | None:
    script = tmp_path / "run_small.py"
    script.write_text(SCRIPT)
    run_dir, record = tmp_path / name, tmp_path / name / "record.json"
    cmd = [sys.executable, str(script), str(run_dir), str(record), str(epochs)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if kill_after_update is None:
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=300)
        return json.loads(record.read_text())
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = run_dir / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if state.is_file():
            try:
                if json.loads(state.read_text())["update"] >= kill_after_update:
                    break
            except (json.JSONDecodeError, KeyError):
                pass  # never half a file (atomic writes), but be safe while polling
        if proc.poll() is not None:
            raise AssertionError("the run ended before it could be killed")
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not record.exists(), "killed before the end: no record yet"
    return None


def test_a_killed_run_resumes_to_the_same_record_and_runs_are_deterministic(tmp_path):
    straight = run_script(tmp_path, "straight")
    again = run_script(tmp_path, "again")
    assert without_time(again) == without_time(straight), "same seed, same machine: same record"

    run_script(tmp_path, "killed", kill_after_update=8)
    state = json.loads((tmp_path / "killed" / "state.json").read_text())
    assert 8 <= state["update"] < 36 and (tmp_path / "killed" / state["checkpoint"]).is_file()
    resumed = run_script(tmp_path, "killed")
    assert resumed["resumed"] == 1
    assert without_time(resumed) == without_time(straight)
    updates = [h["update"] for h in straight["history"]]
    assert updates == list(range(4, 4 * len(updates) + 1, 4)) and straight["updates"] == updates[-1]
    assert straight["stopped"] == "minimum learning rate reached" or straight["updates"] == 36  # 6 epochs x 6
    assert len(list((tmp_path / "killed").glob("checkpoint-*.keras"))) == 1, "older checkpoints are removed"
    assert list((tmp_path / "killed" / "tensorboard").iterdir()), "TensorBoard event files beside the record"


def drift_splits(seed=0, informative=True):
    namespace = {}
    exec(compile(SCRIPT.split("MODEL =")[0], "script", "exec"), namespace)
    data = namespace["splits"](seed)
    if not informative:  # labels unrelated to the inputs: validation accuracy cannot keep improving
        rng = np.random.default_rng(99)
        data = {k: (f, rng.integers(0, 3, size=len(y))) for k, (f, y) in data.items()}
    return data


def test_early_stopping_counts_updates_divides_the_rate_by_ten_and_keeps_the_best_weights(tmp_path):
    # 96 sequences in batches of 32: 3 updates an epoch, an evaluation every 2 updates.
    cfg = settings.TrainConfig(batch_size=32, max_epochs=40, eval_every=2, patience=2, min_learning_rate=5e-5,
                            pad_multiple=4)  # fmt: skip
    mc = models.ModelConfig(n_features=4, n_classes=3, units=4, layers=1, keep_prob=1.0)
    record = engine.train_run(
        mc, cfg, drift_splits(informative=False), tmp_path / "run", tmp_path / "r.json", seed=0, log=lambda s: None
    )
    rates = [h["learning_rate"] for h in record.history]
    val = [h["val_accuracy"] for h in record.history]
    assert record.stopped == "minimum learning rate reached" and len(rates) < 60
    updates = [h["update"] for h in record.history]
    assert updates == list(range(2, 2 * len(updates) + 1, 2)) and record.updates == updates[-1]
    assert [h["epoch"] for h in record.history] == [round(u / 3, 4) for u in updates]
    # The rate drops exactly when `patience` evaluations in a row did not beat the best so far.
    best, wait, rate = -1.0, 0, 5e-3
    for k, acc in enumerate(val):
        assert rates[k] == pytest.approx(rate)
        if acc > best:
            best, wait = acc, 0
        else:
            wait += 1
        if wait >= 2:
            rate, wait = rate * 0.1, 0
    assert rate < 5e-5 * (1 - 1e-9)
    assert record.best_val_accuracy == max(val) and record.best_update == updates[val.index(max(val))]
    assert record.weights == "best evaluation"
    assert record.environment["backend"] == keras.backend.backend() and record.wall_seconds > 0
    assert 1 <= record.test_classes_predicted <= 3 and 0 <= record.test_dead_scores <= 3
    assert len(record.dataset["sha256"]) == 64 and record.dataset["sizes"] == {
        "test": 32,
        "train": 96,
        "validation": 32,
    }


def test_a_finished_record_is_not_trained_again_and_changes_retrain(tmp_path, monkeypatch):
    cfg = settings.TrainConfig(batch_size=32, max_epochs=2, eval_every=3, early_stopping=False, pad_multiple=4)
    mc = models.ModelConfig(n_features=4, n_classes=3, units=4, layers=1, keep_prob=1.0)
    data = drift_splits()
    first = engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "r.json", seed=0, log=lambda s: None)
    assert first.weights == "last update" and first.epochs == 2 and first.stopped == "budget spent"
    assert first.updates == 6 and [h["update"] for h in first.history] == [3, 6]

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(engine, "_train_until_evaluation", no_training)
    assert engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "r.json", seed=0, log=lambda s: None) == first
    with pytest.raises(AssertionError, match="trained again"):
        engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "r.json", seed=1, log=lambda s: None)
    # A record of an older layout (here: without the format field) is trained again, not read.
    old = {k: v for k, v in first.to_dict().items() if k != "format"}
    (tmp_path / "r.json").write_text(json.dumps(old))
    with pytest.raises(AssertionError, match="trained again"):
        engine.train_run(mc, cfg, data, tmp_path / "run2", tmp_path / "r.json", seed=0, log=lambda s: None)


def test_a_checkpoint_of_another_backend_is_not_resumed(tmp_path):
    cfg = settings.TrainConfig(batch_size=32, max_epochs=2, eval_every=3, early_stopping=False, pad_multiple=4)
    mc = models.ModelConfig(n_features=4, n_classes=3, units=4, layers=1, keep_prob=1.0)
    data = drift_splits()
    engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "a.json", seed=0, log=lambda s: None)
    again = engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "b.json", seed=0, log=lambda s: None)
    assert again.resumed == 1, "the same backend resumes the run's last checkpoint (here: its end)"
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["header"]["backend"] == keras.backend.backend()
    state["header"]["backend"] = "another backend"  # as if another backend had trained it
    (tmp_path / "run" / "state.json").write_text(json.dumps(state))
    fresh = engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "c.json", seed=0, log=lambda s: None)
    assert fresh.resumed == 0 and fresh.updates == 6, "trained here, from the first update"
    assert records.outcome(fresh.to_dict()) == records.outcome(again.to_dict())


def test_an_update_budget_ends_the_run_mid_epoch_whatever_the_epochs(tmp_path):
    # 96 sequences in batches of 32: 3 updates an epoch. 7 updates end in the third epoch, and the
    # last update is evaluated although it is not a multiple of eval_every.
    cfg = settings.TrainConfig(batch_size=32, max_epochs=100, max_updates=7, eval_every=3, early_stopping=False,
                            pad_multiple=4)  # fmt: skip
    assert settings.update_budget(cfg, 3) == 7 and settings.update_budget(cfg, 1) == 7
    assert settings.update_budget(settings.TrainConfig(max_epochs=2, max_updates=7), 3) == 6, "the epochs come first"
    mc = models.ModelConfig(n_features=4, n_classes=3, units=4, layers=1, keep_prob=1.0)
    record = engine.train_run(mc, cfg, drift_splits(), tmp_path / "run", tmp_path / "r.json", log=lambda s: None)
    assert [h["update"] for h in record.history] == [3, 6, 7] and record.updates == 7
    assert record.epochs == pytest.approx(7 / 3, abs=1e-4) and record.stopped == "budget spent"
    with pytest.raises(ValueError, match="max_updates"):
        settings.TrainConfig(max_updates=0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="lr_decay"):
        settings.TrainConfig(lr_decay=1.5)
    with pytest.raises(ValueError, match="min_learning_rate"):
        settings.TrainConfig(min_learning_rate=1.0)
    with pytest.raises(KeyError, match="validation"):
        engine.train_run(models.ModelConfig(), settings.TrainConfig(), {"train": ([], [])}, "x", "y", log=None)
    with pytest.raises(ValueError, match="eval_every"):
        settings.TrainConfig(eval_every=0)
    data = drift_splits()
    with pytest.raises(ValueError, match="batch_size 256 exceeds the 96 training sequences"):
        config = models.ModelConfig(n_features=4, n_classes=3)
        engine.train_run(config, settings.TrainConfig(), data, "x", "y", log=None)


def test_evaluation_counts_predicted_classes_and_dead_scores():
    # A head that always prefers class 1 (zero kernel, bias 5 on class 1): one class predicted,
    # the accuracy is the share of class 1, and classes 0 and 2 score max(0, 0) = 0: dead.
    # Short batches are padded and cut (batch 7 does not divide the split).
    features, labels = drift_splits()["test"]
    model = models.build_model(models.ModelConfig(n_features=4, n_classes=3, units=4, layers=1))
    scoring = models.scoring_model(model)
    fc = model.get_layer("fc")
    kernel = fc.get_weights()[0]
    fc.set_weights([np.zeros_like(kernel), np.array([0.0, 5.0, 0.0], "float32")])
    out = engine.evaluate(scoring, features, labels, batch_size=7, pad_multiple=4)
    assert out["classes_predicted"] == 1 and out["accuracy"] == pytest.approx(np.mean(labels == 1))
    assert out["score_activity"] == [0.0, 1.0, 0.0]
    # A live head: the share of sequences where w.h + b > 0, with h the GRU's state at the last real step.
    bias = np.array([0.3, -0.2, 0.0], "float32")
    fc.set_weights([kernel, bias])
    out = engine.evaluate(scoring, features, labels, batch_size=7, pad_multiple=4)
    states = keras.Model(model.inputs, model.get_layer("gru_1").output)
    h = np.concatenate([states.predict(f[None], verbose=0) for f in features])
    np.testing.assert_allclose(out["score_activity"], ((h @ kernel + bias) > 0).mean(axis=0), atol=1e-12)


def test_the_expected_retracing_warning_is_dropped_and_others_kept():
    import logging

    from skelrnn.core.backend import ignore_retracing_warnings

    ignore_retracing_warnings()
    ignore_retracing_warnings()  # idempotent: one filter
    logger = logging.getLogger("tensorflow")
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger.addHandler(handler)
    try:
        logger.warning("5 out of the last 9 calls to <f> triggered tf.function retracing. Tracing is expensive")
        logger.warning("something else")
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in seen] == ["something else"] and len(logger.filters) == 1


def test_tensorboard_scalars_are_written_without_tensorflow(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from skelrnn.core.backend import ScalarWriter

    writer = ScalarWriter(tmp_path / "tb")
    assert not (tmp_path / "tb").exists(), "nothing logged, no file"
    for step in (1, 2, 3):
        writer(step, {"loss": 1.0 / step, "val_accuracy": 0.25 * step})
    writer.close()
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["loss", "val_accuracy"]
    assert [(e.step, round(e.value, 6)) for e in events.Scalars("loss")] == [(1, 1.0), (2, 0.5), (3, 0.333333)]


def test_a_pooled_model_gives_the_record_of_a_new_one_without_tracing_again(tmp_path):
    # Dropout and L2 on, early stopping on: every random generator and the optimizer's moments
    # matter. Seed 3 alone, then seeds 5 and 3 through one pool: the second seed-3 run takes the
    # traced model of the seed-5 run and must write the same record as the first.
    cfg = settings.TrainConfig(batch_size=16, max_epochs=3, eval_every=4, patience=1, min_learning_rate=1e-4,
                            pad_multiple=4)  # fmt: skip
    mc = models.ModelConfig(n_features=4, n_classes=3, units=6, layers=2, keep_prob=0.7, l2=1e-4)
    data = drift_splits()

    def comparable(record):
        return without_time(record.to_dict())

    alone = engine.train_run(mc, cfg, data, tmp_path / "a", tmp_path / "a.json", seed=3, log=lambda s: None)
    pool = engine.ModelPool()
    other = engine.train_run(mc, cfg, data, tmp_path / "b", tmp_path / "b.json", seed=5, log=lambda s: None, pool=pool)
    model = pool.get(mc, cfg)[0]
    pool.reused = 0
    again = engine.train_run(mc, cfg, data, tmp_path / "c", tmp_path / "c.json", seed=3, log=lambda s: None, pool=pool)
    assert pool.reused == 1 and comparable(again) == comparable(alone)
    assert comparable(other) != comparable(alone)
    assert pool.get(mc, cfg)[0] is model, "the same model object, its traced steps kept"
    # Another architecture gets a model of its own; the oldest leaves a full pool.
    small = engine.ModelPool(size=1)
    first = small.get(mc, cfg)[0]
    small.get(models.ModelConfig(n_features=4, n_classes=3, units=5, layers=1), cfg)
    assert small.get(mc, cfg)[0] is not first and small.reused == 0


def test_fields_added_later_keep_the_names_of_earlier_runs():
    # sweep.run_key hashes to_dict(): fields at their defaults are left out, so records written
    # before the skeleton transformer and the inattention loss existed keep their names.
    assert not {"transformer", "sparsity"} & set(models.ModelConfig().to_dict())
    assert "inattention_steps" not in settings.TrainConfig().to_dict()
    assert models.ModelConfig(transformer="affine").to_dict()["transformer"] == "affine"
    assert settings.TrainConfig(inattention_steps=4).to_dict()["inattention_steps"] == 4
    with pytest.raises(ValueError, match="inattention_steps"):
        settings.TrainConfig(inattention_steps=0)


def test_an_every_step_model_trains_on_the_inattention_loss_and_predicts_the_mean_of_its_steps(tmp_path):
    cfg = settings.TrainConfig(batch_size=16, max_epochs=2, eval_every=6, early_stopping=False, pad_multiple=4,
                            inattention_steps=2)  # fmt: skip
    mc = models.ModelConfig(n_features=4, n_classes=3, units=6, layers=1, bidirectional=True, head="every_step")
    data = drift_splits()
    pool = engine.ModelPool()
    record = engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "r.json", log=lambda s: None, pool=pool)
    assert record.train["inattention_steps"] == 2 and record.updates == 12
    assert all(np.isfinite(h["loss"]) and h["loss"] > 0 for h in record.history)
    model, scoring = pool._models[engine.ModelPool.key(mc, cfg)]  # the run's model, its last weights
    features, labels = data["test"]
    guesses = []
    for f in features:  # one sequence at a time: no padding at all
        p = np.asarray(model.predict_on_batch(f[None]))[0]
        guesses.append(int(np.argmax(p.mean(axis=0))))
    other = engine.ModelPool().get(mc, settings.TrainConfig(**{**cfg.to_dict(), "inattention_steps": None}))[0]
    assert other is not model, "another loss is another compiled model"
    fresh = engine.train_run(mc, cfg, data, tmp_path / "run2", tmp_path / "r2.json", log=lambda s: None)
    assert without_time(fresh.to_dict()) == without_time(record.to_dict()), "pooled or not, the same run"
    out = engine.evaluate(scoring, features, labels, batch_size=16, pad_multiple=4)
    assert out["accuracy"] == pytest.approx(np.mean(np.array(guesses) == labels))


def test_a_skeleton_transformer_run_records_the_matrix_it_learned(tmp_path):
    data = {
        part: ([np.tile(f, (1, 19))[:, :75] for f in feats], labels) for part, (feats, labels) in drift_splits().items()
    }
    cfg = settings.TrainConfig(batch_size=16, max_epochs=2, eval_every=6, early_stopping=False, pad_multiple=4)
    mc = models.ModelConfig(n_features=75, n_classes=3, units=6, layers=1, front_end="skeleton_transformer",
                            transformer="affine")  # fmt: skip
    record = engine.train_run(mc, cfg, data, tmp_path / "run", tmp_path / "r.json", log=lambda s: None)
    mixing = np.array(record.learned["skeleton_transformer"])
    assert mixing.shape == (25, 25)
    np.testing.assert_allclose(mixing.sum(axis=1), 1.0, atol=1e-4)  # rounded to 5 decimals
    assert np.abs(mixing - np.eye(25)).max() > 1e-3, "it moved away from the identity"
    plain = engine.train_run(models.ModelConfig(n_features=75, n_classes=3, units=6, layers=1), cfg, data,
                            tmp_path / "run2", tmp_path / "r2.json", log=lambda s: None)  # fmt: skip
    assert plain.learned == {}


def test_the_engine_step_equals_keras_train_on_batch_and_traces_once_on_tensorflow():
    # The same network twice from one seed: Keras's own step on one copy, the engine's on the other,
    # over batches of four lengths and two batch sizes. The weights must agree after every update
    # (the same operations; TensorFlow specialises kernels to shapes, hence the tolerance), and on
    # TensorFlow the engine's step must have traced once for each batch size, whatever the length.
    from skelrnn.core.backend import predict_function, set_seed, train_step_function

    mc = models.ModelConfig(n_features=4, n_classes=3, units=6, layers=2, keep_prob=0.7, l2=1e-4)
    cfg = settings.TrainConfig(batch_size=8, pad_multiple=1)
    copies = []
    for _ in range(2):
        set_seed(11)
        model = models.build_model(mc)
        engine._compile(model, cfg)
        copies.append(model)
    keras_model, engine_model = copies
    step = train_step_function(engine_model)
    rng = np.random.default_rng(0)
    for length, batch in ((5, 8), (9, 8), (3, 6), (12, 8), (5, 8)):
        x = rng.normal(size=(batch, length, 4)).astype("float32")
        x[0, length // 2 :] = 0.0  # a padded sequence: the mask must act alike
        y = rng.integers(0, 3, size=batch)
        set_seed(length)
        theirs = keras_model.train_on_batch(x, y, return_dict=True)
        set_seed(length)
        ours = step(x, y)
        assert ours["loss"] == pytest.approx(float(theirs["loss"]), rel=1e-5)
        assert ours["accuracy"] == pytest.approx(float(theirs["accuracy"]))
        for a, b in zip(keras_model.weights, engine_model.weights, strict=True):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), atol=1e-5)
    scoring = models.scoring_model(engine_model)
    predict = predict_function(scoring)
    for length in (4, 11):
        x = rng.normal(size=(8, length, 4)).astype("float32")
        for ours, theirs in zip(predict(x), scoring.predict_on_batch(x), strict=True):
            np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), atol=1e-6)
    if keras.backend.backend() == "tensorflow":
        assert step is train_step_function(engine_model), "kept with the model (ModelPool reuses it)"
        assert step.tracing_count() == 2, "one graph per batch size (8 and 6), for every length"


def test_the_padding_multiple_defaults_to_the_backends():
    # JAX compiles each padded length; TensorFlow traces one length-generic step and torch runs
    # eagerly, so they pad no step beyond a batch's longest sequence. The record says which.
    expected = 16 if keras.backend.backend() == "jax" else 1
    assert settings.TrainConfig(pad_multiple=None).pad_multiple == expected
    assert settings.TrainConfig(pad_multiple=None).to_dict()["pad_multiple"] == expected
    assert settings.TrainConfig(pad_multiple=4).pad_multiple == 4
    with pytest.raises(ValueError, match="pad_multiple"):
        settings.TrainConfig(pad_multiple=0)
