"""The embedded default dataset: Kinect-like NTU RGB+D skeletons of NTU's 60 actions, made by forward kinematics.

Defined for the data chapter (thesis 3.1.1). Real NTU data cannot ship, so the book runs by
default on this stand-in, written to disk as real ``.skeleton`` files with real NTU sample names
(``SsssCcccPpppRrrrAaaa``) and read back through the NTU reader, so the real path is what runs.
The actions themselves (key poses, inverse kinematics, the partner of an interaction) are
``skelrnn.actions``; this module makes people perform them and cameras see them.

How a file is made:

* **Subject** ``P``: bone lengths of a rest pose, scaled by an overall height factor
  (~N(1, 0.06)) and a few per-cent per bone (left and right alike), and a style: left-handed
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
* **View** ``C``: the camera of setup ``S`` (yaw -45°, 0°, +45° around the actor as in NTU,
  heights and distances per setup) sees the same world motion through a rigid transform, plus
  its own sensor noise, a hand or leg it cannot see for a while (``occlusion_prob``: inferred
  joints, tracking state 1, drifting), Kinect failures (frames with no body, or all joints at
  0), and sometimes a second, spurious body that the NTU main-actor rules reject (a track of
  at most 11 frames, or a blob wider than 0.8 of its height). From the whole sample name.

Frames: the body frame has x to the person's left, y up, z to the person's front; the world
frame has y up with the floor at y = 0; the Kinect camera frame has x to the sensor's left, y up
and z away from the sensor. All three are right-handed. Lengths in metres, 30 frames a second.

Every file depends on ``(config.seed, its name)`` alone, so files can be made in any order and
in parallel with the same bytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from skelrnn import ntu
from skelrnn.actions import (
    _FOOT_CLEARANCE,
    _LEAVES,
    _MIRROR,
    _REST_OFFSETS,
    CLASSES,
    DEFAULT_ACTIONS,
    HEAD,
    LAN,
    LEL,
    LFT,
    LHA,
    LKN,
    LTH,
    LTIP,
    LWR,
    N_JOINTS,
    NECK,
    RAN,
    REL,
    RFT,
    RHA,
    RKN,
    RTH,
    RTIP,
    RWR,
    SB,
    SPOTS,
    SS,
    ActionClass,
    _arm,
    _euler_matrices,
    _forward_kinematics,
    _leg,
    _Motion,
    _quat_mul,
    _quaternions,
    _yaw_matrix,
    action_number,
    mirror,
    reach,
)  # fmt: skip
from skelrnn.parallel import process_pool, worker_count

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
VERSION = "synthetic-2"
MANIFEST = "manifest.json"


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
    left_handed       share of the subjects who do one-sided actions with the other side
    turned_prob       chance that a performance faces up to 60° away from its camera (else 15°)
    partial_prob      chance that a performance is partial: a smaller version of the motion
    hesitant_prob     chance that a performance pauses part way (the phase stalls 0.2-0.6 s)
    occlusion_prob    chance that a view loses one hand or leg for a stretch: the Kinect infers
                      those joints (tracking state 1) and they drift by a few centimetres
    digits            significant digits written to the files (the Kinect SDK writes about 7)
    seed              the dataset's seed

    The default is 40 subjects x 60 actions x 1 replication x 3 cameras = 7,200 files (NTU has
    2 replications: one here keeps the text under 1.5 GB and the cache under 300 MB).
    """

    n_subjects: int = 40
    n_replications: int = 1
    n_cameras: int = 3
    n_setups: int = 5
    actions: tuple[int, ...] = field(default=DEFAULT_ACTIONS)
    min_frames: int = 30
    max_frames: int = 150
    noise: float = 0.004
    failure_prob: float = 0.2
    second_body_prob: float = 0.1
    left_handed: float = 0.15
    turned_prob: float = 0.35
    partial_prob: float = 0.1
    hesitant_prob: float = 0.1
    occlusion_prob: float = 0.25
    digits: int = 5
    seed: int = 0

    def __post_init__(self):
        _check_int("n_subjects", self.n_subjects, 1, 999)
        _check_int("n_replications", self.n_replications, 1, 999)
        _check_int("n_cameras", self.n_cameras, 1, len(_CAMERA_YAW_DEG))
        _check_int("n_setups", self.n_setups, 1, len(_SETUP_HEIGHT))
        if isinstance(self.actions, (str, bytes)) or not isinstance(self.actions, Iterable):
            raise ValueError(f"actions: expected a sequence of action codes, got {self.actions!r}")
        actions = tuple(sorted(action_number(a) for a in self.actions))
        if not actions or len(set(actions)) != len(actions):
            raise ValueError(f"actions: expected at least one action, each once, got {self.actions!r}")
        object.__setattr__(self, "actions", actions)  # frozen: normalise once, here
        _check_int("min_frames", self.min_frames, 16, 10_000)
        _check_int("max_frames", self.max_frames, self.min_frames, 10_000)
        _check_float("noise", self.noise, 0.0, 0.1)
        _check_float("failure_prob", self.failure_prob, 0.0, 1.0)
        for name in ("second_body_prob", "left_handed", "turned_prob", "partial_prob", "hesitant_prob",
                     "occlusion_prob"):  # fmt: skip
            _check_float(name, getattr(self, name), 0.0, 1.0)
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
        values = dict(n_subjects=3, n_replications=2, n_setups=2, actions=(8, 9, 22, 23), max_frames=90)
        values.update(overrides)
        return cls(**values)


