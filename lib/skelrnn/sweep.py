"""From table cells x seeds to training runs, and executors that run them.

Defined for the training chapters (03 on). ``plan_runs`` turns each (cell, seed) into a ``Job``
named by a hash of everything that determines it (model, training settings, seed, data), so a
run shared by two tables (the improved baseline is in all four of chapters 03-04) is trained
once, and a chapter run again only trains what has no record. ``run_cells`` plans, hands the
missing jobs to an executor and reads the records back.

An executor has one method, ``run(jobs, splits)``, which trains every job and yields each job's
record path, in the order of ``jobs``. ``InProcess`` trains them one after the other;
``LocalProcesses`` shares them among worker processes, which receive the prepared splits once,
through one uncompressed ``.npz`` file, rather than re-deriving them. Another executor (Ray, a
cluster queue) only needs the same method.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Job",
    "model_spec",
    "plan_runs",
    "train_job",
    "InProcess",
    "LocalProcesses",
    "run_cells",
    "make_executor",
    "relative_cost",
    "run_key",
]


@dataclass(frozen=True)
class Job:
    """One training run: ``ModelConfig`` and ``TrainConfig`` fields, seed, and where its record and
    checkpoints go."""

    model: dict
    train: dict
    seed: int
    record: str
    run_dir: str
    profile: str
    dataset_name: str


def run_key(model: dict, train: dict, seed: int, dataset_sha: str) -> str:
    """A short name for a run: a hash of its model and training settings, seed and data."""
    text = json.dumps([model, train, int(seed), dataset_sha], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def scaled_units(units: int, scale: float) -> int:
    """``units`` times a profile's ``width_scale``, even (a bidirectional layer halves it) and at least 2."""
    return max(2, 2 * int(units * scale / 2 + 0.5))


def model_spec(baseline_model: dict, n_features: int, n_classes: int, changes: dict | None = None,
               width_scale: float = 1.0):  # fmt: skip
    """The ``models.ModelConfig`` of a cell: the improved baseline ``baseline_model`` with the cell's
    model ``changes``, for inputs of ``n_features`` and ``n_classes`` classes, every width times
    ``width_scale`` (``scaled_units``)."""
    from skelrnn import models

    spec = {**baseline_model, "n_features": int(n_features), "n_classes": int(n_classes), **(changes or {})}
    if width_scale != 1:  # at 1 the widths stay as written (scaled_units would make them even)
        spec["units"] = scaled_units(spec["units"], width_scale)
    return models.ModelConfig(**spec)


def plan_runs(
    cells, seeds, splits, *, baseline_model: dict, train_settings: dict, n_classes: int, results_dir, runs_dir,
    profile: str, dataset_name: str, width_scale: float = 1.0,
) -> tuple[list[tuple], dict[str, Job]]:  # fmt: skip
    """``[(cell, seed, record path)]`` for every cell and seed, and the jobs of the runs without a
    record, by record path (a run shared by several cells appears once). ``seeds`` is a sequence
    for every cell, or a function of the cell giving its seeds; ``width_scale`` multiplies every
    network's units (``scaled_units``)."""
    from skelrnn import train
    from skelrnn.dataset import dataset_identity

    sha = dataset_identity(dataset_name, splits)["sha256"]
    n_features = splits["train"][0][0].shape[1]
    plan, jobs = [], {}
    seeds_of = seeds if callable(seeds) else (lambda cell: seeds)
    for cell in cells:
        for seed in seeds_of(cell):
            model = model_spec(baseline_model, n_features, n_classes, cell.model, width_scale).to_dict()
            settings = train.TrainConfig(**{**train_settings, **cell.train}).to_dict()
            key = run_key(model, settings, seed, sha)
            path = str(Path(results_dir) / f"{key}.json")
            plan.append((cell, seed, path))
            if not Path(path).is_file() and path not in jobs:
                jobs[path] = Job(model, settings, int(seed), path, str(Path(runs_dir) / key), profile, dataset_name)
    return plan, jobs


def train_job(job: Job, splits: dict, pool=None, place: dict | None = None, checkpoint_seconds: float = 60.0) -> str:
    """Train ``job`` on ``splits`` (``train.train_run``, with the models of ``pool``, a
    ``train.ModelPool``); returns its record path. ``place`` (``executor``, ``node``) goes into the
    record's ``environment``: which executor and which machine trained it."""
    from skelrnn import models, train

    train.train_run(
        models.ModelConfig(**job.model), train.TrainConfig(**job.train), splits, job.run_dir, job.record,
        seed=job.seed, profile=job.profile, dataset_name=job.dataset_name, log=lambda line: None, pool=pool,
        place=place or {"executor": "in-process", "node": this_node()}, checkpoint_seconds=checkpoint_seconds,
    )  # fmt: skip
    return job.record


def this_node() -> str:
    """The name of this machine, as records give it (``environment["node"]``)."""
    import platform

    return platform.node() or "localhost"


