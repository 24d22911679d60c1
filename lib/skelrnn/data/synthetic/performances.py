"""The people of the embedded dataset and their performances, in world coordinates shared by the cameras.

Defined for the data chapter (thesis 3.1.1). This module makes people perform the catalogue's
actions (``skelrnn.data.synthetic.catalogue``):

* **Subject** ``P``: bone lengths of the rest pose, scaled by an overall height factor
  (~N(1, 0.06)) and a few per-cent per bone (left and right alike), and a ``Style``: left-handed
  or not (``left_handed`` of the subjects), how wide and how fast they move, how they stand;
  from ``(seed, P)`` only.
* **Performance** ``(S, P, R, A)``: one motion of class ``A`` in world coordinates, made once and
  seen by every camera. The class generator gives local joint rotations as a function of a
  phase in [0, 1] and an amplitude; the phase runs through a random monotone time warp with
  idle frames at both ends, at a random speed, and sometimes stalls (``hesitant_prob``); some
  performances are partial (``partial_prob``: the motion scaled towards rest), the desk actions
  are sometimes seated. Forward kinematics on the 25-joint tree gives joint positions and
  rotations; the body stands on the floor (its lowest joint on it), faces the camera its
  replication faces (as in NTU: replication 1 faces camera 2, replication 2 camera 3) within
  15°, or within 60° for a turned performance (``turned_prob``), at a jittered floor position.
  An interaction adds the partner, another person facing the actor. From ``(seed, S, P, R, A)``.

Frames: the body frame has x to the person's left, y up, z to the person's front; the world
frame has y up with the floor at y = 0. Metres, 30 frames a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skelrnn.data.ntu.protocols import NTU_FPS
from skelrnn.data.skeleton import LEFT_ANKLE, LEFT_FOOT, N_JOINTS, NECK, RIGHT_ANKLE, SPINE_BASE, SPINE_SHOULDER
from skelrnn.data.synthetic.body import (
    FOOT_CLEARANCE,
    LEFT_TO_RIGHT,
    REST_OFFSETS,
    euler_matrices,
    forward_kinematics,
    quaternion_product,
    quaternions,
    yaw_matrix,
)
from skelrnn.data.synthetic.cameras import CAMERA_YAW_DEG, facing_camera
from skelrnn.data.synthetic.catalogue import CLASSES
from skelrnn.data.synthetic.config import (
    PERFORMANCE_STREAM,
    STYLE_STREAM,
    SUBJECT_STREAM,
    SyntheticConfig,
    random_stream,
)
from skelrnn.data.synthetic.motion import Motion, mirror, move_arm, move_leg

# ---------------------------------------------------------------------------------------------
# Subjects: bones and style
# ---------------------------------------------------------------------------------------------


def _subject_offsets(subject: int, seed: int) -> np.ndarray:
    """Rest-pose bone vectors ``(25, 3)`` metres of one subject: an overall height scale ~N(1, 0.06)
    and a few per cent per bone, the same on the left and the right."""
    rng = random_stream(seed, SUBJECT_STREAM, subject)
    scale = float(np.clip(rng.normal(1.0, 0.06), 0.8, 1.2))
    per_bone = np.clip(rng.normal(1.0, 0.035, size=N_JOINTS), 0.9, 1.1)
    for left, right in LEFT_TO_RIGHT.items():
        per_bone[right] = per_bone[left]
    return REST_OFFSETS * (scale * per_bone)[:, None]


@dataclass(frozen=True)
class Style:
    """How one subject performs every action: the side they use, how wide and fast they move,
    how they stand."""

    left_handed: bool
    amplitude: float  # x the performance's amplitude
    tempo: float  # x the performance's speed
    bow: float  # habitual forward lean of the trunk, degrees
    head: float  # habitual head pitch, degrees
    arm_out: float  # idle arms: sideways (degrees) and elbow bend (degrees)
    elbow: float


def subject_style(subject: int, config: SyntheticConfig) -> Style:
    """The style of ``subject`` (a number; partners are ``1000 + subject``), from ``(config.seed, subject)``."""
    rng = random_stream(config.seed, STYLE_STREAM, subject)
    return Style(
        left_handed=bool(rng.random() < config.left_handed),
        amplitude=float(np.clip(rng.normal(1.0, 0.1), 0.75, 1.25)),
        tempo=float(np.exp(rng.normal(0.0, 0.15))),
        bow=float(rng.normal(2.0, 3.0)),
        head=float(rng.normal(0.0, 4.0)),
        arm_out=float(rng.uniform(3, 10)),
        elbow=float(rng.uniform(3, 15)),
    )


# ---------------------------------------------------------------------------------------------
# Performances
# ---------------------------------------------------------------------------------------------


def _time_warp(n: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth random monotone map of ``n`` frames onto [0, 1] (starts at 0, ends at 1): speed varies."""
    knots = np.linspace(0.0, 1.0, 5)
    speed = np.exp(np.interp(np.linspace(0.0, 1.0, n), knots, rng.normal(0.0, 0.3, size=knots.size)))
    warp = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]))])
    return warp / warp[-1] if n > 1 else np.zeros(1)


