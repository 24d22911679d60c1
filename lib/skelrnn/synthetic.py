"""The embedded default dataset: Kinect-like NTU RGB+D skeletons made by forward kinematics.

Defined for the data chapter (thesis 3.1.1). Real NTU data cannot ship, so the book runs by
default on this stand-in, written to disk as real ``.skeleton`` files with real NTU sample names
(``SsssCcccPpppRrrrAaaa``) and read back through the NTU reader, so the real path is what runs.

How a file is made:

* **Subject** ``P``: bone lengths of a rest pose, scaled by an overall height factor
  (~N(1, 0.06)) and a few per-cent per bone (left and right alike); from ``(seed, P)`` only.
* **Performance** ``(S, P, R, A)``: one motion of class ``A`` in world coordinates, made once and
  seen by every camera. A class generator gives local joint rotations as a function of a phase
  in [0, 1] and an amplitude; the phase runs through a random monotone time warp with idle
  frames at both ends, at a random speed. Forward kinematics on the 25-joint tree gives joint
  positions and rotations; the body stands on the floor (its lowest joint on it), faces the
  camera its replication faces (as in NTU: replication 1 faces camera 2, replication 2 camera 3)
  with a ±15° jitter, at a jittered floor position. From ``(seed, S, P, R, A)`` only.
* **View** ``C``: the camera of setup ``S`` (yaw -45°, 0°, +45° around the actor as in NTU,
  heights and distances per setup) sees the same world motion through a rigid transform, plus
  its own sensor noise, Kinect failures (frames with no body, or all joints at 0), and
  sometimes a second, spurious body that the NTU main-actor rules reject (a track of at most
  11 frames, or a blob wider than 0.8 of its height). From the whole sample name.

Frames: the body frame has x to the person's left, y up, z to the person's front; the world
frame has y up with the floor at y = 0; the Kinect camera frame has x to the sensor's left, y up
and z away from the sensor. All three are right-handed. Lengths in metres, 30 frames a second.

Every file depends on ``(config.seed, its name)`` alone, so files can be made in any order and
in parallel with the same bytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from skelrnn import ntu
from skelrnn.parallel import process_pool, worker_count
from skelrnn.skeleton import NTU_PARENTS

__all__ = [
    "VERSION",
    "ActionClass",
    "CLASSES",
    "SyntheticConfig",
    "sample_names",
    "make_sequence",
    "generate",
    "MANIFEST",
]

# Bump when the generator changes what it writes: a dataset on disk with another version is regenerated.
VERSION = "synthetic-1"
MANIFEST = "manifest.json"

# ---------------------------------------------------------------------------------------------
# The skeleton: joints, tree order, rest pose
# ---------------------------------------------------------------------------------------------

(SB, SM, NECK, HEAD, LSH, LEL, LWR, LHA, RSH, REL, RWR, RHA) = range(12)
(LHIP, LKN, LAN, LFT, RHIP, RKN, RAN, RFT, SS, LTIP, LTH, RTIP, RTH) = range(12, 25)
N_JOINTS = 25
_PARENTS = np.array(NTU_PARENTS)
_MIRROR = {LSH: RSH, LEL: REL, LWR: RWR, LHA: RHA, LTIP: RTIP, LTH: RTH, LHIP: RHIP, LKN: RKN, LAN: RAN, LFT: RFT}
_LEAVES = tuple(j for j in range(N_JOINTS) if j not in set(NTU_PARENTS))


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
    SB: (0.0, 0.98, -0.01),
    SM: (0.0, 1.24, 0.0),
    SS: (0.0, 1.45, 0.0),
    NECK: (0.0, 1.53, 0.01),
    HEAD: (0.0, 1.66, 0.03),
    LSH: (0.17, 1.41, -0.01),
    LEL: (0.19, 1.13, -0.03),
    LWR: (0.2, 0.88, -0.01),
    LHA: (0.2, 0.81, 0.0),
    LTIP: (0.2, 0.73, 0.01),
    LTH: (0.18, 0.83, 0.04),
    LHIP: (0.08, 0.91, 0.0),
    LKN: (0.09, 0.5, 0.02),
    LAN: (0.09, 0.08, -0.02),
    LFT: (0.1, 0.03, 0.11),
}


def _rest_positions() -> np.ndarray:
    pos = np.zeros((N_JOINTS, 3))
    for j, p in _REST_LEFT.items():
        pos[j] = p
        if j in _MIRROR:
            pos[_MIRROR[j]] = (-p[0], p[1], p[2])
    return pos


_REST = _rest_positions()
_REST_OFFSETS = np.where(_PARENTS[:, None] >= 0, _REST - _REST[np.maximum(_PARENTS, 0)], _REST)
_FOOT_CLEARANCE = 0.03  # rest height of the foot joint above the floor, metres

# Sensor noise multiplier per joint: the Kinect is steadiest on the torso, worst at the extremities.
_NOISE_WEIGHT = np.ones(N_JOINTS)
_NOISE_WEIGHT[[LEL, REL, LKN, RKN]] = 1.5
_NOISE_WEIGHT[[LWR, RWR, LAN, RAN]] = 2.0
_NOISE_WEIGHT[[LHA, RHA, LFT, RFT, LTIP, LTH, RTIP, RTH, HEAD]] = 3.0
_EXTREMITIES = np.array([LWR, RWR, LHA, RHA, LFT, RFT, LAN, RAN, LTIP, LTH, RTIP, RTH])

# Kinect v2 intrinsics: depth camera 512 x 424, colour camera 1920 x 1080 about 5 cm to its side.
_DEPTH = (365.0, 256.0, 212.0)  # focal length (px), centre x, centre y
_COLOR = (1081.0, 960.0, 540.0)
_COLOR_BASELINE = 0.052  # metres along camera x
_BODY_ID_BASE = 72057594037927936  # 2**56: real Kinect body IDs are this plus a small counter

# ---------------------------------------------------------------------------------------------
# Cameras and setups
# ---------------------------------------------------------------------------------------------

# As in NTU: three cameras at -45, 0, +45 degrees around the actor (camera 1 in the middle), and
# setups that move them. Heights differ between the three cameras of a setup.
_CAMERA_YAW_DEG = (0.0, 45.0, -45.0)
_CAMERA_DHEIGHT = (0.0, 0.12, -0.1)
_CAMERA_DDIST = (0.0, 0.25, -0.2)
_SETUP_HEIGHT = (1.0, 0.7, 1.45, 1.2, 0.55, 1.7, 0.85, 1.3)
_SETUP_DIST = (3.0, 3.3, 3.4, 3.5, 3.1, 3.7, 3.2, 3.3)  # higher cameras stand further back
_AIM_HEIGHT = 1.0  # cameras are tilted to look at this height above the actor's spot


def _camera(setup: int, camera: int) -> tuple[np.ndarray, np.ndarray]:
    """World-to-camera rotation ``R`` (3, 3) (rows: camera x, y, z in world coordinates) and camera
    centre ``c`` (3,) metres: ``p_cam = R @ (p_world - c)``."""
    yaw = math.radians(_CAMERA_YAW_DEG[camera - 1])
    height = _SETUP_HEIGHT[setup - 1] + _CAMERA_DHEIGHT[camera - 1]
    dist = _SETUP_DIST[setup - 1] + _CAMERA_DDIST[camera - 1]
    centre = np.array([dist * math.sin(yaw), height, dist * math.cos(yaw)])
    forward = np.array([0.0, _AIM_HEIGHT, 0.0]) - centre
    forward /= np.linalg.norm(forward)
    left = np.cross([0.0, 1.0, 0.0], forward)  # x = up × z keeps the frame right-handed
    left /= np.linalg.norm(left)
    up = np.cross(forward, left)
    return np.stack([left, up, forward]), centre


def _facing_camera(replication: int) -> int:
    """The camera the actor faces: as in NTU, one replication towards each side camera."""
    return 2 if replication % 2 == 1 else 3


# ---------------------------------------------------------------------------------------------
# Rotations
# ---------------------------------------------------------------------------------------------


def _euler_matrices(angles: np.ndarray) -> np.ndarray:
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


def _yaw_matrix(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _quaternions(rot: np.ndarray) -> np.ndarray:
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


def _quat_mul(q: np.ndarray, r: np.ndarray) -> np.ndarray:
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


def _forward_kinematics(local: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
# Motion building blocks (phase p in [0, 1], arrays (T,))
# ---------------------------------------------------------------------------------------------


def _ease(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _ramp(p, a, b):
    """0 before ``a``, 1 after ``b``, smooth in between."""
    return _ease((p - a) / (b - a))


def _window(p, a, b, c, d):
    """Up over [a, b], held, down over [c, d]."""
    return _ramp(p, a, b) * (1.0 - _ramp(p, c, d))


def _keys(p, knots, values):
    """Smooth key-frame curve through (knot, value) pairs, constant outside the knots."""
    knots = np.asarray(knots, dtype=float)
    values = np.asarray(values, dtype=float)
    i = np.clip(np.searchsorted(knots, p, side="right") - 1, 0, len(knots) - 2)
    u = _ease((p - knots[i]) / (knots[i + 1] - knots[i]))
    return values[i] + (values[i + 1] - values[i]) * u


def _cycles(p, a, b, n):
    """Position within ``n`` equal cycles spread over [a, b]: (cycle fraction in [0, 1), inside mask)."""
    u = (p - a) / (b - a)
    inside = (u >= 0) & (u < 1)
    q = np.clip(u, 0.0, 1.0 - 1e-12) * n
    return q - np.floor(q), inside


@dataclass
class _Motion:
    """What a class generator returns.

    angles  (T, 25, 3)  local Euler angles (x, y, z) in degrees, composed ``Rz @ Ry @ Rx``
    shift   (T, 3)      body-frame displacement added after grounding, metres (walks, jumps)
    anchor  joints whose mean floor position (x, z) is pinned at its rest value (planted feet);
            ``None`` when ``shift`` alone moves the body over the floor
    """

    angles: np.ndarray
    shift: np.ndarray
    anchor: tuple[int, ...] | None = (LAN, RAN)

    @classmethod
    def rest(cls, n: int) -> _Motion:
        return cls(np.zeros((n, N_JOINTS, 3)), np.zeros((n, 3)))


def _side(joint: int, side: str) -> int:
    return joint if side == "L" else _MIRROR[joint]


def _arm(m: _Motion, side: str, x=0.0, y=0.0, z=0.0, elbow=0.0) -> None:
    """Add shoulder angles and elbow flexion (degrees), given for the left arm and mirrored for the right.

    Left-arm sense: x < 0 raises the arm forward, z > 0 raises it sideways, y > 0 turns it outwards
    about the vertical (horizontal abduction); elbow > 0 bends the forearm forward.
    """
    mirror = 1.0 if side == "L" else -1.0
    sh, el = _side(LSH, side), _side(LEL, side)
    m.angles[:, sh, 0] += x
    m.angles[:, sh, 1] += mirror * y
    m.angles[:, sh, 2] += mirror * z
    m.angles[:, el, 0] -= elbow


def _leg(m: _Motion, side: str, hip=0.0, knee=0.0, abd=0.0, foot=0.0) -> None:
    """Add hip flexion (thigh forward), knee flexion, hip abduction (outwards) and foot pointing
    (degrees, left sense mirrored for the right). The ankle turns back what hip and knee did, so
    the foot stays level unless ``foot`` points it down."""
    mirror = 1.0 if side == "L" else -1.0
    m.angles[:, _side(LHIP, side), 0] -= hip
    m.angles[:, _side(LHIP, side), 2] += mirror * abd
    m.angles[:, _side(LKN, side), 0] += knee
    m.angles[:, _side(LAN, side), 0] += hip - knee + foot


def _bow(m: _Motion, angle, keep_arms: bool = True) -> None:
    """Bend the trunk forward by ``angle`` degrees, spread over pelvis, spine and shoulders; the legs
    stay put (the hips turn the pelvis part back) and, with ``keep_arms``, the arms keep hanging."""
    angle = np.broadcast_to(np.asarray(angle, dtype=float), (m.angles.shape[0],))
    m.angles[:, SB, 0] += 0.25 * angle
    m.angles[:, [LHIP, RHIP], 0] -= 0.25 * angle[:, None]
    m.angles[:, SM, 0] += 0.45 * angle
    m.angles[:, SS, 0] += 0.3 * angle
    if keep_arms:
        m.angles[:, [LSH, RSH], 0] -= angle[:, None]


# ---------------------------------------------------------------------------------------------
# The action classes: generators of phase and amplitude
# ---------------------------------------------------------------------------------------------
# Each takes p (T,) in [0, 1] (idle frames are p = 0 or 1), an amplitude near 1 and the
# performance's random generator (for discrete choices such as the number of claps).


def _sit_down(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    s = _ramp(p, 0.05, 0.9)
    # Hips and knees to about 95-100 degrees: the pelvis drops by a thigh length (~0.45 m) and goes back.
    _leg(m, "L", hip=95 * s, knee=100 * s)
    _leg(m, "R", hip=95 * s, knee=100 * s)
    # The trunk leans forward while the weight moves onto the seat, then straightens.
    _bow(m, amp * 35 * np.sin(np.pi * s) + 8 * s)
    for side in "LR":
        _arm(m, side, x=-25 * s, elbow=45 * s)
    return m


def _stand_up(p, amp, rng) -> _Motion:
    # Exactly sit down played backwards: the pair differs in time order only.
    return _sit_down(1.0 - p, amp, rng)


def _clapping(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    up = _window(p, 0.0, 0.15, 0.85, 1.0)
    frac, inside = _cycles(p, 0.15, 0.85, int(rng.integers(5, 10)))
    closed = np.where(inside, 0.5 + 0.5 * np.cos(2 * np.pi * frac), 1.0)  # 1 when the hands meet
    # Forearms forward, upper arms swung towards the midline until the palms touch (calibrated).
    swing = up * (_CLAP_MEET - amp * 28.0 * (1.0 - closed))
    for side in "LR":
        _arm(m, side, x=-40 * up, y=-swing, elbow=75 * up)
    return m


_CLAP_MEET = 23.0  # degrees of horizontal swing at which the two hands touch in the clapping pose


def _cheer_up(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    up = _window(p, 0.0, 0.2, 0.85, 1.0)
    frac, inside = _cycles(p, 0.2, 0.85, int(rng.integers(3, 7)))
    shake = np.where(inside, np.sin(2 * np.pi * frac), 0.0)
    for side in "LR":
        # With the arm overhead, a negative z opens it outwards (a V above the head).
        _arm(m, side, x=-165 * up, z=-up * (20 + 12 * amp * shake), elbow=up * (20 + 18 * amp * shake))
    return m


def _hand_waving(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    up = _window(p, 0.0, 0.2, 0.85, 1.0)
    frac, inside = _cycles(p, 0.2, 0.85, int(rng.integers(3, 7)))
    wave = np.where(inside, np.sin(2 * np.pi * frac), 0.0)
    # Upper arm out to the side and turned so that the bent forearm points up; the forearm then
    # swings in the frontal plane, towards the head and away.
    _arm(m, "R", y=90 * up, z=85 * up, elbow=up * (90 + 35 * amp * wave))
    return m


def _kicking(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    knots = (0.0, 0.2, 0.36, 0.5, 0.78, 1.0)
    hip = _keys(p, knots, (0, -15, 75 * amp, 30, 0, 0))
    knee = _keys(p, knots, (0, 55, 8, 60, 0, 0))
    _leg(m, "R", hip=hip, knee=knee, foot=_keys(p, knots, (0, 10, 25, 5, 0, 0)))
    _leg(m, "L", knee=_keys(p, knots, (0, 10, 12, 10, 0, 0)), hip=_keys(p, knots, (0, 5, 6, 5, 0, 0)))
    _bow(m, _keys(p, knots, (0, 5, -12, -4, 0, 0)))
    for side in "LR":
        _arm(m, side, z=_keys(p, knots, (0, 15, 25, 15, 0, 0)), elbow=_keys(p, knots, (0, 20, 30, 20, 0, 0)))
    m.anchor = (LAN,)  # the standing leg
    return m


def _hopping(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    lift = _window(p, 0.0, 0.12, 0.88, 1.0)
    _leg(m, "L", hip=35 * lift, knee=80 * lift)
    frac, inside = _cycles(p, 0.15, 0.85, int(rng.integers(3, 7)))
    flying = inside & (frac < 0.6)
    v = np.clip(frac / 0.6, 0, 1)
    land = np.where(inside & ~flying, np.sin(np.pi * np.clip((frac - 0.6) / 0.4, 0, 1)), 0.0)
    _leg(m, "R", hip=15 * land, knee=30 * land, foot=np.where(flying, 20 * np.sin(np.pi * v), 0.0))
    for side in "LR":
        _arm(m, side, z=20 * lift, elbow=35 * lift)
    m.shift[:, 1] = np.where(flying, amp * 0.1 * 4 * v * (1 - v), 0.0)
    m.anchor = (RAN,)
    return m


def _jump_up(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    frac, inside = _cycles(p, 0.1, 0.9, int(rng.integers(1, 3)))
    crouch = np.where(inside & (frac < 0.35), np.sin(np.pi * np.clip(frac / 0.35, 0, 1)), 0.0)
    flying = inside & (frac >= 0.35) & (frac < 0.65)
    v = np.clip((frac - 0.35) / 0.3, 0, 1)
    crouch += np.where(inside & (frac >= 0.65), 0.7 * np.sin(np.pi * np.clip((frac - 0.65) / 0.35, 0, 1)), 0.0)
    air = np.where(flying, np.sin(np.pi * v), 0.0)
    for side in "LR":
        _leg(m, side, hip=60 * crouch, knee=100 * crouch, foot=30 * air)
        _arm(m, side, x=35 * crouch - 140 * air, elbow=20 * crouch + 10 * air)
    _bow(m, 30 * crouch, keep_arms=False)
    m.shift[:, 1] = np.where(flying, amp * 0.28 * 4 * v * (1 - v), 0.0)
    return m


def _arm_forward(m: _Motion, s) -> None:
    """The right arm's path from hanging (s = 0) through a bent guard (s = 0.5) to pointing straight
    forward at shoulder height (s = 1): shared by pointing and punching, which differ in speed."""
    _arm(m, "R", x=-90 * s, elbow=75 * np.sin(np.pi * np.clip(s, 0.0, 1.0)))


def _pointing(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    reach = min(max(amp, 0.95), 1.05)  # about shoulder height, the elbow nearly straight
    _arm_forward(m, reach * _keys(p, (0.0, 0.4, 0.62, 1.0), (0, 1, 1, 0)))
    return m


def _punching(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    n = int(rng.integers(2, 4))
    # Guard, then n quick jabs out and back (each a small fraction of the phase), then down.
    knots, values = [0.0, 0.15], [0.0, 0.5]
    for k in range(n):
        start = 0.2 + k * 0.6 / n
        knots += [start, start + 0.05, start + 0.13]
        values += [0.5, min(amp, 1.05), 0.5]
    knots += [0.85, 1.0]
    values += [0.5, 0.0]
    _arm_forward(m, _keys(p, knots, values))
    return m


def _nod_bow(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    bend = _keys(p, (0.0, 0.3, 0.6, 0.9, 1.0), (0, 45 * amp, 45 * amp, 0, 0))
    _bow(m, bend)
    m.angles[:, NECK, 0] += 0.35 * bend
    return m


_SALUTE_SHOULDER = (-35.0, 62.0, 86.0)  # left-sense shoulder (x, y, z), degrees (calibrated)
_SALUTE_ELBOW = 120.0  # these put the right hand tip at the right of the forehead


def _salute(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    s = _keys(p, (0.0, 0.25, 0.75, 1.0), (0, 1, 1, 0))
    x, y, z = _SALUTE_SHOULDER
    _arm(m, "R", x=x * s, y=y * s, z=z * s, elbow=_SALUTE_ELBOW * s)
    return m


def _staggering(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    n_steps = int(rng.integers(4, 8))
    go = _window(p, 0.0, 0.08, 0.92, 1.0)
    u = np.clip((p - 0.04) / 0.92, 0, 1)
    gait = np.pi * n_steps * u
    swing = np.sin(gait)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        _leg(m, side, hip=go * 22 * sign * swing, knee=go * 45 * np.maximum(0.0, sign * np.cos(gait)) ** 2)
        _arm(m, side, x=go * 18 * sign * swing, z=go * (25 + 10 * np.sin(2.3 * gait + sign)), elbow=25 * go)
    # Unsteady: lateral sways of the whole body, with the trunk rolling into them.
    freq = rng.uniform(1.0, 2.2, size=2)
    phase0 = rng.uniform(0, 2 * np.pi, size=2)
    sway = (
        0.12 * amp * (np.sin(2 * np.pi * freq[0] * u + phase0[0]) + 0.5 * np.sin(2 * np.pi * freq[1] * u + phase0[1]))
    )
    sway = go * (sway - sway[0])
    heading = math.radians(rng.uniform(-35, 35))
    ahead = 0.2 * n_steps * (u - 0.5)  # the walk is centred on the actor's spot, not towards the camera
    m.shift[:, 0] = ahead * math.sin(heading) + sway
    m.shift[:, 2] = ahead * math.cos(heading)
    m.angles[:, SB, 2] -= 60 * np.gradient(sway) * len(p) / 30  # degrees, roll into the sway
    _bow(m, 10 * go)
    m.anchor = None
    return m


def _falling_down(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    knots = (0.0, 0.37, 0.59, 0.86, 1.0)
    buckle = _keys(p, knots, (0, 0, 1, 0.15, 0))
    pitch = _keys(p, knots, (0, 0, 15, 84, 86))
    roll = rng.uniform(-20, 20) * _ramp(p, 0.47, 0.86)
    # Knees give way, then the whole body tips forward over the feet and lands on its front.
    m.angles[:, SB, 0] += pitch
    m.angles[:, SB, 2] += roll
    # The arms reach out to break the fall, then lie on the floor beyond the head.
    reach = _keys(p, (0.0, 0.52, 0.72, 0.9, 1.0), (0, 0, 100 * amp, 165, 165))
    for side in "LR":
        _leg(m, side, hip=55 * buckle, knee=80 * buckle)
        _arm(m, side, x=-reach, z=0.12 * reach, elbow=0.2 * reach)
    m.angles[:, NECK, 0] -= 30 * _ramp(p, 0.66, 0.86)  # head up, off the floor
    wobble = 0.04 * np.sin(2 * np.pi * rng.uniform(1, 2) * p) * (1 - _ramp(p, 0.37, 0.47))
    m.shift[:, 0] = wobble
    m.shift[:, 2] = -0.6  # start behind the spot so that the body lands across it, not at the camera
    return m


class ActionClass(NamedTuple):
    """One synthetic class with its real NTU action number and name.

    ``generator(p, amp, rng)`` maps a phase ``p`` (T,) in [0, 1] and an amplitude (about 1) to
    joint angles; ``frames`` is its nominal active length at speed 1 (30 fps); ``end_idle`` the
    most idle frames after it (falling down keeps the lying part short).
    """

    number: int
    name: str
    description: str
    generator: Callable[..., _Motion]
    frames: int
    end_idle: int = 12
    hands: tuple[int, int] = (1, 1)  # Kinect hand states (left, right) while it runs: 1 not tracked

    @property
    def code(self) -> str:
        return f"A{self.number:03d}"


_OPEN, _CLOSED, _LASSO = 2, 3, 4
CLASSES: dict[int, ActionClass] = {
    c.number: c
    for c in (
        ActionClass(
            8, "sit down", "knees and hips bend, the pelvis goes down ~0.45 m and back; ends seated", _sit_down, 70
        ),
        ActionClass(9, "stand up", "sit down played backwards (same generator, reversed phase)", _stand_up, 70),
        ActionClass(
            10, "clapping", "both hands meet in front of the chest, repeatedly", _clapping, 75, hands=(_OPEN, _OPEN)
        ),
        ActionClass(22, "cheer up", "both arms raised overhead and shaken", _cheer_up, 75, hands=(_OPEN, _OPEN)),
        ActionClass(
            23, "hand waving", "right arm raised, the forearm swings side to side", _hand_waving, 75, hands=(1, _OPEN)
        ),
        ActionClass(24, "kicking something", "right leg swings forward fast and back", _kicking, 55),
        ActionClass(26, "hopping (one foot jumping)", "left leg lifted, small hops on the right foot", _hopping, 80),
        ActionClass(27, "jump up", "crouch, then one or two jumps on both legs", _jump_up, 65),
        ActionClass(
            31,
            "pointing to something with finger",
            "right arm raised slowly forward, held, lowered",
            _pointing,
            100,
            hands=(1, _LASSO),
        ),
        ActionClass(
            50,
            "punching/slapping other person",
            "the same right-arm path as pointing, fast: 2-3 jabs",
            _punching,
            60,
            hands=(1, _CLOSED),
        ),
        ActionClass(35, "nod head/bow", "trunk and head bow forward and come back", _nod_bow, 65),
        ActionClass(38, "salute", "right hand raised to the forehead, held, lowered", _salute, 70, hands=(1, _OPEN)),
        ActionClass(42, "staggering", "unsteady walk with lateral sways of the whole body", _staggering, 100),
        ActionClass(
            43,
            "falling down",
            "knees give way, the body falls forward and lies (a minority of frames)",
            _falling_down,
            75,
            end_idle=2,
        ),
    )
}
DEFAULT_ACTIONS: tuple[int, ...] = tuple(sorted(CLASSES))


def _action_number(code) -> int:
    if isinstance(code, str):
        text = code.strip().upper()
        if not (len(text) == 4 and text[0] == "A" and text[1:].isdigit()):
            raise ValueError(f"actions: expected NTU action codes like 'A008' or numbers like 8, got {code!r}")
        number = int(text[1:])
    elif isinstance(code, (int, np.integer)) and not isinstance(code, bool):
        number = int(code)
    else:
        raise ValueError(f"actions: expected NTU action codes like 'A008' or numbers like 8, got {code!r}")
    if number not in CLASSES:
        known = ", ".join(f"{c.code} {c.name}" for c in CLASSES.values())
        raise ValueError(f"actions: A{number:03d} is not a synthetic class; known: {known}")
    return number


# ---------------------------------------------------------------------------------------------
# Configuration and names
# ---------------------------------------------------------------------------------------------


def _check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected an integer in {low}..{high}, got {value!r}")


def _check_float(name: str, value, low: float, high: float) -> None:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise ValueError(f"{name}: expected a number in [{low}, {high}], got {value!r}")


@dataclass(frozen=True)
class SyntheticConfig:
    """What the synthetic dataset contains; the files depend on these values and nothing else.

    n_subjects        performers P001.. (each with their own bone lengths)
    n_replications    R001..; odd ones face camera 2, even ones camera 3 (as in NTU)
    n_cameras         C001..C00n of the three NTU-like cameras (1..3)
    n_setups          S001..; subject P is recorded in setup ((P - 1) mod n_setups) + 1 (1..8)
    actions           NTU action numbers (or codes 'A008'), a subset of ``CLASSES``; kept sorted
    min_frames, max_frames   sequence length bounds, frames at 30 fps
    noise             sensor noise standard deviation on the torso, metres (x3 at the hands and feet)
    failure_prob      chance that a file has 1-2 Kinect failures of 1-5 frames (no body, or all 0)
    second_body_prob  chance that a file has a spurious second body (a short track or a wide blob)
    digits            significant digits written to the files (the Kinect SDK writes about 7)
    seed              the dataset's seed
    """

    n_subjects: int = 40
    n_replications: int = 2
    n_cameras: int = 3
    n_setups: int = 5
    actions: tuple[int, ...] = field(default=DEFAULT_ACTIONS)
    min_frames: int = 30
    max_frames: int = 150
    noise: float = 0.004
    failure_prob: float = 0.2
    second_body_prob: float = 0.1
    digits: int = 7
    seed: int = 0

    def __post_init__(self):
        _check_int("n_subjects", self.n_subjects, 1, 999)
        _check_int("n_replications", self.n_replications, 1, 999)
        _check_int("n_cameras", self.n_cameras, 1, len(_CAMERA_YAW_DEG))
        _check_int("n_setups", self.n_setups, 1, len(_SETUP_HEIGHT))
        if isinstance(self.actions, (str, bytes)) or not isinstance(self.actions, Iterable):
            raise ValueError(f"actions: expected a sequence of action codes, got {self.actions!r}")
        actions = tuple(sorted(_action_number(a) for a in self.actions))
        if not actions or len(set(actions)) != len(actions):
            raise ValueError(f"actions: expected at least one action, each once, got {self.actions!r}")
        object.__setattr__(self, "actions", actions)  # frozen: normalise once, here
        _check_int("min_frames", self.min_frames, 16, 10_000)
        _check_int("max_frames", self.max_frames, self.min_frames, 10_000)
        _check_float("noise", self.noise, 0.0, 0.1)
        _check_float("failure_prob", self.failure_prob, 0.0, 1.0)
        _check_float("second_body_prob", self.second_body_prob, 0.0, 1.0)
        _check_int("digits", self.digits, 1, 17)
        _check_int("seed", self.seed, 0, 2**63 - 1)

    def to_dict(self) -> dict:
        """Plain JSON values (the actions as a list), as stored in the manifest."""
        d = asdict(self)
        d["actions"] = list(self.actions)
        return d

    @classmethod
    def small(cls, **overrides) -> SyntheticConfig:
        """A small dataset for tests and smoke runs: 3 subjects, 2 setups, 4 actions (36 x 4 = 96 files
        with 2 replications and 3 cameras), shorter sequences. Any field can be overridden."""
        values = dict(n_subjects=3, n_setups=2, actions=(8, 9, 22, 23), max_frames=90)
        values.update(overrides)
        return cls(**values)


def _setup_of(subject: int, config: SyntheticConfig) -> int:
    return (subject - 1) % config.n_setups + 1


def sample_names(config: SyntheticConfig | None = None) -> list[ntu.SampleName]:
    """Every sample of the dataset, one per file, sorted as the file names sort.

    ``n_subjects x len(actions) x n_replications x n_cameras`` names (3,360 for the default).
    """
    config = SyntheticConfig() if config is None else config
    names = [
        ntu.SampleName(_setup_of(p, config), c, p, r, a)
        for p in range(1, config.n_subjects + 1)
        for r in range(1, config.n_replications + 1)
        for a in config.actions
        for c in range(1, config.n_cameras + 1)
    ]
    return sorted(names, key=str)


def _check_name(name, config: SyntheticConfig) -> ntu.SampleName:
    if not isinstance(name, ntu.SampleName):
        name = ntu.parse_sample_name(str(name))
    limits = {
        "setup": config.n_setups,
        "camera": config.n_cameras,
        "subject": config.n_subjects,
        "replication": config.n_replications,
    }
    for fld, high in limits.items():
        value = getattr(name, fld)
        if not 1 <= value <= high:
            raise ValueError(f"{name}: {fld} {value} is outside 1..{high} of this configuration")
    if name.action not in config.actions:
        raise ValueError(f"{name}: action A{name.action:03d} is not among this configuration's {config.actions}")
    return name


# ---------------------------------------------------------------------------------------------
# Subjects and performances (world coordinates, shared by the cameras)
# ---------------------------------------------------------------------------------------------

_TAG_SUBJECT, _TAG_PERFORMANCE, _TAG_VIEW = 1, 2, 3


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in keys]))


def _subject_offsets(subject: int, seed: int) -> np.ndarray:
    """Rest-pose bone vectors ``(25, 3)`` metres of one subject: an overall height scale ~N(1, 0.06)
    and a few per cent per bone, the same on the left and the right."""
    rng = _rng(seed, _TAG_SUBJECT, subject)
    scale = float(np.clip(rng.normal(1.0, 0.06), 0.8, 1.2))
    per_bone = np.clip(rng.normal(1.0, 0.035, size=N_JOINTS), 0.9, 1.1)
    for left, right in _MIRROR.items():
        per_bone[right] = per_bone[left]
    return _REST_OFFSETS * (scale * per_bone)[:, None]


def _time_warp(n: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth random monotone map of ``n`` frames onto [0, 1] (starts at 0, ends at 1): speed varies."""
    knots = np.linspace(0.0, 1.0, 5)
    speed = np.exp(np.interp(np.linspace(0.0, 1.0, n), knots, rng.normal(0.0, 0.3, size=knots.size)))
    warp = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]))])
    return warp / warp[-1] if n > 1 else np.zeros(1)


