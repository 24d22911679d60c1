"""Preprocessing of skeleton sequences (thesis 3.1.1 and 4.2.2).

Defined for the data chapter. Every function takes joint positions ``xyz`` of shape ``(T, J, 3)``
in metres, camera frame, with ``J = 25`` (NTU) or ``J = 13`` (the joints of an image pose
detector, ``skeleton.DETECTOR_JOINTS``), and returns a new array; nothing is changed in place.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from skelrnn.data.skeleton import (
    DETECTOR_JOINTS,
    LEFT_HIP,
    LEFT_SHOULDER,
    N_JOINTS,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SPINE_MIDDLE,
    segments_for,
    to_detector_joints,
)

__all__ = [
    "failed_frames",
    "fill_gaps_cubic",
    "torso",
    "translate_first_frame",
    "translate_per_frame",
    "body_frame",
    "bone_lengths",
    "mean_bone_length",
    "reference_bone_lengths",
    "scale_factor",
    "align_sequence",
    "drop_to_detector_joints",
    "rigid_residual",
    "motion",
    "TORSO",
    "TORSO_CORNERS",
    "PREPROCESSING",
    "check_input",
    "network_input",
]

TORSO = SPINE_MIDDLE  # the torso point of a 25-joint skeleton
# Both shoulders and hips (the corners of the body frame), by joint count; a 13-joint skeleton has
# no spine joint, so its torso is their mean.
TORSO_CORNERS = {
    N_JOINTS: (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP),
    len(DETECTOR_JOINTS): tuple(
        DETECTOR_JOINTS.index(n) for n in ("left shoulder", "right shoulder", "left hip", "right hip")
    ),
}


def _check(xyz: np.ndarray) -> np.ndarray:
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[2] != 3 or xyz.shape[1] not in TORSO_CORNERS or xyz.shape[0] == 0:
        raise ValueError(f"expected joint positions of shape (T, 25, 3) or (T, 13, 3) with T >= 1, got {xyz.shape}")
    return xyz


def failed_frames(xyz: np.ndarray) -> np.ndarray:
    """Frames where the Kinect lost the body: every joint at 0 (or not finite). ``(T,)`` bool."""
    xyz = _check(xyz)
    return ~np.isfinite(xyz).all(axis=(1, 2)) | np.all(xyz == 0, axis=(1, 2))


def fill_gaps_cubic(xyz: np.ndarray, failed: np.ndarray | None = None) -> np.ndarray:
    """Replace failed frames by a cubic spline through the good ones, per joint coordinate (thesis 3.1.1).

    Inside the sequence the gap follows a natural cubic spline of the good frames. Before the
    first and after the last good frame the sequence holds that frame (a spline would
    extrapolate wildly). With fewer than two good frames the good frame, if any, is repeated.
    """
    xyz = _check(xyz)
    failed = failed_frames(xyz) if failed is None else np.asarray(failed, dtype=bool)
    if failed.shape != (xyz.shape[0],):
        raise ValueError(f"failed: expected shape ({xyz.shape[0]},), got {failed.shape}")
    good = np.flatnonzero(~failed)
    out = xyz.copy()
    if good.size == 0 or not failed.any():
        return out
    if good.size == 1:
        out[:] = xyz[good[0]]
        return out
    t = np.arange(xyz.shape[0])
    spline = CubicSpline(good, xyz[good].reshape(good.size, -1), axis=0, bc_type="natural")
    inside = failed & (t > good[0]) & (t < good[-1])
    out[inside] = spline(t[inside]).reshape(-1, *xyz.shape[1:])
    out[t < good[0]] = xyz[good[0]]
    out[t > good[-1]] = xyz[good[-1]]
    return out


def torso(xyz: np.ndarray) -> np.ndarray:
    """The torso point of every frame, ``(T, 3)``: the middle-of-spine joint (25 joints), or the mean
    of both shoulders and hips (13 joints, which have no spine joint)."""
    xyz = _check(xyz)
    if xyz.shape[1] == N_JOINTS:
        return xyz[:, TORSO]
    return xyz[:, list(TORSO_CORNERS[xyz.shape[1]])].mean(axis=1)


def translate_first_frame(xyz: np.ndarray) -> np.ndarray:
    """Move the origin to the torso of the first frame: the thesis baseline (3.1.1)."""
    xyz = _check(xyz)
    return xyz - torso(xyz)[0]


def translate_per_frame(xyz: np.ndarray) -> np.ndarray:
    """Move the origin to the torso of every frame (thesis 4.2.2): the actor's displacement is removed,
    as it is unknown for poses estimated from a moving camera."""
    xyz = _check(xyz)
    return xyz - torso(xyz)[:, None]


def body_frame(pose: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) whose rows are the body's axes in camera coordinates, from one pose (J, 3).

    x runs from the right to the left shoulder; y lies in the plane of both shoulders and the
    hip centre, pointing up (orthogonalised against x); z = x × y (thesis 4.2.2).
    """
    pose = np.asarray(pose, dtype=np.float64)
    if pose.ndim != 2 or pose.shape[1] != 3 or pose.shape[0] not in TORSO_CORNERS:
        raise ValueError(f"expected one pose of shape (25, 3) or (13, 3), got {pose.shape}")
    ls, rs, lh, rh = (pose[j] for j in TORSO_CORNERS[pose.shape[0]])
    x = ls - rs
    up = (ls + rs) / 2 - (lh + rh) / 2
    nx = np.linalg.norm(x)
    if nx < 1e-9:
        raise ValueError("the shoulders coincide: no body frame can be defined")
    x = x / nx
    y = up - (up @ x) * x
    ny = np.linalg.norm(y)
    if ny < 1e-9:
        raise ValueError("the hip centre lies on the shoulder line: no body frame can be defined")
    y = y / ny
    return np.stack([x, y, np.cross(x, y)])


