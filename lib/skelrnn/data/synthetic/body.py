"""The body of the embedded dataset: a Kinect-sized skeleton at rest, its rotations and its kinematics.

Defined for the data chapter (thesis 3.1.1). This module owns the 25-joint body that every
synthetic person is made from: the rest pose of a 1.72 m person (``REST_POSITIONS``, its bone
vectors ``REST_OFFSETS``), the left-right symmetry (``LEFT_TO_RIGHT``), the rotations and
quaternions the Kinect reports, forward kinematics on the joint tree, and the arm's inverse
kinematics: ``reach`` finds the angles that put a hand at one of the body's named ``SPOTS``
(mouth, ear, chest, pocket, ...). ``skelrnn.data.synthetic.motion`` moves this body.

Frames: the body frame has x to the person's left, y up, z to the person's front; metres. Joint
indices are ``skelrnn.data.skeleton``'s.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.optimize import least_squares

from skelrnn.data.skeleton import (
    HEAD,
    LEFT_ANKLE,
    LEFT_ELBOW,
    LEFT_FOOT,
    LEFT_HAND,
    LEFT_HAND_TIP,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    LEFT_THUMB,
    LEFT_WRIST,
    N_JOINTS,
    NECK,
    NTU_PARENTS,
    RIGHT_ANKLE,
    RIGHT_ELBOW,
    RIGHT_FOOT,
    RIGHT_HAND,
    RIGHT_HAND_TIP,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    RIGHT_THUMB,
    RIGHT_WRIST,
    SPINE_BASE,
    SPINE_MIDDLE,
    SPINE_SHOULDER,
)

# ---------------------------------------------------------------------------------------------
# The skeleton: symmetry, tree order, rest pose
# ---------------------------------------------------------------------------------------------

_PARENTS = np.array(NTU_PARENTS)

# Each left joint and the right joint that mirrors it (the midline joints mirror themselves).
LEFT_TO_RIGHT = {
    LEFT_SHOULDER: RIGHT_SHOULDER,
    LEFT_ELBOW: RIGHT_ELBOW,
    LEFT_WRIST: RIGHT_WRIST,
    LEFT_HAND: RIGHT_HAND,
    LEFT_HAND_TIP: RIGHT_HAND_TIP,
    LEFT_THUMB: RIGHT_THUMB,
    LEFT_HIP: RIGHT_HIP,
    LEFT_KNEE: RIGHT_KNEE,
    LEFT_ANKLE: RIGHT_ANKLE,
    LEFT_FOOT: RIGHT_FOOT,
}
# The end joints of the tree (head, feet, hand tips, thumbs): the Kinect gives them no orientation.
LEAF_JOINTS = tuple(j for j in range(N_JOINTS) if j not in set(NTU_PARENTS))


def _tree_order(parents: tuple[int, ...]) -> tuple[int, ...]:
    """Joints ordered so that each comes after its parent (the NTU numbering is not: neck 2 <- 20)."""
    order, placed = [], set()
    while len(order) < len(parents):
        ready = [j for j, p in enumerate(parents) if j not in placed and (p < 0 or p in placed)]
        if not ready:
            raise ValueError("the parent array has a cycle")
        order += ready
        placed.update(ready)
    return tuple(order)


_ORDER = _tree_order(NTU_PARENTS)

# Rest pose of a 1.72 m person standing with arms hanging: body frame, metres, floor at y = 0.
# Only the left side and the midline are listed; the right side is the mirror image (x -> -x).
_REST_LEFT = {
    SPINE_BASE: (0.0, 0.98, -0.01),
    SPINE_MIDDLE: (0.0, 1.24, 0.0),
    SPINE_SHOULDER: (0.0, 1.45, 0.0),
    NECK: (0.0, 1.53, 0.01),
    HEAD: (0.0, 1.66, 0.03),
    LEFT_SHOULDER: (0.17, 1.41, -0.01),
    LEFT_ELBOW: (0.19, 1.13, -0.03),
    LEFT_WRIST: (0.2, 0.88, -0.01),
    LEFT_HAND: (0.2, 0.81, 0.0),
    LEFT_HAND_TIP: (0.2, 0.73, 0.01),
    LEFT_THUMB: (0.18, 0.83, 0.04),
    LEFT_HIP: (0.08, 0.91, 0.0),
    LEFT_KNEE: (0.09, 0.5, 0.02),
    LEFT_ANKLE: (0.09, 0.08, -0.02),
    LEFT_FOOT: (0.1, 0.03, 0.11),
}


def _rest_positions() -> np.ndarray:
    pos = np.zeros((N_JOINTS, 3))
    for j, p in _REST_LEFT.items():
        pos[j] = p
        if j in LEFT_TO_RIGHT:
            pos[LEFT_TO_RIGHT[j]] = (-p[0], p[1], p[2])
    return pos


REST_POSITIONS = _rest_positions()
REST_OFFSETS = np.where(
    _PARENTS[:, None] >= 0, REST_POSITIONS - REST_POSITIONS[np.maximum(_PARENTS, 0)], REST_POSITIONS
)
FOOT_CLEARANCE = 0.03  # rest height of the foot joint above the floor, metres


# ---------------------------------------------------------------------------------------------
# Rotations
# ---------------------------------------------------------------------------------------------


def euler_matrices(angles: np.ndarray) -> np.ndarray:
    """Rotation matrices ``Rz(c) @ Ry(b) @ Rx(a)`` of angles ``(..., 3)`` = (a, b, c) radians -> ``(..., 3, 3)``."""
    ca, cb, cc = np.cos(angles[..., 0]), np.cos(angles[..., 1]), np.cos(angles[..., 2])
    sa, sb, sc = np.sin(angles[..., 0]), np.sin(angles[..., 1]), np.sin(angles[..., 2])
    out = np.empty(angles.shape[:-1] + (3, 3))
    out[..., 0, 0] = cc * cb
    out[..., 0, 1] = cc * sb * sa - sc * ca
    out[..., 0, 2] = cc * sb * ca + sc * sa
    out[..., 1, 0] = sc * cb
    out[..., 1, 1] = sc * sb * sa + cc * ca
    out[..., 1, 2] = sc * sb * ca - cc * sa
    out[..., 2, 0] = -sb
    out[..., 2, 1] = cb * sa
    out[..., 2, 2] = cb * ca
    return out


def yaw_matrix(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def quaternions(rot: np.ndarray) -> np.ndarray:
    """Unit quaternions (w, x, y, z), w >= 0, of rotation matrices ``(..., 3, 3)`` -> ``(..., 4)``.

    Each of the four textbook formulas is stable where its own component is largest; all four
    are computed (cheap, vectorised) and the best one is picked per matrix.
    """
    r = rot
    m00, m11, m22 = r[..., 0, 0], r[..., 1, 1], r[..., 2, 2]
    a, b, c = r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]
    d, e, f = r[..., 0, 1] + r[..., 1, 0], r[..., 0, 2] + r[..., 2, 0], r[..., 1, 2] + r[..., 2, 1]
    cands = np.stack(
        [
            np.stack([1 + m00 + m11 + m22, a, b, c], -1),
            np.stack([a, 1 + m00 - m11 - m22, d, e], -1),
            np.stack([b, d, 1 - m00 + m11 - m22, f], -1),
            np.stack([c, e, f, 1 - m00 - m11 + m22], -1),
        ],
        -2,
    )
    diag = np.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    best = np.take_along_axis(cands, diag.argmax(-1)[..., None, None], axis=-2)[..., 0, :]
    best /= np.linalg.norm(best, axis=-1, keepdims=True)
    return np.where(best[..., :1] < 0, -best, best)


def quaternion_product(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Hamilton product of quaternions ``q (4,)`` and ``r (..., 4)``, both (w, x, y, z)."""
    w1, x1, y1, z1 = q
    w2, x2, y2, z2 = np.moveaxis(r, -1, 0)
    return np.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        -1,
    )


