"""The actions of the embedded dataset: a Kinect-sized body, motion primitives, and NTU RGB+D's 60 actions.

Defined for the data chapter (thesis 3.1.1); ``skelrnn.synthetic`` turns these motions into
camera views and ``.skeleton`` files. Every action has its NTU number and official name
(``ntu.NTU_ACTIONS``). A class generator maps a phase ``p`` (T,) in [0, 1] (idle frames are
``p = 0`` or ``1``), an amplitude near 1 and a random generator to local joint angles
(``Motion``); forward kinematics on the 25-joint tree turns them into positions.

Two kinds of generator:

* **hand-written** (the first fourteen: sit down, clapping, kicking, falling, ...): angles as
  functions of the phase;
* **key-framed** (the other forty-six): a few key poses, each placing the hands at named points
  of the body (mouth, ear, top of the head, chest, pocket, ...) through the arm's inverse
  kinematics (``reach``), with the trunk's bow, the head's angles and the legs, joined by smooth
  curves, plus small oscillations (brushing, typing, shaking the head). Actions that NTU makes
  confusable share key poses here too: nine hand-to-head actions differ by where the hand stops
  and how it moves there; the wear / take off pairs run the same key poses in opposite orders.

The eleven interactions (A050-A060) have a **partner**: a second person, with their own body
and motion, facing the actor, who reacts (steps back when pushed, reaches out to shake hands).

Frames: the body frame has x to the person's left, y up, z to the person's front; metres; 30
frames a second.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from skelrnn.ntu import NTU_ACTIONS
from skelrnn.skeleton import NTU_PARENTS

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


def _stride_legs(m: _Motion, gait, go):
    """Legs stepping along ``gait`` (T,) radians (a step every pi), swinging in opposition, each
    knee bent while its leg swings forward, scaled by ``go`` (T,); returns ``gait`` for the arms."""
    swing = np.sin(gait)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        _leg(m, side, hip=go * 22 * sign * swing, knee=go * 45 * np.maximum(0.0, sign * np.cos(gait)) ** 2)
    return gait


def _staggering(p, amp, rng) -> _Motion:
    m = _Motion.rest(len(p))
    n_steps = int(rng.integers(4, 8))
    go = _window(p, 0.0, 0.08, 0.92, 1.0)
    u = np.clip((p - 0.04) / 0.92, 0, 1)
    gait = _stride_legs(m, np.pi * n_steps * u, go)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        _arm(m, side, x=go * 18 * sign * np.sin(gait), z=go * (25 + 10 * np.sin(2.3 * gait + sign)), elbow=25 * go)
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


def _walk(m: _Motion, u, n_steps: int, go, stride: float = 0.0) -> None:
    """A gait over ``u`` (T,) in [0, 1]: ``n_steps`` steps, legs and arms swinging in opposition,
    scaled by ``go`` (T,); with ``stride`` (metres a step) the body moves forward (body z)."""
    gait = _stride_legs(m, np.pi * n_steps * u, go)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        _arm(m, side, x=go * 18 * sign * np.sin(gait), z=go * 8, elbow=20 * go)
    m.shift[:, 2] += stride * n_steps * u
    m.anchor = None


def mirror(m: _Motion) -> _Motion:
    """The same motion done with the other side of the body (a left-handed performer): left and
    right joints swap, and the angles about the vertical (y) and front-back (z) axes change sign,
    since reflecting x -> -x turns ``Rz(c) Ry(b) Rx(a)`` into ``Rz(-c) Ry(-b) Rx(a)``."""
    angles = m.angles.copy()
    for left, right in _MIRROR.items():
        angles[:, [left, right]] = angles[:, [right, left]]
    angles[..., 1:] *= -1.0
    shift = m.shift * np.array([-1.0, 1.0, 1.0])
    anchor = None if m.anchor is None else tuple(_MIRROR.get(j, j) for j in m.anchor)
    return _Motion(angles, shift, anchor)


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
    angles ``(x, y, z, elbow)`` in degrees, as ``_arm`` applies them."""
    x, y, z, elbow = np.radians(np.asarray(angles, dtype=float))
    shoulder = _euler_matrices(np.array([x, y, z]))
    forearm = _euler_matrices(np.array([-elbow, 0.0, 0.0]))
    return _REST[LSH] + shoulder @ (_REST_OFFSETS[LEL] + forearm @ (_REST_OFFSETS[LWR] + _REST_OFFSETS[LHA]))


