"""Executors on this machine: ``InProcess`` trains the jobs one after the other in this process;
``LocalProcesses`` shares them among worker processes, which receive the prepared splits once,
through one uncompressed ``.npz`` file, rather than re-deriving them.

Defined for the training chapters (03 on); the scheduling they share with the Ray executor is
``skelrnn.runs.scheduling``.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from skelrnn.core.parallel import backend_process_pool
from skelrnn.data.splits import dataset_identity
from skelrnn.runs.planning import Job
from skelrnn.runs.scheduling import (
    InOrder,
    JobQueue,
    init_training_worker,
    save_splits,
    train_in_worker,
    train_job,
    worker_ready,
)
from skelrnn.training.engine import ModelPool

__all__ = ["InProcess", "LocalProcesses"]


class InProcess:
    """Trains the jobs one after the other in this process, reusing traced models (``engine.ModelPool``)."""

    def __init__(self):
        self.pool = ModelPool()

    def start(self) -> None:
        """Nothing to start: the jobs run in this process."""

    def describe(self) -> str:
        return "in this process"

    def run(self, jobs: Sequence[Job], splits: dict) -> Iterator[str]:
        for job in jobs:
            yield train_job(job, splits, self.pool)


class LocalProcesses:
    """Shares the jobs among ``workers`` processes on this machine, each with ``cpu_count / workers``
    backend threads: building and tracing a model is single-threaded, so two small runs side by
    side finish almost twice as fast as one after the other. Records do not depend on the number
    of workers (tested). The processes stay up for the next ``run``, whatever its splits (starting
    one costs seconds: each imports the backend), and keep the models they traced
    (``engine.ModelPool``); a free worker takes a job whose model it holds before another
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
        sha = dataset_identity("", splits)["sha256"]
        if sha not in self._files:
            path = self._folder / f"splits-{sha[:16]}.npz"
            save_splits(path, splits)
            self._files[sha] = path
        return self._files[sha]

    def _start(self) -> None:
        if self._pools:
            return
        self._folder = Path(tempfile.mkdtemp(prefix="skelrnn-splits-"))
        # One executor of one process per worker: a job goes to the worker chosen for it.
        self._pools = [backend_process_pool(1, self.workers, init_training_worker) for _ in range(self.workers)]
        self._warm = {}

    def start(self) -> None:
        """Start the workers now (each imports the backend: seconds), so that they are ready by the
        first ``run``; a chapter calls it before loading its data."""
        self._start()
        for pool in self._pools:
            pool.submit(worker_ready)

    def worker_pids(self) -> set[int]:
        """The process ids of the running workers (empty before the first ``run``)."""
        return {pid for pool in self._pools for pid in (pool._processes or {})}

    def describe(self) -> str:
        return f"{self.workers} processes on this machine"

    def run(self, jobs: Sequence[Job], splits: dict) -> Iterator[str]:
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
                running[self._pools[w].submit(train_in_worker, jobs[k], splits_file, executor)] = (w, k)
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
