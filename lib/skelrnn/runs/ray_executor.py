"""Training runs on a Ray cluster: ``RayExecutor``, an executor of ``skelrnn.runs`` (``run(jobs, splits)``).

Defined for the training chapters (03 on) and the page "Running the full profile on a cluster".
The thesis's grids are hundreds of runs (what they cost per chapter on a device is extrapolated by
the full profile's rehearsal, ``rehearsal.rehearse``), and a 3 x 100 GRU fills a small part of a
modern GPU; Ray (an optional dependency: ``pip install -e
".[ray]"``) spreads them over the machines of a cluster, several small runs to a GPU.

- Each worker is a Ray actor (one process) that trains jobs one after the other and keeps the
  models it traced (``training.engine.ModelPool``), as ``local.LocalProcesses`` workers do; jobs go
  to workers by the same rule (``scheduling.JobQueue``).
- A ``run``'s splits go into Ray's object store once; a worker reads them once per ``run``.
- Records come back to the driver as data, and the driver writes them atomically where
  ``planning.plan_runs`` expects them; without storage the nodes share, the best weights come back
  too. No shared file system is needed.
- A worker lost with its node: its run goes back in the queue and another worker trains it,
  from its last checkpoint when ``runs_dir`` is on storage the nodes share, else from the first
  update; the log says which. An interrupted driver (Ctrl-C, an error) kills the workers that
  were training, so no run goes on without it.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import logging
import math
import os
import shutil
import socket
import tempfile
import uuid
import warnings
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import keras

from skelrnn.core.folders import RUN_DIR_PARTS
from skelrnn.core.io import write_bytes_atomic, write_text_atomic
from skelrnn.data.splits import dataset_identity
from skelrnn.runs.scheduling import (
    InOrder,
    JobQueue,
    init_training_worker,
    pack_splits,
    train_job,
    unpack_splits,
    worker_model_pool,
)
from skelrnn.training.records import RunRecord, write_run_record

__all__ = ["RayExecutor", "worker_environment", "RAY_MISSING"]

RAY_MISSING = 'the Ray executor needs Ray, an optional dependency: pip install -e ".[ray]"'
STORAGE_MARKER = ".skelrnn-storage"  # written by the driver in runs_dir: a worker that reads it shares the storage
NICENESS = "RAY_worker_niceness"  # read by the raylet that ray.init starts
# The driver's environment variables that a worker needs to train as the driver would.
PASSED_ON = ("KERAS_BACKEND", "XLA_FLAGS", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")


def import_ray():
    """The ``ray`` module, or ``ImportError`` saying how to install it."""
    # In a notebook kernel without ipywidgets, importing Ray warns through tqdm and logs through its
    # widgets: a chapter's cell must not write to stderr, and nothing here needs rich output.
    logging.getLogger("ray.widgets").setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="IProgress not found")
            import ray  # optional: pip install -e ".[ray]"
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def worker_environment(gpus_per_run: float) -> dict[str, str]:
    """Environment variables of a worker process, set before it imports the backend: the driver's
    Keras backend and its settings (``PASSED_ON``). A worker with a GPU share must leave the
    rest of the GPU's memory to the runs beside it: JAX preallocates 75 % of it and TensorFlow
    maps nearly all of it unless told not to (PyTorch allocates as it goes). A worker without a
    GPU share sees no GPU (Ray no longer hides the GPUs from such tasks)."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env["KERAS_BACKEND"] = keras.backend.backend()
    if gpus_per_run > 0:
        env.update(XLA_PYTHON_CLIENT_PREALLOCATE="false", TF_FORCE_GPU_ALLOW_GROWTH="true")
    else:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def check_reachable(address: str, timeout: float) -> None:
    """``ConnectionError`` naming ``address`` when nothing listens there (``host:port`` or
    ``ray://host:port``; ``auto`` and ``local`` are left to Ray)."""
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"ray address {address!r}: expected host:port (as `ray start --head` printed it), or local")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise ConnectionError(f"no Ray cluster at {address}: {e} (start one there with `ray start --head`)") from None


def node_runs_dir(node_id: str) -> Path:
    """Where a worker on the node ``node_id`` keeps the checkpoints of its runs when the nodes share
    no storage (they are lost with the node)."""
    return Path(tempfile.gettempdir()) / "skelrnn-runs" / node_id[:8]


