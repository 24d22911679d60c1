"""From ``.skeleton`` files to arrays and batches: actor choice, parallel parsing, a cache, splits, batches.

Defined for the data chapter (thesis 3.1.1). ``load`` reads a directory of NTU ``.skeleton``
files (the real NTU RGB+D release or the embedded synthetic dataset, ``skelrnn.synthetic``)
into a ``SkeletonSet``: for every usable file the main actor's joints ``(T, 25, 3)`` metres in
camera coordinates with Kinect failures filled by a cubic spline, the second body when there is
one, and a manifest of what was skipped, repaired or rejected. The parsed arrays are cached in
one compressed file keyed by the files' names, sizes and modification times.

Batches pad sequences with zeros to a common length; ``bucket_batches`` groups sequences of
similar length so that the padding wastes little compute.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from skelrnn import ntu
from skelrnn.io import write_arrays_atomic, write_json_atomic
from skelrnn.ntu import NTU_ACTIONS
from skelrnn.preprocess import fill_gaps_cubic

__all__ = [
    "NTU_ACTIONS",
    "CROSS_SUBJECT_TRAIN",
    "VALIDATION_SUBJECTS",
    "CROSS_VIEW_TRAIN_CAMERAS",
    "NTU60_SAMPLES",
    "ntu_protocol_sizes",
    "ActorChoice",
    "choose_actors",
    "SkeletonSet",
    "load",
    "load_or_generate",
    "BadFilesError",
    "same_performance",
    "two_views",
    "make_features",
    "prepare_splits",
    "featurise_splits",
    "describe_folder",
    "reference_lengths",
    "frame_step_for",
    "check_splits",
    "declared_fps",
    "dataset_identity",
    "default_cache_dir",
    "choose_splits",
    "split_indices",
    "pad_sequences",
    "bucket_batches",
    "random_batches",
    "padded_steps",
    "summary",
]


# Cross-subject protocol of NTU RGB+D: these subjects train, the other 20 test.
CROSS_SUBJECT_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
# The thesis's validation subjects, taken out of the training subjects (thesis 3.1.1).
VALIDATION_SUBJECTS = (25, 27, 28, 31, 34, 35, 38)
# Cross-view protocol: cameras 2 and 3 train, camera 1 tests.
CROSS_VIEW_TRAIN_CAMERAS = (2, 3)
# Kinect v2 records NTU RGB+D at 30 frames per second.
NTU_FPS = 30.0
# NTU RGB+D's samples with a skeleton, by subject: (camera 1, camera 2, camera 3). A fact of the
# release, counted from its file names (S001-S017; every subject of a setup performs the 60
# actions twice before each of the 3 cameras, 120 samples a camera) less the 302 samples it ships
# without a skeleton (its list of missing skeletons). They add up to the protocols' published
# sizes: cross-subject 40,091 training and 16,487 test samples, cross-view 37,646 and 18,932
# (tests/test_dataset.py). The full profile's cost is counted on them (``ntu_protocol_sizes``).
NTU60_SAMPLES = {
    1: (719, 713, 718), 2: (359, 359, 356), 3: (480, 479, 480), 4: (240, 238, 240), 5: (120, 119, 117),
    6: (120, 119, 119), 7: (1919, 1913, 1898), 8: (1919, 1910, 1902), 9: (240, 240, 240), 10: (240, 236, 239),
    11: (120, 119, 118), 12: (120, 120, 120), 13: (360, 360, 360), 14: (120, 120, 119), 15: (1559, 1553, 1555),
    16: (1318, 1308, 1313), 17: (1437, 1431, 1431), 18: (837, 835, 836), 19: (1436, 1437, 1434),
    20: (240, 234, 239), 21: (360, 360, 359), 22: (120, 119, 119), 23: (120, 116, 120), 24: (120, 118, 120),
    25: (1196, 1195, 1172), 26: (120, 114, 120), 27: (599, 594, 583), 28: (476, 478, 476), 29: (120, 119, 120),
    30: (120, 120, 120), 31: (120, 118, 114), 32: (120, 119, 119), 33: (120, 120, 117), 34: (120, 118, 113),
    35: (120, 117, 114), 36: (120, 120, 120), 37: (480, 480, 480), 38: (120, 120, 120), 39: (240, 239, 239),
    40: (118, 120, 120),
}  # fmt: skip

# Body-track rules shared by the NTU preprocessing of View-Adaptive LSTM, 2s-AGCN and PYSKL.
NOISE_MAX_FRAMES = 11  # a track seen in 11 frames or fewer is noise
SPREAD_RATIO = 0.8  # a person-shaped frame has an x-spread of at most 0.8 times its y-spread
MAX_WIDE_FRACTION = 0.69  # a track wider than that in more than 69 % of its frames is not a person

CACHE_VERSION = 1  # bump when what is cached changes


# ---------------------------------------------------------------------------------------------
# Choosing the main actor
# ---------------------------------------------------------------------------------------------


class ActorChoice(NamedTuple):
    """Which body tracks of a file to use: ``main`` and ``second`` are track indices (``second`` may be
    None); ``rejected`` maps the other tracks to why they were dropped."""

    main: int
    second: int | None
    rejected: dict[int, str]


def _track_motion(xyz: np.ndarray, valid: np.ndarray) -> float:
    """Total motion of one track: the sum over consecutive valid frames of the mean joint displacement, metres."""
    both = valid[1:] & valid[:-1]
    if not both.any():
        return 0.0
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=2).mean(axis=1)  # (T - 1,)
    return float(step[both].sum())


def choose_actors(seq: ntu.SkeletonSequence) -> ActorChoice:
    """Pick the main actor (and a second body) of a parsed file.

    The rule, applied to each body track:

    1. a track with at most 11 frames holding joints is noise (Kinect ghosts flicker in and out);
    2. a track that is wider than tall (x-spread over the joints above 0.8 times the y-spread) in
       more than 69 % of its frames is not a person (furniture, a coat on a chair);
    3. the main actor is the remaining track with the largest total motion: the sum, over the
       frames it is present, of its mean joint displacement from one frame to the next. A track
       present longer accumulates more, so this favours the body that is there longest and
       moves most. The runner-up, if any, is the second body (two-person actions).

    If every track breaks rule 1 or 2, the main actor is chosen among all of them by rule 3.
    A file without bodies raises ``ValueError`` (``load`` reports it as skipped).
    """
    if seq.n_bodies == 0:
        raise ValueError(f"{seq.path}: no body in any frame")
    xyz = seq.joints[..., :3]  # (T, B, 25, 3)
    has_joints = seq.tracked()  # (T, B)
    rejected: dict[int, str] = {}
    motion = np.zeros(seq.n_bodies)
    for b in range(seq.n_bodies):
        valid = has_joints[:, b]
        motion[b] = _track_motion(xyz[:, b], valid)
        n_valid = int(valid.sum())
        if n_valid <= NOISE_MAX_FRAMES:
            rejected[b] = f"noise: joints in {n_valid} frames (at most {NOISE_MAX_FRAMES})"
            continue
        spread = np.ptp(xyz[valid, b], axis=1)  # (n_valid, 3)
        wide = float(np.mean(spread[:, 0] > SPREAD_RATIO * spread[:, 1]))
        if wide > MAX_WIDE_FRACTION:
            rejected[b] = f"not a person: wider than tall in {wide:.0%} of its frames"
    candidates = [b for b in range(seq.n_bodies) if b not in rejected] or list(range(seq.n_bodies))
    ranked = sorted(candidates, key=lambda b: (-motion[b], -int(has_joints[:, b].sum()), b))
    main = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    others = {b: why for b, why in rejected.items() if b not in (main, second)}
    for b in ranked[2:]:
        others[b] = "third or later body by total motion"
    return ActorChoice(main, second, others)


# ---------------------------------------------------------------------------------------------
# One file
# ---------------------------------------------------------------------------------------------


def _load_one(path: str) -> dict:
    """Parse one file into the arrays ``load`` keeps (run in worker processes). A file that does
    not follow the format comes back as ``{"bad": message}``, the message naming the file, the line
    and what was expected there."""
    name = str(ntu.parse_sample_name(path))
    try:
        seq = ntu.read_skeleton(path)
    except ntu.SkeletonFormatError as err:
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

    names     list of N ``ntu.SampleName``
    xyz       (sum T_i, 25, 3) float32, metres, camera frame: main actors, failures filled, concatenated
    failed    (sum T_i,) bool: frames that were Kinect failures before filling
    offsets   (N + 1,) int64: sample i is ``xyz[offsets[i]:offsets[i + 1]]``
    second    (sum T_i, 25, 3) float32: the second body where ``has_second`` (zeros elsewhere)
    has_second (N,) bool
    manifest  dict: source, key, counts, and the skipped, repaired and rejected samples by name
    """

    names: list[ntu.SampleName]
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
        if what not in ntu.SampleName._fields:
            raise KeyError(f"unknown field {what!r}; expected one of {ntu.SampleName._fields}")
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
        """Sample indices of ``train``, ``validation`` (if asked) and ``test`` (``split_indices``)."""
        return split_indices(self.names, protocol, validation)