@functools.cache
def reach(target: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """Left-arm angles ``(x, y, z, elbow)`` (degrees) that put the left hand at ``target`` (rest-pose
    body frame, metres), nearest to a hanging arm among the solutions: least squares from a few
    starting poses, with a small pull towards the rest angles. The right arm uses the same angles
    for the mirrored target. ``ValueError`` if the hand misses by more than 2 cm."""
    from scipy.optimize import least_squares

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


# ---------------------------------------------------------------------------------------------
# Key-framed actions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pose:
    """A key pose. ``right`` / ``left``: a name of ``SPOTS`` where that hand goes (None: the arm
    hangs); ``bow``: trunk bent forward (degrees); ``head``: neck angles (nod forward, turn, tilt);
    ``legs``: hip and knee flexion of the left then the right leg; ``turn``: the whole body's
    rotation about the vertical (degrees); ``step``: body displacement forward (metres)."""

    right: str | None = None
    left: str | None = None
    bow: float = 0.0
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)
    legs: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    turn: float = 0.0
    step: float = 0.0

    def angles(self) -> np.ndarray:
        """Local joint angles ``(25, 3)``, degrees."""
        m = _Motion.rest(1)
        for side, spot in (("R", self.right), ("L", self.left)):
            if spot is not None:
                x, y, z, elbow = reach(SPOTS[spot])
                _arm(m, side, x=x, y=y, z=z, elbow=elbow)
            else:  # a hanging arm keeps hanging when the trunk bows
                m.angles[:, _side(LSH, side), 0] -= self.bow
        _bow(m, self.bow, keep_arms=False)
        m.angles[0, NECK] += self.head
        _leg(m, "L", hip=self.legs[0], knee=self.legs[1])
        _leg(m, "R", hip=self.legs[2], knee=self.legs[3])
        m.angles[0, SB, 1] += self.turn
        return m.angles[0]


REST = Pose()


@dataclass(frozen=True)
class Wiggle:
    """An oscillation added to one joint angle while the phase is within ``window``: ``degrees``
    of amplitude (times the performance's amplitude), a whole number of cycles drawn from
    ``cycles`` (low, high) per performance; fades in and out over 5 % of the phase."""

    joint: int
    axis: int
    degrees: float
    cycles: tuple[int, int]
    window: tuple[float, float] = (0.25, 0.75)

    def add_to(self, m: _Motion, p: np.ndarray, amp: float, rng: np.random.Generator) -> None:
        a, b = self.window
        frac, inside = _cycles(p, a, b, int(rng.integers(self.cycles[0], self.cycles[1] + 1)))
        envelope = _window(p, a, a + 0.05, b - 0.05, b)
        m.angles[:, self.joint, self.axis] += amp * self.degrees * envelope * inside * np.sin(2 * np.pi * frac)


POSE_JITTER = 7.0  # degrees: how far each performance's key poses stray from the class's


