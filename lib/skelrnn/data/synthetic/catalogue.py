"""The action catalogue of the embedded dataset: NTU RGB+D's 60 actions, each with its generator.

Defined for the data chapter (thesis 3.1.1). Every action has its NTU number and official name
(``protocols.NTU_ACTIONS``) and a generator of joint angles (``motion.Motion``); ``CLASSES`` maps
the numbers to ``ActionClass`` records, ``action_number`` reads a code such as ``'A008'``. Two
kinds of generator:

* **hand-written** (the first fourteen: sit down, clapping, kicking, falling, ...): angles as
  functions of the phase, ``skelrnn.data.synthetic.handwritten``;
* **key-framed** (the other forty-six, defined here): a few key poses, each placing the hands at
  named points of the body (mouth, ear, top of the head, chest, pocket, ...) through the arm's
  inverse kinematics, with the trunk's bow, the head's angles and the legs, joined by smooth
  curves, plus small oscillations (brushing, typing, shaking the head). Actions that NTU makes
  confusable share key poses here too: nine hand-to-head actions differ by where the hand stops
  and how it moves there; the wear / take off pairs run the same key poses in opposite orders.

The eleven interactions (A050-A060, ``INTERACTIONS``) have a **partner**: a second person, with
their own body and motion, facing the actor, who reacts (steps back when pushed, reaches out to
shake hands).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from skelrnn.data.ntu.protocols import NTU_ACTIONS
from skelrnn.data.skeleton import LEFT_ELBOW, LEFT_SHOULDER, NECK, RIGHT_ELBOW, RIGHT_SHOULDER, SPINE_BASE
from skelrnn.data.synthetic.handwritten import (
    cheer_up,
    clapping,
    falling_down,
    hand_waving,
    hopping,
    jump_up,
    kicking,
    nod_bow,
    pointing,
    punching,
    salute,
    sit_down,
    staggering,
)
from skelrnn.data.synthetic.motion import REST, KeyFramed, Motion, Pose, Wiggle, held, played_backwards

# ---------------------------------------------------------------------------------------------
# The forty-six key-framed actions
# ---------------------------------------------------------------------------------------------

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
_brush_teeth = held(
    right="mouth", head=(5, 0, 0), wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 12, (6, 10), (0.25, 0.8)),), hold=(0.2, 0.85)
)
_brush_hair = held(
    right="crown", head=(8, 0, -8), wiggles=(Wiggle(RIGHT_SHOULDER, _X, 18, (3, 5), (0.25, 0.8)),), hold=(0.2, 0.85)
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
_wipe_face = held(
    right="face",
    left="face",
    bow=10,
    wiggles=(Wiggle(RIGHT_SHOULDER, _X, 10, (2, 4)), Wiggle(LEFT_SHOULDER, _X, 10, (2, 4))),
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
_touch_head = held(right="forehead", bow=8, head=(12, 0, 8))
_touch_neck = held(right="nape", head=(-5, 0, 15), wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 6, (2, 4)),))
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
_writing = held(
    right="rubbing",
    left="waist front",
    bow=10,
    head=(30, 0, 0),
    hold=(0.15, 0.88),
    wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 6, (8, 12), (0.2, 0.85)), Wiggle(RIGHT_ELBOW, _X, 4, (5, 9), (0.2, 0.85))),
)
_typing = held(
    right="keyboard",
    left="keyboard",
    head=(20, 0, 0),
    hold=(0.15, 0.88),
    wiggles=(Wiggle(RIGHT_ELBOW, _X, 6, (8, 14), (0.2, 0.85)), Wiggle(LEFT_ELBOW, _X, 6, (8, 14), (0.2, 0.85))),
)
_phone_play = held(
    right="phone",
    left="phone",
    head=(30, 0, 0),
    hold=(0.15, 0.88),
    wiggles=(Wiggle(RIGHT_ELBOW, _X, 4, (6, 10), (0.2, 0.85)),),
)
_check_time = held(left="watch", head=(25, 0, 0), hold=(0.3, 0.7))
_rub_hands = held(
    right="rubbing",
    left="rubbing",
    hold=(0.2, 0.85),
    wiggles=(Wiggle(RIGHT_SHOULDER, _X, 10, (4, 8), (0.25, 0.8)), Wiggle(LEFT_SHOULDER, _X, -10, (4, 8), (0.25, 0.8))),
)
_tear_paper = held(
    right="palms",
    left="palms",
    head=(15, 0, 0),
    hold=(0.2, 0.85),
    wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 16, (2, 4), (0.25, 0.8)), Wiggle(LEFT_SHOULDER, _Y, 16, (2, 4), (0.25, 0.8))),
)
_palms_together = held(right="palms", left="palms", bow=12, head=(10, 0, 0))
_cross_hands = held(right="crossed", left="crossed", hold=(0.25, 0.7))
_touch_chest = held(right="chest", bow=15, head=(10, 0, 0))
_touch_back = held(right="low back", bow=12, head=(0, 0, 5), wiggles=(Wiggle(RIGHT_SHOULDER, _X, 5, (2, 3)),))
_nausea = held(right="belly", left="belly", bow=35, head=(20, 0, 0), wiggles=(Wiggle(SPINE_BASE, _X, 8, (2, 3)),))
_fan = held(right="fanning", head=(-8, 0, 0), wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 18, (5, 9), (0.25, 0.8)),))

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
    (Wiggle(RIGHT_SHOULDER, _X, 8, (3, 5), (0.32, 0.68)), Wiggle(LEFT_SHOULDER, _X, 8, (3, 5), (0.32, 0.68))),
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
_selfie = held(right="selfie", head=(-5, 0, 10), wiggles=(Wiggle(RIGHT_SHOULDER, _Y, 4, (1, 3)),), hold=(0.3, 0.75))
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
_pat_back = held(
    right="shoulder of other", hold=(0.3, 0.75), wiggles=(Wiggle(RIGHT_SHOULDER, _X, 10, (3, 5), (0.3, 0.75)),)
)
_point_at = KeyFramed(
    (0.0, 0.35, 0.7, 1.0),
    (REST, Pose(right="forward"), Pose(right="forward"), REST),
    (Wiggle(RIGHT_SHOULDER, _X, 6, (2, 4), (0.35, 0.7)),),
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
_touch_pocket = held(right="pocket of other", bow=18, head=(15, 0, 0), hold=(0.3, 0.7))
_pocket_touched = KeyFramed(
    (0.0, 0.35, 0.7, 1.0), (REST, Pose(head=(20, 0, 0)), Pose(head=(20, 0, 0), step=-0.05), REST)
)
_handshake = held(right="handshake", hold=(0.25, 0.8), wiggles=(Wiggle(RIGHT_SHOULDER, _X, 8, (3, 5), (0.3, 0.75)),))
_walk_towards = KeyFramed((0.0, 1.0), (REST, REST), walk=(4, 0.22))
_walk_apart = KeyFramed((0.0, 0.2, 1.0), (REST, Pose(turn=180), Pose(turn=180)), walk=(4, -0.22))


# ---------------------------------------------------------------------------------------------
# The sixty classes
# ---------------------------------------------------------------------------------------------


class ActionClass(NamedTuple):
    """One synthetic class with its real NTU action number and name (``protocols.NTU_ACTIONS``).

    ``generator(p, amp, rng)`` maps a phase ``p`` (T,) in [0, 1] and an amplitude (about 1) to
    joint angles; ``frames`` is its nominal active length at speed 1 (30 fps); ``end_idle`` the
    most idle frames after it (falling keeps the lying part short). ``partner``: the second
    person's generator in an interaction, standing ``distance`` metres in front of the actor,
    facing them. ``seated``: the chance that a performance is done sitting on a chair.
    """

    number: int
    description: str
    generator: Callable[..., Motion]
    frames: int
    end_idle: int = 12
    hands: tuple[int, int] = (1, 1)  # Kinect hand states (left, right) while it runs: 1 not tracked
    partner: Callable[..., Motion] | None = None
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
        _A(8, "knees and hips bend, the pelvis goes down ~0.45 m and back; ends seated", sit_down, 70),
        _A(9, "sitting down played backwards (same generator, reversed phase)", played_backwards(sit_down), 70),
        _A(10, "both hands meet in front of the chest, repeatedly", clapping, 75, hands=(_OPEN, _OPEN)),
        _A(11, "both hands hold a book at chest height, head down, a page turned", _reading, 85, seated=0.5),
        _A(12, "left hand holds the paper, right hand makes small fast strokes", _writing, 85, seated=0.6),
        _A(13, "both hands in front of the chest twist against each other, twice or more", _tear_paper, 65),
        _A(14, "right arm back into its sleeve, then the left, the collar pulled up", _jacket_on, 100),
        _A(15, "wearing a jacket played backwards", played_backwards(_jacket_on), 100),
        _A(16, "bent over, left foot lifted, both hands at the shin pulling", _shoe_on, 95),
        _A(17, "wearing a shoe played backwards", played_backwards(_shoe_on), 95),
        _A(18, "both hands from the chest to the temples, then down", _glasses_on, 60),
        _A(19, "wearing glasses played backwards", played_backwards(_glasses_on), 60),
        _A(20, "both hands from chest height to the top of the head, then down", _hat_on, 60),
        _A(21, "putting on a hat played backwards", played_backwards(_hat_on), 60),
        _A(22, "both arms raised overhead and shaken", cheer_up, 75, hands=(_OPEN, _OPEN)),
        _A(23, "right arm raised, the forearm swings side to side", hand_waving, 75, hands=(1, _OPEN)),
        _A(24, "right leg swings forward fast and back", kicking, 55),
        _A(25, "right hand into the trouser pocket, then looked at in front", _reach_pocket, 65),
        _A(26, "left leg lifted, small hops on the right foot", hopping, 80),
        _A(27, "crouch, then one or two jumps on both legs", jump_up, 65),
        _A(28, "right hand brought to the ear, head tilted to it, held", _phone_call, 85),
        _A(29, "both hands hold a phone at the belly, thumbs moving, head down", _phone_play, 85, seated=0.5),
        _A(30, "both hands on a keyboard at the waist, fingers tapping", _typing, 85, seated=0.7),
        _A(31, "right arm raised slowly forward, held, lowered", pointing, 100, hands=(1, _LASSO)),
        _A(32, "right arm stretched forward and up, head tilted, held", _selfie, 70),
        _A(33, "left wrist brought in front of the chest, looked at", _check_time, 50),
        _A(34, "both hands together in front of the belly, rubbed back and forth", _rub_hands, 65),
        _A(35, "trunk and head bow forward and come back", nod_bow, 65),
        _A(36, "head turned left and right, two to four times", _shake_head, 50),
        _A(37, "both hands on the face, rubbed up and down", _wipe_face, 65),
        _A(38, "right hand raised to the forehead, held, lowered", salute, 70, hands=(1, _OPEN)),
        _A(39, "palms pressed together in front of the chest, a slight bow", _palms_together, 60),
        _A(40, "forearms crossed in front of the chest, held", _cross_hands, 50),
        _A(41, "right hand to the mouth, a sudden jerk of the head and trunk", _sneeze, 50),
        _A(42, "unsteady walk with lateral sways of the whole body", staggering, 100),
        _A(43, "knees give way, the body falls forward and lies (a minority of frames)", falling_down, 75, end_idle=2),
        _A(44, "right hand on the forehead, head bent and tilted", _touch_head, 65),
        _A(45, "right hand on the chest, trunk bent a little", _touch_chest, 65),
        _A(46, "right hand on the lower back, trunk bent a little", _touch_back, 65),
        _A(47, "right hand on the back of the neck, head tilted", _touch_neck, 65),
        _A(48, "bent forward, both hands on the belly, heaving", _nausea, 70),
        _A(49, "right hand fans the face, fast side to side", _fan, 70),
        _A(
            50,
            "the right arm's pointing path, fast: 2-3 jabs; the partner flinches back",
            punching,
            60,
            hands=(1, _CLOSED),
            partner=_flinch,
            distance=0.85,
        ),
        _A(51, "a fast kick forward; the partner bends and steps back", kicking, 55, partner=_dodge_kick, distance=1.1),
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
