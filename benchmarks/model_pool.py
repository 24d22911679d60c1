"""Seeds of one network, with and without the traced-model pool (``engine.ModelPool``).

    .venv/bin/python benchmarks/model_pool.py [--seeds 3] [--updates 50] [--rounds 2] [--out ...]

The improved baseline trained with ``--seeds`` seeds one after the other in this process, each
run on a freshly built model (tracing its steps for every padded length), and through one
``ModelPool`` (the second and later seeds reuse the first one's traced model). Embedded data at
10 fps, batches of 32. A warm-up run (another seed, a few updates, its own model) pays the
process's one-time costs first; then ``--rounds`` rounds time both arms, the order alternating
(fresh first in even rounds, pooled first in odd ones), each round with a new pool. The test
accuracies must be equal in every round; the record gives every round's times and the mean.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

from skelrnn.core.backend import describe
from skelrnn.core.io import write_json_atomic
from skelrnn.data import loading
from skelrnn.data.splits import prepare_splits
from skelrnn.experiments.profiles import get
from skelrnn.networks import models
from skelrnn.training import engine, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "model_pool.json")
    args = parser.parse_args()
    data = loading.load_or_generate(None, {}, log=lambda line: None)
    splits = prepare_splits(data, max_train=384, max_eval=256, fps=10, log=lambda line: None)
    model = models.ModelConfig(**get("baselines", "quick").baseline_model, n_features=75, n_classes=len(data.actions))
    cfg = settings.TrainConfig(batch_size=32, max_updates=args.updates, eval_every=25, pad_multiple=16)
    arms = ("fresh model each run", "one ModelPool")
    seconds, records = {arm: [] for arm in arms}, {arm: [] for arm in arms}
    with tempfile.TemporaryDirectory() as tmp:
        warm = settings.TrainConfig(batch_size=32, max_updates=5, eval_every=5, pad_multiple=16)
        engine.train_run(model, warm, splits, f"{tmp}/warm-up", f"{tmp}/warm-up.json", seed=99, log=lambda line: None)
        for round_ in range(args.rounds):
            for arm in arms if round_ % 2 == 0 else arms[::-1]:
                pool = engine.ModelPool() if arm == "one ModelPool" else None
                start = time.perf_counter()
                records[arm].append([
                    engine.train_run(model, cfg, splits, f"{tmp}/{round_}/{arm}/{s}", f"{tmp}/{round_}/{arm}/{s}.json",
                                    seed=s, log=lambda line: None, pool=pool).test_accuracy
                    for s in range(args.seeds)
                ])  # fmt: skip
                seconds[arm].append(time.perf_counter() - start)
    mean = {arm: sum(t) / len(t) for arm, t in seconds.items()}
    same = all(r == records[arms[0]][0] for arm in arms for r in records[arm])
    record = {
        "benchmark": "the improved baseline with several seeds in one process, with and without engine.ModelPool",
        "seeds": args.seeds,
        "updates_per_run": args.updates,
        "rounds": args.rounds,
        "order": "a warm-up run first; fresh model first in even rounds, the pool first in odd ones",
        "seconds per round": seconds,
        "seconds": mean,
        "speed_up": mean["fresh model each run"] / mean["one ModelPool"],
        "same_test_accuracies": same,
        "test_accuracy": records["one ModelPool"][0],
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"{args.seeds} seeds x {args.updates} updates, mean of {args.rounds} rounds: {mean[arms[0]]:.1f} s fresh, "
          f"{mean[arms[1]]:.1f} s pooled ({record['speed_up']:.2f}x); same records: "
          f"{record['same_test_accuracies']}")  # fmt: skip


if __name__ == "__main__":
    main()
