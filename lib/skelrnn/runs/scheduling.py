"""The scheduling every executor shares: training one job, the splits a worker receives, which
job a free worker takes, and results given back in the jobs' order.

Defined for the executors of ``skelrnn.runs`` (``local``: processes on this machine;
``ray_executor``: a Ray cluster). An executor has one method, ``run(jobs, splits)``, which trains
every job (``planning.Job``) and yields each job's record path, in the order of ``jobs``.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from skelrnn.core.io import write_arrays_atomic
from skelrnn.core.parallel import init_backend_worker
from skelrnn.networks.models import ModelConfig
from skelrnn.runs.planning import Job, relative_cost
from skelrnn.training.engine import MODEL_POOL_SIZE, ModelPool, train_run
from skelrnn.training.settings import TrainConfig

__all__ = [
    "train_job", "this_node", "pack_splits", "unpack_splits", "save_splits", "load_splits", "init_training_worker",
    "worker_model_pool", "train_in_worker", "worker_ready", "next_job", "JobQueue", "InOrder",
]  # fmt: skip


def train_job(job: Job, splits: dict, pool=None, place: dict | None = None, checkpoint_seconds: float = 60.0) -> str:
    """Train ``job`` on ``splits`` (``training.engine.train_run``, with the models of ``pool``, a
    ``training.engine.ModelPool``); returns its record path. ``place`` (``executor``, ``node``) goes into the
    record's ``environment``: which executor and which machine trained it."""
    train_run(
        ModelConfig(**job.model), TrainConfig(**job.train), splits, job.run_dir, job.record,
        seed=job.seed, profile=job.profile, dataset_name=job.dataset_name, log=lambda line: None, pool=pool,
        place=place or {"executor": "in-process", "node": this_node()}, checkpoint_seconds=checkpoint_seconds,
    )  # fmt: skip
    return job.record


def this_node() -> str:
    """The name of this machine, as records give it (``environment["node"]``)."""
    return platform.node() or "localhost"


# The splits of a worker process (the last file it was given, loaded once) and its traced models.
_WORKER_SPLITS: dict = {}
_WORKER_POOL: list = []


def pack_splits(splits: dict) -> dict[str, np.ndarray]:
    """``splits`` as a few flat arrays (``part/x`` the frames of every sequence one after the other,
    ``part/lengths``, ``part/labels``): what travels to a worker, in one file or one object."""
    arrays = {}
    for part, (features, labels) in splits.items():
        arrays[f"{part}/x"] = np.concatenate(features) if features else np.zeros((0, 0), np.float32)
        arrays[f"{part}/lengths"] = np.array([len(f) for f in features], dtype=np.int64)
        arrays[f"{part}/labels"] = np.asarray(labels)
    return arrays


def unpack_splits(arrays) -> dict:
    """The splits that ``pack_splits`` packed (each sequence a view into ``part/x``)."""
    splits = {}
    for part in sorted({k.split("/")[0] for k in arrays}):
        x, lengths = arrays[f"{part}/x"], arrays[f"{part}/lengths"]
        splits[part] = (np.split(x, np.cumsum(lengths)[:-1]) if len(lengths) else [], arrays[f"{part}/labels"])
    return splits


def save_splits(path: Path, splits: dict) -> None:
    """Write ``splits`` to ``path`` (``pack_splits``, uncompressed: a worker reads it once)."""
    write_arrays_atomic(path, pack_splits(splits), compress=False)


def load_splits(path: str) -> dict:
    """The splits ``save_splits`` wrote to ``path``."""
    with np.load(path, allow_pickle=False) as z:
        return unpack_splits({k: z[k] for k in z.files})


def init_training_worker(threads: int) -> None:
    """Runs once in each worker process that trains runs (``local.LocalProcesses``, and the Ray
    executor's actors): the backend worker's set-up (``core.parallel.init_backend_worker``), then a
    model pool (``worker_model_pool``)."""
    init_backend_worker(threads)
    _WORKER_POOL[:] = [ModelPool()]


def worker_model_pool() -> ModelPool:
    """The model pool of this worker process (set up by ``init_training_worker``)."""
    return _WORKER_POOL[0]


def train_in_worker(job: Job, splits_file: str, executor: str) -> str:
    """Train ``job`` in a worker process on the splits of ``splits_file`` (loaded once a file)."""
    if _WORKER_SPLITS.get("file") != splits_file:  # the inputs changed (another group of cells)
        _WORKER_SPLITS.clear()
        _WORKER_SPLITS.update(file=splits_file, splits=load_splits(splits_file))
    return train_job(job, _WORKER_SPLITS["splits"], _WORKER_POOL[0], {"executor": executor, "node": this_node()})


def next_job(pending: list[int], costs: dict, keys: dict, warm_here: set, warm_elsewhere: set) -> int:
    """Which of the ``pending`` jobs (indices, longest first) a free worker takes: among those of
    comparable cost (at least half the longest waiting, so that long runs still start first),
    the first whose model this worker has traced (``keys[k]`` in ``warm_here``), else the first
    whose model no other worker holds, else the longest. ``costs[k]``: ``relative_cost``."""
    comparable = [k for k in pending if costs[k] >= costs[pending[0]] / 2]
    for k in comparable:
        if keys[k] in warm_here:
            return k
    for k in comparable:
        if keys[k] not in warm_elsewhere:
            return k
    return pending[0]


class JobQueue:
    """The jobs of one ``run`` that no worker has started, longest first (``relative_cost``; long runs
    start first so that no worker is left with one while the others idle), and the models each
    worker has traced: ``warm[worker]``, ``training.engine.ModelPool`` keys, most recent last, as many as a
    pool keeps (the executor keeps ``warm`` from one ``run`` to the next, as its workers keep
    their models). ``take(worker)`` removes and returns the index of the job that ``worker``
    trains next (``next_job``); ``put_back`` returns a job whose worker was lost."""

    def __init__(self, jobs: Sequence[Job], warm: dict):
        self.costs = {k: relative_cost(job.model) for k, job in enumerate(jobs)}
        self.keys = {k: ModelPool.key(ModelConfig(**j.model), TrainConfig(**j.train)) for k, j in enumerate(jobs)}
        self.pending = sorted(range(len(jobs)), key=self._order)
        self.warm = warm

    def _order(self, k: int) -> tuple:
        return -self.costs[k], k

    def take(self, worker) -> int:
        elsewhere = {key for other, keys in self.warm.items() if other != worker for key in keys}
        k = next_job(self.pending, self.costs, self.keys, set(self.warm.get(worker, ())), elsewhere)
        self.pending.remove(k)
        keys = [key for key in self.warm.get(worker, ()) if key != self.keys[k]] + [self.keys[k]]
        self.warm[worker] = keys[-MODEL_POOL_SIZE:]
        return k

    def put_back(self, k: int) -> None:
        self.pending = sorted([*self.pending, k], key=self._order)


class InOrder:
    """Results that arrive in any order, given back in the order of the jobs: ``add(k, result)``,
    then ``ready()`` yields every result whose predecessors have all been given back."""

    def __init__(self, n: int):
        self.n, self.emitted, self._results = n, 0, {}

    def add(self, k: int, result) -> None:
        self._results[k] = result

    def ready(self) -> Iterator:
        while self.emitted in self._results:
            self.emitted += 1
            yield self._results.pop(self.emitted - 1)

    @property
    def done(self) -> bool:
        return self.emitted == self.n


def worker_ready() -> bool:
    """A worker's first job: its initializer has imported the backend by the time it returns."""
    return True
