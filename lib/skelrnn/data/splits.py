"""From a ``SkeletonSet`` to the splits a network trains and is tested on: which sequences, which frames, which inputs.

Defined for the data chapter (thesis 3.1.1) and the training chapters. ``choose_splits`` picks
the sequences of each split of an NTU protocol (``protocols.split_indices``, capped by a
profile) and the frame step, and refuses splits that cannot be trained on (``check_splits``);
``featurise_splits`` turns them into network inputs (``make_features``, one
``preprocess.network_input`` per sequence; pose alignment scales to the training split's bone
lengths, ``reference_lengths``). ``same_performance`` and ``two_views`` find the cameras that
saw one performance (``performance_key``); ``dataset_identity`` hashes the training data.
"""

from __future__ import annotations

import hashlib

import numpy as np

from skelrnn.data import preprocess
from skelrnn.data.loading import SkeletonSet
from skelrnn.data.ntu.protocols import (
    CROSS_SUBJECT_TRAIN,
    CROSS_SUBJECT_TRAIN_120,
    CROSS_VIEW_TRAIN_CAMERAS,
    NTU_FPS,
    VALIDATION_SUBJECTS,
    dataset_of,
    protocol_name,
)
from skelrnn.data.ntu.skeleton_format import SampleName

__all__ = [
    "choose_splits",
    "check_splits",
    "frame_step_for",
    "make_features",
    "reference_lengths",
    "featurise_splits",
    "prepare_splits",
    "performance_key",
    "same_performance",
    "two_views",
    "dataset_identity",
]


def make_features(
    data: SkeletonSet,
    indices,
    preprocessing: str = "first_frame",
    joints: int = 25,
    frame_step: int = 1,
    reference=None,
) -> list[np.ndarray]:
    """Network inputs of the samples ``indices``: a list of ``(T_i, joints * 3)`` float32 arrays, metres,
    each ``preprocess.network_input`` (``preprocessing``, ``joints``, ``reference``) of the sample's
    sequence. ``frame_step`` keeps every k-th frame (smaller profiles train on shorter sequences).
    """
    preprocess.check_input(preprocessing, joints, reference, frame_step)
    return [
        preprocess.network_input(data.sequence(int(i))[:: int(frame_step)], preprocessing, joints, reference)
        for i in indices
    ]


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
    without the protocol's test or validation subjects, say) or a class with no training sequence.
    ``protocol`` is a name or short name (``protocols.protocol_name``); on NTU RGB+D 120's names
    (``protocols.dataset_of``) cross-subject's needs name its list of training subjects."""
    protocol = protocol_name(protocol)
    validation = f"subjects {', '.join(map(str, VALIDATION_SUBJECTS))} (the thesis's validation subjects)"
    if protocol == "cross_subject":
        ntu120 = dataset_of(data.names) == "NTU RGB+D 120"
        listed = CROSS_SUBJECT_TRAIN_120 if ntu120 else CROSS_SUBJECT_TRAIN
        which = "NTU RGB+D 120's" if ntu120 else "NTU RGB+D's"
        needs = {
            "train": f"subjects {', '.join(map(str, sorted(set(listed) - set(VALIDATION_SUBJECTS))))}",
            "validation": validation,
            "test": f"subjects outside {which} cross-subject training list",
        }
    elif protocol == "cross_view":
        needs = {
            "train": f"cameras {', '.join(map(str, CROSS_VIEW_TRAIN_CAMERAS))}",
            "validation": f"{validation} before cameras {', '.join(map(str, CROSS_VIEW_TRAIN_CAMERAS))}",
            "test": "camera 1",
        }
    else:
        needs = {
            "train": "even setups (S002, S004, ..., S032)",
            "validation": f"{validation} in even setups",
            "test": "odd setups (S001, S003, ..., S031)",
        }
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
    protocol = protocol_name(protocol)
    if data.has_names and protocol not in data.defined_protocols():  # only cross-setup, on NTU RGB+D's names
        offered = ", ".join(data.protocols())
        raise ValueError(f"{data.manifest.get('source', 'the dataset')}: the cross_setup protocol is NTU RGB+D 120's "
                         f"and these are NTU RGB+D's setups (S001-S017); their protocols: {offered}")  # fmt: skip
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


def performance_key(name: SampleName) -> SampleName:
    """What identifies the performance a sample records: its name without the camera (same setup,
    subject, replication and action: the cameras saw one performance)."""
    return name._replace(camera=0)


def same_performance(data: SkeletonSet, i: int) -> dict[int, int]:
    """The samples recording the same performance as sample ``i`` (``performance_key``), by camera:
    ``{camera: index}``, sample ``i`` included."""
    key = performance_key(data.names[i])
    return {n.camera: k for k, n in enumerate(data.names) if performance_key(n) == key}


def two_views(data: SkeletonSet, prefer: int) -> tuple[int, int] | None:
    """Two samples of one performance seen by two cameras (the two lowest camera numbers), for the
    chapters that compare views (02, 08): sample ``prefer``'s performance if two cameras recorded it,
    else the first such performance in file order; None when every performance has one camera (a
    one-camera folder, or a form without sample names: the chapters say so instead of comparing)."""
    if not data.has_names:
        return None
    views = same_performance(data, prefer)
    if len(views) < 2:
        seen = {}
        for k, n in enumerate(data.names):
            seen.setdefault(performance_key(n), {})[n.camera] = k
        views = next((v for v in seen.values() if len(v) >= 2), {})
    if len(views) < 2:
        return None
    first, second = sorted(views)[:2]
    return views[first], views[second]


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