def split_indices(names, protocol: str = "cross_subject", validation: bool = True) -> dict[str, np.ndarray]:
    """Indices of the NTU evaluation protocols.

    ``cross_subject``: subjects ``CROSS_SUBJECT_TRAIN`` train, the others test. ``cross_view``:
    cameras 2 and 3 train, camera 1 tests. With ``validation`` the thesis's validation subjects
    (25 27 28 31 34 35 38, thesis 3.1.1) are taken out of the training samples in both protocols.
    """
    names = [n if isinstance(n, ntu.SampleName) else ntu.parse_sample_name(n) for n in names]
    masks = _split_masks(np.array([n.subject for n in names]), np.array([n.camera for n in names]), protocol,
                         validation)  # fmt: skip
    return {part: np.flatnonzero(mask) for part, mask in masks.items()}


def _split_masks(subject: np.ndarray, camera: np.ndarray, protocol: str, validation: bool) -> dict[str, np.ndarray]:
    """The protocols' rule (``split_indices``) on arrays of subjects and cameras: ``{part: mask}``."""
    if protocol == "cross_subject":
        train = np.isin(subject, CROSS_SUBJECT_TRAIN)
    elif protocol == "cross_view":
        train = np.isin(camera, CROSS_VIEW_TRAIN_CAMERAS)
    else:
        raise ValueError(f"unknown protocol {protocol!r}; expected 'cross_subject' or 'cross_view'")
    out = {"test": ~train}
    if validation:
        out["validation"] = train & np.isin(subject, VALIDATION_SUBJECTS)
        train = train & ~out["validation"]
    out["train"] = train
    return {k: out[k] for k in ("train", "validation", "test") if k in out}


