"""Seeds of one network, with and without the traced-model pool (``train.ModelPool``).

    .venv/bin/python benchmarks/model_pool.py [--seeds 3] [--updates 50] [--out ...]

The improved baseline trained with ``--seeds`` seeds one after the other in this process, each
run on a freshly built model (tracing its steps for every padded length), then again through
one ``ModelPool`` (the second and later seeds reuse the first one's traced model). Embedded data
at 10 fps, batches of 32. The records must be equal; the record gives both times.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

from skelrnn import dataset, models, train
from skelrnn.backend import describe
from skelrnn.io import write_json_atomic
from skelrnn.profiles import get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "model_pool.json")
    args = parser.parse_args()
    data = dataset.load_or_generate(None, {}, log=lambda line: None)
    splits = dataset.prepare_splits(data, max_train=384, max_eval=256, fps=10, log=lambda line: None)
    model = models.ModelConfig(**get("baselines", "quick").baseline_model, n_features=75, n_classes=len(data.actions))
    cfg = train.TrainConfig(batch_size=32, max_updates=args.updates, eval_every=25, pad_multiple=16)
    seconds, records = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for arm, pool in (("fresh model each run", None), ("one ModelPool", train.ModelPool())):
            start = time.perf_counter()
            records[arm] = [
                train.train_run(model, cfg, splits, f"{tmp}/{arm}/{s}", f"{tmp}/{arm}/{s}.json", seed=s,
                                log=lambda line: None, pool=pool).test_accuracy
                for s in range(args.seeds)
            ]  # fmt: skip
            seconds[arm] = time.perf_counter() - start
    record = {
        "benchmark": "the improved baseline with several seeds in one process, with and without train.ModelPool",
        "seeds": args.seeds,
        "updates_per_run": args.updates,
        "seconds": seconds,
        "speed_up": seconds["fresh model each run"] / seconds["one ModelPool"],
        "same_test_accuracies": records["fresh model each run"] == records["one ModelPool"],
        "test_accuracy": records["one ModelPool"],
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"{args.seeds} seeds x {args.updates} updates: {seconds['fresh model each run']:.1f} s fresh, "
          f"{seconds['one ModelPool']:.1f} s pooled ({record['speed_up']:.2f}x); same records: "
          f"{record['same_test_accuracies']}")  # fmt: skip


if __name__ == "__main__":
    main()
