"""The embedded default dataset: Kinect-like NTU RGB+D skeletons of NTU's 60 actions, written as ``.skeleton`` files.

Defined for the data chapter (thesis 3.1.1). Real NTU data cannot ship, so the book runs by
default on this stand-in, written to disk as real ``.skeleton`` files with real NTU sample names
(``SsssCcccPpppRrrrAaaa``) and read back through the NTU reader, so the real path is what runs.
What the dataset contains is ``skelrnn.data.synthetic.config``; the people and their
performances ``skelrnn.data.synthetic.performances`` (the actions themselves
``skelrnn.data.synthetic.catalogue``). This module owns what the cameras report and the files:

* **View** ``C``: the camera of setup ``S`` (``skelrnn.data.synthetic.cameras``) sees the same
  world motion through a rigid transform, plus its own sensor noise, a hand or leg it cannot
  see for a while (``occlusion_prob``: inferred joints, tracking state 1, drifting), Kinect
  failures (frames with no body, or all joints at 0), and sometimes a second, spurious body
  that the NTU main-actor rules reject (a track of at most 11 frames, or a blob wider than 0.8
  of its height). From the whole sample name.
* **Files**: ``make_sequence`` makes one sample; ``generate`` writes the dataset with its
  manifest (``MANIFEST``, ``VERSION``), in parallel; ``write_folder`` and ``write_small_folder``
  write folders shaped like a reader's own data.

Every file depends on ``(config.seed, its name)`` alone, so files can be made in any order and
in parallel with the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.core.parallel import process_pool, worker_count
from skelrnn.data import skeleton
from skelrnn.data.ntu import skeleton_format
from skelrnn.data.ntu.protocols import NTU_FPS
from skelrnn.data.synthetic.body import LEAF_JOINTS, SPOTS, quaternion_product, quaternions, reach
from skelrnn.data.synthetic.cameras import camera_pose, project
from skelrnn.data.synthetic.config import (
    VIEW_STREAM,
    SyntheticConfig,
    check_int,
    checked_name,
    random_stream,
    sample_names,
)
from skelrnn.data.synthetic.performances import Performance, performance

__all__ = [
    "VERSION",
    "MANIFEST",
    "make_sequence",
    "generate",
    "SMALL_FOLDER_SUBJECTS",
    "write_small_folder",
    "write_folder",
    "ntu120_shaped",
]

# Bump when the generator changes what it writes: a dataset on disk with another version is regenerated.
VERSION = "synthetic-2"
MANIFEST = "manifest.json"

# Sensor noise multiplier per joint: the Kinect is steadiest on the torso, worst at the extremities.
_NOISE_WEIGHT = np.ones(skeleton.N_JOINTS)
_NOISE_WEIGHT[[skeleton.LEFT_ELBOW, skeleton.RIGHT_ELBOW, skeleton.LEFT_KNEE, skeleton.RIGHT_KNEE]] = 1.5
_NOISE_WEIGHT[[skeleton.LEFT_WRIST, skeleton.RIGHT_WRIST, skeleton.LEFT_ANKLE, skeleton.RIGHT_ANKLE]] = 2.0
_NOISE_WEIGHT[
    [
        skeleton.LEFT_HAND,
        skeleton.RIGHT_HAND,
        skeleton.LEFT_FOOT,
        skeleton.RIGHT_FOOT,
        skeleton.LEFT_HAND_TIP,
        skeleton.LEFT_THUMB,
        skeleton.RIGHT_HAND_TIP,
        skeleton.RIGHT_THUMB,
        skeleton.HEAD,
    ]
] = 3.0
_EXTREMITIES = np.array(
    [
        skeleton.LEFT_WRIST,
        skeleton.RIGHT_WRIST,
        skeleton.LEFT_HAND,
        skeleton.RIGHT_HAND,
        skeleton.LEFT_FOOT,
        skeleton.RIGHT_FOOT,
        skeleton.LEFT_ANKLE,
        skeleton.RIGHT_ANKLE,
        skeleton.LEFT_HAND_TIP,
        skeleton.LEFT_THUMB,
        skeleton.RIGHT_HAND_TIP,
        skeleton.RIGHT_THUMB,
    ]
)
_BODY_ID_BASE = 72057594037927936  # 2**56: real Kinect body IDs are this plus a small counter


# ---------------------------------------------------------------------------------------------
# Views: the camera, the sensor's noise and failures, spurious bodies
# ---------------------------------------------------------------------------------------------


def _joint_rows(xyz: np.ndarray, quat: np.ndarray, state: np.ndarray) -> np.ndarray:
    """The 12 joint fields ``(T, 25, 12)`` from positions (T, 25, 3), quaternions (T, 25, 4), states (T, 25)."""
    rows = np.empty(xyz.shape[:2] + (12,))
    rows[..., :3] = xyz
    rows[..., 3:7] = project(xyz)
    rows[..., 7:11] = quat
    rows[..., 11] = state
    return rows


def _second_body(rng: np.random.Generator, main: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A spurious body that the NTU main-actor rules reject: joint rows (T, 25, 12) and presence (T,).

    Half the time a person-like ghost of the actor, shifted and noisy, for at most 11 frames (the
    rules drop tracks that short); otherwise a wide flat blob (furniture, a second sensor echo)
    over a long stretch, whose x-spread exceeds 0.8 of its y-spread in every frame.
    """
    n = main.shape[0]
    present = np.zeros(n, dtype=bool)
    if rng.random() < 0.5:
        length = int(rng.integers(2, min(11, n) + 1))
        start = int(rng.integers(0, n - length + 1))
        present[start : start + length] = True
        xyz = main[..., :3] + np.array([rng.choice([-1, 1]) * rng.uniform(0.5, 1.2), 0.0, rng.uniform(-0.3, 0.5)])
        xyz = xyz + rng.normal(0.0, 0.03, size=xyz.shape)
        quat = main[..., 7:11]
    else:
        length = int(rng.integers(max(12, int(0.4 * n)), n + 1))
        start = int(rng.integers(0, n - length + 1))
        present[start : start + length] = True
        width, height = rng.uniform(0.9, 1.6), rng.uniform(0.12, 0.4)
        shape = np.stack(
            [
                rng.uniform(-0.5, 0.5, skeleton.N_JOINTS) * width,
                rng.uniform(0, 1, skeleton.N_JOINTS) * height,
                rng.uniform(-0.1, 0.1, skeleton.N_JOINTS),
            ],
            1,
        )
        shape[0, 0], shape[1, 0] = -0.5 * width, 0.5 * width  # its full width is always seen
        centre = np.array([rng.uniform(-1.2, 1.2), rng.uniform(-0.9, 0.0), rng.uniform(2.0, 4.0)])
        xyz = centre + shape + rng.normal(0.0, 0.004, size=(n, skeleton.N_JOINTS, 3))
        quat = rng.normal(size=(n, skeleton.N_JOINTS, 4))
        quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
    state = rng.choice([1, 2], size=(n, skeleton.N_JOINTS), p=[0.6, 0.4])
    return _joint_rows(xyz, quat, state), present