def ntu_protocol_sizes(protocol: str = "cross_subject", validation: bool = True) -> dict[str, int]:
    """Samples of each split of ``protocol`` on NTU RGB+D itself (``NTU60_SAMPLES``, by the rule of
    ``split_indices``): with ``validation``, cross-subject trains on 31,908 samples of 13 subjects,
    validates on 8,183 of the thesis's 7 validation subjects and tests on 16,487."""
    subject = np.repeat(list(NTU60_SAMPLES), 3)
    camera = np.tile([1, 2, 3], len(NTU60_SAMPLES))
    counts = np.array([n for per_camera in NTU60_SAMPLES.values() for n in per_camera])
    masks = _split_masks(subject, camera, protocol, validation)
    return {part: int(counts[mask].sum()) for part, mask in masks.items()}


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


def _scan(data_dir: Path) -> tuple[list[Path], dict[str, str]]:
    """The ``.skeleton`` files of ``data_dir`` with an NTU sample name, and the others ``{file: why}``."""
    if not data_dir.is_dir():
        raise FileNotFoundError(f"{data_dir}: no such directory (expected a folder of NTU .skeleton files)")
    paths, misnamed = [], {}
    for p in sorted(data_dir.glob("*.skeleton")):
        try:
            ntu.parse_sample_name(p)
            paths.append(p)
        except ValueError as err:
            misnamed[p.name] = f"{p}: {err}"
    if not paths and not misnamed:
        raise FileNotFoundError(f"{data_dir}: no .skeleton files (expected names like S001C002P003R002A013.skeleton)")
    return paths, misnamed


