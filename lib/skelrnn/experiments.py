"""The thesis's tables 4-7 as lists of training runs, and their result records back as tables.

Defined for the baselines and regularization chapters. A table is a list of ``Cell`` objects:
a label, the thesis's value, and the model and training settings that differ from the
improved baseline (thesis 3.1.2: unidirectional, 3 x 100 GRU units, dropout keep probability
0.5, L2, early stopping). ``run_cells`` trains each cell for each seed with ``train.train_run``;
one run writes one record, named by a hash of everything that determines it, so a run shared by
two tables (the improved baseline is in all four) is trained once, and a chapter that is run
again only trains what is missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skelrnn import thesis

__all__ = [
    "Cell",
    "TABLES",
    "TrainingChapter",
    "prepare_splits",
    "run_cells",
    "table_frame",
    "run_key",
    "relative_cost",
    "dead_score_cells",
]


@dataclass(frozen=True)
class Cell:
    """One cell of a thesis table: its ``label`` (row, column), the thesis's accuracy (%), and the
    changes to the improved baseline's ``model`` and ``train`` settings."""

    table: str
    row: str
    column: str
    thesis: float
    model: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)


def _table_4() -> list[Cell]:
    cells = []
    for (direction, cell, units), value in thesis.TABLE_4.items():
        name = "RNN" if cell == "rnn" else cell.upper()
        row = f"unidirectional {name}" if direction == "uni" else f"bidirectional {name} (half the units each way)"
        model = {"cell": cell, "units": units, "bidirectional": direction == "bi"}
        cells.append(Cell("table 4", row, f"{units} units", value, model=model))
    return cells


TABLES: dict[str, list[Cell]] = {
    "table 4": _table_4(),
    "table 5": [
        Cell("table 5", "GRU, 100 units", f"{n} layers", v, model={"layers": n}) for n, v in thesis.TABLE_5.items()
    ],
    "table 6": [
        Cell("table 6", "keep probability", f"{p:g}", v, model={"keep_prob": p}) for p, v in thesis.TABLE_6.items()
    ],
    "table 7": [
        Cell(
            "table 7",
            f"L2 {'with' if l2 else 'without'}",
            f"early stopping {'with' if es else 'without'}",
            v,
            model={} if l2 else {"l2": 0.0},
            train={"early_stopping": es},
        )
        for (l2, es), v in thesis.TABLE_7.items()
    ],
}


def prepare_splits(data, P, preprocessing: str = "first_frame") -> dict:
    """Features and labels of the cross-subject train / validation / test splits for a profile ``P``.

    ``P.max_train``, ``P.max_eval`` cap the sequences (taken at random, seeded by ``P.data_seed``)
    and ``P.frame_step`` keeps every k-th frame; the full profile uses everything.
    """
    from skelrnn import dataset

    rng = np.random.default_rng(P.data_seed)
    out = {}
    for part, idx in data.split("cross_subject").items():
        cap = P.max_train if part == "train" else P.max_eval
        if cap is not None and len(idx) > cap:
            idx = np.sort(rng.choice(idx, size=cap, replace=False))
        features = dataset.make_features(data, idx, preprocessing=preprocessing, frame_step=P.frame_step)
        out[part] = (features, data.labels[idx])
    return out