@dataclass
class _Performance:
    """One performance in world coordinates (floor y = 0), shared by all cameras.

    xyz    (T, 25, 3)  joint positions, metres
    quat   (T, 25, 4)  global joint rotations as quaternions (w, x, y, z) in world axes
    lean   (T, 2)      Kinect leanX (to the right), leanY (forward) in [-1, 1]
    hands  (2,)        Kinect hand states (left, right) while the action runs
    active (T,)        the action runs (not an idle frame)
    """

    xyz: np.ndarray
    quat: np.ndarray
    lean: np.ndarray
    hands: tuple[int, int]
    active: np.ndarray


def _performance(setup: int, subject: int, replication: int, action: int, config: SyntheticConfig) -> _Performance:
    rng = _rng(config.seed, _TAG_PERFORMANCE, subject, replication, action, setup)
    cls = CLASSES[action]
    offsets = _subject_offsets(subject, config.seed)

    # Length: nominal duration at a random speed, idle frames around it, within the bounds.
    amp = float(rng.uniform(0.8, 1.15))
    speed = float(np.exp(rng.normal(0.0, 0.2)))
    idle = [int(rng.integers(0, 13)), int(rng.integers(0, cls.end_idle + 1))]
    n = int(np.clip(round(cls.frames / speed) + sum(idle), config.min_frames, config.max_frames))
    n_active = n - sum(idle)
    if n_active < 0.6 * n:  # lengths squeezed by the bounds: shrink the idle parts, not the action
        idle = [int(0.2 * n * i / max(sum(idle), 1)) for i in idle]
        n_active = n - sum(idle)
    phase = np.concatenate([np.zeros(idle[0]), _time_warp(n_active, rng), np.ones(idle[1])])

    motion = cls.generator(phase, amp, rng)
    # Everyone's own idle posture and a slight sway, on top of the action.
    for side in "LR":
        _arm(motion, side, z=rng.uniform(3, 10), elbow=rng.uniform(3, 15))
    t = np.arange(n) / 30.0
    sway = rng.uniform(0.003, 0.012, size=2) * np.sin(
        2 * np.pi * rng.uniform(0.15, 0.4, size=2) * t[:, None] + rng.uniform(0, 6.3, size=2)
    )
    motion.shift[:, [0, 2]] += sway

    pos, glob = _forward_kinematics(_euler_matrices(np.radians(motion.angles)), offsets)
    # Stand on the floor: the lowest joint at the foot's rest height (the foot rests, the body lies).
    pos[..., 1] += _FOOT_CLEARANCE * offsets[LFT, 1] / _REST_OFFSETS[LFT, 1] - pos[..., 1].min(axis=1, keepdims=True)
    if motion.anchor is not None:
        rest_pos, _ = _forward_kinematics(np.broadcast_to(np.eye(3), (1, N_JOINTS, 3, 3)), offsets)
        planted = rest_pos[0, list(motion.anchor)][:, [0, 2]].mean(axis=0)
        pos[..., [0, 2]] += planted - pos[:, list(motion.anchor)][..., [0, 2]].mean(axis=1)[:, None, :]
    pos += motion.shift[:, None, :]

    # Kinect lean: the trunk's tilt to the right (x) and forward (y), from the body-frame spine.
    spine = pos[:, SS] - pos[:, SB]
    spine /= np.linalg.norm(spine, axis=1, keepdims=True)
    lean = np.clip(np.stack([-spine[:, 0], spine[:, 2]], axis=1), -1.0, 1.0)

    # Into the world: face the replication's camera (±15°), somewhere near the marked spot.
    yaw = math.radians(_CAMERA_YAW_DEG[_facing_camera(replication) - 1] + rng.uniform(-15.0, 15.0))
    face = _yaw_matrix(yaw)
    spot = np.array([rng.uniform(-0.3, 0.3), 0.0, rng.uniform(-0.3, 0.3)])
    xyz = pos @ face.T + spot
    quat = _quat_mul(_quaternions(face), _quaternions(glob))
    active = (phase > 0.0) & (phase < 1.0)
    return _Performance(xyz, quat, lean, cls.hands, active)