_OCCLUDABLE = (
    (skeleton.RIGHT_WRIST, skeleton.RIGHT_HAND, skeleton.RIGHT_HAND_TIP, skeleton.RIGHT_THUMB),
    (skeleton.LEFT_WRIST, skeleton.LEFT_HAND, skeleton.LEFT_HAND_TIP, skeleton.LEFT_THUMB),
    (skeleton.RIGHT_KNEE, skeleton.RIGHT_ANKLE, skeleton.RIGHT_FOOT),
    (skeleton.LEFT_KNEE, skeleton.LEFT_ANKLE, skeleton.LEFT_FOOT),
)


def _occlude(xyz: np.ndarray, state: np.ndarray, rng: np.random.Generator) -> None:
    """One hand or leg hidden for 20-50 % of the frames: the Kinect infers those joints (state 1),
    off by a slowly drifting error of a few centimetres plus jitter. In place."""
    n = xyz.shape[0]
    joints = list(_OCCLUDABLE[int(rng.integers(len(_OCCLUDABLE)))])
    length = max(2, int(n * rng.uniform(0.2, 0.5)))
    start = int(rng.integers(0, n - length + 1))
    drift = np.clip(np.cumsum(rng.normal(0.0, 0.006, size=(length, 3)), axis=0), -0.08, 0.08)
    xyz[start : start + length, joints] += drift[:, None, :] + rng.normal(0.0, 0.01, size=(length, len(joints), 3))
    state[start : start + length, joints] = 1.0