def _parse_all(paths: list[Path], workers: int | None) -> list[dict]:
    from skelrnn.parallel import process_pool, worker_count

    workers = worker_count(workers)
    chunks = [[str(p) for p in paths[i :: workers * 4]] for i in range(workers * 4)]
    chunks = [c for c in chunks if c]
    if workers == 1 or len(paths) < 64:
        results = _load_chunk([str(p) for p in paths])
    else:
        ntu._kernels()  # compile (or load) the reader's kernels once, before the workers fork
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
        names=[ntu.parse_sample_name(r["name"]) for r in kept],
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
            names=[ntu.parse_sample_name(n) for n in z["names"].tolist()],
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
    from skelrnn.io import read_json

    path = Path(folder) / "dataset.json"
    if not path.is_file():
        return NTU_FPS
    fps = read_json(path).get("fps", NTU_FPS)
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"{path}: field 'fps': expected a positive number of frames per second, got {fps!r}")
    return float(fps)


def _read_cache_or_none(cache_file: Path, log) -> SkeletonSet | None:
    """The cached set, or None (and a line saying why) when the cache is missing or damaged."""
    import zipfile

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
    paths, misnamed = _scan(data_dir)
    key = _files_key(sorted([*paths, *(data_dir / name for name in misnamed)]))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_file = cache / f"{data_dir.name}-{key[:24]}.npz"
    data = _read_cache_or_none(cache_file, log)
    if data is None:
        data = _assemble(_parse_all(paths, workers), str(data_dir), key, misnamed)
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
    None, the embedded synthetic dataset (``skelrnn.synthetic``, with the ``synthetic`` overrides of
    its config) generated once into ``cache_dir`` and then loaded like any NTU folder."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if data_dir is None:
        from skelrnn import synthetic as synth

        config = synth.SyntheticConfig(**(synthetic or {}))
        tag = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
        data_dir = cache / f"synthetic-{tag}"
        synth.generate(data_dir, config, workers=workers)
    return load(data_dir, cache_dir=cache, workers=workers, strict=strict, log=log)


def dataset_identity(name: str, splits: dict) -> dict:
    """Name, sizes and a content hash (SHA-256 of every feature array and label) of the training data."""
    digest = hashlib.sha256()
    sizes = {}
    for part in sorted(splits):
        features, labels = splits[part]
        sizes[part] = len(labels)
        digest.update(part.encode())
        digest.update(np.asarray(labels, dtype=np.int64).tobytes())
        for f in features:
            f = np.ascontiguousarray(f, dtype=np.float32)
            digest.update(np.array(f.shape, dtype=np.int64).tobytes())
            digest.update(f.tobytes())
    return {"name": name, "sha256": digest.hexdigest(), "sizes": sizes}


PREPROCESSING = ("first_frame", "pose_alignment")