def _setup_of(subject: int, config: SyntheticConfig) -> int:
    return (subject - 1) % config.n_setups + 1


def sample_names(config: SyntheticConfig | None = None) -> list[ntu.SampleName]:
    """Every sample of the dataset, one per file, sorted as the file names sort.

    ``n_subjects x len(actions) x n_replications x n_cameras`` names (7,200 for the default).
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

_TAG_SUBJECT, _TAG_PERFORMANCE, _TAG_VIEW, _TAG_STYLE = 1, 2, 3, 4


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


@dataclass(frozen=True)
class _Style:
    """How one subject performs every action: the side they use, how wide and fast they move,
    how they stand."""

    left_handed: bool
    amplitude: float  # x the performance's amplitude
    tempo: float  # x the performance's speed
    bow: float  # habitual forward lean of the trunk, degrees
    head: float  # habitual head pitch, degrees
    arm_out: float  # idle arms: sideways (degrees) and elbow bend (degrees)
    elbow: float


def _subject_style(subject: int, config: SyntheticConfig) -> _Style:
    rng = _rng(config.seed, _TAG_STYLE, subject)
    return _Style(
        left_handed=bool(rng.random() < config.left_handed),
        amplitude=float(np.clip(rng.normal(1.0, 0.1), 0.75, 1.25)),
        tempo=float(np.exp(rng.normal(0.0, 0.15))),
        bow=float(rng.normal(2.0, 3.0)),
        head=float(rng.normal(0.0, 4.0)),
        arm_out=float(rng.uniform(3, 10)),
        elbow=float(rng.uniform(3, 15)),
    )


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


def _personal(motion: _Motion, style: _Style, seated: bool, weight: float, rng: np.random.Generator) -> _Motion:
    """The action as this subject does it: ``weight`` < 1 for a partial performance (the motion
    scaled towards the rest pose), the subject's posture on top, on a chair when ``seated``,
    mirrored for a left-handed subject."""
    motion.angles *= weight
    motion.shift *= weight
    for side in "LR":
        _arm(motion, side, z=style.arm_out + rng.uniform(-2, 2), elbow=style.elbow + rng.uniform(-3, 3))
    motion.angles[:, SB, 0] += 0.4 * style.bow
    motion.angles[:, SS, 0] += 0.6 * style.bow
    motion.angles[:, NECK, 0] += style.head
    if seated:
        for side in "LR":
            _leg(motion, side, hip=90.0, knee=90.0)
        motion.anchor = (LAN, RAN)
    return mirror(motion) if style.left_handed else motion


def _pose_in_body_frame(motion: _Motion, offsets: np.ndarray, rng: np.random.Generator):
    """Positions ``(T, 25, 3)`` on the floor (body frame), global rotations ``(T, 25, 3, 3)`` and the
    Kinect lean ``(T, 2)`` of a motion, with a slight sway."""
    n = motion.angles.shape[0]
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
    return pos, glob, lean


@dataclass
class _Performance:
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
    partner: _Performance | None = None


def _placed(pos, glob, lean, yaw: float, spot, hands, active) -> _Performance:
    """A body-frame performance (positions ``(T, 25, 3)``, global rotations ``(T, 25, 3, 3)``,
    lean ``(T, 2)``) turned by ``yaw`` radians about the vertical and set down at ``spot`` (world)."""
    face = _yaw_matrix(yaw)
    return _Performance(pos @ face.T + spot, _quat_mul(_quaternions(face), _quaternions(glob)), lean, hands, active)


def _performance(setup: int, subject: int, replication: int, action: int, config: SyntheticConfig) -> _Performance:
    rng = _rng(config.seed, _TAG_PERFORMANCE, subject, replication, action, setup)
    cls = CLASSES[action]
    style = _subject_style(subject, config)

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
    yaw = math.radians(_CAMERA_YAW_DEG[_facing_camera(replication) - 1] + rng.uniform(-turn, turn))
    spot = np.array([rng.uniform(-0.3, 0.3), 0.0, rng.uniform(-0.3, 0.3)])
    active = (phase > 0.0) & (phase < 1.0)
    perf = _placed(pos, glob, lean, yaw, spot, cls.hands, active)
    if cls.partner is not None:
        # The partner: another person (their own bones and style), facing the actor from
        # ``distance`` metres in front, moving through the same phase.
        other = 1000 + subject
        partner_style = _subject_style(other, config)
        partner = _personal(cls.partner(phase, float(rng.uniform(0.8, 1.15)), rng), partner_style, False, 1.0, rng)
        p_pos, p_glob, p_lean = _pose_in_body_frame(partner, _subject_offsets(other, config.seed), rng)
        p_spot = spot + _yaw_matrix(yaw) @ np.array([rng.uniform(-0.1, 0.1), 0.0, cls.distance])
        perf.partner = _placed(p_pos, p_glob, p_lean, yaw + math.pi, p_spot, (1, 1), active)
    return perf


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


_OCCLUDABLE = ((RWR, RHA, RTIP, RTH), (LWR, LHA, LTIP, LTH), (RKN, RAN, RFT), (LKN, LAN, LFT))


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


def _sensed(perf: _Performance, rot: np.ndarray, centre: np.ndarray, config: SyntheticConfig, rng) -> tuple:
    """What the Kinect reports of one person: joint rows ``(T, 25, 12)`` and body fields ``(T, 9)``."""
    n = perf.xyz.shape[0]
    # The same world motion through this camera's rigid transform, plus its own noise.
    xyz = (perf.xyz - centre) @ rot.T
    sd = config.noise * _NOISE_WEIGHT
    xyz = xyz + rng.normal(size=xyz.shape) * sd[:, None]
    # Some extremity readings are only inferred by the Kinect (tracking state 1) and are worse.
    state = np.full((n, N_JOINTS), 2.0)
    inferred = rng.random((n, _EXTREMITIES.size)) < 0.04
    state[:, _EXTREMITIES] = np.where(inferred, 1.0, 2.0)
    xyz[:, _EXTREMITIES] += inferred[..., None] * rng.normal(0.0, 5 * config.noise, size=(n, _EXTREMITIES.size, 3))
    if rng.random() < config.occlusion_prob:
        _occlude(xyz, state, rng)
    quat = _quat_mul(_quaternions(rot), perf.quat) + rng.normal(0.0, 0.01, size=perf.quat.shape)
    quat /= np.linalg.norm(quat, axis=-1, keepdims=True)
    quat = np.where(quat[..., :1] < 0, -quat, quat)
    quat[:, list(_LEAVES)] = 0.0  # the Kinect gives no orientation for end joints

    info = np.zeros((n, len(ntu.BODY_FIELDS)))
    for k, base in enumerate(perf.hands):
        confident = rng.random(n) < 0.85
        hand_state = np.where(perf.active, base, 1)
        info[:, 1 + 2 * k] = confident
        info[:, 2 + 2 * k] = np.where(confident, hand_state, rng.choice([0, 1], size=n))
    info[:, 6:8] = np.clip(perf.lean + rng.normal(0.0, 0.01, size=(n, 2)), -1.0, 1.0)
    info[:, 8] = 2.0  # tracked
    return _joint_rows(xyz, quat, state), info


def _view(perf: _Performance, name: ntu.SampleName, config: SyntheticConfig) -> ntu.SkeletonSequence:
    rng = _rng(config.seed, _TAG_VIEW, name.setup, name.camera, name.subject, name.replication, name.action)
    n = perf.xyz.shape[0]
    rot, centre = _camera(name.setup, name.camera)
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


def _write_batch(out_dir: str, config: SyntheticConfig, groups: list[list[ntu.SampleName]], step: int = 1) -> list[str]:
    """Write the files of a batch of performances (each group: the camera views of one performance),
    keeping one frame in ``step`` (a sensor slower than the Kinect's 30 fps)."""
    paths = []
    for group in groups:
        first = group[0]
        perf = _performance(first.setup, first.subject, first.replication, first.action, config)
        for name in group:
            path = Path(out_dir) / f"{name}.skeleton"
            view = _view(perf, name, config)
            if step > 1:
                view = replace(
                    view, joints=view.joints[::step], body_info=view.body_info[::step], present=view.present[::step]
                )
            ntu.write_skeleton(path, view, digits=config.digits, fsync=False)
            paths.append(str(path))
    return paths


def _write_performances(
    out_dir: Path, config: SyntheticConfig, names: list[ntu.SampleName], workers, step: int = 1
) -> None:
    """Write the files ``names`` in ``workers`` processes: one task per batch of whole performances
    (the motion is made once for its cameras, and big tasks keep the pool's overhead small); one
    frame in ``step`` is kept."""
    groups: dict[tuple[int, int, int, int], list[ntu.SampleName]] = {}
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


def write_folder(folder, config: SyntheticConfig, subjects=None, workers: int | None = None, fps: float = 30) -> int:
    """The files of ``config`` whose performer is in ``subjects`` (numbers in 1..``n_subjects``; None:
    every one), written to ``folder`` as a reader's own folder would be: ``.skeleton`` files and no
    manifest (``generate`` writes the embedded dataset, with its manifest). Used for folders shaped
    unlike NTU (one camera, one subject per split, few classes, a slower sensor). ``fps`` below 30
    keeps one frame in ``30 / fps`` (an integer) of each 30 fps performance (``config``'s lengths
    are in frames at 30 fps) and declares the rate in ``dataset.json``, as a reader declares theirs
    (``dataset.declared_fps``). Returns the number of files."""
    keep = set(range(1, config.n_subjects + 1)) if subjects is None else {int(s) for s in subjects}
    outside = sorted(s for s in keep if not 1 <= s <= config.n_subjects)
    if outside or not keep:
        raise ValueError(f"subjects: expected numbers in 1..{config.n_subjects} (n_subjects), got {sorted(keep)}")
    step = 30 / fps if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0 else 0
    if step < 1 or step != round(step):
        raise ValueError(f"fps: expected 30 divided by a whole number (30, 15, 10, 7.5, 6, 5, ...), got {fps!r}")
    names = [n for n in sample_names(config) if n.subject in keep]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_performances(folder, config, names, workers, int(round(step)))
    if step > 1:
        from skelrnn.io import write_json_atomic

        write_json_atomic(folder / "dataset.json", {"fps": fps})
    return len(names)
