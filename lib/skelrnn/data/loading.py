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
from skelrnn.data.ntu import forms, reader, skeleton_format
from skelrnn.data.ntu.protocols import (
    NTU_FPS,
    action_name,
    dataset_of,
    missing_skeletons,
    protocol_name,
    split_indices,
)
from skelrnn.data.preprocess import fill_gaps_cubic
from skelrnn.data.skeleton import N_JOINTS
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
    return _keep_actors(seq, name, path)


def _keep_actors(seq: skeleton_format.SkeletonSequence, name: str, path: str) -> dict:
    """What ``load`` keeps of one parsed sample: the main actor (``actors.choose_actors``) with the
    frames its track lost filled (``preprocess.fill_gaps_cubic``), the second body, or why the sample
    is skipped (no frame, no body, every joint at 0)."""
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


def _sequence_of_bodies(bodies: np.ndarray, sample_id: str) -> skeleton_format.SkeletonSequence:
    """A toolkit's ``(M, T, 25, 3)`` bodies as a parsed sequence (the other fields 0; a body is present
    in a frame where it holds a joint), so that they go through the same actor choice as a file."""
    m, t = bodies.shape[:2]
    joints = np.zeros((t, m, N_JOINTS, len(skeleton_format.JOINT_FIELDS)))
    joints[..., :3] = np.transpose(bodies, (1, 0, 2, 3))
    present = np.any(joints[..., :3] != 0, axis=(2, 3))
    return skeleton_format.SkeletonSequence(sample_id, joints, np.zeros((t, m, len(skeleton_format.BODY_FIELDS))),
                                            present, np.arange(m, dtype=np.int64))  # fmt: skip


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
    manifest  dict: source, key, form, counts, and the skipped, repaired and rejected samples by name
    ids       N sample identifiers where they are not the names (a toolkit form without names:
              ``x_train[17]``), else None
    given_splits  ``{protocol: {part: indices}}`` a form without names was written with

    A form that keeps no sample names (``manifest["names"]`` false) has names with only the action
    (``S000C000P000R000A013``): no subject, camera or setup, so its splits are the given ones.
    """

    names: list[skeleton_format.SampleName]
    xyz: np.ndarray
    failed: np.ndarray
    offsets: np.ndarray
    second: np.ndarray
    has_second: np.ndarray
    manifest: dict = field(default_factory=dict)
    ids: list[str] | None = None
    given_splits: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

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
        """Names of ``actions`` (NTU RGB+D 120's names, ``protocols.action_name``; ``A<code>`` for codes
        outside 1..120)."""
        return [action_name(a) for a in self.actions]

    @property
    def has_names(self) -> bool:
        """Whether the samples have NTU names (subjects, cameras, setups): false for a toolkit form that
        keeps none (``forms.flat_sequences``)."""
        return bool(self.manifest.get("names", True))

    def sample_id(self, i: int) -> str:
        """Sample ``i``'s identifier: its NTU name, or its place in a form without names (``x_train[17]``)."""
        return self.ids[i] if self.ids is not None else str(self.names[i])

    def protocols(self) -> list[str]:
        """The protocols whose train and test parts both hold samples here: those a form without names
        was written with, else those of ``protocols.split_indices`` that the names allow (cross-setup
        on NTU RGB+D 120 only, which defines it)."""
        if not self.has_names:
            return sorted(self.given_splits)
        return [p for p in self.defined_protocols()
                if all(len(idx) for idx in split_indices(self.names, p, validation=False).values())]  # fmt: skip

    def defined_protocols(self) -> list[str]:
        """The protocols the release of these names defines: cross-subject and cross-view, and
        cross-setup on NTU RGB+D 120 (``protocols.dataset_of``); for a form without names, its own."""
        if not self.has_names:
            return sorted(self.given_splits)
        ntu120 = dataset_of(self.names) == "NTU RGB+D 120"
        return ["cross_subject", "cross_view"] + (["cross_setup"] if ntu120 else [])

    def split(self, protocol: str = "cross_subject", validation: bool = True) -> dict[str, np.ndarray]:
        """Sample indices of ``train``, ``validation`` (if asked) and ``test``: by the names
        (``protocols.split_indices``), or, for a form without names, the parts it was written with,
        with a validation part drawn from training where it has none (``carve_validation``)."""
        protocol = protocol_name(protocol)
        if self.has_names:
            return split_indices(self.names, protocol, validation)
        if protocol not in self.given_splits:
            raise ValueError(f"{self.manifest.get('source', 'the dataset')}: keeps no sample names, so its only "
                             f"protocols are those it was written with ({', '.join(sorted(self.given_splits))}), "
                             f"not {protocol}")  # fmt: skip
        parts = {part: np.asarray(idx, dtype=np.int64) for part, idx in self.given_splits[protocol].items()}
        train = np.sort(np.concatenate([parts["train"], parts.get("validation", np.zeros(0, np.int64))]))
        if not validation:
            return {"train": train, "test": parts["test"]}
        if "validation" not in parts:
            parts["train"], parts["validation"] = carve_validation(train, self.labels[train])
        return {part: parts[part] for part in ("train", "validation", "test")}


