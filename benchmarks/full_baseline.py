"""The full profile's improved baseline (and the standard RNN beside it) on the default embedded dataset.

    .venv/bin/python benchmarks/full_baseline.py [--seeds 0] [--cells baseline,rnn] [--out ...]

Issue 16 asks that the embedded data neither saturate nor be hopeless: with the thesis's
settings (the full profile: every frame, batches of 256, early stopping with learning-rate
decay, at most 100 epochs) the improved baseline should score between 70 % and 90 %
cross-subject, the standard RNN clearly below it. The full profile is meant for a GPU; this
script runs it on whatever it finds (the record names the device) and writes the figures with
their budget. Runs go to a temporary folder; the dataset is the cached default one.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

from skelrnn.core.backend import describe
from skelrnn.core.io import write_json_atomic
from skelrnn.experiments import chapters, thesis_tables
from skelrnn.runs import local

CELLS = {
    "baseline": thesis_tables.improved_baseline_cell(),
    "rnn": next(
        c for c in thesis_tables.TABLES["table 4"] if c.row == "unidirectional RNN" and c.column == "100 units"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--cells", default="baseline,rnn")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "full_baseline.json")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="skelrnn-full-") as tmp:
        chapter = chapters.TrainingChapter(
            "03_baselines", profile="full", results_dir=Path(tmp) / "results", runs_dir=Path(tmp) / "runs"
        )
        cells = [CELLS[name] for name in args.cells.split(",")]
        chapter.executor = local.LocalProcesses(2)  # two runs side by side on a 2-core machine
        start = time.perf_counter()
        runs = chapter.run(cells, seeds=seeds, log=print)
        seconds = time.perf_counter() - start
    record = {
        "benchmark": "full profile on the default embedded dataset, cross-subject",
        "set_up_notes": chapter.notes,
        "settings": chapter.train_settings,
        "splits": {part: len(y) for part, (_x, y) in chapter.splits.items()},
        "runs": [
            {
                "cell": f"{c.row}, {c.column}",
                "seed": s,
                "test_accuracy": 100 * r.test_accuracy,
                "best_val_accuracy": 100 * r.best_val_accuracy,
                "updates": r.updates,
                "epochs": r.epochs,
                "best_update": r.best_update,
                "stopped": r.stopped,
                "seconds": r.wall_seconds,
            }
            for c, s, r in runs
        ],  # fmt: skip
        "seconds": seconds,
        "goal": "improved baseline between 70 % and 90 %, the standard RNN clearly below",
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    for run in record["runs"]:
        print(f"{run['cell']}, seed {run['seed']}: {run['test_accuracy']:.2f} % after {run['updates']} updates "
              f"({run['stopped']}, {run['seconds']:.0f} s)")  # fmt: skip
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
