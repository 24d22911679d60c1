"""The 3D annotation pickle of PYSKL and MMAction2 (``ntu60_3danno.pkl``, ``ntu120_3danno.pkl``, ``ntu60_3d.pkl``).

Defined for the data chapter (thesis 3.1.1). The file is one pickled dict::

    split        {"xsub_train": [frame_dir, ...], "xsub_val": [...], "xview_train"|"xset_train": ..., ...}
    annotations  [{"frame_dir": "S001C001P001R001A001", "label": 0-based class,
                   "keypoint": float16 (M, T, 25, 3) metres, "total_frames": T}, ...]

Toolkits call the test part ``val``. It is read with the restricted unpickler
(``core.safe_pickle``): only containers, scalars and NumPy arrays, nothing that runs.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from skelrnn.core import safe_pickle
from skelrnn.core.io import write_bytes_atomic
from skelrnn.data.ntu.forms.samples import MAX_LABEL, FormError, FormSamples, check_bodies, parse_names

__all__ = ["read_annotation_pickle", "write_annotation_pickle", "SPLIT_KEYS", "ANNOTATION_KEYS"]

ANNOTATION_KEYS = ("frame_dir", "label", "keypoint", "total_frames")
# The split names of the toolkits, by the book's protocol names.
SPLIT_KEYS = {"cross_subject": "xsub", "cross_view": "xview", "cross_setup": "xset"}
LOST = (
    "keeps x, y, z of each joint: the .skeleton files' pixel positions, orientations, tracking states and "
    "body IDs are gone, and the toolkit chose the bodies (at most two)",
    "stores the coordinates in float16: steps of about 2 mm at 3 m from the camera",
)


def _schema_error(path, field_name, expected, found) -> FormError:
    return FormError(path, field_name, expected, found)


def _annotation(path, i: int, entry) -> tuple[str, int, np.ndarray]:
    """``(frame_dir, label, keypoint)`` of ``annotations[i]``; a missing key or a keypoint that is not
    of rank 4 is a fault of the file (another schema), raised."""
    where = f"annotations[{i}]"
    if not isinstance(entry, dict) or not set(ANNOTATION_KEYS) <= set(entry):
        found = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise _schema_error(path, where, f"a dict with keys {list(ANNOTATION_KEYS)}", repr(found))
    keypoint = entry["keypoint"]
    if not isinstance(keypoint, np.ndarray) or keypoint.ndim != 4:
        shape = keypoint.shape if isinstance(keypoint, np.ndarray) else type(keypoint).__name__
        raise _schema_error(path, f"{where}.keypoint", "an array of rank 4 (bodies, frames, 25, 3)", str(shape))
    return str(entry["frame_dir"]), entry["label"], keypoint


def _sample_fault(path, i: int, label, keypoint, total_frames) -> str | None:
    where = f"annotations[{i}]"
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= MAX_LABEL:
        return f"{path}: {where}.label: expected a class index in 0..{MAX_LABEL}, found {label!r}"
    fault = check_bodies(path, f"{where}.keypoint", keypoint)
    if fault:
        return fault
    if isinstance(total_frames, bool) or not isinstance(total_frames, (int, np.integer)) \
            or total_frames != keypoint.shape[1]:  # fmt: skip
        return (
            f"{path}: {where}.total_frames: expected the keypoint's {keypoint.shape[1]} frames, found {total_frames!r}"
        )
    return None


def _read_splits(path, split, known: set[str]) -> dict[str, dict[str, list[str]]]:
    """``{protocol: {part: [frame_dir]}}`` of the file's ``split``; a split naming a sample that is not
    among the annotations is a fault of the file."""
    if split is None:
        return {}
    if not isinstance(split, dict):
        raise _schema_error(path, "split", "a dict of lists of frame_dir names", type(split).__name__)
    out: dict[str, dict[str, list[str]]] = {}
    for key, members in split.items():
        if not isinstance(members, (list, tuple)):
            raise _schema_error(path, f"split[{key!r}]", "a list of frame_dir names", type(members).__name__)
        unknown = [str(m) for m in members if str(m) not in known]
        if unknown:
            raise _schema_error(path, f"split[{key!r}]", "names of samples among the annotations",
                                f"{len(unknown)} that are not, e.g. {unknown[:3]}")  # fmt: skip
        prefix, _, part = str(key).rpartition("_")
        protocol = {v: k for k, v in SPLIT_KEYS.items()}.get(prefix)
        if protocol and part in ("train", "val"):
            out.setdefault(protocol, {})["train" if part == "train" else "test"] = [str(m) for m in members]
    return out


def read_annotation_pickle(path) -> FormSamples:
    """Read a 3D annotation pickle into ``FormSamples`` (its docstring says the schema). A file that
    is not a complete pickle, names anything but containers, scalars and arrays, or has another
    schema raises (``safe_pickle`` errors, ``FormError``) before any sample is kept; a sample with a
    label out of range, a coordinate that is not finite or a wrong frame count is quarantined."""
    path = Path(path)
    content = safe_pickle.load(path)
    if not isinstance(content, dict) or "annotations" not in content:
        found = repr(sorted(content)) if isinstance(content, dict) else type(content).__name__
        raise _schema_error(path, None, "a dict with 'annotations' (and 'split'): PYSKL's 3D annotation pickle", found)
    entries = content["annotations"]
    if not isinstance(entries, (list, tuple)) or not entries:
        raise _schema_error(path, "annotations", "a non-empty list of dicts", type(entries).__name__)
    parsed = [_annotation(path, i, e) for i, e in enumerate(entries)]
    ids = [frame_dir for frame_dir, _, _ in parsed]
    if len(set(ids)) != len(ids):
        twice = sorted({x for x in ids if ids.count(x) > 1})[:3]
        raise _schema_error(path, "annotations", "one entry per frame_dir", f"entries repeated, e.g. {twice}")
    splits_by_name = _read_splits(path, content.get("split"), set(ids))
    names, name_faults = parse_names(path, "annotations[].frame_dir", ids)
    quarantine: dict[str, str] = {ids[i]: why for i, why in name_faults.items()}
    keep, bodies, labels = [], [], []
    for i, (frame_dir, label, keypoint) in enumerate(parsed):
        fault = quarantine.get(frame_dir) or _sample_fault(path, i, label, keypoint, entries[i]["total_frames"])
        if fault is None and names is not None and names[i].action != int(label) + 1:
            fault = (f"{path}: annotations[{i}].label: expected {names[i].action - 1} for {frame_dir} "
                     f"(action A{names[i].action:03d}, 0-based), found {label}")  # fmt: skip
        if fault:
            quarantine[frame_dir] = fault
            continue
        keep.append(i)
        bodies.append(keypoint.astype(np.float32))
        labels.append(int(label))
    position = {ids[i]: k for k, i in enumerate(keep)}
    splits = {
        protocol: {part: np.array([position[m] for m in members if m in position], dtype=np.int64)
                   for part, members in parts.items()}
        for protocol, parts in splits_by_name.items()
    }  # fmt: skip
    return FormSamples(
        form="annotation_pickle", source=str(path), bodies=bodies, labels=np.array(labels, dtype=np.int64),
        names=None if names is None else [names[i] for i in keep], ids=[ids[i] for i in keep], splits=splits,
        quarantine=quarantine, lost=list(LOST), precision=str(entries[0]["keypoint"].dtype),
    )  # fmt: skip


def write_annotation_pickle(path, samples: FormSamples) -> Path:
    """Write ``samples`` as PYSKL's 3D annotation pickle (float16 keypoints, pickle protocol 4), with
    a split for each protocol of ``samples.splits`` (``xsub_train``, ``xsub_val``...: a validation
    part goes back into training, as the toolkits have none). Atomic."""
    split = {}
    for protocol, parts in samples.splits.items():
        train = np.sort(np.concatenate([parts.get("train", []), parts.get("validation", [])]).astype(np.int64))
        split[f"{SPLIT_KEYS[protocol]}_train"] = [samples.ids[i] for i in train]
        split[f"{SPLIT_KEYS[protocol]}_val"] = [samples.ids[i] for i in parts.get("test", [])]
    annotations = [
        {"frame_dir": sample_id, "label": int(label), "keypoint": bodies.astype(np.float16),
         "total_frames": int(bodies.shape[1])}
        for sample_id, label, bodies in zip(samples.ids, samples.labels, samples.bodies, strict=True)
    ]  # fmt: skip
    return write_bytes_atomic(path, pickle.dumps({"split": split, "annotations": annotations}, protocol=4))
