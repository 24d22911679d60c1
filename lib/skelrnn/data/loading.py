"""From a folder of ``.skeleton`` files to a ``SkeletonSet``: parsing in worker processes, and a cache.

Defined for the data chapter (thesis 3.1.1). ``load`` reads a directory of NTU ``.skeleton``
files (the real NTU RGB+D release or the embedded synthetic dataset, ``skelrnn.data.synthetic.generator``)
into a ``SkeletonSet``: for every usable file the main actor's joints ``(T, 25, 3)`` metres in
camera coordinates (``actors.choose_actors``) with Kinect failures filled by a cubic spline, the
second body when there is one, and a manifest of what was skipped, repaired or rejected. The
parsed arrays are cached in one compressed file keyed by the files' names, sizes and
modification times. ``summary`` and ``describe_folder`` count what was read.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skelrnn.core.io import read_json, write_arrays_atomic, write_json_atomic
from skelrnn.core.parallel import process_pool, worker_count
from skelrnn.data.actors import choose_actors
from skelrnn.data.ntu import reader, skeleton_format
from skelrnn.data.ntu.protocols import NTU_ACTIONS, NTU_FPS, split_indices
from skelrnn.data.preprocess import fill_gaps_cubic
from skelrnn.data.synthetic import generator as synth
from skelrnn.data.synthetic.config import SyntheticConfig

__all__ = [
    "SkeletonSet",
    "load",
    "load_or_generate",
    "parse_all",
    "BadFilesError",
    "declared_fps",
    "default_cache_dir",
    "summary",
    "describe_folder",
]

CACHE_VERSION = 1  # bump when what is cached changes


# ---------------------------------------------------------------------------------------------
# One file
# ---------------------------------------------------------------------------------------------


def _load_one(path: str) -> dict:
    """Parse one file into the arrays ``load`` keeps (run in worker processes). A file that does
    not follow the format comes back as ``{"bad": message}``, the message naming the file, the line
    and what was expected there."""
    name = str(skeleton_format.parse_sample_name(path))
    try:
        seq = reader.read_skeleton(path)
    except skeleton_format.SkeletonFormatError as err:
        return {"name": name, "path": path, "bad": str(err)}
    except (OSError, UnicodeDecodeError) as err:
        return {"name": name, "path": path, "bad": f"{path}: unreadable ({err})"}
    out = {"name": name, "path": path, "frames": seq.n_frames}
    if seq.n_frames == 0:
        return {**out, "skipped": "the file has 0 frames"}
    if seq.n_bodies == 0:
        return {**out, "skipped": "no body in any frame"}
    choice = choose_actors(seq)
    failed = ~seq.tracked()  # (T, B): frames each track lost
    if failed[:, choice.main].all():
        return {**out, "skipped": "every joint is at 0 in every frame"}
    filled = fill_gaps_cubic(seq.xyz(choice.main), failed[:, choice.main])
    second = None
    if choice.second is not None:
        second = fill_gaps_cubic(seq.xyz(choice.second), failed[:, choice.second]).astype(np.float32)
    return {
        **out,
        "xyz": filled.astype(np.float32),
        "failed": failed[:, choice.main],
        "second": second,
        "bodies": seq.n_bodies,
        "rejected": {str(b): why for b, why in choice.rejected.items()},
    }


def _load_chunk(paths: list[str]) -> list[dict]:
    return [_load_one(p) for p in paths]


# ---------------------------------------------------------------------------------------------
# The dataset
# ---------------------------------------------------------------------------------------------


@dataclass
class SkeletonSet:
    """The usable samples of a directory of ``.skeleton`` files.

    names     list of N ``skeleton_format.SampleName``
    xyz       (sum T_i, 25, 3) float32, metres, camera frame: main actors, failures filled, concatenated
    failed    (sum T_i,) bool: frames that were Kinect failures before filling
    offsets   (N + 1,) int64: sample i is ``xyz[offsets[i]:offsets[i + 1]]``
    second    (sum T_i, 25, 3) float32: the second body where ``has_second`` (zeros elsewhere)
    has_second (N,) bool
    manifest  dict: source, key, counts, and the skipped, repaired and rejected samples by name
    """

    names: list[skeleton_format.SampleName]
    xyz: np.ndarray
    failed: np.ndarray
    offsets: np.ndarray
    second: np.ndarray
    has_second: np.ndarray
    manifest: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        """Frames per second of the sequences: 30 (NTU RGB+D, the synthetic data) unless the folder
        declares another rate in ``dataset.json`` (``{"fps": 15}``)."""
        return float(self.manifest.get("fps", NTU_FPS))

    def __len__(self) -> int:
        return len(self.names)

    @property
    def lengths(self) -> np.ndarray:
        """Frames per sample, ``(N,)``."""
        return np.diff(self.offsets)

    def sequence(self, i: int) -> np.ndarray:
        """Main actor of sample ``i``, ``(T, 25, 3)`` float64 metres, failures filled."""
        return self.xyz[self.offsets[i] : self.offsets[i + 1]].astype(np.float64)

    def failed_frames(self, i: int) -> np.ndarray:
        """Frames of sample ``i`` that the sensor lost (before filling), ``(T,)`` bool."""
        return self.failed[self.offsets[i] : self.offsets[i + 1]]

    def second_body(self, i: int) -> np.ndarray | None:
        """Second body of sample ``i``, ``(T, 25, 3)`` float64 metres, or None."""
        if not self.has_second[i]:
            return None
        return self.second[self.offsets[i] : self.offsets[i + 1]].astype(np.float64)

    def field(self, what: str) -> np.ndarray:
        """One field of the sample names for all samples, ``(N,)`` int: setup, camera, subject, replication, action."""
        if what not in skeleton_format.SampleName._fields:
            raise KeyError(f"unknown field {what!r}; expected one of {skeleton_format.SampleName._fields}")
        return np.array([getattr(n, what) for n in self.names], dtype=np.int64)

    @property
    def actions(self) -> np.ndarray:
        """The action codes present, sorted, ``(C,)``: class ``k`` of ``labels`` is ``actions[k]``."""
        return np.unique(self.field("action"))

    @property
    def labels(self) -> np.ndarray:
        """Class index of each sample in ``actions``, ``(N,)`` int64."""
        return np.searchsorted(self.actions, self.field("action"))

    def class_names(self) -> list[str]:
        """Names of ``actions`` (NTU names; ``A<code>`` for codes outside 1..60)."""
        return [NTU_ACTIONS.get(int(a), f"A{int(a):03d}") for a in self.actions]

    def split(self, protocol: str = "cross_subject", validation: bool = True) -> dict[str, np.ndarray]:
        """Sample indices of ``train``, ``validation`` (if asked) and ``test`` (``protocols.split_indices``)."""
        return split_indices(self.names, protocol, validation)


def default_cache_dir() -> Path:
    """``$SKELRNN_CACHE``, else ``$XDG_CACHE_HOME/skelrnn``, else ``~/.cache/skelrnn``."""
    if os.environ.get("SKELRNN_CACHE"):
        return Path(os.environ["SKELRNN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "skelrnn"


def _files_key(paths: list[Path]) -> str:
    """Content key of a file list: names, sizes and modification times (ns), and the cache version."""
    digest = hashlib.sha256(f"skelrnn-dataset-v{CACHE_VERSION}\n".encode())
    for p in paths:
        st = p.stat()
        digest.update(f"{p.name}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def check_skeleton_folder(data_dir: Path) -> None:
    """``FileNotFoundError`` naming ``data_dir`` unless it is a folder holding ``.skeleton`` files
    (the command line says so before any chapter starts; ``load`` checks again)."""
    if not Path(data_dir).is_dir():
        raise FileNotFoundError(f"{data_dir}: no such folder (expected a folder of NTU RGB+D .skeleton files)")
    if next(Path(data_dir).glob("*.skeleton"), None) is None:
        raise FileNotFoundError(f"{data_dir}: no .skeleton files in this folder (expected NTU RGB+D skeletons, "
                                "named like S001C002P003R002A013.skeleton)")  # fmt: skip


def _skeleton_files(data_dir: Path) -> tuple[list[Path], dict[str, str]]:
    """The ``.skeleton`` files of ``data_dir`` with an NTU sample name, and the others ``{file: why}``."""
    check_skeleton_folder(data_dir)
    paths, misnamed = [], {}
    for p in sorted(data_dir.glob("*.skeleton")):
        try:
            skeleton_format.parse_sample_name(p)
            paths.append(p)
        except ValueError as err:
            misnamed[p.name] = f"{p}: {err}"
    return paths, misnamed


def parse_all(paths: list[Path], workers: int | None) -> list[dict]:
    """Parse ``paths`` in ``workers`` processes (default: all cores; one for fewer than 64 files):
    what ``load`` keeps of each file, or why it was skipped or could not be read, in name order."""
    workers = worker_count(workers)
    chunks = [[str(p) for p in paths[i :: workers * 4]] for i in range(workers * 4)]
    chunks = [c for c in chunks if c]
    if workers == 1 or len(paths) < 64:
        results = _load_chunk([str(p) for p in paths])
    else:
        reader.compile_reader()  # compile (or load) the reader's kernels once, before the workers fork
        with process_pool(workers) as pool:
            results = [r for chunk in pool.map(_load_chunk, chunks) for r in chunk]
    return sorted(results, key=lambda r: r["name"])


def _assemble(results: list[dict], source: str, key: str, misnamed: dict[str, str]) -> SkeletonSet:
    bad = {**misnamed, **{Path(r["path"]).name: r["bad"] for r in results if "bad" in r}}
    results = [r for r in results if "bad" not in r]
    kept = [r for r in results if "skipped" not in r]
    if not kept:
        raise ValueError(
            f"{source}: no usable skeleton sequence in {len(results) + len(bad)} files"
            + (f" ({len(bad)} could not be read: {'; '.join(bad.values())})" if bad else "")
        )
    lengths = np.array([len(r["xyz"]) for r in kept])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    second = np.concatenate([r["second"] if r["second"] is not None else np.zeros_like(r["xyz"]) for r in kept])
    manifest = {
        "source": source,
        "key": key,
        "files": len(results) + len(bad),
        "samples": len(kept),
        "bad_files": dict(sorted(bad.items())),
        "skipped": {r["name"]: r["skipped"] for r in results if "skipped" in r},
        "repaired": {r["name"]: int(r["failed"].sum()) for r in kept if r["failed"].any()},
        "rejected_bodies": {r["name"]: r["rejected"] for r in kept if r["rejected"]},
        "two_bodies": sum(r["second"] is not None for r in kept),
    }
    return SkeletonSet(
        names=[skeleton_format.parse_sample_name(r["name"]) for r in kept],
        xyz=np.concatenate([r["xyz"] for r in kept]),
        failed=np.concatenate([r["failed"] for r in kept]),
        offsets=offsets,
        second=second,
        has_second=np.array([r["second"] is not None for r in kept]),
        manifest=manifest,
    )


def _save_cache(path: Path, data: SkeletonSet) -> None:
    """One compressed ``.npz``, written atomically (``io.write_arrays_atomic``): never half a cache."""
    write_arrays_atomic(
        path,
        {
            "names": np.array([str(n) for n in data.names]),
            "xyz": data.xyz,
            "failed": data.failed,
            "offsets": data.offsets,
            "second": data.second[np.repeat(data.has_second, data.lengths)],
            "has_second": data.has_second,
            "manifest": np.array(json.dumps(data.manifest, sort_keys=True)),
        },
    )


def _read_cache(path: Path) -> SkeletonSet:
    with np.load(path, allow_pickle=False) as z:
        offsets, has_second = z["offsets"], z["has_second"]
        lengths = np.diff(offsets)
        second = np.zeros_like(z["xyz"])
        second[np.repeat(has_second, lengths)] = z["second"]
        return SkeletonSet(
            names=[skeleton_format.parse_sample_name(n) for n in z["names"].tolist()],
            xyz=z["xyz"],
            failed=z["failed"],
            offsets=offsets,
            second=second,
            has_second=has_second,
            manifest=json.loads(z["manifest"].item()),
        )


class BadFilesError(ValueError):
    """Files of a folder that could not be read (``load(strict=True)``): ``bad`` maps each file name
    to its error (file, line, expectation); the message lists them all."""

    def __init__(self, folder, bad: dict[str, str]):
        self.bad = dict(bad)
        lines = "\n".join(f"  {why}" for why in self.bad.values())
        super().__init__(f"{folder}: {len(self.bad)} file(s) could not be read:\n{lines}")


def declared_fps(folder: Path) -> float:
    """The frame rate a folder declares in ``dataset.json`` (``{"fps": 15}``), else 30 (NTU)."""
    path = Path(folder) / "dataset.json"
    if not path.is_file():
        return NTU_FPS
    fps = read_json(path).get("fps", NTU_FPS)
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"{path}: field 'fps': expected a positive number of frames per second, got {fps!r}")
    return float(fps)


def _read_cache_or_none(cache_file: Path, log) -> SkeletonSet | None:
    """The cached set, or None (and a line saying why) when the cache is missing or damaged."""
    if not cache_file.is_file():
        return None
    try:
        return _read_cache(cache_file)
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError) as err:
        log(f"{cache_file}: the cache is damaged ({type(err).__name__}: {err}); rebuilding it from the files")
        return None


def load(
    data_dir: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    strict: bool = False,
    log=print,
) -> SkeletonSet:
    """Read every ``*.skeleton`` file of ``data_dir`` into a ``SkeletonSet``.

    Files are parsed in ``workers`` processes (default: all cores). Files that hold no skeleton
    (0 frames, no body, or every joint at 0 in every frame; the NTU release has 302 of them)
    are skipped and listed in ``manifest["skipped"]`` with the reason. Files that cannot be read
    (truncated, a field that is not a number, binary, empty, a wrong joint count) or whose name
    is not an NTU sample name are left out and listed in ``manifest["bad_files"]``, each with the
    file, the line and what was expected, and ``log`` gets one warning line with their count;
    with ``strict`` the load fails instead (``BadFilesError``, listing all of them).

    The result is cached in ``cache_dir`` (default ``default_cache_dir()``) as one compressed file
    whose name holds a key of the files' names, sizes and modification times: changing, adding
    or removing a file makes a new key, hence a fresh parse. A damaged cache file is reported
    and rebuilt. A JSON copy of the manifest is written beside it.
    """
    data_dir = Path(data_dir).resolve()
    paths, misnamed = _skeleton_files(data_dir)
    key = _files_key(sorted([*paths, *(data_dir / name for name in misnamed)]))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_file = cache / f"{data_dir.name}-{key[:24]}.npz"
    data = _read_cache_or_none(cache_file, log)
    if data is None:
        data = _assemble(parse_all(paths, workers), str(data_dir), key, misnamed)
        _save_cache(cache_file, data)
        write_json_atomic(cache_file.with_suffix(".manifest.json"), data.manifest)
    data.manifest["fps"] = declared_fps(data_dir)
    bad = data.manifest.get("bad_files", {})
    if bad and strict:
        raise BadFilesError(data_dir, bad)
    if bad:
        listed = cache_file.with_suffix(".manifest.json")
        log(f"warning: {data_dir}: {len(bad)} of {data.manifest['files']} files could not be read and were "
            f"left out (each with its error in manifest['bad_files'] and in {listed})")  # fmt: skip
    data.manifest["cache"] = str(cache_file)
    return data


def load_or_generate(
    data_dir: str | os.PathLike | None = None,
    synthetic: dict | None = None,
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    strict: bool = False,
    log=print,
) -> SkeletonSet:
    """The chapters' entry point: ``load(data_dir)`` for a real NTU copy, or, when ``data_dir`` is
    None, the embedded synthetic dataset (``skelrnn.data.synthetic.generator``, with the ``synthetic`` overrides of
    its config) generated once into ``cache_dir`` and then loaded like any NTU folder."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if data_dir is None:
        config = SyntheticConfig(**(synthetic or {}))
        tag = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
        data_dir = cache / f"synthetic-{tag}"
        synth.generate(data_dir, config, workers=workers)
    return load(data_dir, cache_dir=cache, workers=workers, strict=strict, log=log)