# The share of NTU's cross-subject training samples that the thesis's validation subjects hold
# (8,183 of 40,091, ``protocols.ntu_protocol_sizes``): a form without subjects validates on that
# share of its training part, drawn per class with ``VALIDATION_SEED``.
VALIDATION_SHARE = 8183 / 40091
VALIDATION_SEED = 0


def carve_validation(train: np.ndarray, labels: np.ndarray, share: float = VALIDATION_SHARE,
                     seed: int = VALIDATION_SEED) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(train, validation)``: ``share`` of the samples ``train`` (their classes ``labels``) drawn, class by
    class, with ``seed``, for data without subjects to take the thesis's validation subjects from.
    A class of two samples or more gives at least one and keeps at least one for training (a small
    file still validates on every class it can). Same arguments, same parts."""
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(labels):
        members = train[labels == c]
        n = min(len(members) - 1, max(1, int(round(share * len(members)))))
        if n > 0:
            held.append(rng.choice(members, size=n, replace=False))
    validation = np.sort(np.concatenate(held)) if held else np.zeros(0, np.int64)
    return np.setdiff1d(train, validation), validation


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


def _why_skipped(result: dict) -> str:
    """Why a file was skipped, and whether the NTU authors list it among the samples released without
    a skeleton (``protocols.missing_skeletons``: NTU RGB+D's 302, NTU RGB+D 120's 535)."""
    listed = result["name"] in missing_skeletons("ntu120")
    return result["skipped"] + ("; the authors list it among the samples without a skeleton" if listed else "")


def _assemble(results: list[dict], source: str, key: str, misnamed: dict[str, str]) -> SkeletonSet:
    bad = {**misnamed, **{Path(r["path"]).name: r["bad"] for r in results if "bad" in r}}
    results = [r for r in results if "bad" not in r]
    kept = [r for r in results if "skipped" not in r]
    if not kept:
        raise ValueError(
            f"{source}: no usable skeleton sequence in {len(results) + len(bad)} files"
            + (f" ({len(bad)} could not be read: {'; '.join(bad.values())})" if bad else "")
        )
    manifest = {
        "source": source,
        "key": key,
        "files": len(results) + len(bad),
        "bad_files": dict(sorted(bad.items())),
        "skipped": {r["name"]: _why_skipped(r) for r in results if "skipped" in r},
    }
    return _stack(kept, [skeleton_format.parse_sample_name(r["name"]) for r in kept], manifest)


def _stack(kept: list[dict], names: list, manifest: dict, **fields) -> SkeletonSet:
    """The ``SkeletonSet`` of the samples ``kept`` (``_keep_actors`` results, in order) named ``names``:
    their arrays end to end, and in ``manifest`` their counts by ``name`` (samples, repaired frames,
    rejected bodies, second bodies). ``fields``: the set's other fields (``ids``, ``given_splits``)."""
    lengths = np.array([len(r["xyz"]) for r in kept])
    manifest.update(
        samples=len(kept),
        repaired={r["name"]: int(r["failed"].sum()) for r in kept if r["failed"].any()},
        rejected_bodies={r["name"]: r["rejected"] for r in kept if r["rejected"]},
        two_bodies=sum(r["second"] is not None for r in kept),
    )
    return SkeletonSet(
        names=names,
        xyz=np.concatenate([r["xyz"] for r in kept]),
        failed=np.concatenate([r["failed"] for r in kept]),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        second=np.concatenate([r["second"] if r["second"] is not None else np.zeros_like(r["xyz"]) for r in kept]),
        has_second=np.array([r["second"] is not None for r in kept]),
        manifest=manifest,
        **fields,
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
            **({"ids": np.array(data.ids)} if data.ids is not None else {}),
            **{f"split/{protocol}/{part}": idx for protocol, parts in data.given_splits.items()
               for part, idx in parts.items()},
        },
    )  # fmt: skip


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
            ids=z["ids"].tolist() if "ids" in z.files else None,
            given_splits=_given_splits({k: z[k] for k in z.files if k.startswith("split/")}),
        )


