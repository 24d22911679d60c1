"""Preprocessing of skeleton sequences (thesis 3.1.1 and 4.2.2).

Defined for the data chapter. Every function takes NTU joint positions ``xyz`` of shape
``(T, 25, 3)`` in metres, camera frame, and returns a new array; nothing is changed in place.
"""

from __future__ import annotations

import numpy as np

from skelrnn.skeleton import NTU_BONES, joint_index

__all__ = [
    "failed_frames",
    "fill_gaps_cubic",
    "translate_first_frame",
    "translate_per_frame",
    "body_frame",
    "mean_bone_length",
    "align_sequence",
    "motion",
]

TORSO = joint_index("middle of spine")
LEFT_SHOULDER, RIGHT_SHOULDER = joint_index("left shoulder"), joint_index("right shoulder")
LEFT_HIP, RIGHT_HIP = joint_index("left hip"), joint_index("right hip")


def _check(xyz: np.ndarray) -> np.ndarray:
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[1:] != (25, 3):
        raise ValueError(f"expected joint positions of shape (T, 25, 3), got {xyz.shape}")
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
    from scipy.interpolate import CubicSpline

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
    out[inside] = spline(t[inside]).reshape(-1, 25, 3)
    out[t < good[0]] = xyz[good[0]]
    out[t > good[-1]] = xyz[good[-1]]
    return out


def translate_first_frame(xyz: np.ndarray) -> np.ndarray:
    """Move the origin to the torso joint (middle of spine) of the first frame: the thesis baseline."""
    xyz = _check(xyz)
    return xyz - xyz[0, TORSO]


def translate_per_frame(xyz: np.ndarray) -> np.ndarray:
    """Move the origin to the torso joint of every frame (thesis 4.2.2): global motion is removed."""
    xyz = _check(xyz)
    return xyz - xyz[:, TORSO : TORSO + 1]


def body_frame(pose: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) whose rows are the body's axes in camera coordinates, from one pose (25, 3).

    x runs from the right to the left shoulder; y lies in the plane of both shoulders and the
    hip centre, pointing up (orthogonalised against x); z = x × y.
    """
    x = pose[LEFT_SHOULDER] - pose[RIGHT_SHOULDER]
    up = (pose[LEFT_SHOULDER] + pose[RIGHT_SHOULDER]) / 2 - (pose[LEFT_HIP] + pose[RIGHT_HIP]) / 2
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


def mean_bone_length(xyz: np.ndarray) -> float:
    """Mean length of the 24 NTU bones over all frames, metres."""
    xyz = _check(xyz)
    parents, children = np.array(NTU_BONES).T
    return float(np.linalg.norm(xyz[:, children] - xyz[:, parents], axis=2).mean())


def align_sequence(xyz: np.ndarray, reference_bone_length: float = 1.0) -> np.ndarray:
    """Pose alignment (thesis 4.2.2): origin at the first frame's torso, axes from the first
    frame's body, and a scale that brings the mean bone length to ``reference_bone_length``
    (the mean over a reference set). Invariant to a rigid motion and a uniform scale of the input.
    """
    xyz = translate_first_frame(xyz)
    rot = body_frame(xyz[0])
    scale = reference_bone_length / mean_bone_length(xyz)
    return scale * xyz @ rot.T


def motion(xyz: np.ndarray) -> np.ndarray:
    """Skeleton motion ``M_t = P_{t+1} - P_t`` (thesis 3.3.2): ``(T, J, 3)`` -> ``(T - 1, J, 3)``."""
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[2] != 3:
        raise ValueError(f"expected joint positions of shape (T, J, 3), got {xyz.shape}")
    return np.diff(xyz, axis=0)
