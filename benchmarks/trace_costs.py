"""What a training run pays before its first update, and per update: Keras's own step functions
against the engine's (``backend.train_step_function`` and ``predict_function``), on the quick
profile's training split.

    .venv/bin/python benchmarks/trace_costs.py [--epochs 3] [--out benchmarks/results/trace_costs.json]

Two ways to train the same network on the same batches, each in a fresh process (nothing traced
before) with one thread, as a worker of ``local.LocalProcesses`` trains:

* ``keras (before)``: ``model.train_on_batch`` and ``predict_on_batch``, lengths padded to
  multiples of 16 (the quick profile's ``pad_multiple`` until this benchmark);
* ``engine (after)``: the engine's steps, lengths padded as the backend needs
  (``backend.default_pad_multiple``: 1 on TensorFlow, which traces one step for every length).

For each: the seconds of every call that traced (a call more than 10 times the median update),
how many there were, what the first epoch costs on top of a later one (tracing, whatever the
network's width), the median seconds of an update, the padded time steps of an epoch, the wall
seconds of an epoch after the first (updates only), and an evaluation of the validation split,
first (tracing) and second. Networks: the quick profile's improved baseline (3 x 50 GRU) and
table 4's widest GRU at quick widths (3 x 400).
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NETWORKS = {"improved baseline, GRU 3 x 50": ("gru", 50), "table 4, GRU 3 x 400": ("gru", 400)}
MODES = {"keras (before)": 16, "engine (after)": None}


def measure(mode: str, cell: str, units: int, epochs: int) -> dict:
    """One network trained ``epochs`` epochs in this process; see the module's docstring."""
    from skelrnn.core.backend import limit_threads, predict_function, set_seed, train_step_function
    from skelrnn.experiments import chapters
    from skelrnn.networks import models
    from skelrnn.training import engine, settings
    from skelrnn.training.batches import SequenceBatches

    limit_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        chapter = chapters.TrainingChapter(
            "03_baselines", profile="quick", results_dir=Path(tmp) / "results", runs_dir=Path(tmp) / "runs"
        )
    (features, labels), (val_x, val_y) = chapter.splits["train"], chapter.splits["validation"]
    cfg = settings.TrainConfig(**{**chapter.train_settings, "pad_multiple": MODES[mode]})
    set_seed(0)
    config = models.ModelConfig(cell=cell, units=units, layers=3, n_features=features[0].shape[1],
                                n_classes=chapter.n_classes, keep_prob=0.5, l2=1e-4)  # fmt: skip
    start = time.perf_counter()
    model = models.build_model(config)
    engine._compile(model, cfg)
    scoring = models.scoring_model(model)
    build = time.perf_counter() - start
    if mode.startswith("keras"):
        step = lambda x, y: model.train_on_batch(x, y, return_dict=True)  # noqa: E731
        predict = lambda x: model.predict_on_batch(x)  # noqa: E731
    else:
        step, predict = train_step_function(model), predict_function(scoring)
    batches = SequenceBatches(features, labels, batch_size=cfg.batch_size, seed=0, multiple=cfg.pad_multiple,
                                      drop_remainder=True)  # fmt: skip
    calls, epoch_seconds = [], []
    for epoch in range(epochs):
        batches.set_epoch(epoch)
        start_epoch = time.perf_counter()
        for k in range(len(batches)):
            x, y = batches[k]
            start = time.perf_counter()
            step(x, y)
            calls.append((int(x.shape[1]), time.perf_counter() - start))
        epoch_seconds.append(time.perf_counter() - start_epoch)
    later = float(np.mean(epoch_seconds[1:]))
    median = float(np.median([s for _length, s in calls]))
    traced = [(length, s) for length, s in calls if s > 10 * median]
    evals = []
    for _ in range(2):
        start = time.perf_counter()
        batches_v = SequenceBatches(val_x, val_y, batch_size=cfg.batch_size, shuffle=False,
                                            multiple=cfg.pad_multiple)  # fmt: skip
        for k in range(len(batches_v)):
            predict(batches_v[k][0])
        evals.append(time.perf_counter() - start)
    return {
        "pad_multiple": cfg.pad_multiple,
        "build_seconds": build,
        "traced_calls": len(traced),
        "trace_seconds": [round(s, 3) for _length, s in traced],
        "trace_seconds_total": float(sum(s for _length, s in traced)),
        "update_seconds_median": median,
        "padded_steps_per_epoch": int(batches.padded_steps()),
        "updates_per_epoch": len(batches),
        "epoch_seconds_after_first": later,
        # what the first epoch (same updates, other batches of similar lengths) costs on top
        "first_epoch_extra_seconds": epoch_seconds[0] - later,
        "evaluation_seconds": {"first": evals[0], "second": evals[1]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "trace_costs.json")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CELL", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, cell, units = args.child
        print(json.dumps(measure(mode, cell, int(units), args.epochs)))
        return
    from skelrnn.core.backend import describe
    from skelrnn.core.io import write_json_atomic

    rows = []
    for network, (cell, units) in NETWORKS.items():
        for mode in MODES:
            child = [sys.executable, __file__, "--epochs", str(args.epochs), "--child", mode, cell, str(units)]
            out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
            rows.append({"network": network, "mode": mode, **json.loads(out.strip().splitlines()[-1])})
            r = rows[-1]
            print(f"{network:32} {mode:15} traces {r['traced_calls']} ({r['trace_seconds_total']:.1f} s), first epoch "
                  f"+{r['first_epoch_extra_seconds']:.1f} s, "
                  f"update {1000 * r['update_seconds_median']:.1f} ms, epoch {r['epoch_seconds_after_first']:.2f} s, "
                  f"{r['padded_steps_per_epoch']} padded steps, evaluation {r['evaluation_seconds']['first']:.2f} / "
                  f"{r['evaluation_seconds']['second']:.2f} s", flush=True)  # fmt: skip
    record = {
        "benchmark": "tracing and per-update costs: Keras's train_on_batch against the engine's length-generic step",
        "rows": rows,
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