def make_features(
    data: SkeletonSet,
    indices,
    preprocessing: str = "first_frame",
    joints: int = 25,
    frame_step: int = 1,
    reference=None,
) -> list[np.ndarray]:
    """Network inputs of the samples ``indices``: a list of ``(T_i, joints * 3)`` float32 arrays, metres.

    ``first_frame``: the thesis baseline, the origin at the first frame's torso (3.1.1).
    ``pose_alignment``: translation per frame, rotation from the first frame and scaling to the
    ``reference`` bone lengths (4.2.2; ``preprocess.reference_bone_lengths`` of the training set).
    ``joints`` 13 keeps the joints of an image pose detector. ``frame_step`` keeps every k-th
    frame (smaller profiles train on shorter sequences).
    """
    from skelrnn import preprocess

    if preprocessing not in PREPROCESSING:
        raise ValueError(f"preprocessing: expected one of {PREPROCESSING}, got {preprocessing!r}")
    if joints not in (25, 13):
        raise ValueError(f"joints: expected 25 or 13, got {joints}")
    if int(frame_step) < 1:
        raise ValueError(f"frame_step: expected an integer >= 1, got {frame_step}")
    if preprocessing == "pose_alignment" and reference is None:
        raise ValueError("pose_alignment needs the reference bone lengths of the training set")
    out = []
    for i in indices:
        xyz = data.sequence(int(i))[:: int(frame_step)]
        if joints == 13:
            xyz = preprocess.drop_to_detector_joints(xyz)
        if preprocessing == "first_frame":
            xyz = preprocess.translate_first_frame(xyz)
        else:
            xyz = preprocess.align_sequence(xyz, reference)
        out.append(xyz.reshape(len(xyz), -1).astype(np.float32))
    return out