def _phase(n: int, idle: list[int], hesitate: bool, rng: np.random.Generator) -> np.ndarray:
    """The action's phase over ``n`` frames: ``idle`` frames at 0 and at 1 around a random time
    warp; ``hesitate``: the phase stalls for 6-18 frames somewhere between 0.25 and 0.6."""
    n_active = n - sum(idle)
    stall = int(rng.integers(6, 19)) if hesitate and n_active > 40 else 0
    warp = _time_warp(n_active - stall, rng)
    if stall:
        at = int(np.searchsorted(warp, rng.uniform(0.25, 0.6)))
        warp = np.concatenate([warp[:at], np.full(stall, warp[at]), warp[at:]])
    return np.concatenate([np.zeros(idle[0]), warp, np.ones(idle[1])])


def _personal(motion: Motion, style: Style, seated: bool, weight: float, rng: np.random.Generator) -> Motion:
    """The action as this subject does it: ``weight`` < 1 for a partial performance (the motion
    scaled towards the rest pose), the subject's posture on top, on a chair when ``seated``,
    mirrored for a left-handed subject."""
    motion.angles *= weight
    motion.shift *= weight
    for side in "LR":
        move_arm(motion, side, z=style.arm_out + rng.uniform(-2, 2), elbow=style.elbow + rng.uniform(-3, 3))
    motion.angles[:, SPINE_BASE, 0] += 0.4 * style.bow
    motion.angles[:, SPINE_SHOULDER, 0] += 0.6 * style.bow
    motion.angles[:, NECK, 0] += style.head
    if seated:
        for side in "LR":
            move_leg(motion, side, hip=90.0, knee=90.0)
        motion.anchor = (LEFT_ANKLE, RIGHT_ANKLE)
    return mirror(motion) if style.left_handed else motion


def _pose_in_body_frame(motion: Motion, offsets: np.ndarray, rng: np.random.Generator):
    """Positions ``(T, 25, 3)`` on the floor (body frame), global rotations ``(T, 25, 3, 3)`` and the
    Kinect lean ``(T, 2)`` of a motion, with a slight sway."""
    n = motion.angles.shape[0]
    t = np.arange(n) / NTU_FPS
    sway = rng.uniform(0.003, 0.012, size=2) * np.sin(
        2 * np.pi * rng.uniform(0.15, 0.4, size=2) * t[:, None] + rng.uniform(0, 6.3, size=2)
    )
    motion.shift[:, [0, 2]] += sway
    pos, glob = forward_kinematics(euler_matrices(np.radians(motion.angles)), offsets)
    # Stand on the floor: the lowest joint at the foot's rest height (the foot rests, the body lies).
    pos[..., 1] += FOOT_CLEARANCE * offsets[LEFT_FOOT, 1] / REST_OFFSETS[LEFT_FOOT, 1] - pos[..., 1].min(
        axis=1, keepdims=True
    )
    if motion.anchor is not None:
        rest_pos, _ = forward_kinematics(np.broadcast_to(np.eye(3), (1, N_JOINTS, 3, 3)), offsets)
        planted = rest_pos[0, list(motion.anchor)][:, [0, 2]].mean(axis=0)
        pos[..., [0, 2]] += planted - pos[:, list(motion.anchor)][..., [0, 2]].mean(axis=1)[:, None, :]
    pos += motion.shift[:, None, :]
    # Kinect lean: the trunk's tilt to the right (x) and forward (y), from the body-frame spine.
    spine = pos[:, SPINE_SHOULDER] - pos[:, SPINE_BASE]
    spine /= np.linalg.norm(spine, axis=1, keepdims=True)
    lean = np.clip(np.stack([-spine[:, 0], spine[:, 2]], axis=1), -1.0, 1.0)
    return pos, glob, lean