def summary(data: SkeletonSet) -> dict:
    """Counts for the data chapter: samples, frames, classes, subjects, cameras, two-body samples."""
    return {
        "samples": len(data),
        "frames": int(data.lengths.sum()),
        "classes": len(data.actions),
        "per_class": dict(Counter(data.field("action").tolist())),
        "subjects": len(np.unique(data.field("subject"))),
        "cameras": len(np.unique(data.field("camera"))),
        "skipped": len(data.manifest.get("skipped", {})),
        "repaired": len(data.manifest.get("repaired", {})),
        "two_bodies": int(data.has_second.sum()),
    }


def describe_folder(data: SkeletonSet) -> str:
    """What ``skelrnn data inspect`` prints: the counts of ``summary``, the lengths, the classes
    with their sample counts, and every skipped or unreadable file with its reason."""
    s = summary(data)
    lengths = data.lengths
    lines = [
        f"source: {data.manifest.get('source', '?')}",
        f"samples: {s['samples']} ({s['two_bodies']} with a second person), frames: {s['frames']}, {data.fps:g} fps",
        f"classes: {s['classes']}, subjects: {s['subjects']}, cameras: {s['cameras']}",
        f"lengths (frames): min {lengths.min()}, median {int(np.median(lengths))}, max {lengths.max()}",
        f"filled Kinect failures in {s['repaired']} samples",
        "samples per class:",
    ]
    for action, count in sorted(s["per_class"].items()):
        name = NTU_ACTIONS.get(int(action), "?")
        lines.append(f"  A{action:03d} {name}: {count}")
    skipped = data.manifest.get("skipped", {})
    lines.append(f"skipped files: {len(skipped)}")
    lines += [f"  {name}: {why}" for name, why in sorted(skipped.items())]
    bad = data.manifest.get("bad_files", {})
    lines.append(f"unreadable or misnamed files: {len(bad)}")
    lines += [f"  {message}" for _name, message in sorted(bad.items())]
    return "\n".join(lines)