def bone_lengths(xyz: np.ndarray) -> np.ndarray:
    """Length of every bone in every frame, ``(T, n_bones)`` metres: the 24 NTU bones, or the 14
    segments of a 13-joint skeleton (``skeleton.segments_for``)."""
    xyz = _check(xyz)
    parents, children = np.array(segments_for(xyz.shape[1])).T
    return np.linalg.norm(xyz[:, children] - xyz[:, parents], axis=2)


def mean_bone_length(xyz: np.ndarray) -> float:
    """Mean length of the bones (``bone_lengths``) over all frames, metres."""
    return float(bone_lengths(xyz).mean())


def reference_bone_lengths(sequences) -> np.ndarray:
    """Bone-length statistics of a reference set (thesis 4.2.2: the training set): the mean length of
    each bone over all frames of all ``sequences``, ``(n_bones,)`` metres."""
    per_sequence = [bone_lengths(xyz) for xyz in sequences]
    if not per_sequence:
        raise ValueError("reference_bone_lengths: the reference set is empty")
    return np.concatenate(per_sequence).mean(axis=0)


def scale_factor(xyz: np.ndarray, reference: np.ndarray | float) -> float:
    """The single factor ``s`` that brings the sequence's bones to the reference.

    ``reference`` per bone (``reference_bone_lengths``): least squares over the mean length ``l``
    of each bone, ``s = <l, r> / <l, l>``. A scalar ``reference``: the target mean bone length.
    """
    lengths = bone_lengths(xyz).mean(axis=0)
    reference = np.asarray(reference, dtype=np.float64)
    if reference.ndim == 0:
        return float(reference / lengths.mean())
    if reference.shape != lengths.shape:
        raise ValueError(f"reference: expected {lengths.size} bone lengths, got shape {reference.shape}")
    return float(lengths @ reference / (lengths @ lengths))


def align_sequence(xyz: np.ndarray, reference: np.ndarray | float = 1.0) -> np.ndarray:
    """Pose alignment (thesis 4.2.2): translation to the torso of each frame, rotation of the whole
    sequence into the body frame of the first frame (``body_frame``), and one scale factor that
    fits the bone lengths to ``reference`` (``reference_bone_lengths`` of the training set, or a
    target mean bone length). Invariant to a rigid motion and a uniform scale of the input.
    """
    xyz = translate_per_frame(xyz)
    rot = body_frame(xyz[0])
    return scale_factor(xyz, reference) * xyz @ rot.T