# ---------------------------------------------------------------------------------------------
# Views: the camera, the sensor's noise and failures, spurious bodies
# ---------------------------------------------------------------------------------------------


def _project(xyz: np.ndarray) -> np.ndarray:
    """Pinhole projection of camera-frame points ``(..., 3)`` -> depthX, depthY, colorX, colorY ``(..., 4)`` px."""
    z = np.maximum(xyz[..., 2], 0.1)
    fd, cxd, cyd = _DEPTH
    fc, cxc, cyc = _COLOR
    return np.stack(
        [
            cxd + fd * xyz[..., 0] / z,
            cyd - fd * xyz[..., 1] / z,
            cxc + fc * (xyz[..., 0] + _COLOR_BASELINE) / z,
            cyc - fc * xyz[..., 1] / z,
        ],
        -1,
    )


def _joint_rows(xyz: np.ndarray, quat: np.ndarray, state: np.ndarray) -> np.ndarray:
    """The 12 joint fields ``(T, 25, 12)`` from positions (T, 25, 3), quaternions (T, 25, 4), states (T, 25)."""
    rows = np.empty(xyz.shape[:2] + (12,))
    rows[..., :3] = xyz
    rows[..., 3:7] = _project(xyz)
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
                rng.uniform(-0.5, 0.5, N_JOINTS) * width,
                rng.uniform(0, 1, N_JOINTS) * height,
                rng.uniform(-0.1, 0.1, N_JOINTS),
            ],
            1,
        )
        shape[0, 0], shape[1, 0] = -0.5 * width, 0.5 * width  # its full width is always seen
        centre = np.array([rng.uniform(-1.2, 1.2), rng.uniform(-0.9, 0.0), rng.uniform(2.0, 4.0)])
        xyz = centre + shape + rng.normal(0.0, 0.004, size=(n, N_JOINTS, 3))
        quat = rng.normal(size=(n, N_JOINTS, 4))
        quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
    state = rng.choice([1, 2], size=(n, N_JOINTS), p=[0.6, 0.4])
    return _joint_rows(xyz, quat, state), present