def forward_kinematics(local: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and global rotations from local rotations, vectorised over frames.

    local    (T, 25, 3, 3)  rotation of each joint relative to its parent (the root's is global)
    offsets  (25, 3)        bone vector from the parent to each joint in the rest pose, metres
    returns  positions (T, 25, 3) metres with the root at the origin, global rotations (T, 25, 3, 3)

    A joint's rotation turns the bones below it: ``P[j] = P[parent] + G[parent] @ offsets[j]`` and
    ``G[j] = G[parent] @ local[j]``.
    """
    n = local.shape[0]
    glob = np.empty_like(local)
    pos = np.zeros((n, N_JOINTS, 3))
    glob[:, _ORDER[0]] = local[:, _ORDER[0]]
    for j in _ORDER[1:]:
        p = NTU_PARENTS[j]
        glob[:, j] = glob[:, p] @ local[:, j]
        pos[:, j] = pos[:, p] + glob[:, p] @ offsets[j]
    return pos, glob


# ---------------------------------------------------------------------------------------------
# Reaching: where the hands go, through the arm's inverse kinematics
# ---------------------------------------------------------------------------------------------

# Points of the body that hands reach, in the rest pose's body frame (metres), for the left hand;
# the right hand reaches their mirror images. x > 0 is the hand's own side, x < 0 the other.
SPOTS: dict[str, tuple[float, float, float]] = {
    "mouth": (0.03, 1.57, 0.13),
    "face": (0.05, 1.61, 0.14),
    "temple": (0.08, 1.67, 0.08),
    "ear": (0.1, 1.63, 0.02),
    "forehead": (0.04, 1.71, 0.11),
    "crown": (0.05, 1.78, 0.01),
    "nape": (0.02, 1.54, -0.07),
    "chest": (0.05, 1.3, 0.14),
    "belly": (0.05, 1.07, 0.16),
    "low back": (0.02, 1.05, -0.16),
    "pocket": (0.17, 0.87, 0.05),
    "waist front": (0.1, 1.0, 0.33),
    "book": (0.12, 1.15, 0.33),
    "phone": (0.05, 1.12, 0.3),
    "keyboard": (0.17, 0.95, 0.38),
    "watch": (0.0, 1.22, 0.3),
    "rubbing": (0.02, 1.12, 0.27),
    "palms": (0.015, 1.3, 0.26),
    "crossed": (-0.06, 1.35, 0.33),
    "fanning": (0.05, 1.5, 0.3),
    "selfie": (0.08, 1.7, 0.48),
    "forward": (0.12, 1.3, 0.52),
    "handshake": (0.05, 1.05, 0.48),
    "giving": (0.1, 1.12, 0.48),
    "push": (0.16, 1.35, 0.5),
    "hug": (-0.08, 1.33, 0.36),
    "shoulder of other": (0.08, 1.42, 0.5),
    "pocket of other": (0.08, 1.02, 0.4),
    "wind up": (0.22, 1.72, -0.15),
    "release": (0.1, 1.5, 0.48),
    "sleeve": (0.26, 1.12, -0.2),
    "collar": (0.1, 1.48, 0.05),
    "low reach": (0.1, 0.9, 0.28),
    "shin": (0.05, 0.95, 0.26),
}
_ARM_LOW = (-190.0, -60.0, -40.0, 0.0)  # shoulder x, y, z, elbow flexion (degrees, left-arm sense)
_ARM_HIGH = (70.0, 130.0, 175.0, 150.0)
_REACH_STARTS = ((-60.0, 0.0, 10.0, 60.0), (-120.0, 0.0, 20.0, 100.0), (-30.0, 30.0, 40.0, 120.0),
                 (0.0, 0.0, 80.0, 30.0), (-150.0, 0.0, 0.0, 30.0), (40.0, 0.0, 10.0, 80.0))  # fmt: skip


def hand_position(angles) -> np.ndarray:
    """The left hand joint ``(3,)`` (rest-pose body frame, metres, trunk upright) for left-arm
    angles ``(x, y, z, elbow)`` in degrees, as ``motion.move_arm`` applies them."""
    x, y, z, elbow = np.radians(np.asarray(angles, dtype=float))
    shoulder = euler_matrices(np.array([x, y, z]))
    forearm = euler_matrices(np.array([-elbow, 0.0, 0.0]))
    return REST_POSITIONS[LEFT_SHOULDER] + shoulder @ (
        REST_OFFSETS[LEFT_ELBOW] + forearm @ (REST_OFFSETS[LEFT_WRIST] + REST_OFFSETS[LEFT_HAND])
    )


@functools.cache
def reach(target: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """Left-arm angles ``(x, y, z, elbow)`` (degrees) that put the left hand at ``target`` (rest-pose
    body frame, metres), nearest to a hanging arm among the solutions: least squares from a few
    starting poses, with a small pull towards the rest angles. The right arm uses the same angles
    for the mirrored target. ``ValueError`` if the hand misses by more than 2 cm."""
    goal = np.asarray(target, dtype=float)
    neutral = np.array([0.0, 0.0, 10.0, 0.0])

    def residual(q):
        return np.concatenate([hand_position(q) - goal, 1e-4 * (q - neutral)])

    fits = [least_squares(residual, start, bounds=(_ARM_LOW, _ARM_HIGH)) for start in _REACH_STARTS]
    best = min(fits, key=lambda fit: fit.cost)
    miss = float(np.linalg.norm(hand_position(best.x) - goal))
    if miss > 0.02:
        raise ValueError(f"reach: the hand cannot get within 2 cm of {target} (misses by {miss:.3f} m)")
    return tuple(float(v) for v in best.x)