def _sensed(perf: Performance, rot: np.ndarray, centre: np.ndarray, config: SyntheticConfig, rng) -> tuple:
    """What the Kinect reports of one person: joint rows ``(T, 25, 12)`` and body fields ``(T, 9)``."""
    n = perf.xyz.shape[0]
    # The same world motion through this camera's rigid transform, plus its own noise.
    xyz = (perf.xyz - centre) @ rot.T
    sd = config.noise * _NOISE_WEIGHT
    xyz = xyz + rng.normal(size=xyz.shape) * sd[:, None]
    # Some extremity readings are only inferred by the Kinect (tracking state 1) and are worse.
    state = np.full((n, skeleton.N_JOINTS), 2.0)
    inferred = rng.random((n, _EXTREMITIES.size)) < 0.04
    state[:, _EXTREMITIES] = np.where(inferred, 1.0, 2.0)
    xyz[:, _EXTREMITIES] += inferred[..., None] * rng.normal(0.0, 5 * config.noise, size=(n, _EXTREMITIES.size, 3))
    if rng.random() < config.occlusion_prob:
        _occlude(xyz, state, rng)
    quat = quaternion_product(quaternions(rot), perf.quat) + rng.normal(0.0, 0.01, size=perf.quat.shape)
    quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
    quat = np.where(quat[..., :1] < 0, -quat, quat)
    quat[:, list(LEAF_JOINTS)] = 0.0  # the Kinect gives no orientation for end joints

    info = np.zeros((n, len(skeleton_format.BODY_FIELDS)))
    for k, base in enumerate(perf.hands):
        confident = rng.random(n) < 0.85
        hand_state = np.where(perf.active, base, 1)
        info[:, 1 + 2 * k] = confident
        info[:, 2 + 2 * k] = np.where(confident, hand_state, rng.choice([0, 1], size=n))
    info[:, 6:8] = np.clip(perf.lean + rng.normal(0.0, 0.01, size=(n, 2)), -1.0, 1.0)
    info[:, 8] = 2.0  # tracked
    return _joint_rows(xyz, quat, state), info


def _view(
    perf: Performance, name: skeleton_format.SampleName, config: SyntheticConfig
) -> skeleton_format.SkeletonSequence:
    rng = random_stream(config.seed, VIEW_STREAM, name.setup, name.camera, name.subject, name.replication, name.action)
    n = perf.xyz.shape[0]
    rot, centre = camera_pose(name.setup, name.camera)
    main, info = _sensed(perf, rot, centre, config, rng)
    seen = main.copy()  # before failures: a ghost body copies what the sensor saw of the actor
    main_id = _BODY_ID_BASE + int(rng.integers(1, 20_000))

    # Kinect failures: the body vanishes (body count 0) or is written with every joint at 0.
    present_main = np.ones(n, dtype=bool)
    if rng.random() < config.failure_prob:
        for _ in range(int(rng.integers(1, 3))):
            length = int(rng.integers(1, 6))
            start = int(rng.integers(1, max(2, n - length)))
            stop = min(start + length, n - 1)
            if rng.random() < 0.5:
                present_main[start:stop] = False
            else:
                main[start:stop] = 0.0
                info[start:stop, 6:8] = 0.0
    main[~present_main] = 0.0
    info[~present_main] = 0.0

    joints, body_info, present, ids = [main], [info], [present_main], [main_id]
    if perf.partner is not None:  # a real second person, tracked wherever the actor is
        rows, other = _sensed(perf.partner, rot, centre, config, rng)
        rows[~present_main] = 0.0
        other[~present_main] = 0.0
        joints.append(rows)
        body_info.append(other)
        present.append(present_main.copy())
        ids.append(main_id + int(rng.integers(1, 50)))
    elif rng.random() < config.second_body_prob:
        rows, there = _second_body(rng, seen)
        there &= present_main  # a frame without bodies has none at all
        if there.any():
            other = np.zeros((n, len(skeleton_format.BODY_FIELDS)))
            other[:, 6:8] = rng.normal(0.0, 0.05, size=2)
            other[:, 8] = 2.0
            rows[~there] = 0.0
            other[~there] = 0.0
            joints.append(rows)
            body_info.append(other)
            present.append(there)
            ids.append(main_id + int(rng.integers(1, 50)))
    return skeleton_format.SkeletonSequence(
        path=f"{name}.skeleton",
        joints=np.stack(joints, axis=1),
        body_info=np.stack(body_info, axis=1),
        present=np.stack(present, axis=1),
        body_ids=np.array(ids, dtype=np.int64),
    )


