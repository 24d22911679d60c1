"""One training run of the improved baseline on each Keras backend (TensorFlow, JAX, torch), CPU.

    .venv/bin/python benchmarks/backends.py [--backends tensorflow,jax,torch] [--out benchmarks/results/backends.json]

Each backend runs in its own process (``KERAS_BACKEND`` is read when Keras is imported): the
quick profile's improved baseline (3 x 100 GRU units, thesis 3.1.2) on the quick profile's
cross-subject splits of the embedded synthetic dataset, seed 0, with the engine
(``train.train_run``, records and checkpoints in a temporary folder). The record gives the
wall time of training (first-step tracing or compiling included), epochs and test accuracy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from skelrnn.core.io import write_json_atomic

ONE_RUN = """
import json, sys, time
from skelrnn.experiments import chapters, thesis_tables
start = time.perf_counter()
chapter = chapters.TrainingChapter(
    "03_baselines", profile="quick", results_dir=sys.argv[1], runs_dir=sys.argv[1] + "/runs"
)
chapter.executor = __import__("skelrnn.runs.local", fromlist=["InProcess"]).InProcess()
(_cell, _seed, record), = chapter.run([thesis_tables.improved_baseline_cell()], seeds=[0], log=lambda line: None)
print(json.dumps({"wall_seconds": record.wall_seconds, "epochs": record.epochs,
                  "test_accuracy": record.test_accuracy, "environment": record.environment,
                  "process_seconds": time.perf_counter() - start}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "backends.json")
    args = parser.parse_args()
    runs = {}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"skelrnn-{backend}-") as tmp:
            env = dict(os.environ, KERAS_BACKEND=backend)
            proc = subprocess.run([sys.executable, "-c", ONE_RUN, tmp], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"{backend}: the run failed\n{proc.stderr[-3000:]}")
            runs[backend] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = runs[backend]
        print(f"{backend:10s} {r['wall_seconds']:6.1f} s training, {r['epochs']} epochs, "
              f"test accuracy {100 * r['test_accuracy']:.1f} %")  # fmt: skip
    write_json_atomic(args.out, {
        "benchmark": "one run of the improved baseline, quick profile, synthetic data, seed 0, CPU",
        "runs": runs, "date": datetime.date.today().isoformat(),
    })  # fmt: skip
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