class KeyFramed:
    """A generator from key poses at phases ``knots`` (first 0, last 1), joined by smooth curves,
    with ``wiggles`` on top; ``walk``: ``(steps, stride)`` of a gait over the middle of the phase."""

    def __init__(self, knots, poses, wiggles=(), walk=None):
        if len(knots) != len(poses) or knots[0] != 0.0 or knots[-1] != 1.0 or np.any(np.diff(knots) <= 0):
            raise ValueError("KeyFramed: knots must rise from 0 to 1, one per pose")
        self.knots, self.poses, self.wiggles, self.walk = np.asarray(knots, float), tuple(poses), tuple(wiggles), walk

    @functools.cached_property
    def _table(self) -> np.ndarray:
        return np.stack([pose.angles() for pose in self.poses])  # (K, 25, 3): solved once per class

    def __call__(self, p, amp, rng) -> _Motion:
        k = np.clip(np.searchsorted(self.knots, p, side="right") - 1, 0, len(self.knots) - 2)
        u = _ease((p - self.knots[k]) / (self.knots[k + 1] - self.knots[k]))
        # Each performance places its key poses its own way: the whole pose scaled by the
        # amplitude (a hand stops higher or lower), and every angle that the pose moves off by a
        # few degrees, drawn anew for each key (a held pose drifts).
        moved = np.abs(self._table) > 1e-6
        table = self._table * min(max(amp, 0.75), 1.15) + moved * rng.normal(0.0, POSE_JITTER, self._table.shape)
        m = _Motion(table[k] + (table[k + 1] - table[k]) * u[:, None, None], np.zeros((len(p), 3)))
        steps = np.array([pose.step for pose in self.poses])
        m.shift[:, 2] = steps[k] + (steps[k + 1] - steps[k]) * u
        for wiggle in self.wiggles:
            wiggle.add_to(m, p, amp, rng)
        if self.walk is not None:
            n_steps, stride = self.walk
            go = _window(p, 0.05, 0.15, 0.85, 0.95)
            _walk(m, np.clip((p - 0.1) / 0.8, 0, 1), n_steps, go, stride)
        if any(pose.step for pose in self.poses):
            m.anchor = None
        return m


def _reversed(generator):
    """The same motion in the opposite time order (take off = wear played backwards)."""

    def backwards(p, amp, rng):
        return generator(1.0 - p, amp, rng)

    return backwards


def _held(right=None, left=None, bow=0.0, head=(0.0, 0.0, 0.0), wiggles=(), hold=(0.25, 0.75)):
    """Hands go to their spots, stay over ``hold`` (phases), and come back: the shape of most
    single-pose actions (phone call, touch chest, reading)."""
    pose = Pose(right=right, left=left, bow=bow, head=head)
    return KeyFramed((0.0, hold[0], hold[1], 1.0), (REST, pose, pose, REST), wiggles)


# Joint-angle axes of the wiggles: 0 x (forward), 1 y (about the vertical), 2 z (sideways).
_X, _Y, _Z = 0, 1, 2