def _view(perf: _Performance, name: ntu.SampleName, config: SyntheticConfig) -> ntu.SkeletonSequence:
    rng = _rng(config.seed, _TAG_VIEW, name.setup, name.camera, name.subject, name.replication, name.action)
    n = perf.xyz.shape[0]
    rot, centre = _camera(name.setup, name.camera)

    # The same world motion through this camera's rigid transform, plus its own noise.
    xyz = (perf.xyz - centre) @ rot.T
    sd = config.noise * _NOISE_WEIGHT
    xyz = xyz + rng.normal(size=xyz.shape) * sd[:, None]
    # Some extremity readings are only inferred by the Kinect (tracking state 1) and are worse.
    state = np.full((n, N_JOINTS), 2.0)
    inferred = rng.random((n, _EXTREMITIES.size)) < 0.04
    state[:, _EXTREMITIES] = np.where(inferred, 1.0, 2.0)
    xyz[:, _EXTREMITIES] += inferred[..., None] * rng.normal(0.0, 5 * config.noise, size=(n, _EXTREMITIES.size, 3))
    quat = _quat_mul(_quaternions(rot), perf.quat) + rng.normal(0.0, 0.01, size=perf.quat.shape)
    quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
    quat = np.where(quat[..., :1] < 0, -quat, quat)
    quat[:, list(_LEAVES)] = 0.0  # the Kinect gives no orientation for end joints

    main = _joint_rows(xyz, quat, state)
    seen = main.copy()  # before failures: a ghost body copies what the sensor saw of the actor
    info = np.zeros((n, len(ntu.BODY_FIELDS)))
    for k, base in enumerate(perf.hands):
        confident = rng.random(n) < 0.85
        hand_state = np.where(perf.active, base, 1)
        info[:, 1 + 2 * k] = confident
        info[:, 2 + 2 * k] = np.where(confident, hand_state, rng.choice([0, 1], size=n))
    info[:, 6:8] = np.clip(perf.lean + rng.normal(0.0, 0.01, size=(n, 2)), -1.0, 1.0)
    info[:, 8] = 2.0  # tracked
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
    if rng.random() < config.second_body_prob:
        rows, there = _second_body(rng, seen)
        there &= present_main  # a frame without bodies has none at all
        if there.any():
            other = np.zeros((n, len(ntu.BODY_FIELDS)))
            other[:, 6:8] = rng.normal(0.0, 0.05, size=2)
            other[:, 8] = 2.0
            rows[~there] = 0.0
            other[~there] = 0.0
            joints.append(rows)
            body_info.append(other)
            present.append(there)
            ids.append(main_id + int(rng.integers(1, 50)))
    return ntu.SkeletonSequence(
        path=f"{name}.skeleton",
        joints=np.stack(joints, axis=1),
        body_info=np.stack(body_info, axis=1),
        present=np.stack(present, axis=1),
        body_ids=np.array(ids, dtype=np.int64),
    )