def _given_splits(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"split/<protocol>/<part>": indices}`` (the cache's keys) as ``{protocol: {part: indices}}``."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for key, idx in arrays.items():
        _, protocol, part = key.split("/")
        out.setdefault(protocol, {})[part] = idx
    return out


class BadFilesError(ValueError):
    """Files of a folder that could not be read (``load(strict=True)``): ``bad`` maps each file name
    to its error (file, line, expectation); the message lists them all."""

    def __init__(self, folder, bad: dict[str, str]):
        self.bad = dict(bad)
        lines = "\n".join(f"  {why}" for why in self.bad.values())
        super().__init__(f"{folder}: {len(self.bad)} file(s) could not be read:\n{lines}")


def check_fps(fps, what: str = "fps") -> float:
    """``fps`` as a float; ``ValueError`` naming ``what`` unless it is a positive, finite number."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps < float("inf"):
        raise ValueError(f"{what}: expected a positive number of frames (skeleton rows) per second, got {fps!r}")
    return float(fps)


def declared_fps(folder: Path) -> float:
    """The frame rate a folder declares in ``dataset.json`` (``{"fps": 15}``), else 30 (NTU)."""
    path = Path(folder) / "dataset.json"
    if not path.is_file():
        return NTU_FPS
    return check_fps(read_json(path).get("fps", NTU_FPS), f"{path}: field 'fps'")


def _frame_rate(data_dir: Path, fps) -> tuple[float, str]:
    """The frame rate of the data at ``data_dir`` and where it comes from: ``fps`` as the user gave it,
    else the folder's ``dataset.json``, else NTU's 30, assumed (a folder does not say its rate)."""
    if fps is not None:
        return check_fps(fps), "given"
    folder = data_dir if data_dir.is_dir() else data_dir.parent
    if (folder / "dataset.json").is_file():
        return declared_fps(folder), f"declared in {folder / 'dataset.json'}"
    return NTU_FPS, "assumed: NTU's rate, the data declare none (give the rate with --data-fps)"


def _read_cache_or_none(cache_file: Path, log) -> SkeletonSet | None:
    """The cached set, or None (and a line saying why) when the cache is missing or damaged."""
    if not cache_file.is_file():
        return None
    try:
        return _read_cache(cache_file)
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError) as err:
        log(f"{cache_file}: the cache is damaged ({type(err).__name__}: {err}); rebuilding it from the files")
        return None


def source_files(path, form: str | None = None) -> list[Path]:
    """The files that make up the dataset at ``path`` in its ``form`` (default: ``forms.detect_form``):
    the ``.skeleton`` files of a folder, a toolkit's file, or the files of its folder. Their names,
    sizes and modification times key the cache (and the book's chapter cache)."""
    path = Path(path)
    form = form or forms.detect_form(path)
    if path.is_file():
        return [path]
    if form == forms.SKELETON_FOLDER:
        return sorted(path.glob("*.skeleton"))
    if form == "nctvm":
        return sorted(f for pair in forms.nctvm.nctvm_parts(path).values() for f in pair)
    return forms.sample_npy.sample_npy_files(path)


def _assemble_form(samples: forms.FormSamples, key: str) -> SkeletonSet:
    """A ``SkeletonSet`` of a toolkit form's samples: each sample's bodies go through the actor choice
    and gap filling of the ``.skeleton`` files (``_keep_actors``); the manifest says what the form is
    and what it lost."""
    kept, skipped, position = [], {}, {}
    # Named samples in name order, as a .skeleton folder's; the others in the file's order.
    order = sorted(range(len(samples)), key=lambda i: str(samples.names[i])) if samples.names else range(len(samples))
    for i in order:
        bodies, sample_id = samples.bodies[i], samples.ids[i]
        name = samples.names[i] if samples.names is not None else \
            skeleton_format.SampleName(0, 0, 0, 0, int(samples.labels[i]) + 1)  # fmt: skip
        r = _keep_actors(_sequence_of_bodies(bodies, sample_id), sample_id, sample_id)  # counted by sample id
        if "skipped" in r:
            skipped[sample_id] = r["skipped"]
            continue
        position[i] = len(kept)
        kept.append((name, r))
    if not kept:
        faults = "; ".join(list(samples.quarantine.values())[:3])
        raise ValueError(f"{samples.source}: no usable skeleton sequence in {len(samples) + len(samples.quarantine)} "
                         f"samples ({len(samples.quarantine)} with faults: {faults})")  # fmt: skip
    manifest = {
        "source": samples.source, "key": key, "form": samples.form, "names": samples.names is not None,
        "files": len(samples) + len(samples.quarantine), "bad_files": dict(sorted(samples.quarantine.items())),
        "skipped": skipped, "lost": samples.lost, "precision": samples.precision,
        "centring": forms.samples.describe_centring(samples.bodies),
    }  # fmt: skip
    nameless = {}  # without names, the samples' ids and the file's splits, renumbered to the kept samples
    if samples.names is None:
        given = {protocol: {part: np.array([position[i] for i in idx if i in position], dtype=np.int64)
                            for part, idx in parts.items()} for protocol, parts in samples.splits.items()}  # fmt: skip
        nameless = {"ids": [r["name"] for _, r in kept], "given_splits": given}
    return _stack([r for _, r in kept], [name for name, _ in kept], manifest, **nameless)


def form_notes(data: SkeletonSet) -> list[str]:
    """What a chapter's header and ``skelrnn data inspect`` say about a toolkit form: which form, what
    it lost against the ``.skeleton`` files, what its toolkit did to the coordinates, and how the
    splits are made without subjects. Nothing for a folder of ``.skeleton`` files."""
    form = data.manifest.get("form", forms.SKELETON_FOLDER)
    if form == forms.SKELETON_FOLDER:
        return []
    notes = [f"data: {forms.FORMS[form]}"] + [f"the form {line}" for line in data.manifest.get("lost", [])]
    if data.manifest.get("centring"):
        notes.append(f"coordinates {data.manifest['centring']}")
    if not data.has_names:
        for protocol, parts in sorted(data.given_splits.items()):
            if "validation" not in parts:
                notes.append(
                    f"{protocol}: no subjects to take the thesis's validation subjects from: validation is "
                    f"{VALIDATION_SHARE:.1%} of each class's training samples (their share of NTU's cross-subject "
                    f"training set; at least one), drawn with seed {VALIDATION_SEED}; two views of one performance "
                    "cannot be found"
                )  # fmt: skip
    return notes


def load(
    data_dir: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    strict: bool = False,
    log=print,
    fps: float | None = None,
) -> SkeletonSet:
    """Read a form of NTU RGB+D (``forms.FORMS``: a folder of ``*.skeleton`` files, or a toolkit's
    pickle, arrays or folder) into a ``SkeletonSet``.

    ``.skeleton`` files are parsed in ``workers`` processes (default: all cores). Files that hold no
    skeleton (0 frames, no body, or every joint at 0 in every frame; the NTU release has 302 of
    them) are skipped and listed in ``manifest["skipped"]`` with the reason. Files that cannot be read
    (truncated, a field that is not a number, binary, empty, a wrong joint count) or whose name
    is not an NTU sample name are left out and listed in ``manifest["bad_files"]``, each with the
    file, the line and what was expected, and ``log`` gets one warning line with their count;
    with ``strict`` the load fails instead (``BadFilesError``, listing all of them). A toolkit's
    form (``forms.read_form``) puts the samples it cannot use in the same list; its bodies go
    through the same actor choice, and ``log`` gets what the form lost (``form_notes``).

    The result is cached in ``cache_dir`` (default ``default_cache_dir()``) as one compressed file
    whose name holds a key of the files' names, sizes and modification times: changing, adding
    or removing a file makes a new key, hence a fresh parse. A damaged cache file is reported
    and rebuilt. A JSON copy of the manifest is written beside it.

    ``fps``: the data's frame rate (skeleton rows a second), which the files do not say; None: the
    folder's ``dataset.json``, else NTU's 30. ``manifest["fps_source"]`` says which.
    """
    data_dir = Path(data_dir).resolve()
    form = forms.detect_form(data_dir)
    if form == forms.SKELETON_FOLDER:
        paths, misnamed = _skeleton_files(data_dir)
        key = _files_key(sorted([*paths, *(data_dir / name for name in misnamed)]))
    else:
        key = _files_key(source_files(data_dir, form))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_file = cache / f"{data_dir.name}-{key[:24]}.npz"
    data = _read_cache_or_none(cache_file, log)
    if data is None:
        if form == forms.SKELETON_FOLDER:
            data = _assemble(parse_all(paths, workers), str(data_dir), key, misnamed)
        else:
            data = _assemble_form(forms.read_form(data_dir, form), key)
        _save_cache(cache_file, data)
        write_json_atomic(cache_file.with_suffix(".manifest.json"), data.manifest)
    data.manifest["fps"], data.manifest["fps_source"] = _frame_rate(data_dir, fps)
    bad = data.manifest.get("bad_files", {})
    if bad and strict:
        raise BadFilesError(data_dir, bad)
    if bad:
        listed = cache_file.with_suffix(".manifest.json")
        unit = "files" if form == forms.SKELETON_FOLDER else "samples"
        log(f"warning: {data_dir}: {len(bad)} of {data.manifest['files']} {unit} could not be read and were "
            f"left out (each with its error in manifest['bad_files'] and in {listed})")  # fmt: skip
    for note in form_notes(data):
        log(note)
    data.manifest["cache"] = str(cache_file)
    return data


def load_or_generate(
    data_dir: str | os.PathLike | None = None,
    synthetic: dict | None = None,
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    strict: bool = False,
    log=print,
    fps: float | None = None,
) -> SkeletonSet:
    """The chapters' entry point: ``load(data_dir)`` for a real NTU copy, or, when ``data_dir`` is
    None, the embedded synthetic dataset (``skelrnn.data.synthetic.generator``, with the ``synthetic`` overrides of
    its config) generated once into ``cache_dir`` and then loaded like any NTU folder. ``fps``: the
    data's frame rate where the user gives it (``load``)."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if data_dir is not None:
        return load(data_dir, cache_dir=cache, workers=workers, strict=strict, log=log, fps=fps)
    config = SyntheticConfig(**(synthetic or {}))
    tag = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
    data_dir = cache / f"synthetic-{tag}"
    synth.generate(data_dir, config, workers=workers)
    data = load(data_dir, cache_dir=cache, workers=workers, strict=strict, log=log, fps=fps)
    if fps is None:
        data.manifest["fps_source"] = "the embedded data's, NTU's rate"
    return data


def export_samples(data: SkeletonSet) -> forms.FormSamples:
    """``data`` as a toolkit form's samples (``forms.write_form`` writes them): each sample's main actor
    as body 0, with the frames the sensor lost back at 0 as the toolkits keep them, and the second
    body as body 1; labels 0-based (action code - 1, as the toolkits number NTU's classes); the
    splits of every protocol the data allows, with the book's validation part."""
    bodies = []
    for i in range(len(data)):
        main = data.sequence(i).astype(np.float32)
        main[data.failed_frames(i)] = 0
        second = data.second_body(i)
        bodies.append(main[None] if second is None else np.stack([main, second.astype(np.float32)]))
    return forms.FormSamples(
        form="export", source=str(data.manifest.get("source", "")), bodies=bodies,
        labels=data.field("action") - 1, names=list(data.names) if data.has_names else None,
        ids=[data.sample_id(i) for i in range(len(data))],
        splits={p: data.split(p) for p in data.protocols()},
    )  # fmt: skip


def describe_source(data: SkeletonSet, lines: int = 5) -> str:
    """What the data chapter shows of the source: the first ``lines`` lines of the first ``.skeleton``
    file, or, for a toolkit's form, which form it is and its first sample (length, bodies, where the
    spine starts: a toolkit's centring shows there)."""
    source = Path(data.manifest.get("source", "."))
    if data.manifest.get("form", forms.SKELETON_FOLDER) == forms.SKELETON_FOLDER:
        first_file = source / f"{data.names[0]}.skeleton"
        text = first_file.read_text().splitlines()[:lines]
        return f"the first lines of {first_file.name}:\n" + "\n".join(line[:100] for line in text)
    length = int(data.lengths[0])
    x, y, z = data.sequence(0)[0, 0]
    second = "with a second body" if data.has_second[0] else "one body"
    return (f"{forms.FORMS[data.manifest['form']]}; its first sample, {data.sample_id(0)}: {length} frames, {second}, "
            f"the base of the spine at ({x:.3f}, {y:.3f}, {z:.3f}) m in its first frame")  # fmt: skip


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
        f"form: {forms.FORMS[data.manifest.get('form', forms.SKELETON_FOLDER)]}",
        *form_notes(data)[1:],
        f"samples: {s['samples']} ({s['two_bodies']} with a second person), frames: {s['frames']}, {data.fps:g} fps",
        f"classes: {s['classes']}, subjects: {s['subjects']}, cameras: {s['cameras']}"
        if data.has_names
        else f"classes: {s['classes']}; subjects and cameras: not kept by this form",
        f"protocols: {', '.join(data.protocols()) or 'none (no split has both training and test samples)'}",
        f"lengths (frames): min {lengths.min()}, median {int(np.median(lengths))}, max {lengths.max()}",
        f"filled Kinect failures in {s['repaired']} samples",
        "samples per class:",
    ]
    for action, count in sorted(s["per_class"].items()):
        name = action_name(int(action))
        lines.append(f"  A{action:03d} {name}: {count}")
    skipped = data.manifest.get("skipped", {})
    lines.append(f"skipped files: {len(skipped)}")
    lines += [f"  {name}: {why}" for name, why in sorted(skipped.items())]
    bad = data.manifest.get("bad_files", {})
    lines.append(f"unreadable or misnamed files: {len(bad)}")
    lines += [f"  {message}" for _name, message in sorted(bad.items())]
    return "\n".join(lines)
