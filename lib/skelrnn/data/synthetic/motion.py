"""How the embedded dataset's people move: motion primitives, the ``Motion`` record, key poses.

Defined for the data chapter (thesis 3.1.1). An action's generator maps a phase ``p`` (T,) in
[0, 1] (idle frames are ``p = 0`` or ``1``), an amplitude near 1 and a random generator to local
joint angles of ``skelrnn.data.synthetic.body``'s skeleton: a ``Motion``. This module owns what
generators are built from:

* curves of the phase: ``ramp``, ``plateau``, ``key_curve``, ``cycle_phase``;
* limb moves added to a ``Motion``: ``move_arm``, ``move_leg``, ``bend_trunk``, the legs' stride and
  a walk, and ``mirror`` (the same motion done by a left-handed person);
* key framing: a ``Pose`` places the hands at named spots of the body (through the arm's inverse
  kinematics, ``body.reach``) with the trunk's bow, the head's angles and the legs; ``KeyFramed``
  joins key poses by smooth curves, with ``Wiggle`` oscillations on top; ``held`` and
  ``played_backwards`` are its two common shapes.

The actions themselves are ``skelrnn.data.synthetic.handwritten`` and ``skelrnn.data.synthetic.catalogue``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from skelrnn.data.skeleton import (
    LEFT_ANKLE,
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    N_JOINTS,
    NECK,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SPINE_BASE,
    SPINE_MIDDLE,
    SPINE_SHOULDER,
)
from skelrnn.data.synthetic.body import LEFT_TO_RIGHT, SPOTS, reach

# ---------------------------------------------------------------------------------------------
# Curves of the phase (p in [0, 1], arrays (T,)) and limb moves
# ---------------------------------------------------------------------------------------------


def _ease(x):
    """Smoothstep: 0 below 0, 1 above 1, with zero slope at both ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def ramp(p, a, b):
    """0 before ``a``, 1 after ``b``, smooth in between."""
    return _ease((p - a) / (b - a))


def plateau(p, a, b, c, d):
    """Up over [a, b], held, down over [c, d]."""
    return ramp(p, a, b) * (1.0 - ramp(p, c, d))


def key_curve(p, knots, values):
    """Smooth key-frame curve through (knot, value) pairs, constant outside the knots."""
    knots = np.asarray(knots, dtype=float)
    values = np.asarray(values, dtype=float)
    i = np.clip(np.searchsorted(knots, p, side="right") - 1, 0, len(knots) - 2)
    u = _ease((p - knots[i]) / (knots[i + 1] - knots[i]))
    return values[i] + (values[i + 1] - values[i]) * u


def cycle_phase(p, a, b, n):
    """Position within ``n`` equal cycles spread over [a, b]: (cycle fraction in [0, 1), inside mask)."""
    u = (p - a) / (b - a)
    inside = (u >= 0) & (u < 1)
    q = np.clip(u, 0.0, 1.0 - 1e-12) * n
    return q - np.floor(q), inside


@dataclass
class Motion:
    """What a class generator returns.

    angles  (T, 25, 3)  local Euler angles (x, y, z) in degrees, composed ``Rz @ Ry @ Rx``
    shift   (T, 3)      body-frame displacement added after grounding, metres (walks, jumps)
    anchor  joints whose mean floor position (x, z) is pinned at its rest value (planted feet);
            ``None`` when ``shift`` alone moves the body over the floor
    """

    angles: np.ndarray
    shift: np.ndarray
    anchor: tuple[int, ...] | None = (LEFT_ANKLE, RIGHT_ANKLE)

    @classmethod
    def rest(cls, n: int) -> Motion:
        return cls(np.zeros((n, N_JOINTS, 3)), np.zeros((n, 3)))


def _side(joint: int, side: str) -> int:
    return joint if side == "L" else LEFT_TO_RIGHT[joint]


def move_arm(m: Motion, side: str, x=0.0, y=0.0, z=0.0, elbow=0.0) -> None:
    """Add shoulder angles and elbow flexion (degrees), given for the left arm and mirrored for the right.

    Left-arm sense: x < 0 raises the arm forward, z > 0 raises it sideways, y > 0 turns it outwards
    about the vertical (horizontal abduction); elbow > 0 bends the forearm forward.
    """
    sign = 1.0 if side == "L" else -1.0
    sh, el = _side(LEFT_SHOULDER, side), _side(LEFT_ELBOW, side)
    m.angles[:, sh, 0] += x
    m.angles[:, sh, 1] += sign * y
    m.angles[:, sh, 2] += sign * z
    m.angles[:, el, 0] -= elbow


def move_leg(m: Motion, side: str, hip=0.0, knee=0.0, abd=0.0, foot=0.0) -> None:
    """Add hip flexion (thigh forward), knee flexion, hip abduction (outwards) and foot pointing
    (degrees, left sense mirrored for the right). The ankle turns back what hip and knee did, so
    the foot stays level unless ``foot`` points it down."""
    sign = 1.0 if side == "L" else -1.0
    m.angles[:, _side(LEFT_HIP, side), 0] -= hip
    m.angles[:, _side(LEFT_HIP, side), 2] += sign * abd
    m.angles[:, _side(LEFT_KNEE, side), 0] += knee
    m.angles[:, _side(LEFT_ANKLE, side), 0] += hip - knee + foot


