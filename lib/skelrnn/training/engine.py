"""The training engine (thesis 3.1-3.2): Adam with clipping, early stopping with learning-rate decay,
checkpoints, resume, and one result record per run.

Defined for the baselines and regularization chapters. ``train_run`` trains one model on
sequences served by ``batches.SequenceBatches`` and writes a ``records.RunRecord``. Its parts
each own one thing: ``settings`` the run's settings and the early-stopping and learning-rate
rule, ``checkpoints.CheckpointStore`` the saving and resuming, ``evaluate`` the accuracy and the
score counts, ``records`` the record.

Resuming: because batches depend only on (seed, epoch) and the random generators' states are
saved with each checkpoint, a run killed and started again ends with the record of an
uninterrupted run, timings aside (tested).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from skelrnn.core.backend import (
    ScalarWriter,
    describe,
    ignore_retracing_warnings,
    predict_function,
    set_seed,
    train_step_function,
)
from skelrnn.data.splits import dataset_identity
from skelrnn.networks import losses, models
from skelrnn.networks.models import HEADS
from skelrnn.training.batches import SequenceBatches
from skelrnn.training.checkpoints import CheckpointStore
from skelrnn.training.records import RECORD_FORMAT, RunRecord, read_run_record, write_run_record
from skelrnn.training.settings import PlateauSchedule, TrainConfig, update_budget

__all__ = ["ModelPool", "evaluate", "train_run", "progress_bar", "MODEL_POOL_SIZE"]


def _compile(model, cfg: TrainConfig, every_step: bool = False) -> None:
    """Adam as the thesis sets it; the cross-entropy of the last step, or for an ``every_step``
    model the per-step or inattention loss and the accuracy of its mean prediction (``losses``)."""

    # TensorFlow: a traced graph without XLA, which would compile again for every padded length
    # that bucketing produces. JAX: without jit every operation runs (and compiles) on its own, 40x
    # slower; jit compiles once per padded length. torch: eager, as Keras runs it by default.
    jit = keras.backend.backend() == "jax"
    model.compile(
        optimizer=keras.optimizers.Adam(
            cfg.learning_rate, beta_1=cfg.beta_1, beta_2=cfg.beta_2, epsilon=cfg.epsilon, global_clipnorm=cfg.clipnorm
        ),
        loss=losses.InattentionLoss(cfg.inattention_steps) if every_step else "sparse_categorical_crossentropy",
        metrics=[losses.SequenceAccuracy()] if every_step else ["accuracy"],
        jit_compile=jit,
    )


MODEL_POOL_SIZE = 4  # models a ModelPool keeps (local.LocalProcesses mirrors its workers' pools)


class ModelPool:
    """Compiled models kept for the next run of the same architecture in this process (``skelrnn.runs``
    gives each worker one).

    Building a model is cheap; tracing its training and scoring steps for every padded length is
    not (seconds a run on CPU, as much as a small run's training). A run whose model and
    optimizer settings match a model in the pool takes that model reset to the state a freshly
    built one has for the run's seed: every variable (weights and dropout generator states) is
    copied from a new build made after seeding, the optimizer's step counter and moments are
    zeroed and the metrics reset. The traced steps stay, so the run traces nothing new, and its
    record equals that of a run on a new model (tested on every backend). At most ``size``
    models are kept, the least recently used dropped first.
    """

    def __init__(self, size: int = MODEL_POOL_SIZE):
        if int(size) < 1:
            raise ValueError(f"size: expected an integer >= 1, got {size!r}")
        self.size = int(size)
        self.reused = 0  # runs that found their model here
        self._models: dict[str, tuple] = {}

    @staticmethod
    def key(model_config, cfg: TrainConfig) -> str:
        """The pool's key of a run's model: its ``ModelConfig`` and the optimizer settings that
        shape its traced training step (executors schedule by it: ``runs.scheduling.JobQueue``)."""
        optimizer = {k: getattr(cfg, k) for k in ("epsilon", "beta_1", "beta_2", "clipnorm", "inattention_steps")}
        return json.dumps([model_config.to_dict(), optimizer], sort_keys=True)

    def get(self, model_config, cfg: TrainConfig) -> tuple:
        """``(model, scoring_model)`` as a freshly built and compiled model would be; call it after
        seeding, as the run would build its model."""
        fresh = models.build_model(model_config)
        key = self.key(model_config, cfg)
        if key not in self._models:
            _compile(fresh, cfg, _every_step(model_config))
            self._models[key] = (fresh, models.scoring_model(fresh))
            while len(self._models) > self.size:
                self._models.pop(next(iter(self._models)))
            return self._models[key]
        model, scoring = self._models.pop(key)
        self._models[key] = (model, scoring)  # most recently used last
        for target, source in zip(model.variables, fresh.variables, strict=True):
            target.assign(source)
        for variable in model.optimizer.variables:  # the rate is assigned before each stretch of updates
            variable.assign(np.zeros(variable.shape, variable.dtype))
        model.reset_metrics()
        self.reused += 1
        return model, scoring


def _every_step(model_config) -> bool:

    return HEADS[model_config.head][1]


def evaluate(scoring_model, features, labels, batch_size: int, pad_multiple: int) -> dict:
    """Accuracy on ``(features, labels)``, how many distinct classes are predicted there, and
    ``score_activity``: for each class, the share of the sequences on which its ReLU score
    (thesis fig. 11) is positive, ``(n_classes,)``.

    ``scoring_model`` is ``models.scoring_model(model)``: inputs to ``[scores, probabilities]``.
    A class whose score is 0 on every sequence is *dead*: the ReLU passes no gradient, so the unit
    cannot recover and the class is never predicted. The counts tell such a run from a weak one.
    An every-step model (``(B, T, C)`` outputs, appendix A) predicts the class of highest mean
    probability over the real steps, and a score counts as positive on a sequence when it is
    positive at one of its real steps. Lengths are padded to a multiple of ``pad_multiple`` (a
    ``TrainConfig``'s, which resolves the backend's default).
    """
    batches = SequenceBatches(
        features, labels, batch_size=batch_size, bucketing=True, shuffle=False, multiple=pad_multiple
    )  # fmt: skip
    predict = predict_function(scoring_model)
    correct, predicted, positive = 0, set(), 0
    for k in range(len(batches)):
        x, y = batches[k]
        if len(y) < batch_size:  # pad the short batch: one traced shape, padding rows ignored
            x = np.concatenate([x, np.zeros((batch_size - len(y), *x.shape[1:]), x.dtype)])
        scores, probabilities = (a[: len(y)] for a in predict(x))
        if probabilities.ndim == 3:  # every step: the real steps' mean, a score live anywhere real
            real = np.any(x[: len(y)] != 0, axis=-1)[..., None]
            probabilities = probabilities.sum(axis=1)  # zero at padding: the sum ranks as the mean does
            scores = np.where(real, scores, 0.0).max(axis=1)
        positive = positive + (scores > 0).sum(axis=0)
        guess = np.argmax(probabilities, axis=1)
        correct += int(np.sum(guess == y))
        predicted.update(guess.tolist())
    return {
        "accuracy": correct / len(labels),
        "classes_predicted": len(predicted),
        "score_activity": (positive / len(labels)).tolist(),
    }


def _train_until_evaluation(
    model, batches, state: dict, cfg: TrainConfig, budget: int, update_hook=None
) -> tuple[float, float, bool]:
    """Updates from ``state["epoch"]``, ``state["batch"]`` until the next evaluation is due (every
    ``eval_every`` updates) or the ``budget`` of updates (``update_budget``) is spent; advances
    ``state``. Returns the sample-weighted mean loss and accuracy of those updates, and whether
    the budget is spent.

    Batches of different lengths go straight to the compiled train step
    (``backend.train_step_function``: on TensorFlow one graph for every length); ``fit`` on a
    ``PyDataset`` would fix the time dimension from its first batches and reject the longer ones
    that bucketing produces. ``update_hook(update, seconds, padded_length)``, if given, hears of
    each update as it ends (``rehearsal`` times them).
    """
    step = train_step_function(model)
    total = loss_sum = correct = 0.0
    while True:
        if state["batch"] == 0 or batches.epoch != state["epoch"]:
            batches.set_epoch(state["epoch"])  # batches depend only on (seed, epoch): resumable anywhere
        x, y = batches[state["batch"]]
        start = time.perf_counter()
        logs = step(x, y)
        total += len(y)
        loss_sum += float(logs["loss"]) * len(y)  # float(): waits for the device, so the time is the update's
        correct += float(logs["accuracy"]) * len(y)
        state["update"] += 1
        if update_hook is not None:
            update_hook(state["update"], time.perf_counter() - start, x.shape[1])
        state["batch"] += 1
        if state["batch"] == len(batches):
            state["epoch"], state["batch"] = state["epoch"] + 1, 0
        spent = state["update"] >= budget  # the budget counts max_epochs too: an epoch is len(batches) updates
        if spent or state["update"] % cfg.eval_every == 0:
            return loss_sum / total, correct / total, spent


def _learned(model) -> dict:
    """What the record keeps of the weights: a skeleton transformer's matrix (rows as applied, 5 decimals)."""
    out = {}
    for layer in model.layers:
        if hasattr(layer, "mixing"):
            mixing = keras.ops.convert_to_numpy(keras.ops.stop_gradient(layer.mixing()))
            out[layer.name] = np.round(mixing.astype(float), 5).tolist()
    return out


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """A text bar ``[####......]`` for ``done`` of ``total`` (epochs here, runs in ``skelrnn.runs``)."""
    filled = round(width * done / total)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _reusable(record_path: Path, header: dict) -> RunRecord | None:
    """The finished record at ``record_path`` if it is one of this very run, else None."""
    if not record_path.is_file():
        return None
    try:
        record = read_run_record(record_path)
    except ValueError:  # another layout or a damaged file: train again and replace it
        return None
    return record if record.header == header else None


def train_run(
    model_config,
    train_config: TrainConfig,
    splits: dict,
    run_dir,
    record_path,
    seed: int = 0,
    profile: str = "",
    dataset_name: str = "",
    log=print,
    checkpoint_seconds: float = 60.0,
    pool: ModelPool | None = None,
    place: dict | None = None,
    update_hook=None,
) -> RunRecord:
    """Train one model and write its result record; resume if ``run_dir`` holds a checkpoint.

    A checkpoint is written after an evaluation when ``checkpoint_seconds`` of training have
    passed since the last one (0: after every evaluation); a killed run loses at most that much
    work. ``train_config.batch_size`` must not exceed the training split (``ValueError``). With a
    ``pool`` a new run takes its model from there (``ModelPool``: no step traced twice).

    ``splits`` maps ``train``, ``validation`` and ``test`` to ``(features, labels)``: a list of
    ``(T_i, D)`` float arrays and ``(N,)`` int class indices. Returns the record. If the record
    already exists with the same configuration, seed and data, it is returned without training.
    ``place`` (``executor``, ``node``: what trained the run, where) goes into the record's
    ``environment``. ``update_hook(update, seconds, padded_length)`` is called after each update
    (``rehearsal``: the seconds of each; an exception it raises stops the run as a kill would,
    after the last checkpoint).
    """
    for part in ("train", "validation", "test"):
        if part not in splits:
            raise KeyError(f"splits: missing {part!r} (expected train, validation and test)")
    cfg, run_dir, record_path = train_config, Path(run_dir), Path(record_path)
    header = {
        "format": RECORD_FORMAT,
        "model": model_config.to_dict(),
        "train": cfg.to_dict(),
        "seed": int(seed),
        "profile": profile,
        "dataset": dataset_identity(dataset_name, splits),
    }
    if (record := _reusable(record_path, header)) is not None:
        return record

    n_train = len(splits["train"][1])
    if cfg.batch_size > n_train:
        raise ValueError(f"batch_size {cfg.batch_size} exceeds the {n_train} training sequences (no full batch)")
    set_seed(seed)
    ignore_retracing_warnings()
    # A checkpoint written on another backend is not this run's: it would finish the run with weights
    # trained elsewhere. The record's header leaves the backend out (its environment names it).
    store = CheckpointStore(run_dir, {**header, "backend": keras.backend.backend()})
    model, scoring, state = _start_or_resume(store, model_config, cfg, pool, log)
    schedule = PlateauSchedule(cfg, state["schedule"])
    state["schedule"] = schedule.state
    if scoring is None:  # built once: validation and test share its traced step
        scoring = models.scoring_model(model)
    batches = SequenceBatches(
        *splits["train"], batch_size=cfg.batch_size, bucketing=cfg.bucketing, seed=seed, multiple=cfg.pad_multiple,
        drop_remainder=True,
    )  # fmt: skip
    _train_until_stopped(model, scoring, batches, splits["validation"], state, schedule, store, cfg, log,
                         checkpoint_seconds, update_hook)  # fmt: skip
    if cfg.early_stopping:
        store.load_best(model)
    record = _tested_record(header, model, scoring, splits["test"], state, schedule, cfg, len(batches), place)
    write_run_record(record_path, record)
    return record


def _tested_record(header: dict, model, scoring, test_split, state: dict, schedule: PlateauSchedule,
                   cfg: TrainConfig, updates_per_epoch: int, place: dict | None) -> RunRecord:  # fmt: skip
    """The record of a finished run: ``header``, the history in ``state``, and the test split's
    evaluation of ``model`` (through ``scoring``) with the weights it holds now."""
    test = evaluate(scoring, *test_split, cfg.batch_size, cfg.pad_multiple)
    return RunRecord(
        **header,
        history=state["history"],
        best_update=schedule.state["best"]["update"],
        best_val_accuracy=schedule.state["best"]["val_accuracy"],
        test_accuracy=test["accuracy"],
        test_classes_predicted=test["classes_predicted"],
        test_score_activity=test["score_activity"],
        test_dead_scores=sum(a == 0 for a in test["score_activity"]),
        weights="best evaluation" if cfg.early_stopping else "last update",
        updates=state["update"],
        epochs=round(state["update"] / updates_per_epoch, 4),
        stopped=schedule.stopped,
        wall_seconds=round(state["seconds"], 3),
        resumed=state["resumed"],
        environment={**describe(), **(place or {})},
        learned=_learned(model),
    )


def _start_or_resume(store: CheckpointStore, model_config, cfg: TrainConfig, pool: ModelPool | None, log) -> tuple:
    """``(model, scoring model or None, state)`` of a run: from its last checkpoint in ``store``,
    else a new model (from ``pool`` when given, which also gives its scoring model) and a new state.
    Call it after seeding: a new model draws its initial weights."""
    resumed = store.load()
    if resumed is not None:
        model, state = resumed
        state["resumed"] += 1
        log(f"resuming after update {state['update']} ({store.run_dir / state['checkpoint']})")
        return model, None, state
    if pool is not None:
        model, scoring = pool.get(model_config, cfg)
    else:
        model = models.build_model(model_config)
        _compile(model, cfg, _every_step(model_config))
        scoring = None
    state = {"update": 0, "epoch": 0, "batch": 0, "history": [], "schedule": None, "checkpoint": None,
             "seconds": 0.0, "resumed": 0}  # fmt: skip
    return model, scoring, state


def _train_until_stopped(
    model,
    scoring,
    batches,
    validation,
    state: dict,
    schedule: PlateauSchedule,
    store: CheckpointStore,
    cfg: TrainConfig,
    log,
    checkpoint_seconds: float,
    update_hook,
) -> None:
    """The training loop of ``train_run``: stretches of ``eval_every`` updates, each followed by an
    evaluation on ``validation`` (``(features, labels)``), a history entry, the schedule's step, the
    best weights kept and a checkpoint when ``checkpoint_seconds`` have passed, until the schedule
    stops. ``state`` is updated in place."""
    writer = ScalarWriter(store.run_dir / "tensorboard")
    since_checkpoint = 0.0
    budget = update_budget(cfg, len(batches))
    while schedule.stopped is None:
        start = time.perf_counter()
        model.optimizer.learning_rate.assign(schedule.learning_rate)
        loss, accuracy, spent = _train_until_evaluation(model, batches, state, cfg, budget, update_hook)
        val_acc = evaluate(scoring, *validation, cfg.batch_size, cfg.pad_multiple)["accuracy"]
        seconds = time.perf_counter() - start
        update = state["update"]
        entry = {"update": update, "epoch": round(update / len(batches), 4), "loss": loss,
                 "accuracy": accuracy, "val_accuracy": val_acc, "learning_rate": schedule.learning_rate,
                 "seconds": round(seconds, 3)}  # fmt: skip
        if not all(math.isfinite(entry[k]) for k in ("loss", "accuracy")):
            raise FloatingPointError(f"{store.run_dir}: update {update} ended with a non-finite loss ({loss})")
        state["history"].append(entry)
        state["seconds"] += seconds
        improved = schedule.update(update, val_acc, data_spent=spent)
        if improved:
            store.save_best(model)
        writer(update, {k: entry[k] for k in ("loss", "accuracy", "val_accuracy", "learning_rate")})
        log(
            f"{progress_bar(update, budget)} update {update:>5}/{budget} (epoch {entry['epoch']:.2f})  "
            f"loss {loss:.3f}  train {accuracy:.3f}  val {val_acc:.3f}  "
            f"lr {entry['learning_rate']:.0e}{'  *' if improved else ''}"
        )
        since_checkpoint += seconds
        if since_checkpoint >= checkpoint_seconds or schedule.stopped is not None:
            store.save(model, state)
            since_checkpoint = 0.0
    writer.close()