def frame_step_for(lengths, source_fps: float = NTU_FPS, fps: float | None = None, steps: int | None = None) -> int:
    """The stride that thins sequences of ``lengths`` frames (a training split), at ``source_fps``,
    to at most ``fps`` frames per second and at most ``steps`` time steps in all (one pass over
    the split); None: no such limit. 1 keeps every frame. A small folder keeps its frames, a
    large one is thinned."""
    by_rate = max(1, round(source_fps / fps)) if fps else 1
    by_budget = max(1, -(-int(np.sum(lengths)) // int(steps))) if steps else 1
    return max(by_rate, by_budget)


def check_splits(data: SkeletonSet, indices: dict[str, np.ndarray], protocol: str) -> None:
    """Refuse splits a training chapter cannot use, saying what is missing: an empty split (a folder
    without the protocol's test or validation subjects, say) or a class with no training sequence."""
    needs = {
        "train": f"subjects {', '.join(map(str, sorted(set(CROSS_SUBJECT_TRAIN) - set(VALIDATION_SUBJECTS))))}"
        if protocol == "cross_subject" else f"cameras {', '.join(map(str, CROSS_VIEW_TRAIN_CAMERAS))}",
        "validation": f"subjects {', '.join(map(str, VALIDATION_SUBJECTS))} (the thesis's validation subjects)",
        "test": "subjects outside the training list" if protocol == "cross_subject" else "camera 1",
    }  # fmt: skip
    source = data.manifest.get("source", "the dataset")
    for part, idx in indices.items():
        if len(idx) == 0:
            raise ValueError(f"{source}: the {protocol} {part} split is empty: it needs sequences of {needs[part]}")
    missing = sorted(set(range(len(data.actions))) - set(data.labels[indices["train"]].tolist()))
    if missing:
        names = ", ".join(data.class_names()[k] for k in missing)
        raise ValueError(f"{source}: {len(missing)} class(es) have no training sequence ({protocol}): {names}")


def choose_splits(
    data: SkeletonSet,
    protocol: str = "cross_subject",
    max_train: int | None = None,
    max_eval: int | None = None,
    seed: int = 0,
    fps: float | None = None,
    steps: int | None = None,
    log=print,
    frame_step: int | None = None,
) -> tuple[dict[str, np.ndarray], int]:
    """Which sequences each split of ``protocol`` uses, and which frames: ``({part: indices},
    frame_step)``. ``max_train`` and ``max_eval`` cap the sequences of the training and of the
    evaluation splits (a sample drawn at random with ``seed``, in file order), and ``log`` gets a
    line saying how many were left out; None keeps all. The frame step comes from the training
    split (``frame_step_for`` with ``fps``, ``steps`` and the data's frame rate), and ``log`` says
    so; a ``frame_step`` given is used as it is. Splits that cannot be trained on are refused
    (``check_splits``)."""
    rng = np.random.default_rng(seed)
    indices = data.split(protocol)
    check_splits(data, indices, protocol)
    for part, idx in indices.items():
        cap = max_train if part == "train" else max_eval
        if cap is not None and len(idx) > cap:
            log(f"{part}: {cap} of the {len(idx)} sequences used ({len(idx) - cap} left out by the profile's cap)")
            indices[part] = np.sort(rng.choice(idx, size=cap, replace=False))
    if frame_step is not None:
        return indices, int(frame_step)
    lengths = data.lengths[indices["train"]]
    frame_step = frame_step_for(lengths, data.fps, fps, steps)
    log(f"frames: 1 in {frame_step} kept ({data.fps / frame_step:.3g} fps from {data.fps:g}; "
        f"mean training length {np.mean(-(-lengths // frame_step)):.1f} steps)")  # fmt: skip
    return indices, frame_step


def reference_lengths(data: SkeletonSet, train_indices, joints: int = 25) -> np.ndarray:
    """Pose alignment's reference (thesis 4.2.2): the mean length of each bone over every frame of the
    training sequences ``train_indices`` with ``joints`` joints, ``(n_bones,)`` metres."""
    from skelrnn import preprocess

    keep = preprocess.drop_to_detector_joints if joints == 13 else (lambda xyz: xyz)
    return preprocess.reference_bone_lengths(keep(data.sequence(int(i))) for i in train_indices)


def featurise_splits(
    data: SkeletonSet,
    indices: dict[str, np.ndarray],
    frame_step: int = 1,
    preprocessing: str = "first_frame",
    joints: int = 25,
) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """``{part: (features, labels)}`` of the samples ``indices`` (``choose_splits``): ``make_features``
    arrays ``(T_i, joints * 3)`` and class indices ``(N,)``. Pose alignment scales every split to
    the bone lengths of the training split (thesis 4.2.2), measured on its full sequences."""
    reference = reference_lengths(data, indices["train"], joints) if preprocessing == "pose_alignment" else None
    return {
        part: (make_features(data, idx, preprocessing, joints, frame_step, reference), data.labels[idx])
        for part, idx in indices.items()
    }


def prepare_splits(
    data: SkeletonSet,
    protocol: str = "cross_subject",
    max_train: int | None = None,
    max_eval: int | None = None,
    frame_step: int | None = None,
    seed: int = 0,
    preprocessing: str = "first_frame",
    fps: float | None = None,
    steps: int | None = None,
    log=print,
) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """Features and labels of the train / validation / test splits of ``protocol``.

    Returns ``{part: (features, labels)}`` (``featurise_splits``) for the sequences and frames that
    ``choose_splits`` picks (its arguments); ``frame_step`` given keeps every k-th frame instead of
    the derived step.
    """
    indices, step = choose_splits(data, protocol, max_train, max_eval, seed, fps, steps, log, frame_step)
    return featurise_splits(data, indices, step, preprocessing)


def same_performance(data: SkeletonSet, i: int) -> dict[int, int]:
    """The samples recording the same performance as sample ``i`` (same setup, subject, replication
    and action), by camera: ``{camera: index}``, sample ``i`` included."""
    key = data.names[i]._replace(camera=0)
    return {n.camera: k for k, n in enumerate(data.names) if n._replace(camera=0) == key}


def two_views(data: SkeletonSet, prefer: int) -> tuple[int, int] | None:
    """Two samples of one performance seen by two cameras (the two lowest camera numbers), for the
    chapters that compare views (02, 08): sample ``prefer``'s performance if two cameras recorded it,
    else the first such performance in file order; None when every performance has one camera (a
    one-camera folder: the chapters say so instead of comparing)."""
    views = same_performance(data, prefer)
    if len(views) < 2:
        seen = {}
        for k, n in enumerate(data.names):
            seen.setdefault(n._replace(camera=0), {})[n.camera] = k
        views = next((v for v in seen.values() if len(v) >= 2), {})
    if len(views) < 2:
        return None
    first, second = sorted(views)[:2]
    return views[first], views[second]


# ---------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------


def pad_sequences(sequences, length: int | None = None, multiple: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences ``(T_i, ...)`` into a zero-padded batch.

    Returns ``x`` of shape ``(B, L, ...)`` float32 and ``mask`` ``(B, L)`` bool (True on real
    steps), where ``L`` is ``length`` or the longest ``T_i`` rounded up to a ``multiple`` (fewer
    distinct shapes means fewer graph retraces in Keras).
    """
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequences: no sequences")
    lengths = np.array([len(s) for s in sequences])
    longest = int(lengths.max())
    if length is None:
        length = -(-longest // multiple) * multiple
    elif length < longest:
        raise ValueError(f"pad_sequences: length {length} is shorter than the longest sequence ({longest})")
    x = np.zeros((len(sequences), length, *sequences[0].shape[1:]), dtype=np.float32)
    for i, s in enumerate(sequences):
        x[i, : len(s)] = s
    mask = np.arange(length)[None, :] < lengths[:, None]
    return x, mask


def random_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A shuffled pass over ``n`` samples in batches of ``batch_size`` (the last one may be smaller)."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def bucket_batches(lengths, batch_size: int, rng: np.random.Generator, pool: int = 16) -> list[np.ndarray]:
    """Length bucketing: a shuffled pass whose batches hold sequences of similar length.

    The samples are shuffled, cut into pools of ``pool`` batches, each pool is sorted by length
    and cut into batches, and the batches are shuffled. Batches differ from epoch to epoch (the
    pools do) but each holds neighbours in length, so little of it is padding. A pool that does
    not fill whole batches has one short batch; it goes where the pool's padded steps are fewest
    (``_short_batch_start``), so each pool's cut is the least padding of any split of it into
    batches of those sizes. Neither end is always best: with lengths (1, 1, 2) in batches of 2,
    the short batch at the long end pads 4 steps and at the short end 5; with eleven 1s, two 2s
    and a 1 in batches of 13, the long end pads 28 and the short end 27.
    """
    lengths = np.asarray(lengths)
    if batch_size < 1 or pool < 1:
        raise ValueError(f"batch_size and pool must be >= 1, got {batch_size} and {pool}")
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch_size * pool):
        chunk = order[start : start + batch_size * pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        short = len(chunk) % batch_size
        first = _short_batch_start(lengths[chunk], batch_size) if short else 0
        bounds = _cuts(len(chunk), batch_size, first)
        batches.extend(chunk[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    return [batches[i] for i in rng.permutation(len(batches))]


def _short_batch_start(sorted_lengths: np.ndarray, batch_size: int) -> int:
    """Where a pool's short batch starts (a multiple of ``batch_size``): the place, among the
    ``n // batch_size + 1`` possible, with the fewest padded steps for ``sorted_lengths`` (ascending,
    ``n`` not a multiple of ``batch_size``); the shortest end on a tie. A batch of sorted lengths
    costs its size times its last length, and any split of the pool into batches of these sizes
    costs at least as much as the best of these contiguous cuts (give the longest sequence's batch
    the next longest ones, and repeat)."""
    n = len(sorted_lengths)
    costs = []
    for first in range(0, n - n % batch_size + 1, batch_size):
        bounds = np.array(_cuts(n, batch_size, first))
        costs.append(int(np.dot(np.diff(bounds), sorted_lengths[bounds[1:] - 1])))
    return batch_size * int(np.argmin(costs))


def _cuts(n: int, batch_size: int, first: int) -> list[int]:
    """Bounds ``[0, ..., n]`` of batches of ``batch_size`` over ``n`` samples whose one short batch
    (``n % batch_size`` samples, if any) starts at ``first``, a multiple of ``batch_size``."""
    short = n % batch_size
    if not short:
        return list(range(0, n + 1, batch_size))
    return [*range(0, first + 1, batch_size), *range(first + short, n + 1, batch_size)]


def padded_steps(lengths, batches, multiple: int = 1) -> int:
    """Time steps computed in one pass: each batch costs its size times its padded length."""
    lengths = np.asarray(lengths)
    return int(sum(len(b) * (-(-int(lengths[b].max()) // multiple) * multiple) for b in batches))


class _Batches:
    """Batches ``(x, y)`` for Keras ``fit``/``evaluate``: ``x`` ``(B, L, D)`` float32 zero-padded
    (a ``keras.layers.Masking(0.0)`` layer recovers the mask), ``y`` ``(B,)`` int class indices.

    ``features`` is a list of ``(T_i, D)`` arrays. With ``bucketing`` batches group similar
    lengths (``bucket_batches``), else they are random. Batch order and composition depend only
    on ``seed`` and the epoch, so training is reproducible. ``multiple`` rounds the padded length
    up (fewer distinct shapes, fewer graph retraces). ``drop_remainder`` leaves out the batches
    that are not full (each epoch leaves out different samples). ``SequenceBatches`` is this
    class on top of ``keras.utils.PyDataset``.
    """

    def __init__(
        self, features, labels, batch_size=256, bucketing=True, shuffle=True, seed=0, multiple=1,
        drop_remainder=False, **kw,
    ):  # fmt: skip
        super().__init__(**kw)
        if len(features) != len(labels):
            raise ValueError(f"{len(features)} feature sequences but {len(labels)} labels")
        if not features:
            raise ValueError("SequenceBatches: no sequences")
        self.features = [np.asarray(f, dtype=np.float32) for f in features]
        self.labels = np.asarray(labels, dtype=np.int64)
        self.lengths = np.array([len(f) for f in self.features])
        self.batch_size, self.bucketing, self.shuffle = int(batch_size), bool(bucketing), bool(shuffle)
        self.seed, self.multiple, self.epoch = int(seed), int(multiple), 0
        # Full batches only: every training step then has the same batch size, so the backend
        # traces its step function once instead of again for the short last batch.
        self.drop_remainder = bool(drop_remainder) and len(self.lengths) >= self.batch_size
        self._plan()

    def _plan(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable") if self.bucketing else np.arange(len(self.lengths))
            self.batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        elif self.bucketing:
            self.batches = bucket_batches(self.lengths, self.batch_size, rng)
        else:
            self.batches = random_batches(len(self.lengths), self.batch_size, rng)
        if self.drop_remainder:
            self.batches = [b for b in self.batches if len(b) == self.batch_size]

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        idx = self.batches[index]
        x, _ = pad_sequences([self.features[i] for i in idx], multiple=self.multiple)
        return x, self.labels[idx]

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Plan the batches of ``epoch`` (a resumed run starts at its epoch, not at 0)."""
        self.epoch = int(epoch)
        self._plan()

    def padded_steps(self) -> int:
        """Time steps one pass over the current batches computes."""
        return padded_steps(self.lengths, self.batches, self.multiple)


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
    from skelrnn.ntu import NTU_ACTIONS

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


def __getattr__(name: str):
    # SequenceBatches subclasses keras.utils.PyDataset, so it is built on first use: importing the
    # data layer (as the parsing worker processes do) must not import Keras and its backend.
    if name == "SequenceBatches":
        import keras

        cls = type("SequenceBatches", (_Batches, keras.utils.PyDataset), {"__module__": __name__})
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