def bend_trunk(m: Motion, angle, keep_arms: bool = True) -> None:
    """Bend the trunk forward by ``angle`` degrees, spread over pelvis, spine and shoulders; the legs
    stay put (the hips turn the pelvis part back) and, with ``keep_arms``, the arms keep hanging."""
    angle = np.broadcast_to(np.asarray(angle, dtype=float), (m.angles.shape[0],))
    m.angles[:, SPINE_BASE, 0] += 0.25 * angle
    m.angles[:, [LEFT_HIP, RIGHT_HIP], 0] -= 0.25 * angle[:, None]
    m.angles[:, SPINE_MIDDLE, 0] += 0.45 * angle
    m.angles[:, SPINE_SHOULDER, 0] += 0.3 * angle
    if keep_arms:
        m.angles[:, [LEFT_SHOULDER, RIGHT_SHOULDER], 0] -= angle[:, None]


# ---------------------------------------------------------------------------------------------
# Walking, and the other side of the body
# ---------------------------------------------------------------------------------------------


def stride_legs(m: Motion, gait, go):
    """Legs stepping along ``gait`` (T,) radians (a step every pi), swinging in opposition, each
    knee bent while its leg swings forward, scaled by ``go`` (T,); returns ``gait`` for the arms."""
    swing = np.sin(gait)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        move_leg(m, side, hip=go * 22 * sign * swing, knee=go * 45 * np.maximum(0.0, sign * np.cos(gait)) ** 2)
    return gait


def _walk(m: Motion, u, n_steps: int, go, stride: float = 0.0) -> None:
    """A gait over ``u`` (T,) in [0, 1]: ``n_steps`` steps, legs and arms swinging in opposition,
    scaled by ``go`` (T,); with ``stride`` (metres a step) the body moves forward (body z)."""
    gait = stride_legs(m, np.pi * n_steps * u, go)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        move_arm(m, side, x=go * 18 * sign * np.sin(gait), z=go * 8, elbow=20 * go)
    m.shift[:, 2] += stride * n_steps * u
    m.anchor = None


def mirror(m: Motion) -> Motion:
    """The same motion done with the other side of the body (a left-handed performer): left and
    right joints swap, and the angles about the vertical (y) and front-back (z) axes change sign,
    since reflecting x -> -x turns ``Rz(c) Ry(b) Rx(a)`` into ``Rz(-c) Ry(-b) Rx(a)``."""
    angles = m.angles.copy()
    for left, right in LEFT_TO_RIGHT.items():
        angles[:, [left, right]] = angles[:, [right, left]]
    angles[..., 1:] *= -1.0
    shift = m.shift * np.array([-1.0, 1.0, 1.0])
    anchor = None if m.anchor is None else tuple(LEFT_TO_RIGHT.get(j, j) for j in m.anchor)
    return Motion(angles, shift, anchor)


# ---------------------------------------------------------------------------------------------
# Key poses and key-framed generators
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
        m = Motion.rest(1)
        for side, spot in (("R", self.right), ("L", self.left)):
            if spot is not None:
                x, y, z, elbow = reach(SPOTS[spot])
                move_arm(m, side, x=x, y=y, z=z, elbow=elbow)
            else:  # a hanging arm keeps hanging when the trunk bows
                m.angles[:, _side(LEFT_SHOULDER, side), 0] -= self.bow
        bend_trunk(m, self.bow, keep_arms=False)
        m.angles[0, NECK] += self.head
        move_leg(m, "L", hip=self.legs[0], knee=self.legs[1])
        move_leg(m, "R", hip=self.legs[2], knee=self.legs[3])
        m.angles[0, SPINE_BASE, 1] += self.turn
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

    def add_to(self, m: Motion, p: np.ndarray, amp: float, rng: np.random.Generator) -> None:
        a, b = self.window
        frac, inside = cycle_phase(p, a, b, int(rng.integers(self.cycles[0], self.cycles[1] + 1)))
        envelope = plateau(p, a, a + 0.05, b - 0.05, b)
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

    def __call__(self, p, amp, rng) -> Motion:
        k = np.clip(np.searchsorted(self.knots, p, side="right") - 1, 0, len(self.knots) - 2)
        u = _ease((p - self.knots[k]) / (self.knots[k + 1] - self.knots[k]))
        # Each performance places its key poses its own way: the whole pose scaled by the
        # amplitude (a hand stops higher or lower), and every angle that the pose moves off by a
        # few degrees, drawn anew for each key (a held pose drifts).
        moved = np.abs(self._table) > 1e-6
        table = self._table * min(max(amp, 0.75), 1.15) + moved * rng.normal(0.0, POSE_JITTER, self._table.shape)
        m = Motion(table[k] + (table[k + 1] - table[k]) * u[:, None, None], np.zeros((len(p), 3)))
        steps = np.array([pose.step for pose in self.poses])
        m.shift[:, 2] = steps[k] + (steps[k + 1] - steps[k]) * u
        for wiggle in self.wiggles:
            wiggle.add_to(m, p, amp, rng)
        if self.walk is not None:
            n_steps, stride = self.walk
            go = plateau(p, 0.05, 0.15, 0.85, 0.95)
            _walk(m, np.clip((p - 0.1) / 0.8, 0, 1), n_steps, go, stride)
        if any(pose.step for pose in self.poses):
            m.anchor = None
        return m


def played_backwards(generator):
    """The same motion in the opposite time order (take off = wear played backwards)."""

    def backwards(p, amp, rng):
        return generator(1.0 - p, amp, rng)

    return backwards


def held(right=None, left=None, bow=0.0, head=(0.0, 0.0, 0.0), wiggles=(), hold=(0.25, 0.75)):
    """Hands go to their spots, stay over ``hold`` (phases), and come back: the shape of most
    single-pose actions (phone call, touch chest, reading)."""
    pose = Pose(right=right, left=left, bow=bow, head=head)
    return KeyFramed((0.0, hold[0], hold[1], 1.0), (REST, pose, pose, REST), wiggles)
