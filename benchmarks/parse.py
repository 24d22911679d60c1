"""Parsing speed: ``reader.read_skeleton`` against a straightforward line-by-line reader.

Generates NTU-shaped ``.skeleton`` files in a temporary directory (30..300 frames, one body or,
in about 20% of the files, two; metres around z = 3 m, pixel coordinates, unit quaternions,
written with 7 significant digits like the Kinect SDK), checks that both readers give identical
arrays on every file, then times both on the same files with a warm file cache. Also times the
first parse in a fresh process: with the numba kernels compiled from scratch (an empty cache
folder) and loaded from that cache.

    .venv/bin/python benchmarks/parse.py [--files N] [--repeats R] [--out benchmarks/results/parse.json]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from skelrnn.core.io import write_json_atomic
from skelrnn.data import loading
from skelrnn.data.ntu import reader, skeleton_format
from skelrnn.data.skeleton import N_JOINTS

# Kinect v2 body IDs are 64-bit tracking IDs; in NTU RGB+D they read 72057594037927936 + a few thousand.
_ID_BASE = 72057594037927936
_LEAVES = [15, 19, 21, 22, 23, 24]  # head, feet, hand tips and thumbs: the SDK gives them no orientation


def synthetic_sequence(rng: np.random.Generator, n_frames: int, n_bodies: int) -> skeleton_format.SkeletonSequence:
    """One NTU-like sequence: random-walk joints in metres, projected pixels, orientations, tracking states."""
    joints = np.zeros((n_frames, n_bodies, N_JOINTS, 12))
    info = np.zeros((n_frames, n_bodies, 9))
    for b in range(n_bodies):
        centre = np.array([rng.uniform(-0.8, 0.8), rng.uniform(-0.3, 0.3), rng.uniform(2.3, 3.8)])
        pose = centre + rng.normal(scale=[0.25, 0.45, 0.1], size=(N_JOINTS, 3))
        walk = np.cumsum(rng.normal(scale=0.004, size=(n_frames, N_JOINTS, 3)), axis=0)
        xyz = pose + walk
        x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
        joints[:, b, :, 0:3] = xyz
        joints[:, b, :, 3] = 256 + 365 * x / z  # depth camera, 512 x 424
        joints[:, b, :, 4] = 212 - 365 * y / z
        joints[:, b, :, 5] = 960 + 1060 * x / z  # colour camera, 1920 x 1080
        joints[:, b, :, 6] = 540 - 1060 * y / z
        quat = rng.normal(size=(n_frames, N_JOINTS, 4))
        quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
        quat[:, _LEAVES] = 0
        joints[:, b, :, 7:11] = quat
        joints[:, b, :, 11] = np.where(rng.random((n_frames, N_JOINTS)) < 0.05, 1, 2)  # mostly tracked
        info[:, b, 1] = rng.integers(0, 2, n_frames)  # hand confidences and states
        info[:, b, 2] = rng.integers(0, 4, n_frames)
        info[:, b, 3] = rng.integers(0, 2, n_frames)
        info[:, b, 4] = rng.integers(0, 4, n_frames)
        info[:, b, 6:8] = rng.normal(scale=0.1, size=(n_frames, 2))  # lean
        info[:, b, 8] = 2
    present = np.ones((n_frames, n_bodies), dtype=bool)
    ids = _ID_BASE + rng.choice(20000, size=n_bodies, replace=False)
    return skeleton_format.SkeletonSequence("synthetic", joints, info, present, ids.astype(np.int64))


def generate(directory: Path, n_files: int, seed: int) -> list[Path]:
    """``n_files`` NTU-shaped files in ``directory``, written with 7 significant digits."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n_files):
        n_frames = int(rng.integers(30, 301))
        n_bodies = 2 if rng.random() < 0.2 else 1
        seq = synthetic_sequence(rng, n_frames, n_bodies)
        # A distinct, valid NTU name per file (loading.load refuses others).
        sample = skeleton_format.SampleName(1 + i // 2400, 1 + i % 3, 1 + (i // 60) % 40, 1 + i % 2, 1 + i % 60)
        name = f"{sample}.skeleton"
        paths.append(skeleton_format.write_skeleton(directory / name, seq, digits=7, fsync=False))
    return paths


def reference_read(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The obvious reader: readline, int/float per token, lists, arrays at the end.

    Same result layout as ``reader.read_skeleton`` (tracks by body ID in order of appearance),
    no error reporting.
    """
    with open(path) as fh:
        n_frames = int(fh.readline())
        frames = []
        order: dict[int, int] = {}
        for _ in range(n_frames):
            n_bodies = int(fh.readline())
            bodies = []
            for _ in range(n_bodies):
                fields = fh.readline().split()
                body_id = int(fields[0])
                info = [float(v) for v in fields[1:]]
                n_joints = int(fh.readline())
                rows = [[float(v) for v in fh.readline().split()] for _ in range(n_joints)]
                order.setdefault(body_id, len(order))
                bodies.append((body_id, info, rows))
            frames.append(bodies)
    joints = np.zeros((n_frames, len(order), N_JOINTS, len(skeleton_format.JOINT_FIELDS)))
    body_info = np.zeros((n_frames, len(order), len(skeleton_format.BODY_FIELDS)))
    present = np.zeros((n_frames, len(order)), dtype=bool)
    for t, bodies in enumerate(frames):
        for body_id, info, rows in bodies:
            joints[t, order[body_id]] = rows
            body_info[t, order[body_id]] = info
            present[t, order[body_id]] = True
    return joints, body_info, present, np.array(list(order), dtype=np.int64)


def library_read(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    seq = reader.read_skeleton(path)
    return seq.joints, seq.body_info, seq.present, seq.body_ids


def identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes (so -0.0 differs from 0.0)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def time_pass(read, paths: list[Path]) -> float:
    """Seconds for one pass of ``read`` over all files."""
    start = time.perf_counter()
    for path in paths:
        read(path)
    return time.perf_counter() - start


_FIRST_PARSE = """
import time
start = time.perf_counter()
from skelrnn.data.ntu import reader, skeleton_format
skeleton_format.parse_careful = None  # the compiled path must take it
reader.parse_skeleton("1\\n1\\n7 0 0 0 0 0 0 0 0 2\\n25\\n" + "0.5 0 0 0 0 0 0 0 0 0 0 2\\n" * 25)
print(time.perf_counter() - start)
"""


def first_parse_seconds() -> dict:
    """Seconds from ``import skelrnn.data.ntu.reader`` to the end of a first parse, in fresh processes: the
    numba kernels compiled (empty cache folder), then loaded from that cache."""
    with tempfile.TemporaryDirectory(prefix="skelrnn-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        command = [sys.executable, "-c", _FIRST_PARSE]
        runs = [subprocess.run(command, env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    cold, cached = (float(run.stdout.split()[-1]) for run in runs)
    return {"compile": cold, "cached": cached}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the model here; platform.processor() is often empty
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba_version(),
    }


def numba_version() -> str | None:
    try:
        return version("numba")
    except PackageNotFoundError:  # the reader then runs its careful parser only
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="number of generated files (default 200)")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per reader (default 5; the best counts)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as a result record here")
    args = parser.parse_args(argv)
    if args.files < 1 or args.repeats < 1:
        parser.error("--files and --repeats must be at least 1")

    with tempfile.TemporaryDirectory(prefix="skelrnn-parse-") as tmp:
        paths = generate(Path(tmp), args.files, args.seed)
        n_bytes = sum(p.stat().st_size for p in paths)
        n_frames = n_body_frames = n_two = 0
        for path in paths:  # also warms the file cache
            ours, theirs = library_read(path), reference_read(path)
            if not all(identical(a, b) for a, b in zip(ours, theirs, strict=True)):
                raise AssertionError(f"{path.name}: read_skeleton and the reference reader differ")
            n_frames += ours[0].shape[0]
            n_body_frames += int(ours[2].sum())
            n_two += int(ours[3].size == 2)
        # Alternate the readers, so that a slow spell of a shared machine hits both.
        library, reference, loader = [], [], []
        for _ in range(args.repeats):
            library.append(time_pass(library_read, paths))
            reference.append(time_pass(reference_read, paths))
            # What loading.load runs: read_skeleton in one worker process per core, plus the choice
            # of the main actor and the spline filling, arrays sent back to the parent.
            start = time.perf_counter()
            loading.parse_all(paths, workers=None)
            loader.append(time.perf_counter() - start)

    def figures(passes: list[float]) -> dict:
        best = min(passes)
        return {
            "seconds_best": best,
            "seconds_median": statistics.median(passes),
            "files_per_s": args.files / best,
            "frames_per_s": n_frames / best,
            "ms_per_file": 1000 * best / args.files,
            "us_per_body_frame": 1e6 * best / n_body_frames,
        }

    record = {
        "benchmark": "parse",
        "command": "python benchmarks/parse.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.date.today().isoformat(),
        "goal": "read_skeleton at least 10x the line-by-line reference",
        "files": args.files,
        "files_two_bodies": n_two,
        "frames": n_frames,
        "body_frames": n_body_frames,
        "megabytes": n_bytes / 1e6,
        "repeats": args.repeats,
        "seed": args.seed,
        "library": figures(library),
        "reference": figures(reference),
        "speedup": min(reference) / min(library),
        "dataset_loader": {**figures(loader), "workers": os.cpu_count()},
        "loader_speedup": min(reference) / min(loader),
        "first_parse_seconds": first_parse_seconds(),
        "machine": machine(),
    }
    lib, ref = record["library"], record["reference"]
    print(f"{args.files} files ({n_two} with two bodies), {n_frames} frames, {n_bytes / 1e6:.1f} MB")
    print(f"read_skeleton  {lib['files_per_s']:8.1f} files/s  {lib['frames_per_s']:10.0f} frames/s")
    print(f"reference      {ref['files_per_s']:8.1f} files/s  {ref['frames_per_s']:10.0f} frames/s")
    print(f"speedup        {record['speedup']:8.1f}x (one core)")
    load = record["dataset_loader"]
    print(
        f"loading.load   {load['files_per_s']:8.1f} files/s  {load['frames_per_s']:10.0f} frames/s  "
        f"({os.cpu_count()} worker processes, actor choice and filling included): {record['loader_speedup']:.1f}x"
    )
    first = record["first_parse_seconds"]
    print(f"first parse    {first['compile']:8.2f} s compiling the kernels, {first['cached']:.2f} s from the cache")
    if args.out is not None:
        write_json_atomic(args.out, record)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
