"""Choosing an executor, and training a chapter's cells with it.

Defined for the training chapters (03 on). ``run_cells`` plans the runs of a group of table
cells (``planning.plan_runs``), hands those without a record to an executor and reads the
records back; each finished run is printed for the reader and reported as data
(``progress.report_progress``) for the book command.
"""

from __future__ import annotations

from skelrnn.runs import EXECUTORS
from skelrnn.runs.local import InProcess, LocalProcesses
from skelrnn.runs.planning import plan_runs
from skelrnn.runs.progress import report_progress
from skelrnn.runs.ray_executor import RayExecutor
from skelrnn.training.engine import progress_bar
from skelrnn.training.records import read_run_record

__all__ = ["make_executor", "run_cells"]


def make_executor(kind: str = "local", workers: int = 1, ray_options: dict | None = None):
    """The executor a chapter trains with: ``local`` (``workers`` processes on this machine, a
    profile's choice, ``InProcess`` for one) or ``ray`` (``ray_executor.RayExecutor`` with
    ``ray_options``: ``address``, ``cpus_per_run``, ``gpus_per_run``, ``workers``...)."""
    if kind == "local":
        if ray_options:
            raise ValueError(f"ray_options {sorted(ray_options)}: options of the executor 'ray', not 'local'")
        return LocalProcesses(workers) if workers > 1 else InProcess()
    if kind == "ray":
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
        line = (
            f"{progress_bar(done, len(todo))} {done}/{len(todo)}  {labels[path]}: test accuracy "
            f"{100 * record.test_accuracy:.1f} % after {record.updates} updates, {record.epochs:.1f} epochs "
            f"({record.wall_seconds:.0f} s)"
        )
        report_progress({"kind": "run", "done": done, "total": len(todo), "record": path, "line": line})
        log(line)
    records = {path: trained.get(path) or read_run_record(path) for _cell, _seed, path in plan}
    reused = len(records) - len(todo)
    line = f"runs: {len(todo)} trained, {reused} reused"
    report_progress({"kind": "runs", "trained": len(todo), "reused": reused, "line": line})
    log(line)
    return [(cell, seed, records[path]) for cell, seed, path in plan]