def make_sequence(name, config: SyntheticConfig | None = None) -> skeleton_format.SkeletonSequence:
    """The synthetic sample ``name`` (a ``SampleName`` or ``'S001C002P003R002A013'``) as a parsed sequence.

    joints (T, B, 25, 12), body_info (T, B, 9), present (T, B), body_ids (B,) as ``reader.read_skeleton``
    gives them; B is 1, or 2 with a spurious body; positions in metres, camera frame; T in
    ``[min_frames, max_frames]``. Depends on ``(config.seed, name)`` alone: the motion on
    ``(seed, setup, subject, replication, action)``, shared by the cameras; the sensor on the whole name.
    """
    config = SyntheticConfig() if config is None else config
    name = checked_name(name, config)
    perf = performance(name.setup, name.subject, name.replication, name.action, config)
    return _view(perf, name, config)


# ---------------------------------------------------------------------------------------------
# Writing the dataset
# ---------------------------------------------------------------------------------------------


def _write_batch(
    out_dir: str, config: SyntheticConfig, groups: list[list[skeleton_format.SampleName]], step: int = 1
) -> list[str]:
    """Write the files of a batch of performances (each group: the camera views of one performance),
    keeping one frame in ``step`` (a sensor slower than the Kinect's 30 fps)."""
    paths = []
    for group in groups:
        first = group[0]
        perf = performance(first.setup, first.subject, first.replication, first.action, config)
        for name in group:
            path = Path(out_dir) / f"{name}.skeleton"
            view = _view(perf, name, config)
            if step > 1:
                view = replace(
                    view, joints=view.joints[::step], body_info=view.body_info[::step], present=view.present[::step]
                )
            skeleton_format.write_skeleton(path, view, digits=config.digits, fsync=False)
            paths.append(str(path))
    return paths


def _write_performances(
    out_dir: Path, config: SyntheticConfig, names: list[skeleton_format.SampleName], workers, step: int = 1
) -> None:
    """Write the files ``names`` in ``workers`` processes: one task per batch of whole performances
    (the motion is made once for its cameras, and big tasks keep the pool's overhead small); one
    frame in ``step`` is kept."""
    groups: dict[tuple[int, int, int, int], list[skeleton_format.SampleName]] = {}
    for name in names:
        groups.setdefault((name.setup, name.subject, name.replication, name.action), []).append(name)
    group_list = list(groups.values())
    workers = min(worker_count(workers), len(group_list))
    for spot in SPOTS.values():  # the arm's inverse kinematics once, before the workers fork
        reach(spot)
    if workers <= 1:
        _write_batch(str(out_dir), config, group_list, step)
    else:
        n_batches = min(len(group_list), 8 * workers)
        batches = [group_list[i::n_batches] for i in range(n_batches)]
        with process_pool(workers) as pool:
            list(pool.map(_write_batch, [str(out_dir)] * n_batches, [config] * n_batches, batches, [step] * n_batches))


def _manifest_matches(out_dir: Path, config: SyntheticConfig, names: list[str]) -> bool:
    try:
        record = read_json(out_dir / MANIFEST)
    except (OSError, ValueError):
        return False
    return (
        record.get("version") == VERSION
        and record.get("config") == config.to_dict()
        and record.get("files") == [f"{n}.skeleton" for n in names]
        and all((out_dir / f"{n}.skeleton").is_file() for n in names)
    )


def generate(
    out_dir: str | os.PathLike, config: SyntheticConfig | None = None, workers: int | None = None
) -> list[Path]:
    """Write the dataset as ``<out_dir>/<name>.skeleton`` files and return their paths (``sample_names`` order).

    Files are made in parallel by ``workers`` processes (default: every CPU; 1 runs here, without
    a pool); the bytes do not depend on the number of workers. ``manifest.json`` (version, config,
    file list) is written last: when it matches ``config`` and every file exists, nothing is
    regenerated. Otherwise the old manifest is removed first (an interrupted run leaves none), the
    files it listed that the new config lacks are deleted, and everything is written again.

    Workers come from ``parallel.process_pool`` (forked on Linux).
    """
    config = SyntheticConfig() if config is None else config
    if not isinstance(config, SyntheticConfig):
        raise TypeError(f"config: expected a SyntheticConfig, got {type(config).__name__}")
    if workers is not None:
        check_int("workers", workers, 1, 1024)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir}: the synthetic dataset needs a directory here")
    names = sample_names(config)
    paths = [out_dir / f"{n}.skeleton" for n in names]
    if _manifest_matches(out_dir, config, names):
        return paths

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST
    try:
        old_files = read_json(manifest).get("files", [])
    except (OSError, ValueError):
        old_files = []
    manifest.unlink(missing_ok=True)
    keep = {p.name for p in paths}
    for old in old_files:
        if isinstance(old, str) and old not in keep and Path(old).name == old and old.endswith(".skeleton"):
            (out_dir / old).unlink(missing_ok=True)

    _write_performances(out_dir, config, names, workers)
    write_json_atomic(manifest, {"version": VERSION, "config": config.to_dict(), "files": [p.name for p in paths]})
    return paths


