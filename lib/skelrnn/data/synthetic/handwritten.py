"""The fourteen hand-written actions of the embedded dataset: joint angles written as curves of the phase.

Defined for the data chapter (thesis 3.1.1). Sitting down, clapping, cheering, waving, kicking,
hopping, jumping, pointing, punching, bowing, saluting, staggering and falling down (standing
up is sitting down played backwards) are motions that key poses render badly: repeated beats,
a flight phase, a body that walks or falls. Each generator takes the phase ``p`` (T,) in [0, 1]
(idle frames are ``p = 0`` or ``1``), an amplitude near 1 and the performance's random generator
(for discrete choices such as the number of claps) and returns a ``motion.Motion``.
``skelrnn.data.synthetic.catalogue`` gives them their NTU numbers.
"""

from __future__ import annotations

import math

import numpy as np

from skelrnn.data.skeleton import LEFT_ANKLE, NECK, RIGHT_ANKLE, SPINE_BASE
from skelrnn.data.synthetic.motion import (
    Motion,
    bend_trunk,
    cycle_phase,
    key_curve,
    move_arm,
    move_leg,
    plateau,
    ramp,
    stride_legs,
)


def sit_down(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    s = ramp(p, 0.05, 0.9)
    # Hips and knees to about 95-100 degrees: the pelvis drops by a thigh length (~0.45 m) and goes back.
    move_leg(m, "L", hip=95 * s, knee=100 * s)
    move_leg(m, "R", hip=95 * s, knee=100 * s)
    # The trunk leans forward while the weight moves onto the seat, then straightens.
    bend_trunk(m, amp * 35 * np.sin(np.pi * s) + 8 * s)
    for side in "LR":
        move_arm(m, side, x=-25 * s, elbow=45 * s)
    return m


def clapping(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    up = plateau(p, 0.0, 0.15, 0.85, 1.0)
    frac, inside = cycle_phase(p, 0.15, 0.85, int(rng.integers(5, 10)))
    closed = np.where(inside, 0.5 + 0.5 * np.cos(2 * np.pi * frac), 1.0)  # 1 when the hands meet
    # Forearms forward, upper arms swung towards the midline until the palms touch (calibrated).
    swing = up * (_CLAP_MEET - amp * 28.0 * (1.0 - closed))
    for side in "LR":
        move_arm(m, side, x=-40 * up, y=-swing, elbow=75 * up)
    return m


_CLAP_MEET = 23.0  # degrees of horizontal swing at which the two hands touch in the clapping pose


def cheer_up(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    up = plateau(p, 0.0, 0.2, 0.85, 1.0)
    frac, inside = cycle_phase(p, 0.2, 0.85, int(rng.integers(3, 7)))
    shake = np.where(inside, np.sin(2 * np.pi * frac), 0.0)
    for side in "LR":
        # With the arm overhead, a negative z opens it outwards (a V above the head).
        move_arm(m, side, x=-165 * up, z=-up * (20 + 12 * amp * shake), elbow=up * (20 + 18 * amp * shake))
    return m


def hand_waving(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    up = plateau(p, 0.0, 0.2, 0.85, 1.0)
    frac, inside = cycle_phase(p, 0.2, 0.85, int(rng.integers(3, 7)))
    wave = np.where(inside, np.sin(2 * np.pi * frac), 0.0)
    # Upper arm out to the side and turned so that the bent forearm points up; the forearm then
    # swings in the frontal plane, towards the head and away.
    move_arm(m, "R", y=90 * up, z=85 * up, elbow=up * (90 + 35 * amp * wave))
    return m


def kicking(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    knots = (0.0, 0.2, 0.36, 0.5, 0.78, 1.0)
    hip = key_curve(p, knots, (0, -15, 75 * amp, 30, 0, 0))
    knee = key_curve(p, knots, (0, 55, 8, 60, 0, 0))
    move_leg(m, "R", hip=hip, knee=knee, foot=key_curve(p, knots, (0, 10, 25, 5, 0, 0)))
    move_leg(m, "L", knee=key_curve(p, knots, (0, 10, 12, 10, 0, 0)), hip=key_curve(p, knots, (0, 5, 6, 5, 0, 0)))
    bend_trunk(m, key_curve(p, knots, (0, 5, -12, -4, 0, 0)))
    for side in "LR":
        move_arm(
            m, side, z=key_curve(p, knots, (0, 15, 25, 15, 0, 0)), elbow=key_curve(p, knots, (0, 20, 30, 20, 0, 0))
        )
    m.anchor = (LEFT_ANKLE,)  # the standing leg
    return m


def hopping(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    lift = plateau(p, 0.0, 0.12, 0.88, 1.0)
    move_leg(m, "L", hip=35 * lift, knee=80 * lift)
    frac, inside = cycle_phase(p, 0.15, 0.85, int(rng.integers(3, 7)))
    flying = inside & (frac < 0.6)
    v = np.clip(frac / 0.6, 0, 1)
    land = np.where(inside & ~flying, np.sin(np.pi * np.clip((frac - 0.6) / 0.4, 0, 1)), 0.0)
    move_leg(m, "R", hip=15 * land, knee=30 * land, foot=np.where(flying, 20 * np.sin(np.pi * v), 0.0))
    for side in "LR":
        move_arm(m, side, z=20 * lift, elbow=35 * lift)
    m.shift[:, 1] = np.where(flying, amp * 0.1 * 4 * v * (1 - v), 0.0)
    m.anchor = (RIGHT_ANKLE,)
    return m


def jump_up(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    frac, inside = cycle_phase(p, 0.1, 0.9, int(rng.integers(1, 3)))
    crouch = np.where(inside & (frac < 0.35), np.sin(np.pi * np.clip(frac / 0.35, 0, 1)), 0.0)
    flying = inside & (frac >= 0.35) & (frac < 0.65)
    v = np.clip((frac - 0.35) / 0.3, 0, 1)
    crouch += np.where(inside & (frac >= 0.65), 0.7 * np.sin(np.pi * np.clip((frac - 0.65) / 0.35, 0, 1)), 0.0)
    air = np.where(flying, np.sin(np.pi * v), 0.0)
    for side in "LR":
        move_leg(m, side, hip=60 * crouch, knee=100 * crouch, foot=30 * air)
        move_arm(m, side, x=35 * crouch - 140 * air, elbow=20 * crouch + 10 * air)
    bend_trunk(m, 30 * crouch, keep_arms=False)
    m.shift[:, 1] = np.where(flying, amp * 0.28 * 4 * v * (1 - v), 0.0)
    return m


def _arm_forward(m: Motion, s) -> None:
    """The right arm's path from hanging (s = 0) through a bent guard (s = 0.5) to pointing straight
    forward at shoulder height (s = 1): shared by pointing and punching, which differ in speed."""
    move_arm(m, "R", x=-90 * s, elbow=75 * np.sin(np.pi * np.clip(s, 0.0, 1.0)))


def pointing(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    reach = min(max(amp, 0.95), 1.05)  # about shoulder height, the elbow nearly straight
    _arm_forward(m, reach * key_curve(p, (0.0, 0.4, 0.62, 1.0), (0, 1, 1, 0)))
    return m


def punching(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    n = int(rng.integers(2, 4))
    # Guard, then n quick jabs out and back (each a small fraction of the phase), then down.
    knots, values = [0.0, 0.15], [0.0, 0.5]
    for k in range(n):
        start = 0.2 + k * 0.6 / n
        knots += [start, start + 0.05, start + 0.13]
        values += [0.5, min(amp, 1.05), 0.5]
    knots += [0.85, 1.0]
    values += [0.5, 0.0]
    _arm_forward(m, key_curve(p, knots, values))
    return m


def nod_bow(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    bend = key_curve(p, (0.0, 0.3, 0.6, 0.9, 1.0), (0, 45 * amp, 45 * amp, 0, 0))
    bend_trunk(m, bend)
    m.angles[:, NECK, 0] += 0.35 * bend
    return m


_SALUTE_SHOULDER = (-35.0, 62.0, 86.0)  # left-sense shoulder (x, y, z), degrees (calibrated)
_SALUTE_ELBOW = 120.0  # these put the right hand tip at the right of the forehead


def salute(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    s = key_curve(p, (0.0, 0.25, 0.75, 1.0), (0, 1, 1, 0))
    x, y, z = _SALUTE_SHOULDER
    move_arm(m, "R", x=x * s, y=y * s, z=z * s, elbow=_SALUTE_ELBOW * s)
    return m


def staggering(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    n_steps = int(rng.integers(4, 8))
    go = plateau(p, 0.0, 0.08, 0.92, 1.0)
    u = np.clip((p - 0.04) / 0.92, 0, 1)
    gait = stride_legs(m, np.pi * n_steps * u, go)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        move_arm(m, side, x=go * 18 * sign * np.sin(gait), z=go * (25 + 10 * np.sin(2.3 * gait + sign)), elbow=25 * go)
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
    m.angles[:, SPINE_BASE, 2] -= 60 * np.gradient(sway) * len(p) / 30  # degrees, roll into the sway
    bend_trunk(m, 10 * go)
    m.anchor = None
    return m


def falling_down(p, amp, rng) -> Motion:
    m = Motion.rest(len(p))
    knots = (0.0, 0.37, 0.59, 0.86, 1.0)
    buckle = key_curve(p, knots, (0, 0, 1, 0.15, 0))
    pitch = key_curve(p, knots, (0, 0, 15, 84, 86))
    roll = rng.uniform(-20, 20) * ramp(p, 0.47, 0.86)
    # Knees give way, then the whole body tips forward over the feet and lands on its front.
    m.angles[:, SPINE_BASE, 0] += pitch
    m.angles[:, SPINE_BASE, 2] += roll
    # The arms reach out to break the fall, then lie on the floor beyond the head.
    reach = key_curve(p, (0.0, 0.52, 0.72, 0.9, 1.0), (0, 0, 100 * amp, 165, 165))
    for side in "LR":
        move_leg(m, side, hip=55 * buckle, knee=80 * buckle)
        move_arm(m, side, x=-reach, z=0.12 * reach, elbow=0.2 * reach)
    m.angles[:, NECK, 0] -= 30 * ramp(p, 0.66, 0.86)  # head up, off the floor
    wobble = 0.04 * np.sin(2 * np.pi * rng.uniform(1, 2) * p) * (1 - ramp(p, 0.37, 0.47))
    m.shift[:, 0] = wobble
    m.shift[:, 2] = -0.6  # start behind the spot so that the body lands across it, not at the camera
    return m
