"""The padded arrays of ST-GCN and 2s-AGCN: ``{train,val}_data_joint.npy`` with ``{train,val}_label.pkl``.

Defined for the data chapter (thesis 3.1.1). ST-GCN's ``tools/ntu_gendata.py`` (``train_data.npy``)
and 2s-AGCN's ``data_gen/ntu_gendata.py`` (``train_data_joint.npy``) write one folder a protocol
(``xsub``, ``xview``; ``xset`` for NTU-120) holding, for each part (``val`` is the test part)::

    <part>_data_joint.npy   float32 (N, C=3, T=300, V=25, M=2) metres, zero-padded at the end
    <part>_label.pkl        pickled (sample names "S001C001P001R001A001.skeleton", 0-based labels)

2s-AGCN's ``pre_normalization`` then centres and turns every sequence and repeats it to fill the
300 frames; the reader says so when it sees it. The data are memory-mapped; the label pickles
go through the restricted unpickler (``core.safe_pickle``).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from skelrnn.core import safe_pickle
from skelrnn.core.io import write_atomic, write_bytes_atomic
from skelrnn.data.ntu.forms.samples import (
    MAX_LABEL,
    FormError,
    FormSamples,
    bodies_from_padded,
    check_bodies,
    padded_from_bodies,
)
from skelrnn.data.ntu.skeleton_format import parse_sample_name

__all__ = ["read_nctvm_folder", "write_nctvm_folder", "nctvm_parts", "PROTOCOL_FOLDERS", "FRAMES"]

FRAMES = 300  # the toolkits' padded length
PROTOCOL_FOLDERS = {"xsub": "cross_subject", "xview": "cross_view", "xset": "cross_setup"}
_PARTS = {"train": "train", "val": "test"}
REPEATED = (
    "fills the 300 frames in every sample: its toolkit repeated each sequence to fill them (2s-AGCN's "
    "pre_normalization), so the lengths are lost; the book trains on the repeats"
)
LOST = (
    "keeps x, y, z of at most two bodies, zero-padded to 300 frames (longer sequences cut there): the "
    ".skeleton files' other fields are gone",
)


def nctvm_parts(folder) -> dict[str, tuple[Path, Path]]:
    """``{part: (data file, label file)}`` of the parts of ``folder`` that have both (``train``, ``val``)."""
    folder = Path(folder)
    out = {}
    for part in _PARTS:
        data = next((p for p in (folder / f"{part}_data_joint.npy", folder / f"{part}_data.npy") if p.is_file()), None)
        label = folder / f"{part}_label.pkl"
        if data is not None and label.is_file():
            out[part] = (data, label)
    return out


def _open_data(path: Path) -> np.ndarray:
    """The data array, memory-mapped; ``FormError`` naming the file unless it is a numeric
    ``(N, 3, T, 25, M)`` array (an object array is refused without being unpickled)."""
    try:
        data = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as err:  # NumPy refuses object arrays when pickles are not allowed
        raise FormError(path, None, "a numeric array (N, 3, T, 25, M); an object array is not read",
                        str(err)) from None  # fmt: skip
    except (OSError, EOFError) as err:
        raise FormError(path, None, "a .npy file", f"{type(err).__name__}: {err}") from None
    if data.dtype.kind not in "fiu" or data.ndim != 5 or data.shape[1] != 3 or data.shape[3] != 25:
        raise FormError(path, None, "a numeric array (N, 3, T, 25, M)", f"{data.dtype} {data.shape}")
    return data


def _read_labels(path: Path, n: int) -> tuple[list[str], list]:
    content = safe_pickle.load(path)
    if not (isinstance(content, (tuple, list)) and len(content) == 2):
        raise FormError(path, None, "a pickled pair (sample names, labels)", type(content).__name__)
    names, labels = (list(x) if isinstance(x, (list, tuple, np.ndarray)) else x for x in content)
    if not isinstance(names, list) or not isinstance(labels, list) or len(names) != len(labels):
        raise FormError(path, None, "two lists of one length (sample names, labels)")
    if len(names) != n:
        raise FormError(path, None, f"one name and label for each of the {n} samples of the data file",
                        f"{len(names)}")  # fmt: skip
    return [str(x) for x in names], labels


def _sample_fault(data_path, label_path, i: int, name: str, label, sample, length: int) -> str | None:
    """Why sample ``i`` of a part cannot be used, or None."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= MAX_LABEL:
        return f"{label_path}: labels[{i}]: expected a class index in 0..{MAX_LABEL}, found {label!r}"
    try:
        action = parse_sample_name(name).action
    except ValueError:
        return (
            f"{label_path}: names[{i}]: expected an NTU sample name such as S001C002P003R002A013, found {name[:60]!r}"
        )
    if action != int(label) + 1:
        return f"{label_path}: labels[{i}]: expected {action - 1} for {name} (0-based), found {label}"
    if length == 0:
        return f"{data_path}: sample {i} ({name}): no joint in any frame"
    return check_bodies(data_path, f"sample {i} ({name})", sample)


