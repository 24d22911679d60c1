"""Chapter 04's quick runs through local processes and through Ray: wall time and records.

    .venv/bin/python benchmarks/ray_executor.py [--repeats 1] [--out benchmarks/results/ray_executor.json]

Chapter 04 (regularization, quick profile, embedded data) is executed from a cold start (no
record, no checkpoint) once per executor, in one run of this script, one after the other:

* ``local processes``: the default, ``local.LocalProcesses(2)`` (the quick profile's workers);
* ``ray, this machine``: ``--executor ray --ray-address local``, a Ray instance of the machine's
  CPUs started by the chapter, one CPU a run (two workers);
* ``ray, 3-node cluster``: a head without CPUs and two worker nodes of one CPU each
  (``ray.cluster_utils.Cluster``, all on this machine), as a cluster of three machines.

For each: the chapter's wall time (papermill, set-up and figures included, as a reader waits for
it) and its runs. The records of the three must have equal outcomes (``records.outcome``: every
field but times and the executor and node); the script fails otherwise. Goal of issue 26: Ray on
this machine within 1.10 x the local processes' time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute(notebook: Path, folder: Path, parameters: dict) -> dict:
    """Execute ``notebook`` (quick profile) with its records and checkpoints under ``folder``."""
    from skelrnn.site import book_command

    results_dir = folder / "results"
    seconds = book_command.execute_chapter(notebook, folder / notebook.name, "quick", results_dir, cwd=ROOT,
                                  parameters={"runs_dir": str(folder / "runs"), **parameters})  # fmt: skip
    records = {p.name: json.loads(p.read_text()) for p in sorted((results_dir / "quick" / "training").glob("*.json"))}
    return {"seconds": seconds, "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="executions of each executor, interleaved")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ray_executor.json")
    args = parser.parse_args()

    from ray.cluster_utils import Cluster

    from skelrnn.core.backend import describe
    from skelrnn.core.io import write_json_atomic
    from skelrnn.site import book_command
    from skelrnn.training import records

    rows, outcomes = [], {}
    with tempfile.TemporaryDirectory(prefix="skelrnn-ray-bench-") as tmp:
        (notebook,) = [p for p in book_command.write_notebooks(ROOT, Path(tmp) / "src") if p.stem.startswith("04_")]
        executors = {
            "local processes": {},
            "ray, this machine": {"executor": "ray", "ray_options": {"address": "local"}},
            "ray, 3-node cluster": {"executor": "ray", "ray_options": {"address": None}},  # set below
        }
        for repeat in range(args.repeats):
            for name, parameters in executors.items():
                cluster = None
                if name.endswith("cluster"):
                    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
                    for _ in range(2):
                        cluster.add_node(num_cpus=1)
                    parameters["ray_options"]["address"] = cluster.address
                try:
                    got = execute(notebook, Path(tmp) / f"{repeat}-{name.replace(' ', '_')}", parameters)
                finally:
                    if cluster is not None:
                        cluster.shutdown()
                runs = got["records"].values()
                nodes = sorted({r["environment"].get("node", "") for r in runs})
                rows.append({"executor": name, "repeat": repeat, "chapter_seconds": round(got["seconds"], 1),
                             "runs": len(got["records"]), "nodes": nodes,
                             "training_seconds": round(sum(r["wall_seconds"] for r in runs), 1)})  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
                outcomes[(name, repeat)] = {k: records.outcome(r) for k, r in got["records"].items()}
    first = next(iter(outcomes.values()))
    equal = all(o == first for o in outcomes.values())
    mean = {name: sum(r["chapter_seconds"] for r in rows if r["executor"] == name) / args.repeats for name in executors}
    record = {
        "benchmark": "chapter 04 (quick) from a cold start: local processes against Ray on this machine and on a "
        "simulated 3-node cluster",
        "rows": rows,
        "mean_chapter_seconds": {k: round(v, 1) for k, v in mean.items()},
        "ratio_ray_to_local": round(mean["ray, this machine"] / mean["local processes"], 3),
        "ratio_cluster_to_local": round(mean["ray, 3-node cluster"] / mean["local processes"], 3),
        "records_equal": equal,
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"ratio Ray / local {record['ratio_ray_to_local']}, 3-node cluster / local "
          f"{record['ratio_cluster_to_local']}, records equal: {equal}; record: {args.out}")  # fmt: skip
    if not equal:
        sys.exit("the executors' records differ")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"{time.perf_counter() - start:.0f} s")
