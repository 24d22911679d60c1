"""The training engine (thesis 3.1-3.2): Adam with clipping, early stopping with learning-rate decay,
checkpoints, resume, and one result record per run.

Defined for the baselines and regularization chapters. ``train_run`` trains one model on
sequences served by ``dataset.SequenceBatches`` and writes, at ``record_path``, a record with the
configuration, seed, profile, dataset identity, per-epoch history, best validation accuracy, the
test accuracy of the chosen weights, how many classes they predict and, per class, on how many test
sequences its score is positive (dead scores), wall time and the software and device that produced it.

Resuming: after every epoch the model (weights and optimizer state) and the engine's state are
saved in ``run_dir``; the epoch's checkpoint file is new, the state file that points to it is
replaced atomically, then the older checkpoint is removed, so a kill at any moment leaves a
consistent pair. Running the same call again continues from there, and because batches depend
only on (seed, epoch) the finished record equals that of an uninterrupted run, timings aside.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["TrainConfig", "dataset_identity", "train_run", "RUN_TIME_FIELDS", "RECORD_FORMAT"]

# Fields of a record that measure time: they differ between an interrupted and a straight run.
RUN_TIME_FIELDS = ("wall_seconds", "seconds", "resumed")
# The layout of a run's record; a record of an older layout lacks fields and is trained again.
RECORD_FORMAT = 2


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; the defaults are the thesis's (3.1.1, 3.2).

    batch_size        256
    learning_rate     Adam's initial rate, 5e-3; epsilon 1e-4, beta_1 0.9, beta_2 0.999
    clipnorm          the gradients are rescaled when their global L2 norm exceeds 1
    max_epochs        an upper bound on the epochs
    early_stopping    True: when validation accuracy has not improved for ``patience`` epochs the
                      rate is divided by ``1 / lr_decay`` (10); training stops once it would go
                      below ``min_learning_rate``; the weights of the best validation epoch are
                      the result. False: ``max_epochs`` at the initial rate, the last weights.
    bucketing         length-bucketed batches (``dataset.bucket_batches``)
    pad_multiple      padded lengths are rounded up to a multiple (fewer distinct shapes to trace)
    """

    batch_size: int = 256
    learning_rate: float = 5e-3
    epsilon: float = 1e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    clipnorm: float = 1.0
    max_epochs: int = 100
    early_stopping: bool = True
    patience: int = 5
    lr_decay: float = 0.1
    min_learning_rate: float = 5e-6
    bucketing: bool = True
    pad_multiple: int = 8

    def __post_init__(self):
        for name in ("batch_size", "max_epochs", "patience", "pad_multiple"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {getattr(self, name)!r}")
        for name in ("learning_rate", "epsilon", "clipnorm", "min_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)!r}")
        if not 0 < self.lr_decay < 1:
            raise ValueError(f"lr_decay: expected a factor in (0, 1), got {self.lr_decay}")
        if self.min_learning_rate > self.learning_rate:
            raise ValueError("min_learning_rate must not exceed learning_rate")

    def to_dict(self) -> dict:
        return asdict(self)


def dataset_identity(name: str, splits: dict) -> dict:
    """Name, sizes and a content hash (SHA-256 of every feature array and label) of the training data."""
    digest = hashlib.sha256()
    sizes = {}
    for part in sorted(splits):
        features, labels = splits[part]
        sizes[part] = len(labels)
        digest.update(part.encode())
        digest.update(np.asarray(labels, dtype=np.int64).tobytes())
        for f in features:
            f = np.ascontiguousarray(f, dtype=np.float32)
            digest.update(np.array(f.shape, dtype=np.int64).tobytes())
            digest.update(f.tobytes())
    return {"name": name, "sha256": digest.hexdigest(), "sizes": sizes}


def _compile(model, cfg: TrainConfig) -> None:
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(
            cfg.learning_rate, beta_1=cfg.beta_1, beta_2=cfg.beta_2, epsilon=cfg.epsilon, global_clipnorm=cfg.clipnorm
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        # No XLA: it compiles again for every padded length that bucketing produces.
        jit_compile=False,
    )


def _evaluate(model, features, labels, cfg: TrainConfig, scores: bool = False) -> dict:
    """Accuracy on ``(features, labels)`` and how many distinct classes the model predicts there;
    with ``scores``, also ``score_activity``: for each class, the share of the sequences on which
    its ReLU score (thesis fig. 11) is positive, ``(n_classes,)``.

    A class whose score is 0 on every sequence is *dead*: the ReLU passes no gradient, so the unit
    cannot recover and the class is never predicted. The counts tell such a run from a weak one.
    """
    import keras

    from skelrnn.dataset import SequenceBatches

    batches = SequenceBatches(
        features, labels, batch_size=cfg.batch_size, bucketing=True, shuffle=False, multiple=cfg.pad_multiple
    )
    # The scores and the probabilities in one pass: a second output on the same layers.
    net = keras.Model(model.inputs, [model.get_layer("fc").output, model.output]) if scores else None
    correct, predicted, positive = 0, set(), 0
    for k in range(len(batches)):
        x, y = batches[k]
        if len(y) < cfg.batch_size:  # pad the short batch: one traced shape, padding rows ignored
            x = np.concatenate([x, np.zeros((cfg.batch_size - len(y), *x.shape[1:]), x.dtype)])
        if scores:
            s, p = (np.asarray(a)[: len(y)] for a in net.predict_on_batch(x))
            positive = positive + (s > 0).sum(axis=0)
        else:
            p = model.predict_on_batch(x)[: len(y)]
        guess = np.argmax(p, axis=1)
        correct += int(np.sum(guess == y))
        predicted.update(guess.tolist())
    out = {"accuracy": correct / len(labels), "classes_predicted": len(predicted)}
    if scores:
        out["score_activity"] = (positive / len(labels)).tolist()
    return out


def _train_epoch(model, batches) -> tuple[float, float]:
    """One pass over ``batches`` with ``train_on_batch``; returns the sample-weighted mean loss and accuracy.

    Batches of different lengths go straight to the compiled train step (Keras relaxes the traced
    shape after the first few lengths); ``fit`` on a ``PyDataset`` would fix the time dimension
    from its first batches and reject the longer ones that bucketing produces.
    """
    total = loss_sum = correct = 0.0
    for k in range(len(batches)):
        x, y = batches[k]
        logs = model.train_on_batch(x, y, return_dict=True)
        total += len(y)
        loss_sum += float(logs["loss"]) * len(y)
        correct += float(logs["accuracy"]) * len(y)
    batches.on_epoch_end()
    return loss_sum / total, correct / total


def _random_states(model) -> list[list[int]]:
    """The states of the model's random generators (dropout masks), which ``.keras`` files do not keep."""
    import keras

    return [
        np.asarray(keras.ops.convert_to_numpy(v)).tolist()
        for v in model.non_trainable_variables
        if "seed_generator" in v.path
    ]


def _set_random_states(model, states: list[list[int]]) -> None:
    variables = [v for v in model.non_trainable_variables if "seed_generator" in v.path]
    if len(variables) != len(states):
        raise ValueError(f"checkpoint: {len(states)} random states saved for {len(variables)} generators")
    for v, value in zip(variables, states, strict=True):
        v.assign(np.asarray(value, dtype=v.dtype))


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """A text bar ``[####......]`` for ``done`` of ``total`` (epochs here, runs in ``experiments``)."""
    filled = round(width * done / total)
    return "[" + "#" * filled + "." * (width - filled) + "]"


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
) -> dict:
    """Train one model and write its result record; resume if ``run_dir`` holds a checkpoint.

    A checkpoint is written after an epoch when ``checkpoint_seconds`` of training have passed
    since the last one (0: after every epoch); a killed run loses at most that much work.

    ``splits`` maps ``train``, ``validation`` and ``test`` to ``(features, labels)``: a list of
    ``(T_i, D)`` float arrays and ``(N,)`` int class indices. Returns the record. If the record
    already exists with the same configuration, seed and data, it is returned without training.
    """
    import keras

    from skelrnn import models
    from skelrnn.backend import describe, ignore_retracing_warnings, scalar_writer, set_seed
    from skelrnn.dataset import SequenceBatches
    from skelrnn.results import read_record, write_record

    for part in ("train", "validation", "test"):
        if part not in splits:
            raise KeyError(f"splits: missing {part!r} (expected train, validation and test)")
    cfg = train_config
    run_dir, record_path = Path(run_dir), Path(record_path)
    identity = dataset_identity(dataset_name, splits)
    header = {
        "format": RECORD_FORMAT,
        "model": model_config.to_dict(),
        "train": cfg.to_dict(),
        "seed": int(seed),
        "profile": profile,
        "dataset": identity,
    }
    if record_path.is_file():
        record = read_record(record_path)
        if {k: record.get(k) for k in header} == header:
            return record
    state_path = run_dir / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else None
    if state is not None and state.get("header") != header:
        state = None  # a checkpoint of another run: start afresh

    set_seed(seed)
    ignore_retracing_warnings()
    train_x, train_y = splits["train"]
    batches = SequenceBatches(
        train_x, train_y, batch_size=cfg.batch_size, bucketing=cfg.bucketing, seed=seed, multiple=cfg.pad_multiple,
        drop_remainder=True,
    )  # fmt: skip
    if state is None:
        model = models.build_model(model_config)
        _compile(model, cfg)
        state = {
            "header": header,
            "epoch": 0,
            "history": [],
            "learning_rate": cfg.learning_rate,
            "best": {"epoch": 0, "val_accuracy": -1.0},
            "wait": 0,
            "stopped": None,
            "checkpoint": None,
            "seconds": 0.0,
            "resumed": 0,
        }
    else:
        model = keras.saving.load_model(run_dir / state["checkpoint"])
        _set_random_states(model, state["random_states"])
        state["resumed"] += 1
        log(f"resuming from epoch {state['epoch']} ({run_dir / state['checkpoint']})")
    writer = scalar_writer(run_dir / "tensorboard")
    since_checkpoint = 0.0

    while state["stopped"] is None:
        epoch = state["epoch"]
        start = time.perf_counter()
        model.optimizer.learning_rate.assign(state["learning_rate"])
        batches.set_epoch(epoch)
        loss, accuracy = _train_epoch(model, batches)
        val_acc = _evaluate(model, *splits["validation"], cfg)["accuracy"]
        seconds = time.perf_counter() - start
        entry = {
            "epoch": epoch + 1,
            "loss": loss,
            "accuracy": accuracy,
            "val_accuracy": val_acc,
            "learning_rate": state["learning_rate"],
            "seconds": round(seconds, 3),
        }
        if not all(math.isfinite(entry[k]) for k in ("loss", "accuracy")):
            raise FloatingPointError(f"{run_dir}: epoch {epoch + 1} ended with a non-finite loss ({entry['loss']})")
        state["history"].append(entry)
        state["epoch"] = epoch + 1
        state["seconds"] += seconds
        improved = val_acc > state["best"]["val_accuracy"]
        if improved:
            state["best"] = {"epoch": epoch + 1, "val_accuracy": val_acc}
            state["wait"] = 0
            model.save_weights(run_dir / ".best.weights.h5")
            os.replace(run_dir / ".best.weights.h5", run_dir / "best.weights.h5")
        else:
            state["wait"] += 1
        if cfg.early_stopping and state["wait"] >= cfg.patience:
            state["learning_rate"] *= cfg.lr_decay
            state["wait"] = 0
            if state["learning_rate"] < cfg.min_learning_rate * (1 - 1e-9):
                state["stopped"] = "minimum learning rate reached"
        if state["epoch"] >= cfg.max_epochs and state["stopped"] is None:
            state["stopped"] = "maximum epochs reached"
        if writer is not None:
            writer(epoch + 1, {k: entry[k] for k in ("loss", "accuracy", "val_accuracy", "learning_rate")})
        log(
            f"{progress_bar(state['epoch'], cfg.max_epochs)} epoch {state['epoch']:>3}/{cfg.max_epochs}  "
            f"loss {entry['loss']:.3f}  train {entry['accuracy']:.3f}  val {val_acc:.3f}  "
            f"lr {entry['learning_rate']:.0e}{'  *' if improved else ''}"
        )
        since_checkpoint += seconds
        if since_checkpoint < checkpoint_seconds and state["stopped"] is None:
            continue
        since_checkpoint = 0.0
        # The new checkpoint first, then the state that names it, then the old one goes.
        name = f"checkpoint-{state['epoch']:04d}.keras"
        model.save(run_dir / name)
        old, state["checkpoint"] = state["checkpoint"], name
        state["random_states"] = _random_states(model)
        write_record(state_path, state)
        if old and old != name:
            (run_dir / old).unlink(missing_ok=True)

    if cfg.early_stopping:
        model.load_weights(run_dir / "best.weights.h5")
    test = _evaluate(model, *splits["test"], cfg, scores=True)
    record = {
        **header,
        "history": state["history"],
        "best_epoch": state["best"]["epoch"],
        "best_val_accuracy": state["best"]["val_accuracy"],
        "test_accuracy": test["accuracy"],
        "test_classes_predicted": test["classes_predicted"],
        "test_score_activity": test["score_activity"],  # per class: share of test sequences scored > 0
        "test_dead_scores": sum(a == 0 for a in test["score_activity"]),  # classes never scored > 0
        "weights": "best validation epoch" if cfg.early_stopping else "last epoch",
        "epochs": state["epoch"],
        "stopped": state["stopped"],
        "wall_seconds": round(state["seconds"], 3),
        "resumed": state["resumed"],
        "environment": describe(),
    }
    write_record(record_path, record)
    return record