def run_key(model_config, train_config, seed: int, dataset_sha: str) -> str:
    """A short name for a run: a hash of its model and training settings, seed and data."""
    text = json.dumps([model_config.to_dict(), train_config.to_dict(), int(seed), dataset_sha], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def relative_cost(model: dict) -> float:
    """A rough relative cost of training ``model`` (a ``ModelConfig`` dict), used to order runs: its
    recurrent multiply-adds per time step, units^2 per layer times a factor per cell (a bidirectional
    layer runs two networks of half the units), plus a constant for building and tracing the model.

    The factors are measured, not counted: the GRU of the thesis (reset gate before the product)
    runs two recurrent products one after the other and took 1.4x the LSTM's time per update on CPU.
    """
    factor = {"rnn": 1.0, "lstm": 4.0, "gru": 5.5}[model["cell"]]
    units = model["units"]
    per_layer = factor * (2 * (units // 2) ** 2 if model["bidirectional"] else units**2)
    return model["layers"] * per_layer + 4e5


_WORKER: dict = {}


def _die_with_parent() -> None:
    """On Linux, ask the kernel to stop this worker when the process that started it dies (a killed
    notebook must not leave training processes behind)."""
    import ctypes
    import signal
    import sys

    if sys.platform == "linux":
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            pass


def _init_worker(data_dir, values: dict, preprocessing: str, threads: int) -> None:
    """Runs once in each worker process: limit the backend's threads, then load the data."""
    import signal
    from types import SimpleNamespace

    from skelrnn import dataset
    from skelrnn.backend import limit_threads

    _die_with_parent()
    # Ctrl-C (or a notebook kernel shutting down) interrupts the parent, which stops the pool;
    # workers ignore it rather than print a KeyboardInterrupt traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(threads)
    P = SimpleNamespace(**values)
    data = dataset.load_or_generate(data_dir, P.synthetic, workers=1)
    _WORKER.update(P=P, splits=prepare_splits(data, P, preprocessing))


_POOLS: dict = {}


def _pool(workers: int, data_dir, P, preprocessing: str):
    """A pool of training processes, kept for the next tables of the chapter (starting one costs
    seconds: each process imports the backend and loads the data)."""
    import atexit
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    threads = max(1, (os.cpu_count() or 1) // workers)
    init = (None if data_dir is None else str(data_dir), vars(P), preprocessing, threads)
    key = (workers, repr(init))
    if key not in _POOLS:
        # spawn: the workers run TensorFlow, which a forked child of a TensorFlow process must not.
        pool = ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"), _init_worker, init)
        atexit.register(pool.shutdown)
        _POOLS[key] = pool
    return _POOLS[key]


def _train_job(job: dict, P=None, splits=None) -> str:
    """Train one run; in a worker process ``P`` and ``splits`` come from ``_init_worker``."""
    from skelrnn import models, train

    if P is None:
        P, splits = _WORKER["P"], _WORKER["splits"]
    train.train_run(
        models.ModelConfig(**job["model"]),
        train.TrainConfig(**job["train"]),
        splits,
        job["run_dir"],
        job["record"],
        seed=job["seed"],
        profile=job["profile"],
        dataset_name=P.dataset_name,
        log=lambda line: None,
    )
    return job["record"]


def run_cells(
    cells, P, splits, n_classes: int, results_dir, runs_dir, profile: str, seeds, data_dir=None, workers: int = 1,
    preprocessing: str = "first_frame", log=print,
) -> list:  # fmt: skip
    """Train every cell for every seed (skipping runs whose record exists); returns ``[(cell, seed, record)]``.

    Records go to ``results_dir/<key>.json``, checkpoints to ``runs_dir/<key>/``. With ``workers``
    > 1 the runs are shared among that many processes (each loads the data again from
    ``data_dir`` and the profile ``P``, and gets ``cpu_count / workers`` threads): building and
    tracing a model is single-threaded, so two small runs side by side finish almost twice as
    fast. Records do not depend on ``workers`` (tested).
    """
    from skelrnn import models, train
    from skelrnn.results import read_record

    identity = train.dataset_identity(P.dataset_name, splits)
    n_features = splits["train"][0][0].shape[1]
    plan, jobs = [], {}
    for cell in cells:
        for seed in seeds:
            model_cfg = models.ModelConfig(
                **{**P.baseline_model, "n_features": n_features, "n_classes": n_classes, **cell.model}
            )
            train_cfg = train.TrainConfig(**{**P.train, **cell.train})
            key = run_key(model_cfg, train_cfg, seed, identity["sha256"])
            path = Path(results_dir) / f"{key}.json"
            plan.append((cell, seed, path))
            if not path.is_file() and str(path) not in jobs:
                jobs[str(path)] = (cell, seed, {
                    "model": model_cfg.to_dict(), "train": train_cfg.to_dict(), "seed": int(seed),
                    "run_dir": str(Path(runs_dir) / key), "record": str(path), "profile": profile,
                })  # fmt: skip

    done = []

    def report(cell, seed, path):
        record = read_record(path)
        done.append(path)
        log(
            f"{train.progress_bar(len(done), len(jobs))} {len(done)}/{len(jobs)}  "
            f"{cell.table}: {cell.row}, {cell.column}, seed {seed}: test accuracy "
            f"{100 * record['test_accuracy']:.1f} % after {record['epochs']} epochs ({record['wall_seconds']:.0f} s)"
        )

    if jobs and workers > 1:
        pool = _pool(workers, data_dir, P, preprocessing)
        # The costliest runs start first, so that no worker is left with a long run while the others
        # idle (longest-processing-time-first); the log still follows the table's order.
        order = sorted(jobs, key=lambda k: -relative_cost(jobs[k][2]["model"]))
        futures = {k: pool.submit(_train_job, jobs[k][2]) for k in order}
        for k, (cell, seed, _job) in jobs.items():
            report(cell, seed, futures[k].result())
    else:
        for cell, seed, job in jobs.values():
            report(cell, seed, _train_job(job, P, splits))
    return [(cell, seed, read_record(path)) for cell, seed, path in plan]


def table_frame(runs):
    """A pandas table of ``run_cells`` results: one row per cell with the thesis's value, the mean,
    min and max test accuracy over seeds (%), the number of seeds, the fewest classes a seed's
    network predicts on the test set, the most class scores a seed's network has dead (0 on every
    test sequence, see ``train``), the mean epochs and the seconds of training."""
    import pandas as pd

    rows, cells = {}, {}
    for cell, _seed, record in runs:
        key = (cell.table, cell.row, cell.column)
        cells[key] = cell
        rows.setdefault(key, []).append(record)
    table = []
    for key, records in rows.items():
        cell = cells[key]
        acc = 100 * np.array([r["test_accuracy"] for r in records])
        table.append(
            {
                "row": cell.row,
                "column": cell.column,
                "thesis (%)": cell.thesis,
                "measured (%)": acc.mean(),
                "min": acc.min(),
                "max": acc.max(),
                "seeds": len(acc),
                "classes predicted": min(r["test_classes_predicted"] for r in records),
                "dead scores": max(r["test_dead_scores"] for r in records),
                "epochs": float(np.mean([r["epochs"] for r in records])),
                "seconds": float(np.sum([r["wall_seconds"] for r in records])),
            }
        )
    return pd.DataFrame(table)


def dead_score_cells(*frames) -> str:
    """One line for a chapter's discussion: how many cells of the ``table_frame`` tables ``frames``
    have a seed with dead class scores (the cells marked "‡"), and which."""
    import pandas as pd

    both = pd.concat(frames)
    dead = [f"{r}, {c}" for r, c, n in zip(both["row"], both["column"], both["dead scores"], strict=True) if n > 0]
    return f"{len(dead)} of the {len(both)} cells have dead class scores (‡): {'; '.join(dead) or 'none'}."


def display_table(frame):
    """``table_frame`` as the thesis lays it out: rows by columns, each entry "thesis / measured", then
    the seeds' range when there are several, and "‡" when a seed's network has dead class scores."""
    columns = ("thesis (%)", "measured (%)", "min", "max", "seeds", "dead scores")
    entries = frame.assign(
        entry=[
            f"{t:.1f} / {m:.1f}" + (f" [{lo:.1f}, {hi:.1f}]" if n > 1 else "") + (" ‡" if dead else "")
            for t, m, lo, hi, n, dead in zip(*(frame[c] for c in columns), strict=True)
        ]
    )
    table = entries.pivot(index="row", columns="column", values="entry")
    table = table.loc[list(dict.fromkeys(frame["row"])), list(dict.fromkeys(frame["column"]))]
    table.columns.name, table.index.name = "thesis / measured (%)", None
    return table


def baseline_spread(runs) -> dict:
    """Mean, min, max and standard deviation (%) of the improved baseline's test accuracy over its seeds."""
    acc = 100 * np.array([record["test_accuracy"] for _cell, _seed, record in runs])
    return {
        "mean": float(acc.mean()),
        "min": float(acc.min()),
        "max": float(acc.max()),
        "std": float(acc.std(ddof=1)) if len(acc) > 1 else float("nan"),
        "range": float(acc.max() - acc.min()),
        "seeds": len(acc),
    }


def compare_claims(frame, claims, spread: dict):
    """For each thesis claim ``(text, (row, column), (row, column))`` "a beats b": the thesis's and the
    measured difference a - b (points), and whether the measured difference is larger than the
    seed-to-seed range of the improved baseline (a difference inside it could be noise)."""
    import pandas as pd

    lookup = {(r, c): (t, m) for r, c, t, m in zip(frame["row"], frame["column"], frame["thesis (%)"],
                                                   frame["measured (%)"], strict=True)}  # fmt: skip
    rows = []
    for text, a, b in claims:
        (ta, ma), (tb, mb) = lookup[a], lookup[b]
        measured = ma - mb
        rows.append(
            {
                "claim": text,
                "thesis difference": ta - tb,
                "measured difference": measured,
                "same sign": bool(np.sign(measured) == np.sign(ta - tb)),
                "beyond seed range": bool(abs(measured) > spread["range"]),
            }
        )
    return pd.DataFrame(rows)


class TrainingChapter:
    """What the baselines and regularization chapters set up alike: the profile's values, the data and
    its splits, the folders of records and checkpoints, and a runner for table cells.

    ``records`` (``results_dir/<profile>/training``) is shared by both chapters, so a run that
    appears in both (the improved baseline) is trained once.
    """

    def __init__(self, chapter: str, profile: str, seed: int, results_dir, data_dir=None, runs_dir="_build/runs"):
        from skelrnn import dataset, profiles

        self.P = profiles.get(chapter, profile)
        self.profile, self.data_dir = profile, data_dir
        self.records = Path(results_dir) / profile / "training"
        self.runs = Path(runs_dir) / profile
        self.seeds = [seed + s for s in self.P.seeds]
        self.baseline_seeds = [seed + s for s in self.P.baseline_seeds]
        self.data = dataset.load_or_generate(data_dir, self.P.synthetic)
        self.splits = prepare_splits(self.data, self.P)
        self.n_classes = len(self.data.actions)

    def header(self) -> str:
        """Two lines for the top of a chapter: library version, profile and seeds, then the environment."""
        import skelrnn
        from skelrnn.backend import describe

        return (
            f"skelrnn {skelrnn.__version__}, profile: {self.profile}, seeds {self.seeds} "
            f"(improved baseline {self.baseline_seeds})\n" + ", ".join(f"{k} {v}" for k, v in describe().items())
        )

    def run(self, cells, seeds=None, log=print) -> list:
        """Train the cells that have no record yet (``P.workers`` processes side by side); all records."""
        return run_cells(
            cells, self.P, self.splits, self.n_classes, self.records, self.runs, self.profile,
            self.seeds if seeds is None else seeds, data_dir=self.data_dir, workers=self.P.workers, log=log,
        )  # fmt: skip

    def baseline(self, log=print) -> list:
        """The improved baseline trained with every baseline seed (its spread is the chapters' yardstick)."""
        cell = Cell("baseline", "improved baseline", "GRU 3 x 100", thesis.IMPROVED_BASELINE_ACCURACY)
        return self.run([cell], self.baseline_seeds, log=log)