def make_sequence(name, config: SyntheticConfig | None = None) -> ntu.SkeletonSequence:
    """The synthetic sample ``name`` (a ``SampleName`` or ``'S001C002P003R002A013'``) as a parsed sequence.

    joints (T, B, 25, 12), body_info (T, B, 9), present (T, B), body_ids (B,) as ``ntu.read_skeleton``
    gives them; B is 1, or 2 with a spurious body; positions in metres, camera frame; T in
    ``[min_frames, max_frames]``. Depends on ``(config.seed, name)`` alone: the motion on
    ``(seed, setup, subject, replication, action)``, shared by the cameras; the sensor on the whole name.
    """
    config = SyntheticConfig() if config is None else config
    name = _check_name(name, config)
    perf = _performance(name.setup, name.subject, name.replication, name.action, config)
    return _view(perf, name, config)


# ---------------------------------------------------------------------------------------------
# Writing the dataset
# ---------------------------------------------------------------------------------------------


def _write_batch(out_dir: str, config: SyntheticConfig, groups: list[list[ntu.SampleName]]) -> list[str]:
    """Write the files of a batch of performances (each group: the camera views of one performance)."""
    paths = []
    for group in groups:
        first = group[0]
        perf = _performance(first.setup, first.subject, first.replication, first.action, config)
        for name in group:
            path = Path(out_dir) / f"{name}.skeleton"
            ntu.write_skeleton(path, _view(perf, name, config), digits=config.digits, fsync=False)
            paths.append(str(path))
    return paths