# Hand-to-head actions: where the hand stops and how it moves there tell them apart.
_drink = KeyFramed(
    (0.0, 0.22, 0.38, 0.66, 0.8, 1.0),
    (
        REST,
        Pose(right="book"),
        Pose(right="mouth", head=(-15, 0, 0)),
        Pose(right="mouth", head=(-15, 0, 0)),
        Pose(right="book"),
        REST,
    ),
)
_eat = KeyFramed(
    (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 1.0),
    (
        REST,
        Pose(right="waist front", bow=10),
        Pose(right="mouth"),
        Pose(right="waist front", bow=10),
        Pose(right="mouth"),
        Pose(right="waist front", bow=10),
        REST,
    ),
)
_brush_teeth = _held(
    right="mouth", head=(5, 0, 0), wiggles=(Wiggle(RSH, _Y, 12, (6, 10), (0.25, 0.8)),), hold=(0.2, 0.85)
)
_brush_hair = _held(
    right="crown", head=(8, 0, -8), wiggles=(Wiggle(RSH, _X, 18, (3, 5), (0.25, 0.8)),), hold=(0.2, 0.85)
)
_phone_call = KeyFramed(
    (0.0, 0.15, 0.3, 0.85, 1.0),
    (
        REST,
        Pose(right="book", head=(15, 0, 0)),
        Pose(right="ear", head=(0, 0, -10)),
        Pose(right="ear", head=(0, 0, -10)),
        REST,
    ),
)
_wipe_face = _held(
    right="face", left="face", bow=10, wiggles=(Wiggle(RSH, _X, 10, (2, 4)), Wiggle(LSH, _X, 10, (2, 4)))
)
_sneeze = KeyFramed(
    (0.0, 0.3, 0.42, 0.5, 0.62, 1.0),
    (
        REST,
        Pose(right="mouth"),
        Pose(right="mouth", head=(-10, 0, 0)),
        Pose(right="mouth", bow=25, head=(25, 0, 0)),
        Pose(right="mouth", bow=5),
        REST,
    ),
)
_touch_head = _held(right="forehead", bow=8, head=(12, 0, 8))
_touch_neck = _held(right="nape", head=(-5, 0, 15), wiggles=(Wiggle(RSH, _Y, 6, (2, 4)),))
_glasses_on = KeyFramed(
    (0.0, 0.25, 0.35, 0.55, 0.68, 1.0),
    (
        REST,
        Pose(right="palms", left="palms", head=(15, 0, 0)),
        Pose(right="palms", left="palms", head=(15, 0, 0)),
        Pose(right="temple", left="temple"),
        Pose(right="temple", left="temple"),
        REST,
    ),
)
_hat_on = KeyFramed(
    (0.0, 0.25, 0.35, 0.58, 0.68, 1.0),
    (
        REST,
        Pose(right="book", left="book"),
        Pose(right="book", left="book"),
        Pose(right="crown", left="crown"),
        Pose(right="crown", left="crown", head=(5, 0, 0)),
        REST,
    ),
)

# Hand-at-chest actions: both hands in front of the body, small movements.
_reading = KeyFramed(
    (0.0, 0.15, 0.55, 0.62, 0.7, 0.88, 1.0),
    (
        REST,
        Pose(right="book", left="book", head=(25, 0, 0)),
        Pose(right="book", left="book", head=(25, 0, 0)),
        Pose(right="palms", left="book", head=(25, 0, 0)),
        Pose(right="book", left="book", head=(25, 0, 0)),
        Pose(right="book", left="book", head=(25, 0, 0)),
        REST,
    ),
    (Wiggle(NECK, _Y, 5, (2, 4), (0.15, 0.88)),),
)
_writing = _held(
    right="rubbing",
    left="waist front",
    bow=10,
    head=(30, 0, 0),
    hold=(0.15, 0.88),
    wiggles=(Wiggle(RSH, _Y, 6, (8, 12), (0.2, 0.85)), Wiggle(REL, _X, 4, (5, 9), (0.2, 0.85))),
)
_typing = _held(
    right="keyboard",
    left="keyboard",
    head=(20, 0, 0),
    hold=(0.15, 0.88),
    wiggles=(Wiggle(REL, _X, 6, (8, 14), (0.2, 0.85)), Wiggle(LEL, _X, 6, (8, 14), (0.2, 0.85))),
)
_phone_play = _held(
    right="phone", left="phone", head=(30, 0, 0), hold=(0.15, 0.88), wiggles=(Wiggle(REL, _X, 4, (6, 10), (0.2, 0.85)),)
)
_check_time = _held(left="watch", head=(25, 0, 0), hold=(0.3, 0.7))
_rub_hands = _held(
    right="rubbing",
    left="rubbing",
    hold=(0.2, 0.85),
    wiggles=(Wiggle(RSH, _X, 10, (4, 8), (0.25, 0.8)), Wiggle(LSH, _X, -10, (4, 8), (0.25, 0.8))),
)
_tear_paper = _held(
    right="palms",
    left="palms",
    head=(15, 0, 0),
    hold=(0.2, 0.85),
    wiggles=(Wiggle(RSH, _Y, 16, (2, 4), (0.25, 0.8)), Wiggle(LSH, _Y, 16, (2, 4), (0.25, 0.8))),
)
_palms_together = _held(right="palms", left="palms", bow=12, head=(10, 0, 0))
_cross_hands = _held(right="crossed", left="crossed", hold=(0.25, 0.7))
_touch_chest = _held(right="chest", bow=15, head=(10, 0, 0))
_touch_back = _held(right="low back", bow=12, head=(0, 0, 5), wiggles=(Wiggle(RSH, _X, 5, (2, 3)),))
_nausea = _held(right="belly", left="belly", bow=35, head=(20, 0, 0), wiggles=(Wiggle(SB, _X, 8, (2, 3)),))
_fan = _held(right="fanning", head=(-8, 0, 0), wiggles=(Wiggle(RSH, _Y, 18, (5, 9), (0.25, 0.8)),))

