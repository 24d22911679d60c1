"""Training throughput: the engine (``engine._train_until_evaluation`` over ``SequenceBatches``) against a bare
``model.fit`` on the same padded arrays, and with length bucketing.

    .venv/bin/python benchmarks/train.py [--sequences 1024] [--epochs 3] [--out benchmarks/results/train.json]

The model is the improved baseline (3 x 100 GRU units, thesis 3.1.2) on random inputs of 75
features whose lengths follow NTU RGB+D's spread (``bucketing.ntu_like_lengths``: 30 to 300
frames, median 75). Three ways to train one epoch of batches of 256:

* ``fit``: ``model.fit`` on one array padded to the longest sequence (the bare baseline);
* ``engine, same padding``: the engine with every batch padded to that same length;
* ``engine, bucketing``: the engine with length-bucketed batches padded to a multiple of 8.

Goals of issue 4: the engine at least 0.95x ``fit`` at equal padding; bucketing at least 1.8x.
The first epoch of each (graph tracing) is not timed; ``fit`` runs its timed epochs in one call.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bucketing import ntu_like_lengths  # noqa: E402

from skelrnn.core.backend import describe, set_seed  # noqa: E402
from skelrnn.core.io import write_json_atomic  # noqa: E402
from skelrnn.data.batches import pad_sequences  # noqa: E402
from skelrnn.networks import models  # noqa: E402
from skelrnn.training import engine, settings  # noqa: E402
from skelrnn.training.batches import SequenceBatches  # noqa: E402


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    lengths = ntu_like_lengths(n, seed)
    features = [rng.normal(size=(t, 75)).astype(np.float32) for t in lengths]
    labels = rng.integers(0, 60, size=n)
    return features, labels, lengths


def fresh_model():
    set_seed(0)
    model = models.build_model(models.ModelConfig(n_features=75, n_classes=60))
    engine._compile(model, settings.TrainConfig())
    return model


def engine_epoch(model, batches):
    """One epoch of the engine's own update loop per call (an evaluation is due at each epoch's end)."""
    cfg = settings.TrainConfig(eval_every=len(batches), max_epochs=10**6)
    state = {"epoch": 0, "batch": 0, "update": 0}
    budget = settings.update_budget(cfg, len(batches))
    return lambda: engine._train_until_evaluation(model, batches, state, cfg, budget)


def time_epochs(run_epoch, epochs: int) -> float:
    run_epoch()  # tracing
    start = time.perf_counter()
    for _ in range(epochs):
        run_epoch()
    return (time.perf_counter() - start) / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequences", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "train.json")
    args = parser.parse_args()
    features, labels, lengths = make_data(args.sequences)
    longest = int(lengths.max())
    x, _ = pad_sequences(features, length=longest)
    seconds = {}

    model = fresh_model()
    model.fit(x, labels, batch_size=256, epochs=1, verbose=0, shuffle=True)  # tracing
    # All timed epochs in one call, so that fit pays its per-call set-up (data adapter, callbacks)
    # once, as the engine does: the ratio compares equal work.
    start = time.perf_counter()
    model.fit(x, labels, batch_size=256, epochs=args.epochs, verbose=0, shuffle=True)
    seconds["fit"] = (time.perf_counter() - start) / args.epochs

    model = fresh_model()
    same = SequenceBatches(features, labels, batch_size=256, bucketing=False, multiple=longest)
    seconds["engine, same padding"] = time_epochs(engine_epoch(model, same), args.epochs)

    model = fresh_model()
    bucketed = SequenceBatches(features, labels, batch_size=256, bucketing=True, multiple=8)
    seconds["engine, bucketing"] = time_epochs(engine_epoch(model, bucketed), args.epochs)

    per_s = {k: args.sequences / v for k, v in seconds.items()}
    record = {
        "benchmark": "training throughput, improved baseline (3 x 100 GRU), batches of 256",
        "sequences": args.sequences,
        "timed_epochs": args.epochs,
        "lengths": {"min": int(lengths.min()), "median": float(np.median(lengths)), "max": longest},
        "seconds_per_epoch": seconds,
        "sequences_per_second": per_s,
        "engine_vs_fit": per_s["engine, same padding"] / per_s["fit"],
        "bucketing_vs_fit": per_s["engine, bucketing"] / per_s["fit"],
        "padded_steps": {
            "fit": int(len(lengths) * longest),
            "bucketing": bucketed.padded_steps(),
        },
        "goals": "engine >= 0.95x fit at equal padding; bucketing >= 1.8x fit",
        "environment": describe(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    for k, v in per_s.items():
        print(f"{k:22s} {v:8.1f} sequences/s ({seconds[k]:.2f} s per epoch)")
    print(f"engine / fit at equal padding: {record['engine_vs_fit']:.2f}x; ", end="")
    print(f"bucketing / fit: {record['bucketing_vs_fit']:.2f}x")
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