def _manifest_matches(out_dir: Path, config: SyntheticConfig, names: list[str]) -> bool:
    from skelrnn.io import read_json

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
    from skelrnn.io import read_json, write_json_atomic

    config = SyntheticConfig() if config is None else config
    if not isinstance(config, SyntheticConfig):
        raise TypeError(f"config: expected a SyntheticConfig, got {type(config).__name__}")
    if workers is not None:
        _check_int("workers", workers, 1, 1024)
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

    # One task per batch of whole performances: the motion is made once for its cameras, and big
    # tasks keep the pool's overhead small.
    groups: dict[tuple[int, int, int, int], list[ntu.SampleName]] = {}
    for name in names:
        groups.setdefault((name.setup, name.subject, name.replication, name.action), []).append(name)
    group_list = list(groups.values())
    workers = min(worker_count(workers), len(group_list))
    if workers <= 1:
        _write_batch(str(out_dir), config, group_list)
    else:
        n_batches = min(len(group_list), 8 * workers)
        batches = [group_list[i::n_batches] for i in range(n_batches)]
        with process_pool(workers) as pool:
            list(pool.map(_write_batch, [str(out_dir)] * n_batches, [config] * n_batches, batches))
    write_json_atomic(manifest, {"version": VERSION, "config": config.to_dict(), "files": [p.name for p in paths]})
    return paths