def drop_to_detector_joints(xyz: np.ndarray) -> np.ndarray:
    """Keep the 13 joints an image pose detector gives (thesis 4.2.2): ``(T, 25, 3)`` -> ``(T, 13, 3)``."""
    xyz = _check(xyz)
    if xyz.shape[1] != N_JOINTS:
        raise ValueError(f"expected 25 NTU joints, got {xyz.shape[1]}")
    return to_detector_joints(xyz)


def rigid_residual(a: np.ndarray, b: np.ndarray) -> float:
    """Mean joint distance (metres) between two sequences ``(T, J, 3)`` after the best rotation and
    translation of ``b`` onto ``a`` over the whole sequence (Kabsch): what no rigid alignment can
    remove, such as sensor noise."""
    a, b = (np.asarray(x, dtype=np.float64).reshape(-1, 3) for x in (a, b))
    if a.shape != b.shape:
        raise ValueError(f"expected sequences of the same shape, got {a.shape} and {b.shape} points")
    a0, b0 = a - a.mean(axis=0), b - b.mean(axis=0)
    u, _, vt = np.linalg.svd(b0.T @ a0)
    d = np.sign(np.linalg.det(u @ vt))  # a rotation, not a reflection
    rot = u @ np.diag([1.0, 1.0, d]) @ vt
    return float(np.linalg.norm(b0 @ rot - a0, axis=1).mean())


def motion(xyz: np.ndarray) -> np.ndarray:
    """Skeleton motion ``M_t = P_{t+1} - P_t`` (thesis 3.3.2): ``(T, J, 3)`` -> ``(T - 1, J, 3)``."""
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[2] != 3:
        raise ValueError(f"expected joint positions of shape (T, J, 3), got {xyz.shape}")
    return np.diff(xyz, axis=0)


# ---------------------------------------------------------------------------------------------
# A sequence as a network input
# ---------------------------------------------------------------------------------------------

PREPROCESSING = ("first_frame", "pose_alignment")


def check_input(preprocessing: str, joints: int, reference=None, frame_step: int = 1) -> None:
    """Refuse inputs ``network_input`` cannot make (and a ``frame_step`` below 1, for the callers
    that thin sequences first), saying which argument is wrong."""
    if preprocessing not in PREPROCESSING:
        raise ValueError(f"preprocessing: expected one of {PREPROCESSING}, got {preprocessing!r}")
    if joints not in (N_JOINTS, len(DETECTOR_JOINTS)):
        raise ValueError(f"joints: expected 25 or 13, got {joints}")
    if int(frame_step) < 1:
        raise ValueError(f"frame_step: expected an integer >= 1, got {frame_step}")
    if preprocessing == "pose_alignment" and reference is None:
        raise ValueError("pose_alignment needs the reference bone lengths of the training set")


def network_input(xyz: np.ndarray, preprocessing: str = "first_frame", joints: int = 25, reference=None) -> np.ndarray:
    """How a sequence becomes a network input: ``xyz`` ``(T, J, 3)`` metres -> ``(T, joints * 3)`` float32.

    ``first_frame``: the thesis baseline, the origin at the first frame's torso (3.1.1).
    ``pose_alignment``: translation per frame, rotation from the first frame and scaling to the
    ``reference`` bone lengths (4.2.2; ``reference_bone_lengths`` of the training set).
    ``joints`` 13 keeps the joints of an image pose detector: those of a 25-joint sequence, or a
    13-joint sequence as it is (poses estimated from video, chapter 09).
    """
    check_input(preprocessing, joints, reference)
    xyz = _check(xyz)
    if joints == len(DETECTOR_JOINTS) and xyz.shape[1] == N_JOINTS:
        xyz = drop_to_detector_joints(xyz)
    if xyz.shape[1] != joints:
        raise ValueError(f"joints: {joints} asked of a sequence of {xyz.shape[1]} joints")
    xyz = translate_first_frame(xyz) if preprocessing == "first_frame" else align_sequence(xyz, reference)
    return xyz.reshape(len(xyz), -1).astype(np.float32)