# Subjects of ``write_small_folder``: seven on NTU's cross-subject training side (five training
# subjects and two of the thesis's validation subjects) and seven test subjects.
SMALL_FOLDER_SUBJECTS = {"train": (1, 2, 4, 5, 8), "validation": (25, 27), "test": (3, 6, 7, 10, 11, 12, 20)}


def write_small_folder(folder, seed: int = 0, workers: int | None = None) -> int:
    """A folder shaped like a small real Kinect dataset, for checking that the profiles fit such
    data: 560 sequences of NTU's first 20 actions from one camera at 15 fps, 13 to 76 frames
    each, two performances of each action by each of the 14 subjects of ``SMALL_FOLDER_SUBJECTS``
    (a cross-subject split of 7 and 7). Returns the number of ``.skeleton`` files written."""
    keep = sorted({s for subjects in SMALL_FOLDER_SUBJECTS.values() for s in subjects})
    config = SyntheticConfig(n_subjects=max(keep), n_replications=2, n_cameras=1, actions=tuple(range(1, 21)),
                             min_frames=26, max_frames=152, seed=seed)  # fmt: skip
    return write_folder(folder, config, keep, workers, fps=15)


# ``ntu120_shaped``: performers moved into NTU-120's new numbers (training subjects 45-47, 49, 50,
# 52-56 of its cross-subject list, test subjects 48 and 51); the thesis's validation subjects stay.
_NTU120_SUBJECTS = {1: 45, 2: 46, 3: 47, 4: 48, 5: 49, 6: 50, 7: 51, 8: 52, 9: 53, 10: 54, 11: 55, 12: 56}


def ntu120_shaped(name: skeleton_format.SampleName) -> skeleton_format.SampleName:
    """A sample name moved into the ranges of NTU RGB+D 120, for data shaped like it: setup ``s`` becomes
    ``s + 17`` (S018 onwards, even and odd for its cross-setup protocol), performers 1-12 become
    45-56, and even actions become NTU-120's ``a + 60``. The motion is the embedded one: the shape
    (names, protocols, classes above 60) is what such a folder tests, not the new actions."""
    return name._replace(setup=name.setup + 17, subject=_NTU120_SUBJECTS.get(name.subject, name.subject),
                         action=name.action + 60 if name.action % 2 == 0 else name.action)  # fmt: skip


def write_folder(
    folder,
    config: SyntheticConfig,
    subjects=None,
    workers: int | None = None,
    fps: float = NTU_FPS,
    rename=None,
) -> int:
    """The files of ``config`` whose performer is in ``subjects`` (numbers in 1..``n_subjects``; None:
    every one), written to ``folder`` as a reader's own folder would be: ``.skeleton`` files and no
    manifest (``generate`` writes the embedded dataset, with its manifest). Used for folders shaped
    unlike NTU (one camera, one subject per split, few classes, a slower sensor). ``fps`` below 30
    keeps one frame in ``30 / fps`` (an integer) of each 30 fps performance (``config``'s lengths
    are in frames at 30 fps) and declares the rate in ``dataset.json``, as a reader declares theirs
    (``loading.declared_fps``). ``rename`` (``ntu120_shaped``, say) maps each name to the file's name.
    Returns the number of files."""
    keep = set(range(1, config.n_subjects + 1)) if subjects is None else {int(s) for s in subjects}
    outside = sorted(s for s in keep if not 1 <= s <= config.n_subjects)
    if outside or not keep:
        raise ValueError(f"subjects: expected numbers in 1..{config.n_subjects} (n_subjects), got {sorted(keep)}")
    step = NTU_FPS / fps if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0 else 0
    if step < 1 or step != round(step):
        raise ValueError(f"fps: expected 30 divided by a whole number (30, 15, 10, 7.5, 6, 5, ...), got {fps!r}")
    names = [n for n in sample_names(config) if n.subject in keep]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_performances(folder, config, names, workers, int(round(step)))
    for name in names if rename is not None else ():
        (folder / f"{name}.skeleton").replace(folder / f"{rename(name)}.skeleton")
    if step > 1:
        write_json_atomic(folder / "dataset.json", {"fps": fps})
    return len(names)