# Wear / take off: the same key poses, opposite time order.
_jacket_on = KeyFramed(
    (0.0, 0.14, 0.3, 0.46, 0.62, 0.78, 1.0),
    (
        REST,
        Pose(right="sleeve", bow=8),
        Pose(right="collar"),
        Pose(right="collar", left="sleeve", bow=8),
        Pose(right="collar", left="collar"),
        Pose(right="chest", left="chest", head=(15, 0, 0)),
        REST,
    ),
)
_shoe_on = KeyFramed(
    (0.0, 0.2, 0.32, 0.68, 0.8, 1.0),
    (
        REST,
        Pose(bow=50, legs=(55, 80, 8, 12)),
        Pose(right="shin", left="shin", bow=55, legs=(60, 90, 10, 15)),
        Pose(right="shin", left="shin", bow=55, legs=(60, 90, 10, 15)),
        Pose(bow=20, legs=(20, 25, 5, 5)),
        REST,
    ),
    (Wiggle(RSH, _X, 8, (3, 5), (0.32, 0.68)), Wiggle(LSH, _X, 8, (3, 5), (0.32, 0.68))),
)

# Pick up, throw, drop.
_pickup = KeyFramed(
    (0.0, 0.3, 0.45, 0.75, 1.0),
    (
        REST,
        Pose(right="low reach", bow=70, legs=(35, 45, 35, 45)),
        Pose(right="low reach", bow=70, legs=(35, 45, 35, 45)),
        Pose(right="waist front"),
        REST,
    ),
)
_throw = KeyFramed(
    (0.0, 0.3, 0.42, 0.52, 0.65, 1.0),
    (
        REST,
        Pose(right="wind up", left="forward", bow=-10, legs=(25, 10, 0, 0)),
        Pose(right="wind up", left="forward", bow=-12, legs=(25, 10, 0, 0)),
        Pose(right="release", bow=18, legs=(10, 5, 0, 0)),
        Pose(right="forward", bow=10),
        REST,
    ),
)
_drop = KeyFramed(
    (0.0, 0.25, 0.45, 0.55, 0.75, 1.0),
    (
        REST,
        Pose(right="waist front", head=(15, 0, 0)),
        Pose(right="waist front", head=(15, 0, 0)),
        Pose(right="low reach", head=(30, 0, 0)),
        Pose(head=(25, 0, 0)),
        REST,
    ),
)

_reach_pocket = KeyFramed(
    (0.0, 0.25, 0.45, 0.6, 0.8, 1.0),
    (
        REST,
        Pose(right="pocket", head=(10, 0, 0)),
        Pose(right="pocket", head=(10, 0, 0)),
        Pose(right="waist front", head=(20, 0, 0)),
        Pose(right="waist front", head=(20, 0, 0)),
        REST,
    ),
)
_selfie = _held(right="selfie", head=(-5, 0, 10), wiggles=(Wiggle(RSH, _Y, 4, (1, 3)),), hold=(0.3, 0.75))
_shake_head = KeyFramed((0.0, 1.0), (REST, REST), (Wiggle(NECK, _Y, 30, (2, 4), (0.2, 0.8)),))

