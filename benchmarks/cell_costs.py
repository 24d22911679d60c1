"""What one update costs for every network of tables 4-7, at the sizes a quick profile on the 60-action data would use.

    .venv/bin/python benchmarks/cell_costs.py [--batch 32] [--steps 28] [--out ...]

For each distinct model of the thesis's tables 4-7 (the improved baseline with each cell's
changes): the seconds of the first update (building, tracing) and of a steady update on a batch
of ``--batch`` sequences of ``--steps`` time steps (10 fps of the embedded data's mean length),
75 features and 60 classes, on this machine and backend. Issue 16 asks chapters 03 + 04 under
10 minutes on 2 cores with runs long enough to overfit; this table is the arithmetic behind
the profile that can (see the record's ``sum``).
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

import numpy as np

from skelrnn.core.backend import describe, set_seed
from skelrnn.core.io import write_json_atomic
from skelrnn.experiments import thesis_tables
from skelrnn.experiments.profiles import get
from skelrnn.networks import models
from skelrnn.training import engine, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=28)
    parser.add_argument("--updates", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "cell_costs.json")
    args = parser.parse_args()
    base = get("baselines", "quick").baseline_model
    distinct: dict[str, tuple[str, dict]] = {}
    for cell in [thesis_tables.improved_baseline_cell()] + [c for t in ("table 4", "table 5", "table 6", "table 7")
                                                     for c in thesis_tables.TABLES[t]]:  # fmt: skip
        model = {**base, **cell.model}
        distinct.setdefault(str(sorted(model.items())), (f"{cell.table}: {cell.row}, {cell.column}", model))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch, args.steps, 75)).astype("float32")
    y = rng.integers(0, 60, size=args.batch)
    rows = []
    for label, model in distinct.values():
        set_seed(0)
        start = time.perf_counter()
        net = models.build_model(models.ModelConfig(**model, n_features=75, n_classes=60))
        engine._compile(net, settings.TrainConfig())
        net.train_on_batch(x, y)
        first = time.perf_counter() - start
        net.train_on_batch(x, y)
        start = time.perf_counter()
        for _ in range(args.updates):
            net.train_on_batch(x, y)
        rows.append({"cell": label, "model": model, "first_update_seconds": first,
                     "update_seconds": (time.perf_counter() - start) / args.updates})  # fmt: skip
        per_update = 1000 * rows[-1]["update_seconds"]
        print(f"{label:60s} first {first:6.2f} s, then {per_update:7.1f} ms an update", flush=True)
    record = {
        "benchmark": "seconds per update of each distinct network of tables 4-7",
        "batch": args.batch,
        "steps": args.steps,
        "rows": rows,
        "sum": {
            "update_seconds": sum(r["update_seconds"] for r in rows),
            "first_update_seconds": sum(r["first_update_seconds"] for r in rows),
        },
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"all {len(rows)} networks: {record['sum']['update_seconds']:.2f} s for one update of each; "
          f"first updates {record['sum']['first_update_seconds']:.0f} s; record: {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
