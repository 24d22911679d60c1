"""A long-memory toy task: the label is written in the first frames of a long noisy sequence.

Defined for the chapter "Recurrent networks from scratch" (``notebooks/01_rnn_math.md``),
where it shows in practice what the vanishing gradient means (thesis 2.3.1-2.3.3): to classify
a sequence the network must carry the cue from the first frames through ``T - cue_steps``
frames of noise. A standard RNN loses it as ``T`` grows; the gated cells keep it.
"""

from __future__ import annotations

import time
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from skelrnn.core.backend import describe, set_seed
from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.core.parallel import backend_process_pool
from skelrnn.networks import models

__all__ = [
    "MemoryTaskConfig",
    "make_memory_task",
    "build_classifier",
    "train_memory_task",
    "run_memory_grid",
    "CELLS",
]

CELLS = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class MemoryTaskConfig:
    """Sizes of one memory-task run. Units: steps, sequences, epochs."""

    n_classes: int = 8
    cue_steps: int = 3
    noise: float = 0.1
    units: int = 32
    n_train: int = 1024
    n_test: int = 512
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 5e-3  # thesis 3.1.2 (Adam, clipping at global norm 1)

    def __post_init__(self) -> None:
        for name in ("n_classes", "cue_steps", "units", "n_train", "n_test", "epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"MemoryTaskConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.n_classes < 2:
            raise ValueError("MemoryTaskConfig.n_classes must be >= 2")

    def to_dict(self) -> dict:
        return asdict(self)


def make_memory_task(n: int, length: int, cfg: MemoryTaskConfig, rng: np.random.Generator):
    """Sequences ``x`` (n, length, n_classes + 1) float32 and labels ``y`` (n,) int.

    Every frame shows a random symbol, one-hot over the first ``n_classes`` channels, plus
    Gaussian noise of standard deviation ``cfg.noise``. The last channel is a marker, on
    during the first ``cfg.cue_steps`` frames only, and the symbol shown under the marker is
    the label. The later symbols are distractors that look exactly like the cue: a cell that
    cannot choose what to write into its state forgets the cue under them.
    """
    if length <= cfg.cue_steps:
        raise ValueError(f"length must exceed cue_steps ({cfg.cue_steps}), got {length}")
    y = rng.integers(0, cfg.n_classes, size=n)
    symbols = rng.integers(0, cfg.n_classes, size=(n, length))
    symbols[:, : cfg.cue_steps] = y[:, None]
    x = cfg.noise * rng.standard_normal((n, length, cfg.n_classes + 1))
    x[np.arange(n)[:, None], np.arange(length)[None, :], symbols] += 1.0
    x[:, : cfg.cue_steps, -1] += 1.0  # the marker
    return x.astype("float32"), y


def build_classifier(cell: str, length: int, cfg: MemoryTaskConfig):
    """One recurrent layer read at its last step, then a softmax: the thesis's head (fig. 11) in miniature.

    The layer is ``models.recurrent_layer``, initialised as in the thesis (3.1.2).
    """

    model = keras.Sequential(
        [
            keras.Input((length, cfg.n_classes + 1)),
            models.recurrent_layer(cell, cfg.units, return_sequences=False),
            keras.layers.Dense(cfg.n_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.learning_rate, epsilon=1e-4, global_clipnorm=1.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_memory_task(cell: str, length: int, cfg: MemoryTaskConfig, seed: int) -> dict:
    """Train one classifier on fresh data and return a JSON-able record of the run.

    Keys: cell, length, seed, config, test_accuracy, history (per-epoch train loss and accuracy),
    seconds. Deterministic for a given seed on a given machine.
    """
    set_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = make_memory_task(cfg.n_train, length, cfg, rng)
    x_test, y_test = make_memory_task(cfg.n_test, length, cfg, rng)
    model = build_classifier(cell, length, cfg)
    start = time.perf_counter()
    hist = model.fit(x_train, y_train, batch_size=cfg.batch_size, epochs=cfg.epochs, verbose=0, shuffle=True)
    proba = model.predict(x_test, batch_size=256, verbose=0)
    seconds = time.perf_counter() - start
    return {
        "cell": cell,
        "length": int(length),
        "seed": int(seed),
        "config": cfg.to_dict(),
        "test_accuracy": float(np.mean(proba.argmax(axis=1) == y_test)),
        "chance": 1.0 / cfg.n_classes,
        "history": {k: [float(v) for v in vals] for k, vals in hist.history.items()},
        "seconds": round(seconds, 3),
    }


def _trained_runs(todo, cfg: MemoryTaskConfig, workers: int):
    """``train_memory_task`` of each ``(cell, length, seed)`` of ``todo``, yielded as they end: in
    this process, or in ``workers`` processes (``core.parallel.backend_process_pool``, as
    ``local.LocalProcesses``'s are, ``cpu_count / workers`` backend threads each: one small network
    keeps one core busy)."""
    if workers <= 1 or len(todo) <= 1:
        for cell, length, seed in todo:
            yield train_memory_task(cell, length, cfg, seed)
        return
    with backend_process_pool(workers) as pool:
        futures = [pool.submit(train_memory_task, cell, length, cfg, seed) for cell, length, seed in todo]
        for future in as_completed(futures):
            yield future.result()


def run_memory_grid(
    lengths, cfg: MemoryTaskConfig, seeds, record_path, cells=CELLS, log=print, workers: int = 1
) -> dict:
    """Train every (cell, length, seed) and keep the runs in one result record at ``record_path``.

    The record is rewritten atomically after each run, and runs already in it with the same
    configuration are not repeated: a grid interrupted half way resumes where it stopped.
    ``workers`` processes train side by side (a run's numbers do not depend on where it ran).
    Returns the record: ``{"experiment", "config", "environment", "runs": [...]}``, its runs in
    the grid's order (lengths, then cells, then seeds).
    """
    record_path = Path(record_path)
    header = {"experiment": "memory_task", "config": cfg.to_dict()}
    record = read_json(record_path) if record_path.exists() else {}
    if {k: record.get(k) for k in header} != header:
        record = dict(header, runs=[])  # another configuration: start afresh
    record["environment"] = describe()
    done = {(r["cell"], r["length"], r["seed"]) for r in record["runs"]}
    grid = [(cell, int(length), int(seed)) for length in lengths for cell in cells for seed in seeds]
    for run in _trained_runs([key for key in grid if key not in done], cfg, int(workers)):
        record["runs"].append(run)
        write_json_atomic(record_path, record)
        log(
            f"{run['cell']:>4}  T={run['length']:<4d} seed={run['seed']}  "
            f"test accuracy {run['test_accuracy']:.3f}  ({run['seconds']:.1f} s)"
        )
    order = {key: k for k, key in enumerate(grid)}
    runs = [r for r in record["runs"] if (r["cell"], r["length"], r["seed"]) in order]
    record["runs"] = sorted(runs, key=lambda r: order[(r["cell"], r["length"], r["seed"])])
    write_json_atomic(record_path, record)
    return record