def node_run_dir(node_id: str, run_dir: str) -> Path:
    """The folder on the node ``node_id`` of the run whose folder on the driver is ``run_dir`` (its
    last three parts, profile/backend/run, as under runs_dir: two books on a node never share one)."""
    return node_runs_dir(node_id).joinpath(*Path(run_dir).parts[-RUN_DIR_PARTS:])


def _checkpointed_update(run_dir: Path) -> int:
    """The update of the checkpoint a run would resume from in ``run_dir`` (0: none)."""
    try:
        return int(json.loads((run_dir / "state.json").read_text())["update"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


class _Trainer:
    """A Ray actor (one worker process): trains jobs one after the other with the models it traced
    before, on the splits of the latest ``run``."""

    def __init__(self, threads: int):
        import ray  # optional: only a Ray worker runs this

        init_training_worker(threads)  # threads, and stop when the node's raylet (the parent) dies
        self.pool = worker_model_pool()
        self.splits_id, self.splits = None, None
        self.shared: dict[str, bool] = {}  # storage marker -> whether this node shares the driver's storage
        node_id = ray.get_runtime_context().get_node_id()
        self.node = f"{ray.util.get_node_ip_address()} (Ray node {node_id[:8]})"
        self.node_id = node_id

    def _shares(self, marker: str, token: str) -> bool:
        """Whether this node reads the driver's ``token`` in ``marker`` (read once a marker)."""
        if marker not in self.shared:
            self.shared[marker] = _read(marker) == token
        return self.shared[marker]

    def where(self) -> dict:
        return {"node": self.node, "node_id": self.node_id, "pid": os.getpid()}

    def train(self, job, splits_box: list, splits_id: str, storage, executor: str, checkpoint_seconds: float) -> dict:
        import ray  # optional: only a Ray worker runs this

        if splits_id != self.splits_id:
            self.splits_id, self.splits = splits_id, unpack_splits(ray.get(splits_box[0]))
        shared = storage is True or (isinstance(storage, list | tuple) and self._shares(*storage))
        run_dir = Path(job.run_dir) if shared else node_run_dir(self.node_id, job.run_dir)
        resumes_from = _checkpointed_update(run_dir)
        with tempfile.TemporaryDirectory(prefix="skelrnn-record-") as scratch:
            here = dataclasses.replace(job, run_dir=str(run_dir), record=str(Path(scratch) / "record.json"))
            train_job(here, self.splits, self.pool, {"executor": executor, "node": self.node}, checkpoint_seconds)
            record = json.loads(Path(here.record).read_text())
        weights = None
        if not shared:  # the driver keeps the best weights (a chapter scores with them); the folder goes
            best = run_dir / "best.weights.h5"
            weights = best.read_bytes() if best.is_file() else None
            shutil.rmtree(run_dir, ignore_errors=True)
        return {"record": record, "weights": weights, "node": self.node, "resumed_from": resumes_from}


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


class RayExecutor:
    """Trains the jobs of ``executors.run_cells`` on a Ray cluster: the one at ``address`` (``host:port``
    as ``ray start --head`` printed it, or ``ray://host:port``); with ``address=None``, Ray's
    default (the cluster ``RAY_ADDRESS`` names, else one that ``ray start`` started on this
    machine, else a new Ray instance on this machine); with ``"local"``, always a new instance.

    Each run takes ``cpus_per_run`` CPUs (the worker's backend threads) and ``gpus_per_run`` of a
    GPU (0.25: four runs share one GPU; ``worker_environment`` keeps each from taking the GPU's
    memory). ``workers`` (default: as many as the cluster's nodes hold) processes train side by
    side. ``shared_storage``: whether ``runs_dir`` is on storage every node reaches (None: each
    worker finds out by reading a file the driver writes there). ``checkpoint_seconds`` as in
    ``engine.train_run``; a run lost with its node is tried ``max_retries`` times more. Records are
    those of ``local.LocalProcesses`` (``records.outcome``; tested); each names the executor and
    node in its ``environment``.
    """

    def __init__(
        self, address: str | None = None, *, cpus_per_run: float = 1, gpus_per_run: float = 0,
        workers: int | None = None, shared_storage: bool | None = None, checkpoint_seconds: float = 60.0,
        max_retries: int = 3, connect_timeout: float = 10.0, log=print,
    ):  # fmt: skip
        if not cpus_per_run > 0:
            raise ValueError(f"cpus_per_run: expected a number > 0, got {cpus_per_run}")
        if not (gpus_per_run >= 0 and (gpus_per_run <= 1 or float(gpus_per_run).is_integer())):
            raise ValueError(f"gpus_per_run: expected a share in [0, 1] or a whole number of GPUs, got {gpus_per_run}")
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers: expected an integer >= 1, got {workers}")
        self.address, self.cpus_per_run, self.gpus_per_run = address, float(cpus_per_run), float(gpus_per_run)
        self.workers, self.shared_storage = workers, shared_storage
        self.checkpoint_seconds, self.max_retries = checkpoint_seconds, int(max_retries)
        self.connect_timeout, self.log = connect_timeout, log
        self._ray = None
        self._owns_ray = False
        self._trainer = None  # the actor class, with this executor's resources
        self._label = None  # the cluster's address, or "this machine" for a one-node instance
        self._actors: dict[int, object] = {}  # worker id -> actor handle
        self._starting: dict[object, int] = {}  # the readiness reference of a worker that is starting
        self._places: dict[int, dict] = {}  # a ready worker's node and process id
        self._warm: dict[int, list[str]] = {}  # scheduling.JobQueue's record of each worker's models
        self._next_id = 0
        self._splits: dict[str, object] = {}  # splits id -> object reference
        self._token = uuid.uuid4().hex
        self._marked: set[str] = set()  # storage markers this driver has written (one a folder)
        self._capacity: int | None = None  # runs the cluster holds, checked at the first start
        self._running_now: dict[str, int] = {}
        # Closed at exit, without keeping it alive: a chapter set up again in the same kernel drops
        # the old executor, whose workers Ray then stops (an actor lives while a handle does).
        me = weakref.ref(self)
        atexit.register(lambda: (executor := me()) is not None and executor.close())

    # -- the cluster --------------------------------------------------------------------------
    def _connect(self):
        if self._ray is not None:
            return self._ray
        ray = import_ray()
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS")
            if address:
                check_reachable(address, self.connect_timeout)
            # Ray runs its workers at niceness 15 below its own processes; on a Ray instance this
            # driver starts, the workers are the machine's work (measured: benchmarks/ray_executor.py).
            # A cluster started by `ray start` keeps its own setting.
            saved = os.environ.get(NICENESS)
            os.environ[NICENESS] = "0"
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)  # fmt: skip
            except (ConnectionError, RuntimeError) as e:  # RuntimeError: this machine is no node of it
                raise ConnectionError(
                    f"Ray cluster at {self.address}: {e} (run the book on a machine of the cluster, "
                    "which `ray start` joined, or through Ray Client: ray://HEAD:10001)"
                ) from None
            finally:
                if saved is None:
                    os.environ.pop(NICENESS)
                else:
                    os.environ[NICENESS] = saved
            self._owns_ray = True
        self._ray = ray
        if self.address in (None, "local", "auto"):  # which cluster Ray chose: say it in records
            alive = [n for n in ray.nodes() if n["Alive"]]
            self._label = "this machine" if len(alive) == 1 else ray.get_runtime_context().gcs_address
        return ray

    def capacity(self) -> int:
        """How many runs the cluster's nodes hold side by side; ``RuntimeError`` (with what the
        cluster has) when a run fits on no node, rather than a run that waits forever."""
        ray = self._connect()
        nodes = [n["Resources"] for n in ray.nodes() if n["Alive"]]
        cpus = sum(n.get("CPU", 0) for n in nodes)
        gpus = sum(n.get("GPU", 0) for n in nodes)
        has = f"{len(nodes)} nodes, {cpus:g} CPUs, {gpus:g} GPUs"
        where = self._where
        if self.gpus_per_run > 0 and gpus == 0:
            raise RuntimeError(f"gpus_per_run {self.gpus_per_run:g}: the Ray cluster at {where} has no GPU ({has})")

        def fits(node):
            n = math.floor(node.get("CPU", 0) / self.cpus_per_run + 1e-9)
            if self.gpus_per_run > 0:
                n = min(n, math.floor(node.get("GPU", 0) / self.gpus_per_run + 1e-9))
            return n

        total = sum(fits(n) for n in nodes)
        if total == 0:
            raise RuntimeError(
                f"no node of the Ray cluster at {where} holds a run of {self.cpus_per_run:g} CPUs and "
                f"{self.gpus_per_run:g} GPUs ({has})"
            )
        return total

    def start(self) -> None:
        """Connect, check that a run fits the cluster, and start the workers (each imports the
        backend: seconds); a chapter calls it before loading its data."""
        ray = self._connect()
        if self._capacity is None:  # once: a chapter's set-up and each of its runs call start
            try:
                self._capacity = self.capacity()  # fails now if a run fits nowhere
            except RuntimeError:
                self.close()
                raise
        n = self.workers or self._capacity
        if self._trainer is None:
            self._trainer = ray.remote(_Trainer).options(
                num_cpus=self.cpus_per_run, num_gpus=self.gpus_per_run, max_restarts=0,
                runtime_env={"env_vars": worker_environment(self.gpus_per_run)},
            )  # fmt: skip
        for _ in range(int(n) - len(self._actors)):  # all of them, or those an interrupt killed
            self._add_worker()

    def _add_worker(self) -> None:
        w, self._next_id = self._next_id, self._next_id + 1
        actor = self._trainer.remote(max(1, round(self.cpus_per_run)))
        self._actors[w] = actor
        self._starting[actor.where.remote()] = w

    def _drop_worker(self, w: int, kill: bool = False) -> None:
        actor = self._actors.pop(w, None)
        self._places.pop(w, None)
        self._warm.pop(w, None)
        if kill and actor is not None:
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - gone already (with its node, or the cluster)
                pass

    @property
    def name(self) -> str:
        """What records say trained them (``environment["executor"]``)."""
        return f"ray ({self._where})"

    @property
    def _where(self) -> str:
        if self._label is not None:
            return self._label
        return "this machine" if self.address in (None, "local") else self.address

    def describe(self) -> str:
        share = f" and {self.gpus_per_run:g} GPU" if self.gpus_per_run else ""
        count = f"{len(self._actors)} workers" if self._actors else "workers"
        return f"Ray ({self._where}): {count} of {self.cpus_per_run:g} CPU{share} a run"

    def worker_places(self) -> dict[int, dict]:
        """The ready workers: ``{worker id: {"node", "node_id", "pid"}}``."""
        return dict(self._places)

    def running(self) -> dict[str, int]:
        """The runs being trained now: ``{record path: worker id}``."""
        return dict(self._running_now)

    # -- a run ----------------------------------------------------------------------------------
    def _storage(self, job) -> bool | tuple[str, str]:
        """What a worker learns about ``job.run_dir``: shared (True), not (False), or a file and the
        text the driver wrote there, which a worker on the same storage reads back."""
        if self.shared_storage is not None:
            return self.shared_storage
        marker = Path(job.run_dir).parent / STORAGE_MARKER
        if str(marker) not in self._marked:  # once a folder, not once a job
            marker.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(marker, self._token)
            self._marked.add(str(marker))
        return str(marker), self._token

    def _deliver(self, job, result: dict) -> None:
        if result["weights"] is not None:
            write_bytes_atomic(Path(job.run_dir) / "best.weights.h5", result["weights"])
        write_run_record(job.record, RunRecord.from_dict(result["record"], source=f"Ray worker on {result['node']}"))

    def run(self, jobs: Sequence, splits: dict) -> Iterator[str]:
        if not jobs:
            return
        self.start()
        ray = self._ray
        jobs = [dataclasses.replace(job, run_dir=str(Path(job.run_dir).resolve())) for job in jobs]
        splits_id = dataset_identity("", splits)["sha256"]
        if splits_id not in self._splits:
            self._splits[splits_id] = ray.put(pack_splits(splits))
        box = [self._splits[splits_id]]  # in a list, so that Ray passes the reference, not the arrays
        queue, out = JobQueue(jobs, self._warm), InOrder(len(jobs))
        running: dict[object, tuple[int, int]] = {}  # task reference -> (worker, job)
        lost: dict[int, int] = {}  # job -> times its worker was lost
        try:
            while not out.done:
                busy = {w for w, _k in running.values()}
                for w in sorted(set(self._places) - busy):
                    if not queue.pending:
                        break
                    k = queue.take(w)
                    ref = self._actors[w].train.remote(
                        jobs[k], box, splits_id, self._storage(jobs[k]), self.name, self.checkpoint_seconds,
                    )  # fmt: skip
                    running[ref] = (w, k)
                    self._running_now[jobs[k].record] = w
                yield from out.ready()
                if out.done:
                    break
                # Nothing training: the workers are starting, or wait for room (a node lost).
                if not running and not self._starting:
                    raise RuntimeError(f"[ray] no worker left for {len(queue.pending)} runs")
                timeout = None if running else 60.0
                done, _ = ray.wait(list(running) + list(self._starting), num_returns=1, timeout=timeout)
                if not done:
                    self.log(f"[ray] no worker has started in a minute: waiting for room on the cluster "
                             f"({len(queue.pending)} runs to go)")  # fmt: skip
                for ref in done:
                    if ref in self._starting:
                        self._worker_started(ref)
                        continue
                    w, k = running.pop(ref)
                    self._running_now.pop(jobs[k].record, None)
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.RayActorError as e:
                        self._worker_lost(w, jobs[k], k, lost, queue, e)
                        continue
                    self._deliver(jobs[k], result)
                    if k in lost:
                        how = (f"resumed from its checkpoint after update {result['resumed_from']}"
                               if result["record"]["resumed"] else "trained again from the first update")  # fmt: skip
                        self.log(f"[ray] run {Path(jobs[k].record).stem} finished on {result['node']}: {how}")
                    out.add(k, jobs[k].record)
        except BaseException:  # an error, Ctrl-C, or the caller closing this generator (GeneratorExit)
            self._keep_finished(running, jobs)
            self._stop([w for w, _k in running.values()])
            raise
        finally:
            self._running_now = {}

    def _keep_finished(self, running: dict, jobs) -> None:
        """Write the records of the runs that ended before the driver stopped, and forget them."""
        done, _ = self._ray.wait(list(running), num_returns=len(running), timeout=0) if running else ([], [])
        for ref in done:
            try:
                result = self._ray.get(ref, timeout=0)
            except Exception:  # noqa: BLE001 - a lost worker or a failed run: nothing to keep
                continue
            self._deliver(jobs[running.pop(ref)[1]], result)

    def _worker_started(self, ref) -> None:
        w = self._starting.pop(ref)
        try:
            self._places[w] = self._ray.get(ref)
        except self._ray.exceptions.RayActorError as e:
            self._drop_worker(w)
            if e.actor_init_failed:  # it would fail again: skelrnn or the backend missing on a node, say
                raise RuntimeError(f"[ray] a worker could not start: {e}") from None
            self._add_worker()  # lost with its node before it was ready

    def _worker_lost(self, w: int, job, k: int, lost: dict, queue, error) -> None:
        place = self._places.get(w, {}).get("node", "its node")
        self._drop_worker(w, kill=True)  # "unavailable" may still be alive: it must not train the run twice
        lost[k] = lost.get(k, 0) + 1
        key = Path(job.record).stem
        model = job.model
        what = f"run {key} ({model['cell']} {model['layers']} x {model['units']}, seed {job.seed})"
        if lost[k] > self.max_retries:
            raise RuntimeError(f"[ray] {what}: its worker was lost {lost[k]} times; last: {error}")
        self.log(
            f"[ray] the worker on {place} was lost while training {what}; it goes to another worker "
            f"(try {lost[k] + 1} of {self.max_retries + 1})"
        )
        queue.put_back(k)
        self._add_worker()  # a replacement, which starts when the cluster has room

    def _stop(self, workers) -> None:
        """Kill the workers that are training (the driver stops: no run goes on without it)."""
        for w in set(workers):
            self._drop_worker(w, kill=True)
        self._starting = {ref: w for ref, w in self._starting.items() if w in self._actors}

    def close(self) -> None:
        """Stop every worker; leave Ray as it was found (shut down only an instance this executor started)."""
        if self._ray is None:
            return
        for w in list(self._actors):
            try:
                self._drop_worker(w, kill=True)
            except Exception:  # noqa: BLE001 - the cluster may be gone already
                pass
        self._starting, self._splits = {}, {}
        if self._owns_ray and self._ray.is_initialized():
            self._ray.shutdown()
        self._ray, self._owns_ray, self._trainer, self._label = None, False, None, None
        self._capacity, self._marked = None, set()