# The partner of an interaction: a second person facing the actor.
_standing = KeyFramed((0.0, 1.0), (REST, REST), (Wiggle(NECK, _Y, 4, (1, 2), (0.1, 0.9)),))
_flinch = KeyFramed(
    (0.0, 0.3, 0.5, 0.8, 1.0),
    (
        REST,
        Pose(right="face", left="face", bow=-8),
        Pose(right="face", left="face", bow=-10, step=-0.12),
        Pose(step=-0.12),
        Pose(step=-0.1),
    ),
)
_dodge_kick = KeyFramed(
    (0.0, 0.3, 0.45, 0.8, 1.0), (REST, REST, Pose(bow=25, step=-0.2), Pose(step=-0.2), Pose(step=-0.2))
)
_push = KeyFramed(
    (0.0, 0.3, 0.42, 0.6, 1.0),
    (
        REST,
        Pose(right="chest", left="chest"),
        Pose(right="push", left="push", bow=15, step=0.15),
        Pose(right="push", left="push", bow=10, step=0.15),
        Pose(step=0.1),
    ),
)
_pushed = KeyFramed(
    (0.0, 0.38, 0.55, 0.75, 1.0),
    (
        REST,
        REST,
        Pose(bow=-15, step=-0.35, right="forward", left="forward"),
        Pose(bow=-5, step=-0.45),
        Pose(step=-0.45),
    ),
)
_pat_back = _held(right="shoulder of other", hold=(0.3, 0.75), wiggles=(Wiggle(RSH, _X, 10, (3, 5), (0.3, 0.75)),))
_point_at = KeyFramed(
    (0.0, 0.35, 0.7, 1.0),
    (REST, Pose(right="forward"), Pose(right="forward"), REST),
    (Wiggle(RSH, _X, 6, (2, 4), (0.35, 0.7)),),
)
_hug = KeyFramed(
    (0.0, 0.3, 0.45, 0.72, 0.85, 1.0),
    (
        REST,
        Pose(right="push", left="push", step=0.2),
        Pose(right="hug", left="hug", step=0.28, head=(0, 20, 0)),
        Pose(right="hug", left="hug", step=0.28, head=(0, 20, 0)),
        Pose(step=0.2),
        Pose(step=0.05),
    ),
)
_give = KeyFramed(
    (0.0, 0.25, 0.4, 0.52, 0.7, 1.0),
    (
        REST,
        Pose(right="waist front"),
        Pose(right="giving", step=0.1),
        Pose(right="giving", step=0.1),
        Pose(step=0.05),
        REST,
    ),
)
_receive = KeyFramed(
    (0.0, 0.33, 0.45, 0.55, 0.75, 1.0),
    (REST, REST, Pose(right="giving"), Pose(right="giving"), Pose(right="waist front", head=(20, 0, 0)), REST),
)
_touch_pocket = _held(right="pocket of other", bow=18, head=(15, 0, 0), hold=(0.3, 0.7))
_pocket_touched = KeyFramed(
    (0.0, 0.35, 0.7, 1.0), (REST, Pose(head=(20, 0, 0)), Pose(head=(20, 0, 0), step=-0.05), REST)
)
_handshake = _held(right="handshake", hold=(0.25, 0.8), wiggles=(Wiggle(RSH, _X, 8, (3, 5), (0.3, 0.75)),))
_walk_towards = KeyFramed((0.0, 1.0), (REST, REST), walk=(4, 0.22))
_walk_apart = KeyFramed((0.0, 0.2, 1.0), (REST, Pose(turn=180), Pose(turn=180)), walk=(4, -0.22))