@dataclass
class Performance:
    """One performance in world coordinates (floor y = 0), shared by all cameras.

    xyz     (T, 25, 3)  joint positions, metres
    quat    (T, 25, 4)  global joint rotations as quaternions (w, x, y, z) in world axes
    lean    (T, 2)      Kinect leanX (to the right), leanY (forward) in [-1, 1]
    hands   (2,)        Kinect hand states (left, right) while the action runs
    active  (T,)        the action runs (not an idle frame)
    partner             the second person of an interaction (same fields), or None
    """

    xyz: np.ndarray
    quat: np.ndarray
    lean: np.ndarray
    hands: tuple[int, int]
    active: np.ndarray
    partner: Performance | None = None


def _placed(pos, glob, lean, yaw: float, spot, hands, active) -> Performance:
    """A body-frame performance (positions ``(T, 25, 3)``, global rotations ``(T, 25, 3, 3)``,
    lean ``(T, 2)``) turned by ``yaw`` radians about the vertical and set down at ``spot`` (world)."""
    face = yaw_matrix(yaw)
    return Performance(
        pos @ face.T + spot, quaternion_product(quaternions(face), quaternions(glob)), lean, hands, active
    )


def performance(setup: int, subject: int, replication: int, action: int, config: SyntheticConfig) -> Performance:
    """The performance ``(setup, subject, replication, action)`` in world coordinates, with the partner
    of an interaction; from ``(config.seed, setup, subject, replication, action)`` alone, seen by every camera."""
    rng = random_stream(config.seed, PERFORMANCE_STREAM, subject, replication, action, setup)
    cls = CLASSES[action]
    style = subject_style(subject, config)

    # Length: nominal duration at the subject's tempo and a random speed, idle frames around it.
    amp = float(rng.uniform(0.8, 1.15)) * style.amplitude
    speed = float(np.exp(rng.normal(0.0, 0.2))) * style.tempo
    idle = [int(rng.integers(0, 13)), int(rng.integers(0, cls.end_idle + 1))]
    n = int(np.clip(round(cls.frames / speed) + sum(idle), config.min_frames, config.max_frames))
    if n - sum(idle) < 0.6 * n:  # lengths squeezed by the bounds: shrink the idle parts, not the action
        idle = [int(0.2 * n * i / max(sum(idle), 1)) for i in idle]
    phase = _phase(n, idle, bool(rng.random() < config.hesitant_prob), rng)
    weight = float(rng.uniform(0.55, 0.8)) if rng.random() < config.partial_prob else 1.0
    seated = bool(rng.random() < cls.seated)

    motion = _personal(cls.generator(phase, amp, rng), style, seated, weight, rng)
    pos, glob, lean = _pose_in_body_frame(motion, _subject_offsets(subject, config.seed), rng)

    # Into the world: face the replication's camera (within 15°, or 60° for a turned performance),
    # somewhere near the marked spot.
    turn = 60.0 if rng.random() < config.turned_prob else 15.0
    yaw = math.radians(CAMERA_YAW_DEG[facing_camera(replication) - 1] + rng.uniform(-turn, turn))
    spot = np.array([rng.uniform(-0.3, 0.3), 0.0, rng.uniform(-0.3, 0.3)])
    active = (phase > 0.0) & (phase < 1.0)
    perf = _placed(pos, glob, lean, yaw, spot, cls.hands, active)
    if cls.partner is not None:
        # The partner: another person (their own bones and style), facing the actor from
        # ``distance`` metres in front, moving through the same phase.
        other = 1000 + subject
        partner_style = subject_style(other, config)
        partner = _personal(cls.partner(phase, float(rng.uniform(0.8, 1.15)), rng), partner_style, False, 1.0, rng)
        p_pos, p_glob, p_lean = _pose_in_body_frame(partner, _subject_offsets(other, config.seed), rng)
        p_spot = spot + yaw_matrix(yaw) @ np.array([rng.uniform(-0.1, 0.1), 0.0, cls.distance])
        perf.partner = _placed(p_pos, p_glob, p_lean, yaw + math.pi, p_spot, (1, 1), active)
    return perf