# Subjects of ``write_small_folder``: five of NTU's cross-subject training subjects, one of the
# thesis's validation subjects, three test subjects.
SMALL_FOLDER_SUBJECTS = {"train": (1, 2, 4, 5, 8), "validation": (25,), "test": (3, 6, 7)}


def write_small_folder(folder, seed: int = 0, workers: int | None = None) -> int:
    """A folder shaped like a small real Kinect dataset (a few hundred short sequences, few
    subjects), for checking that the profiles fit the data: the default actions, sequences of
    16 to 76 frames at 30 fps, one replication, three cameras, and only the subjects of
    ``SMALL_FOLDER_SUBJECTS``. Returns the number of ``.skeleton`` files written."""
    from pathlib import Path

    folder = Path(folder)
    keep = {s for subjects in SMALL_FOLDER_SUBJECTS.values() for s in subjects}
    config = SyntheticConfig(n_subjects=max(keep), n_replications=1, min_frames=16, max_frames=76, seed=seed)
    generate(folder, config, workers=workers)
    for path in folder.glob("*.skeleton"):
        if int(path.name[9:12]) not in keep:
            path.unlink()
    (folder / MANIFEST).unlink(missing_ok=True)  # no longer the generator's whole output
    return len(list(folder.glob("*.skeleton")))