def relative_cost(model: dict) -> float:
    """A rough relative cost of training ``model`` (a ``ModelConfig`` dict), used only to order runs
    so that the longest start first: recurrent multiply-adds per time step (units^2 per layer, a
    bidirectional layer is two networks of half the units) times a factor per cell, plus a
    constant for building and tracing the model. The cell factors were measured on CPU: the
    thesis's GRU (reset gate before the product) runs two recurrent products one after the other
    and took 1.4x the LSTM's time per update."""
    factor = {"rnn": 1.0, "lstm": 4.0, "gru": 5.5}[model["cell"]]
    units = model["units"]
    per_layer = factor * (2 * (units // 2) ** 2 if model["bidirectional"] else units**2)
    return model["layers"] * per_layer + 4e5


class InProcess:
    """Trains the jobs one after the other in this process, reusing traced models (``train.ModelPool``)."""

    def __init__(self):
        from skelrnn.train import ModelPool

        self.pool = ModelPool()

    def start(self) -> None:
        """Nothing to start: the jobs run in this process."""

    def describe(self) -> str:
        return "in this process"

    def run(self, jobs: Sequence[Job], splits: dict) -> Iterator[str]:
        for job in jobs:
            yield train_job(job, splits, self.pool)


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


def _save_splits(path: Path, splits: dict) -> None:
    from skelrnn.io import write_arrays_atomic

    write_arrays_atomic(path, pack_splits(splits), compress=False)


def _load_splits(path: str) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return unpack_splits({k: z[k] for k in z.files})


def init_worker(threads: int) -> None:
    """Runs once in each worker process that trains with the backend (``LocalProcesses``, and
    ``memory_task.run_memory_grid``): stop with the parent, limit threads, drop TensorFlow's
    retracing warning (each run traces a new model; a worker writes to the chapter's stderr), start
    a model pool."""
    import ctypes
    import signal
    import sys

    from skelrnn.backend import ignore_retracing_warnings, limit_threads

    if sys.platform == "linux":  # a killed notebook must not leave training processes behind
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            pass
    # Ctrl-C (or a kernel shutting down) interrupts the parent, which stops the pool; workers
    # ignore it rather than each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(threads)
    ignore_retracing_warnings()
    from skelrnn.train import ModelPool

    _WORKER_POOL[:] = [ModelPool()]


def _worker_job(job: Job, splits_file: str, executor: str) -> str:
    if _WORKER_SPLITS.get("file") != splits_file:  # the inputs changed (another group of cells)
        _WORKER_SPLITS.clear()
        _WORKER_SPLITS.update(file=splits_file, splits=_load_splits(splits_file))
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
    worker has traced: ``warm[worker]``, ``train.ModelPool`` keys, most recent last, as many as a
    pool keeps (the executor keeps ``warm`` from one ``run`` to the next, as its workers keep
    their models). ``take(worker)`` removes and returns the index of the job that ``worker``
    trains next (``next_job``); ``put_back`` returns a job whose worker was lost."""

    def __init__(self, jobs: Sequence[Job], warm: dict):
        from skelrnn.models import ModelConfig
        from skelrnn.train import ModelPool, TrainConfig

        self.costs = {k: relative_cost(job.model) for k, job in enumerate(jobs)}
        self.keys = {k: ModelPool._key(ModelConfig(**j.model), TrainConfig(**j.train)) for k, j in enumerate(jobs)}
        self.pending = sorted(range(len(jobs)), key=self._order)
        self.warm = warm

    def _order(self, k: int) -> tuple:
        return -self.costs[k], k

    def take(self, worker) -> int:
        from skelrnn.train import MODEL_POOL_SIZE

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


def backend_process_pool(processes: int, share: int | None = None):
    """A ``ProcessPoolExecutor`` of ``processes`` workers that train with the backend: spawned (a
    forked child of a process that runs the backend must not run it), each set up by
    ``init_worker`` with ``cpu_count / share`` backend threads (``share``: how many such workers
    run side by side, default ``processes``)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    threads = max(1, (os.cpu_count() or 1) // (share or processes))
    return ProcessPoolExecutor(processes, multiprocessing.get_context("spawn"), init_worker, (threads,))


def _ready() -> bool:
    return True  # a worker's first job: its initializer has imported the backend


class LocalProcesses:
    """Shares the jobs among ``workers`` processes on this machine, each with ``cpu_count / workers``
    backend threads: building and tracing a model is single-threaded, so two small runs side by
    side finish almost twice as fast as one after the other. Records do not depend on the number
    of workers (tested). The processes stay up for the next ``run``, whatever its splits (starting
    one costs seconds: each imports the backend), and keep the models they traced
    (``train.ModelPool``); a free worker takes a job whose model it holds before another
    (``next_job``), so that the seeds of a cell are traced once, not once a worker. Each ``run``'s
    splits go to a file that a worker loads once."""

    def __init__(self, workers: int):
        if int(workers) < 1:
            raise ValueError(f"workers: expected an integer >= 1, got {workers}")
        self.workers = int(workers)
        self._pools: list = []
        self._folder = None
        self._files: dict[str, Path] = {}
        self._warm: dict[int, list[str]] = {}  # per worker, the model keys of its ModelPool (JobQueue)
        atexit.register(self.close)

    def _splits_file(self, splits: dict) -> Path:
        from skelrnn.dataset import dataset_identity

        sha = dataset_identity("", splits)["sha256"]
        if sha not in self._files:
            path = self._folder / f"splits-{sha[:16]}.npz"
            _save_splits(path, splits)
            self._files[sha] = path
        return self._files[sha]

    def _start(self) -> None:
        if self._pools:
            return
        self._folder = Path(tempfile.mkdtemp(prefix="skelrnn-splits-"))
        # One executor of one process per worker: a job goes to the worker chosen for it.
        self._pools = [backend_process_pool(1, share=self.workers) for _ in range(self.workers)]
        self._warm = {}

    def start(self) -> None:
        """Start the workers now (each imports the backend: seconds), so that they are ready by the
        first ``run``; a chapter calls it before loading its data."""
        self._start()
        for pool in self._pools:
            pool.submit(_ready)

    def worker_pids(self) -> set[int]:
        """The process ids of the running workers (empty before the first ``run``)."""
        return {pid for pool in self._pools for pid in (pool._processes or {})}

    def describe(self) -> str:
        return f"{self.workers} processes on this machine"

    def run(self, jobs: Sequence[Job], splits: dict) -> Iterator[str]:
        from concurrent.futures import FIRST_COMPLETED, wait

        if not jobs:
            return
        self._start()
        splits_file = str(self._splits_file(splits))
        queue, out = JobQueue(jobs, self._warm), InOrder(len(jobs))
        running, idle = {}, list(range(self.workers))
        executor = f"local processes ({self.workers})"
        while not out.done:
            while idle and queue.pending:
                w = idle.pop(0)
                k = queue.take(w)
                running[self._pools[w].submit(_worker_job, jobs[k], splits_file, executor)] = (w, k)
            yield from out.ready()
            if out.done:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                w, k = running.pop(future)
                idle.append(w)
                out.add(k, future.result())

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        self._pools, self._warm = [], {}
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._files.clear()


EXECUTORS = ("local", "ray")


def make_executor(kind: str = "local", workers: int = 1, ray_options: dict | None = None):
    """The executor a chapter trains with: ``local`` (``workers`` processes on this machine, a
    profile's choice, ``InProcess`` for one) or ``ray`` (``ray_executor.RayExecutor`` with
    ``ray_options``: ``address``, ``cpus_per_run``, ``gpus_per_run``, ``workers``...)."""
    if kind == "local":
        if ray_options:
            raise ValueError(f"ray_options {sorted(ray_options)}: options of the executor 'ray', not 'local'")
        return LocalProcesses(workers) if workers > 1 else InProcess()
    if kind == "ray":
        from skelrnn.ray_executor import RayExecutor

        return RayExecutor(**(ray_options or {}))
    raise ValueError(f"executor {kind!r}: expected one of {EXECUTORS}")


def run_cells(
    cells, seeds, splits, *, baseline_model: dict, train_settings: dict, n_classes: int, results_dir, runs_dir,
    profile: str, dataset_name: str, executor=None, log=print, width_scale: float = 1.0,
) -> list[tuple]:  # fmt: skip
    """Train every cell for every seed that has no record yet; returns ``[(cell, seed, RunRecord)]``
    (``seeds`` and ``width_scale`` as in ``plan_runs``).

    Records go to ``results_dir/<key>.json``, checkpoints to ``runs_dir/<key>/``; ``executor``
    (default ``InProcess()``) trains the missing runs. One progress line per finished run.
    """
    from skelrnn.results import read_run_record
    from skelrnn.train import progress_bar

    plan, jobs = plan_runs(
        cells, seeds, splits, baseline_model=baseline_model, train_settings=train_settings, n_classes=n_classes,
        results_dir=results_dir, runs_dir=runs_dir, profile=profile, dataset_name=dataset_name, width_scale=width_scale,
    )  # fmt: skip
    labels = {}
    for cell, seed, path in plan:
        labels.setdefault(path, f"{cell.table}: {cell.row}, {cell.column}, seed {seed}")
    todo = list(jobs.values())
    trained = {}
    for done, path in enumerate((executor or InProcess()).run(todo, splits), start=1):
        trained[path] = record = read_run_record(path)
        log(
            f"{progress_bar(done, len(todo))} {done}/{len(todo)}  {labels[path]}: test accuracy "
            f"{100 * record.test_accuracy:.1f} % after {record.updates} updates, {record.epochs:.1f} epochs "
            f"({record.wall_seconds:.0f} s)"
        )
    records = {path: trained.get(path) or read_run_record(path) for _cell, _seed, path in plan}
    log(f"runs: {len(todo)} trained, {len(records) - len(todo)} reused")  # the book command counts these
    return [(cell, seed, records[path]) for cell, seed, path in plan]


def record_key(record) -> str:
    """The name (``run_key``) of the run a ``results.RunRecord`` holds: its record is ``<key>.json``."""
    return run_key(record.model, record.train, record.seed, record.dataset["sha256"])
