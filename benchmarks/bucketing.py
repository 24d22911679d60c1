"""Padded time steps per epoch: random batches against length bucketing (``skelrnn.data.batches``).

    .venv/bin/python benchmarks/bucketing.py [--out benchmarks/results/bucketing.json]

A recurrent network computes every padded step of a batch, so an epoch costs the sum over its
batches of batch size x longest sequence. The lengths follow NTU RGB+D's spread (30 to 300
frames at 30 fps, most of them 2-4 s): a log-normal with median 75 frames and sigma 0.45,
clipped to [30, 300], for the 40,091 training samples of the cross-subject protocol, in batches
of 256 (thesis 3.1). The goal of issue 3: bucketing at least halves the padded steps.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
from pathlib import Path

import numpy as np

from skelrnn.core.io import write_json_atomic
from skelrnn.data.batches import bucket_batches, padded_steps, random_batches

N_TRAIN = 40091  # NTU RGB+D cross-subject training samples
BATCH = 256


def ntu_like_lengths(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.round(rng.lognormal(np.log(75), 0.45, size=n)), 30, 300).astype(int)


def measure(lengths: np.ndarray, epochs: int = 5, multiple: int = 1) -> dict:
    real = int(lengths.sum())
    out = {}
    for kind, make in (("random", random_batches), ("bucketing", None)):
        steps = []
        for epoch in range(epochs):
            rng = np.random.default_rng([0, epoch])
            if make is None:
                batches = bucket_batches(lengths, BATCH, rng)
            else:
                batches = make(len(lengths), BATCH, rng)
            steps.append(padded_steps(lengths, batches, multiple))
        out[kind] = {"padded_steps_per_epoch": float(np.mean(steps)), "useful_fraction": real / float(np.mean(steps))}
    out["real_steps_per_epoch"] = real
    out["reduction"] = out["random"]["padded_steps_per_epoch"] / out["bucketing"]["padded_steps_per_epoch"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "bucketing.json")
    args = parser.parse_args()
    lengths = ntu_like_lengths(N_TRAIN)
    record = {
        "benchmark": "padded time steps per epoch, random batches vs length bucketing",
        "lengths": {
            "n": int(len(lengths)),
            "min": int(lengths.min()),
            "median": float(np.median(lengths)),
            "mean": float(lengths.mean()),
            "max": int(lengths.max()),
        },
        "batch_size": BATCH,
        "exact_padding": measure(lengths),
        "padding_to_multiple_of_16": measure(lengths, multiple=16),
        "goal": "bucketing at least halves the padded steps (reduction >= 2)",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "numpy": np.__version__},
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    for key in ("exact_padding", "padding_to_multiple_of_16"):
        r = record[key]
        print(
            f"{key}: random {r['random']['padded_steps_per_epoch']:.0f} steps "
            f"({r['random']['useful_fraction']:.0%} useful), bucketing {r['bucketing']['padded_steps_per_epoch']:.0f} "
            f"({r['bucketing']['useful_fraction']:.0%} useful): {r['reduction']:.2f}x fewer"
        )
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