def read_nctvm_folder(folder) -> FormSamples:
    """Read an ST-GCN / 2s-AGCN folder into ``FormSamples``; the parts are the folder's protocol
    (``PROTOCOL_FOLDERS``, cross-subject when its name does not say). A sample with a label out of
    range or unlike its name's action, a name that is not an NTU name or a coordinate that is not
    finite is quarantined; a label file whose length differs from its data file, or a data file of
    another layout (an object array among them), stops the read."""
    folder = Path(folder)
    parts = nctvm_parts(folder)
    if not parts:
        raise FormError(folder, None, "train_data_joint.npy (or train_data.npy) with train_label.pkl, and the "
                        "same for val (ST-GCN's and 2s-AGCN's ntu_gendata.py)")  # fmt: skip
    protocol = PROTOCOL_FOLDERS.get(folder.name, "cross_subject")
    opened = {part: (_open_data(data_path), data_path, label_path) for part, (data_path, label_path) in parts.items()}
    ids, labels, bodies, quarantine, members = [], [], [], {}, {}
    full_length = 0
    for part, (data, data_path, label_path) in opened.items():
        names, part_labels = _read_labels(label_path, len(data))
        members[_PARTS[part]] = []
        for i, (name, label) in enumerate(zip(names, part_labels, strict=True)):
            sample, length = bodies_from_padded(np.asarray(data[i], dtype=np.float32))
            fault = _sample_fault(data_path, label_path, i, name, label, sample, length)
            if fault:
                quarantine[name] = fault
                continue
            full_length += length == data.shape[2]
            members[_PARTS[part]].append(len(ids))
            ids.append(name.removesuffix(".skeleton"))
            labels.append(int(label))
            bodies.append(sample)
    lost = list(LOST)
    if bodies and full_length == len(bodies):
        lost.append(REPEATED)
    return FormSamples(
        form="nctvm", source=str(folder), bodies=bodies, labels=np.array(labels, dtype=np.int64),
        names=[parse_sample_name(x) for x in ids], ids=ids,
        splits={protocol: {p: np.array(m, dtype=np.int64) for p, m in members.items()}}, quarantine=quarantine,
        lost=lost, precision=str(next(iter(opened.values()))[0].dtype),
    )  # fmt: skip


def write_nctvm_folder(folder, samples: FormSamples, protocol: str = "cross_subject", frames: int = FRAMES) -> Path:
    """Write ``samples`` as a 2s-AGCN folder for ``protocol`` (its part ``train``, with ``validation``
    merged back, and ``test`` as ``val``): ``train_data_joint.npy`` float32 (N, 3, frames, 25, 2) and
    ``train_label.pkl`` (names with ``.skeleton``, labels), atomically. Returns the folder."""
    folder = Path(folder)
    parts = samples.splits[protocol]
    chosen = {
        "train": np.sort(np.concatenate([parts.get("train", []), parts.get("validation", [])]).astype(np.int64)),
        "val": np.asarray(parts.get("test", []), dtype=np.int64),
    }
    for part, idx in chosen.items():
        data = np.stack([padded_from_bodies(samples.bodies[i], frames) for i in idx]) if len(idx) else \
            np.zeros((0, 3, frames, 25, 2), np.float32)  # fmt: skip
        write_atomic(folder / f"{part}_data_joint.npy", lambda f, d=data: np.save(f, d, allow_pickle=False))
        names = [f"{samples.ids[i]}.skeleton" for i in idx]
        labels = [int(samples.labels[i]) for i in idx]
        write_bytes_atomic(folder / f"{part}_label.pkl", pickle.dumps((names, labels), protocol=4))
    return folder
