"""Time to generate the embedded synthetic dataset, and to load it (parse + cache) the first time.

    .venv/bin/python benchmarks/synthetic.py [--out benchmarks/results/synthetic.json]

Goals of issue 16: the default dataset (7,200 sequences of NTU's 60 actions, 30-150 frames)
generates in under 60 s on 2 cores, its text is under 1.5 GB and its cache under 300 MB (issue
3 asked 30 s of the 14-action dataset of 3,360 files). The files go to a temporary folder that is
removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from skelrnn.core.io import write_json_atomic
from skelrnn.data import loading
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "synthetic.json")
    args = parser.parse_args()
    config = SyntheticConfig()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "synthetic"
        start = time.perf_counter()
        paths = generator.generate(folder, config)
        generate_s = time.perf_counter() - start
        size = sum(p.stat().st_size for p in paths)
        start = time.perf_counter()
        data = loading.load(folder, cache_dir=Path(tmp) / "cache")
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        loading.load(folder, cache_dir=Path(tmp) / "cache")
        cached_s = time.perf_counter() - start
        cache_size = sum(p.stat().st_size for p in (Path(tmp) / "cache").glob("*.npz"))
    record = {
        "benchmark": "generate the default synthetic dataset, then load it (parse + cache) and load it again",
        "config": config.to_dict(),
        "files": len(paths),
        "frames": int(data.lengths.sum()),
        "length_range": [int(data.lengths.min()), int(data.lengths.max())],
        "text_megabytes": size / 1e6,
        "generate_seconds": generate_s,
        "first_load_seconds": load_s,
        "cached_load_seconds": cached_s,
        "cache_megabytes": cache_size / 1e6,
        "goal": "generate in under 60 s on 2 cores; text under 1.5 GB; cache under 300 MB",
        "goal_met": bool(generate_s < 60 and size < 1.5e9 and cache_size < 300e6),
        "two_body_files": int(data.has_second.sum()),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "numpy": np.__version__},
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(
        f"{len(paths)} files ({size / 1e6:.0f} MB of text, {record['frames']} frames): "
        f"generated in {generate_s:.1f} s; first load {load_s:.1f} s, "
        f"cached load {cached_s:.2f} s ({cache_size / 1e6:.0f} MB cache)"
    )
    print(f"record: {args.out}")


if __name__ == "__main__":
    main()
