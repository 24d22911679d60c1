"""Reading speed: ``skelrnn.core.safe_pickle.load`` against ``pickle.load`` on an NTU-60-sized annotation pickle.

    .venv/bin/python benchmarks/safe_pickle.py [--samples N] [--rounds R] [--out benchmarks/results/safe_pickle.json]

Builds a 3D-annotation pickle in PYSKL's schema (``ntu60_3danno.pkl``: ``split`` with the
cross-subject and cross-view name lists, and ``annotations``, one dict per sample with
``frame_dir``, a 0-based ``label``, ``keypoint`` float16 of shape (M, T, 25, 3) and
``total_frames``) for NTU RGB+D's 56,880 samples: two bodies in about a sixth of them, lengths
drawn like NTU's (log-normal, median 72 frames, clipped to 30-300; mean near 80). It is written
with pickle protocol 4 into a temporary folder, read once by each reader (which warms the file
cache and checks that both give the same object), then timed: the two readers alternate, so that
a slow spell of a shared machine hits both, ``--rounds`` times; the medians count. The goal: the
restricted reader costs at most 1.5x ``pickle.load``. A run with fewer ``--samples`` is a quick
check; it is recorded only where ``--out`` says.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from skelrnn.core import safe_pickle
from skelrnn.core.io import write_json_atomic
from skelrnn.data import loading
from skelrnn.data.ntu.forms.annotation_pickle import write_annotation_pickle
from skelrnn.data.ntu.forms.samples import FormSamples
from skelrnn.data.ntu.protocols import split_indices
from skelrnn.data.ntu.skeleton_format import SampleName

NTU60_SAMPLES = 56880
RESULT = Path(__file__).parent / "results" / "safe_pickle.json"
GOAL = 1.5


def build_samples(n_samples: int, seed: int) -> FormSamples:
    """``n_samples`` NTU-60-like samples (random keypoints around 3 m from the camera, lengths and
    second bodies drawn like NTU's), with NTU names and both protocols' parts, as the writer takes them."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(np.round(rng.lognormal(np.log(72), 0.45, size=n_samples)), 30, 300).astype(int)
    bodies = np.where(rng.random(n_samples) < 1 / 6, 2, 1)
    names, keypoints = [], []
    for i in range(n_samples):  # distinct names: actions, then cameras, replications, subjects, setups
        action, camera, replication = 1 + i % 60, 1 + (i // 60) % 3, 1 + (i // 180) % 2
        subject, setup = 1 + (i // 360) % 40, 1 + (i // 14400) % 17
        names.append(SampleName(setup, camera, subject, replication, action))
        keypoints.append(rng.standard_normal((bodies[i], lengths[i], 25, 3), dtype=np.float32) + [0, 0, 3])
    splits = {p: split_indices(names, p, validation=False) for p in ("cross_subject", "cross_view")}
    return FormSamples(form="benchmark", source="generated", bodies=keypoints, names=names, ids=[str(n) for n in names],
                       labels=np.array([n.action - 1 for n in names]), splits=splits)  # fmt: skip


def same(a, b) -> bool:
    """Equal annotation dicts: the same names, labels, lengths and keypoint arrays (dtype, shape, bytes)."""
    if a["split"] != b["split"] or len(a["annotations"]) != len(b["annotations"]):
        return False
    for x, y in zip(a["annotations"], b["annotations"], strict=True):
        kx, ky = x["keypoint"], y["keypoint"]
        if {**x, "keypoint": None} != {**y, "keypoint": None}:
            return False
        if type(kx) is not np.ndarray or kx.dtype != ky.dtype or kx.shape != ky.shape or kx.tobytes() != ky.tobytes():
            return False
    return True


def plain_load(path: Path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def timed(read, path: Path) -> float:
    """Seconds for one ``read(path)``; the result is freed outside the clock."""
    gc.collect()
    start = time.perf_counter()
    result = read(path)
    seconds = time.perf_counter() - start
    del result
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=NTU60_SAMPLES, help=f"samples (default {NTU60_SAMPLES})")
    parser.add_argument("--rounds", type=int, default=5, help="timed loads per reader (default 5; the median counts)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help=f"the record (default {RESULT} at full size)")
    args = parser.parse_args(argv)
    if args.samples < 1 or args.rounds < 1:
        parser.error("--samples and --rounds must be at least 1")
    out = args.out or (RESULT if args.samples == NTU60_SAMPLES else None)

    samples = build_samples(args.samples, args.seed)
    frames = sum(k.shape[1] for k in samples.bodies)
    two_bodies = sum(k.shape[0] == 2 for k in samples.bodies)
    with tempfile.TemporaryDirectory(prefix="skelrnn-safe-pickle-") as tmp:
        path = Path(tmp) / "ntu60_3danno.pkl"
        write_annotation_pickle(path, samples)  # the project's writer: PYSKL's schema, pickle protocol 4
        del samples
        size = path.stat().st_size
        if not same(plain_load(path), safe_pickle.load(path)):  # also warms the file cache
            raise AssertionError("safe_pickle.load and pickle.load give different objects")
        seconds = {"pickle": [], "safe_pickle": []}
        for _ in range(args.rounds):
            seconds["pickle"].append(timed(plain_load, path))
            seconds["safe_pickle"].append(timed(safe_pickle.load, path))
        # The book's first read (the pickle, every sample's actor choice, the cache written), then
        # the reads that the cache serves.
        cache = Path(tmp) / "cache"
        book = {"first_read": [timed(lambda p: loading.load(p, cache_dir=cache, log=lambda line: None), path)]}
        book["cached_read"] = [timed(lambda p: loading.load(p, cache_dir=cache, log=lambda line: None), path)
                               for _ in range(args.rounds)]  # fmt: skip
    median = {reader: statistics.median(times) for reader, times in seconds.items()}
    ratio = median["safe_pickle"] / median["pickle"]
    record = {
        "benchmark": "safe_pickle.load against pickle.load on a PYSKL-schema 3D annotation pickle",
        "command": " ".join(["python benchmarks/safe_pickle.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": datetime.date.today().isoformat(),
        "goal": f"safe_pickle.load takes at most {GOAL}x pickle.load's time (ratio <= {GOAL})",
        "samples": args.samples,
        "two_body_samples": two_bodies,
        "frames": frames,
        "mean_frames": frames / args.samples,
        "megabytes": size / 1e6,
        "protocol": 4,
        "rounds": args.rounds,
        "seed": args.seed,
        "seconds": seconds,
        "median_seconds": median,
        "ratio": ratio,
        "goal_met": bool(ratio <= GOAL),
        "book_seconds": book,
        "book_median_seconds": {k: statistics.median(v) for k, v in book.items()},
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
    }
    print(
        f"{args.samples} samples ({two_bodies} with two bodies, {frames / args.samples:.1f} frames on average), "
        f"{size / 1e6:.0f} MB pickle (protocol 4)"
    )
    print(f"pickle.load        {median['pickle']:.3f} s (median of {args.rounds})")
    print(f"safe_pickle.load   {median['safe_pickle']:.3f} s: {ratio:.2f}x (goal <= {GOAL})")
    print(f"loading.load       first read {book['first_read'][0]:.1f} s, then from the cache "
          f"{statistics.median(book['cached_read']):.2f} s")  # fmt: skip
    if out is not None:
        write_json_atomic(out, record)
        print(f"record: {out}")
    else:
        print("not recorded (a quick run; --out PATH records it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