class ActionClass(NamedTuple):
    """One synthetic class with its real NTU action number and name (``ntu.NTU_ACTIONS``).

    ``generator(p, amp, rng)`` maps a phase ``p`` (T,) in [0, 1] and an amplitude (about 1) to
    joint angles; ``frames`` is its nominal active length at speed 1 (30 fps); ``end_idle`` the
    most idle frames after it (falling keeps the lying part short). ``partner``: the second
    person's generator in an interaction, standing ``distance`` metres in front of the actor,
    facing them. ``seated``: the chance that a performance is done sitting on a chair.
    """

    number: int
    description: str
    generator: Callable[..., _Motion]
    frames: int
    end_idle: int = 12
    hands: tuple[int, int] = (1, 1)  # Kinect hand states (left, right) while it runs: 1 not tracked
    partner: Callable[..., _Motion] | None = None
    distance: float = 1.0
    seated: float = 0.0

    @property
    def code(self) -> str:
        return f"A{self.number:03d}"

    @property
    def name(self) -> str:
        return NTU_ACTIONS[self.number]


_OPEN, _CLOSED, _LASSO = 2, 3, 4
_A = ActionClass
CLASSES: dict[int, ActionClass] = {
    c.number: c
    for c in (
        _A(1, "right hand from chest height to the mouth, head tipped back, held", _drink, 65, seated=0.3),
        _A(2, "right hand from the lap to the mouth twice, trunk bent over the food", _eat, 70, seated=0.5),
        _A(3, "right hand at the mouth, fast small strokes about the vertical", _brush_teeth, 80),
        _A(4, "right hand on the top of the head, slow strokes front to back", _brush_hair, 70),
        _A(5, "an object held at the waist, let go while looking down", _drop, 50, hands=(1, _CLOSED)),
        _A(6, "bend down with bent knees, the right hand to the floor, up again", _pickup, 65),
        _A(7, "right arm wound up behind the head, thrown forward over a step", _throw, 50, hands=(1, _CLOSED)),
        _A(8, "knees and hips bend, the pelvis goes down ~0.45 m and back; ends seated", _sit_down, 70),
        _A(9, "sitting down played backwards (same generator, reversed phase)", _reversed(_sit_down), 70),
        _A(10, "both hands meet in front of the chest, repeatedly", _clapping, 75, hands=(_OPEN, _OPEN)),
        _A(11, "both hands hold a book at chest height, head down, a page turned", _reading, 85, seated=0.5),
        _A(12, "left hand holds the paper, right hand makes small fast strokes", _writing, 85, seated=0.6),
        _A(13, "both hands in front of the chest twist against each other, twice or more", _tear_paper, 65),
        _A(14, "right arm back into its sleeve, then the left, the collar pulled up", _jacket_on, 100),
        _A(15, "wearing a jacket played backwards", _reversed(_jacket_on), 100),
        _A(16, "bent over, left foot lifted, both hands at the shin pulling", _shoe_on, 95),
        _A(17, "wearing a shoe played backwards", _reversed(_shoe_on), 95),
        _A(18, "both hands from the chest to the temples, then down", _glasses_on, 60),
        _A(19, "wearing glasses played backwards", _reversed(_glasses_on), 60),
        _A(20, "both hands from chest height to the top of the head, then down", _hat_on, 60),
        _A(21, "putting on a hat played backwards", _reversed(_hat_on), 60),
        _A(22, "both arms raised overhead and shaken", _cheer_up, 75, hands=(_OPEN, _OPEN)),
        _A(23, "right arm raised, the forearm swings side to side", _hand_waving, 75, hands=(1, _OPEN)),
        _A(24, "right leg swings forward fast and back", _kicking, 55),
        _A(25, "right hand into the trouser pocket, then looked at in front", _reach_pocket, 65),
        _A(26, "left leg lifted, small hops on the right foot", _hopping, 80),
        _A(27, "crouch, then one or two jumps on both legs", _jump_up, 65),
        _A(28, "right hand brought to the ear, head tilted to it, held", _phone_call, 85),
        _A(29, "both hands hold a phone at the belly, thumbs moving, head down", _phone_play, 85, seated=0.5),
        _A(30, "both hands on a keyboard at the waist, fingers tapping", _typing, 85, seated=0.7),
        _A(31, "right arm raised slowly forward, held, lowered", _pointing, 100, hands=(1, _LASSO)),
        _A(32, "right arm stretched forward and up, head tilted, held", _selfie, 70),
        _A(33, "left wrist brought in front of the chest, looked at", _check_time, 50),
        _A(34, "both hands together in front of the belly, rubbed back and forth", _rub_hands, 65),
        _A(35, "trunk and head bow forward and come back", _nod_bow, 65),
        _A(36, "head turned left and right, two to four times", _shake_head, 50),
        _A(37, "both hands on the face, rubbed up and down", _wipe_face, 65),
        _A(38, "right hand raised to the forehead, held, lowered", _salute, 70, hands=(1, _OPEN)),
        _A(39, "palms pressed together in front of the chest, a slight bow", _palms_together, 60),
        _A(40, "forearms crossed in front of the chest, held", _cross_hands, 50),
        _A(41, "right hand to the mouth, a sudden jerk of the head and trunk", _sneeze, 50),
        _A(42, "unsteady walk with lateral sways of the whole body", _staggering, 100),
        _A(43, "knees give way, the body falls forward and lies (a minority of frames)", _falling_down, 75, end_idle=2),
        _A(44, "right hand on the forehead, head bent and tilted", _touch_head, 65),
        _A(45, "right hand on the chest, trunk bent a little", _touch_chest, 65),
        _A(46, "right hand on the lower back, trunk bent a little", _touch_back, 65),
        _A(47, "right hand on the back of the neck, head tilted", _touch_neck, 65),
        _A(48, "bent forward, both hands on the belly, heaving", _nausea, 70),
        _A(49, "right hand fans the face, fast side to side", _fan, 70),
        _A(
            50,
            "the right arm's pointing path, fast: 2-3 jabs; the partner flinches back",
            _punching,
            60,
            hands=(1, _CLOSED),
            partner=_flinch,
            distance=0.85,
        ),
        _A(
            51, "a fast kick forward; the partner bends and steps back", _kicking, 55, partner=_dodge_kick, distance=1.1
        ),
        _A(
            52,
            "both hands thrust forward with a step; the partner is pushed back",
            _push,
            50,
            partner=_pushed,
            distance=0.9,
        ),
        _A(53, "right hand on the partner's shoulder, patting", _pat_back, 65, partner=_standing, distance=0.7),
        _A(
            54,
            "right arm points at the partner, who stands",
            _point_at,
            60,
            hands=(1, _LASSO),
            partner=_standing,
            distance=1.3,
        ),
        _A(55, "both step in, arms around each other, held", _hug, 70, partner=_hug, distance=0.95),
        _A(56, "right hand holds something out; the partner takes it", _give, 65, partner=_receive, distance=1.0),
        _A(
            57,
            "right hand to the partner's trouser pocket, bent",
            _touch_pocket,
            60,
            partner=_pocket_touched,
            distance=0.75,
        ),
        _A(58, "right hands joined and shaken up and down by both", _handshake, 65, partner=_handshake, distance=0.95),
        _A(59, "both walk four steps towards each other", _walk_towards, 80, partner=_walk_towards, distance=2.8),
        _A(60, "both turn round and walk four steps apart", _walk_apart, 80, partner=_walk_apart, distance=1.1),
    )
}
assert sorted(CLASSES) == list(range(1, 61))
DEFAULT_ACTIONS: tuple[int, ...] = tuple(sorted(CLASSES))
INTERACTIONS: tuple[int, ...] = tuple(n for n, c in CLASSES.items() if c.partner is not None)


def action_number(code) -> int:
    """The NTU action number of ``code`` (``'A008'`` or ``8``); ``ValueError`` for anything else."""
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
        raise ValueError(f"actions: A{number:03d} is not an NTU RGB+D action (A001..A060)")
    return number
