"""Per-frame 3D pose proposals in the style of LCR-Net (thesis 4.1.1): a file format, its reader, a simulator.

Defined for the in-the-wild chapter (09). LCR-Net (Rogez et al., 2017) gives, for every frame of a
video and independently of the others, a few full-body proposals: a 2D pose ``p`` (pixels), a
3D pose ``P`` (metres, relative to the body centre, camera orientation), a pose class ``k`` (one of
the anchor poses it classifies into) and a score ``s``. Neither LCR-Net nor the thesis's YouTube
videos are available here, so ``simulate`` makes such output from sequences whose truth is known,
with the failure modes the thesis names; a user with real detector output writes it in the same
format and the chapter reads it the same way.

The format (``FORMAT``), one ``.npz`` file per video, ``T`` frames, at most ``K`` proposals a frame,
13 joints in the order of ``skeleton.DETECTOR_JOINTS``:

============ ==================== ===========================================================
field        shape, type          meaning
============ ==================== ===========================================================
format       () str               "skelrnn-pose-hypotheses/1"
count        (T,) int             proposals in frame t (0: nothing detected); frame 0 >= 1
pose_2d      (T, K, 13, 2) float  pixels (x right, y down); entries beyond count are ignored
pose_3d      (T, K, 13, 3) float  metres, relative to the body centre (x right, y up, z away)
pose_class   (T, K) int           the proposal's pose class (>= 0)
score        (T, K) float         the detector's score (>= 0, higher is more confident)
fps          () float             frames per second of the video
actor        () int               proposal of frame 0 showing the person to follow (thesis:
                                  named by hand)
label        () int               action class (0-based NTU order), -1 when unknown; optional
truth        (T, 13, 3) float     the true 3D pose relative to the body centre; optional
============ ==================== ===========================================================

``write`` and ``read`` go through that format; ``read`` checks every field and names the file
and the field it rejects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.cluster.vq import kmeans2

from skelrnn.core.io import write_arrays_atomic
from skelrnn.data.ntu.protocols import NTU_FPS
from skelrnn.data.skeleton import DETECTOR_JOINTS

__all__ = [
    "FORMAT",
    "PoseHypotheses",
    "write",
    "read",
    "read_folder",
    "DetectorConfig",
    "centre",
    "flip_front_back",
    "project",
    "pose_anchors",
    "classify",
    "simulate",
    "simulate_videos",
    "closest_to_truth",
]

FORMAT = "skelrnn-pose-hypotheses/1"
N_JOINTS = len(DETECTOR_JOINTS)
_SHOULDERS_HIPS = [DETECTOR_JOINTS.index(n) for n in ("left shoulder", "right shoulder", "left hip", "right hip")]
# Each joint's mirror image: left and right swap, the head stays.
_MIRROR = [
    DETECTOR_JOINTS.index(n.replace("left", "RIGHT").replace("right", "left").replace("RIGHT", "right"))
    for n in DETECTOR_JOINTS
]


@dataclass(frozen=True, eq=False)
class PoseHypotheses:
    """The proposals of one video (fields as in the module's format table); ``name`` says where
    they came from (the file, or the simulated sequence)."""

    name: str
    count: np.ndarray
    pose_2d: np.ndarray
    pose_3d: np.ndarray
    pose_class: np.ndarray
    score: np.ndarray
    fps: float
    actor: int = 0
    label: int = -1
    truth: np.ndarray | None = field(default=None)

    @property
    def n_frames(self) -> int:
        return int(self.count.shape[0])

    def proposal_mask(self) -> np.ndarray:
        """``(T, K)`` bool: the entries that are proposals (index below the frame's count)."""
        return np.arange(self.score.shape[1])[None] < self.count[:, None]


def write(path: str | os.PathLike, hyp: PoseHypotheses) -> Path:
    """Write ``hyp`` as one ``.npz`` file of ``FORMAT`` (atomically)."""
    arrays = {
        "format": np.array(FORMAT),
        "count": hyp.count.astype(np.int32),
        "pose_2d": hyp.pose_2d.astype(np.float32),
        "pose_3d": hyp.pose_3d.astype(np.float32),
        "pose_class": hyp.pose_class.astype(np.int32),
        "score": hyp.score.astype(np.float32),
        "fps": np.array(float(hyp.fps)),
        "actor": np.array(int(hyp.actor)),
        "label": np.array(int(hyp.label)),
    }
    if hyp.truth is not None:
        arrays["truth"] = hyp.truth.astype(np.float32)
    return write_arrays_atomic(path, arrays)


def _field(path, arrays, name, shape, kind):
    """``arrays[name]`` checked: ``shape`` (None: any size on that axis) and ``kind`` ("f", "i", "U")."""
    if name not in arrays:
        raise ValueError(f"{path}: field {name!r} is missing (expected {_describe(shape, kind)})")
    value = arrays[name]
    ok_kind = value.dtype.kind in {"f": "fiu", "i": "iu", "U": "U"}[kind]
    ok_shape = value.ndim == len(shape) and all(s is None or s == v for s, v in zip(shape, value.shape, strict=True))
    if not (ok_kind and ok_shape):
        raise ValueError(f"{path}: field {name!r}: expected {_describe(shape, kind)}, got {value.dtype} {value.shape}")
    return value


def _describe(shape, kind) -> str:
    dims = ", ".join("n" if s is None else str(s) for s in shape)
    return f"{ {'f': 'numbers', 'i': 'integers', 'U': 'a string'}[kind] } of shape ({dims}{',' * (len(shape) == 1)})"


def read(path: str | os.PathLike) -> PoseHypotheses:
    """Read and check one file of ``FORMAT``; a ``ValueError`` names the file and the field it rejects."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    except FileNotFoundError:
        raise
    except Exception as e:  # zipfile, zlib, the .npy header parser: each raises its own kind
        raise ValueError(f"{path}: not a readable .npz file of pose hypotheses ({type(e).__name__}: {e})") from None
    if not isinstance(arrays, dict):
        raise ValueError(f"{path}: expected a .npz file of pose hypotheses, got a single array")
    fmt = str(_field(path, arrays, "format", (), "U"))
    if fmt != FORMAT:
        raise ValueError(f"{path}: field 'format': expected {FORMAT!r}, got {fmt!r}")
    count = _field(path, arrays, "count", (None,), "i").astype(np.int64)
    t = count.shape[0]
    score = _field(path, arrays, "score", (t, None), "f").astype(np.float64)
    k = score.shape[1]
    pose_2d = _field(path, arrays, "pose_2d", (t, k, N_JOINTS, 2), "f").astype(np.float64)
    pose_3d = _field(path, arrays, "pose_3d", (t, k, N_JOINTS, 3), "f").astype(np.float64)
    pose_class = _field(path, arrays, "pose_class", (t, k), "i").astype(np.int64)
    fps = float(_field(path, arrays, "fps", (), "f"))
    actor = int(_field(path, arrays, "actor", (), "i"))
    label = int(_field(path, arrays, "label", (), "i")) if "label" in arrays else -1
    truth = _field(path, arrays, "truth", (t, N_JOINTS, 3), "f").astype(np.float64) if "truth" in arrays else None
    if t == 0:
        raise ValueError(f"{path}: field 'count': the video has no frame")
    bad = np.flatnonzero((count < 0) | (count > k))
    if bad.size:
        raise ValueError(f"{path}: field 'count': frame {bad[0]} has {count[bad[0]]}; expected 0 to {k} (K)")
    if count[0] < 1 or not 0 <= actor < count[0]:
        raise ValueError(f"{path}: field 'actor': expected a proposal of frame 0 (0 to {count[0] - 1}), got {actor}")
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"{path}: field 'fps': expected a positive number, got {fps}")
    if label < -1:
        raise ValueError(f"{path}: field 'label': expected a class index >= 0, or -1, got {label}")
    mask = np.arange(k)[None] < count[:, None]
    for name, values, test, want in (
        ("score", score, lambda v: np.isfinite(v) & (v >= 0), "a finite score >= 0"),
        ("pose_class", pose_class, lambda v: v >= 0, "a class >= 0"),
        ("pose_2d", pose_2d, lambda v: np.isfinite(v).all(axis=(-2, -1)), "finite pixels"),
        ("pose_3d", pose_3d, lambda v: np.isfinite(v).all(axis=(-2, -1)), "finite metres"),
    ):
        wrong = np.argwhere(mask & ~test(values))
        if wrong.size:
            frame, proposal = wrong[0]
            raise ValueError(f"{path}: field {name!r}: frame {frame}, proposal {proposal}: expected {want}")
    if truth is not None and not np.isfinite(truth).all():
        raise ValueError(f"{path}: field 'truth': expected finite metres")
    return PoseHypotheses(path.name, count, pose_2d, pose_3d, pose_class, score, fps, actor, label, truth)


def read_folder(folder: str | os.PathLike) -> list[PoseHypotheses]:
    """Every ``.npz`` file of ``folder`` (sorted by name), read by ``read``; all bad files are named
    in one error."""
    folder = Path(folder)
    files = sorted(folder.glob("*.npz"))
    if not files:
        raise ValueError(f"{folder}: no .npz file of pose hypotheses")
    out, errors = [], []
    for f in files:
        try:
            out.append(read(f))
        except ValueError as e:
            errors.append(str(e))
    if errors:
        raise ValueError(f"{folder}: {len(errors)} of {len(files)} files rejected:\n" + "\n".join(errors))
    return out


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------


def centre(xyz: np.ndarray) -> np.ndarray:
    """The body centre of 13-joint poses ``(..., 13, 3)``: the mean of both shoulders and hips (the
    torso point of ``preprocess.torso``), ``(..., 3)``."""
    return np.asarray(xyz)[..., _SHOULDERS_HIPS, :].mean(axis=-2)


def flip_front_back(pose: np.ndarray) -> np.ndarray:
    """The front/back ambiguity of a monocular detector: the pose seen from behind with the same
    image. Depth is mirrored about the body centre and left and right swap names, so the 2D
    projection keeps its points (up to perspective) while the 3D pose turns around.
    ``(..., 13, 3)`` metres relative to the centre."""
    flipped = np.asarray(pose, dtype=np.float64)[..., _MIRROR, :].copy()
    flipped[..., 2] *= -1
    return flipped


def project(xyz: np.ndarray, focal: float, principal: tuple[float, float]) -> np.ndarray:
    """Pinhole projection of camera-frame points ``(..., 3)`` metres (x right, y up, z away from the
    camera) to pixels ``(..., 2)`` (x right, y down)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    z = np.maximum(xyz[..., 2], 1e-3)
    return np.stack([principal[0] + focal * xyz[..., 0] / z, principal[1] - focal * xyz[..., 1] / z], axis=-1)


def _yaw(angle: np.ndarray) -> np.ndarray:
    """Rotations about the vertical axis, ``(..., 3, 3)``."""
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, zero, s], -1), np.stack([zero, one, zero], -1), np.stack([-s, zero, c], -1)], -2)


def pose_anchors(sequences, n_classes: int = 64, samples: int = 20000, seed: int = 0) -> np.ndarray:
    """The pose classes: ``n_classes`` anchor poses ``(n_classes, 13, 3)``, metres relative to the
    centre, from a k-means clustering of training poses, as LCR-Net's classes are coarse oriented
    poses. ``sequences``: ``(T_i, 13, 3)`` camera-frame poses; up to ``samples`` frames are drawn,
    centred, and turned about the vertical by a random angle each (a detector sees people from
    every side, the training cameras only from the front and at 45 degrees)."""
    rng = np.random.default_rng(seed)
    poses = np.concatenate([np.asarray(s, dtype=np.float64) for s in sequences])
    if len(poses) < n_classes:
        raise ValueError(f"pose_anchors: {len(poses)} poses for {n_classes} classes")
    poses = poses[rng.choice(len(poses), size=min(samples, len(poses)), replace=False)]
    poses = poses - centre(poses)[:, None]
    poses = np.einsum("nij,nkj->nki", _yaw(rng.uniform(-np.pi, np.pi, len(poses))), poses)
    anchors, _ = kmeans2(poses.reshape(len(poses), -1), n_classes, seed=rng, minit="++")
    return anchors.reshape(n_classes, N_JOINTS, 3)


def classify(poses: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The pose class of each pose ``(..., 13, 3)``: its nearest anchor (sum of squared joint distances)."""
    poses = np.asarray(poses, dtype=np.float64)
    flat = poses.reshape(-1, N_JOINTS * 3)
    a = anchors.reshape(len(anchors), -1)
    d = (flat**2).sum(1)[:, None] - 2 * flat @ a.T + (a**2).sum(1)[None]
    return np.argmin(d, axis=1).reshape(poses.shape[:-2])


# ---------------------------------------------------------------------------------------------
# The simulator
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectorConfig:
    """What ``simulate`` gets wrong, and how often. Rates are shares of frames; lengths are in frames.

    joint_noise      metres: Gaussian noise on every 3D joint of every proposal
    pixel_noise      pixels: Gaussian noise on every 2D joint
    flip_rate        share of frames where the front/back flip (``flip_front_back``) scores above
                     the true pose; elsewhere it is still proposed, scoring just below
    flip_length      mean length of a run of flipped frames (ambiguous poses last)
    flip_depth       how far the flip lands from the truth: 1, the full front/back mirror (mostly a
                     far pose class); 0, the true pose itself; in between, the true pose moved that
                     share of the way to its mirror (a flip that lands near the true class)
    flip_gain        the largest factor by which the flip outscores the truth in flipped frames
                     (factors uniform in [1.05, flip_gain]): larger, a flip more sure of itself
    scale_drift      standard deviation of the log of the 3D scale at the end of the sequence (a
                     random walk from 1): the detector's idea of the body's size drifts
    miss_rate        share of frames in which the actor is not detected at all
    second_person    probability that a video shows another person (another sequence's motion,
                     standing ``person_distance`` metres to one side, scoring as the actor does)
    person_distance  metres between the two people's centres, side to side
    near_misses      extra proposals of the actor per frame, disturbed by ``near_miss_noise`` metres
                     (they fall in neighbouring classes, with lower scores)
    focal, image     the pinhole camera: focal length and image size, pixels
    """

    joint_noise: float = 0.02
    pixel_noise: float = 3.0
    flip_rate: float = 0.2
    flip_length: float = 6.0
    flip_depth: float = 1.0
    flip_gain: float = 1.3
    scale_drift: float = 0.15
    miss_rate: float = 0.05
    second_person: float = 0.5
    person_distance: float = 1.5
    near_misses: int = 2
    near_miss_noise: float = 0.06
    focal: float = 1000.0
    image: tuple[int, int] = (1280, 720)

    def __post_init__(self):
        for name in ("flip_rate", "miss_rate", "second_person"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name}: expected a share in [0, 1), got {getattr(self, name)}")
        for name in ("joint_noise", "pixel_noise", "scale_drift", "near_miss_noise", "person_distance"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a number >= 0, got {getattr(self, name)}")
        if not 0 <= self.flip_depth <= 1:
            raise ValueError(f"flip_depth: expected a share in [0, 1], got {self.flip_depth}")
        if not self.flip_gain >= 1.05:
            raise ValueError(f"flip_gain: expected a factor >= 1.05, got {self.flip_gain}")
        if self.flip_length < 1 or self.focal <= 0 or int(self.near_misses) < 0:
            raise ValueError("flip_length must be >= 1 frame, focal > 0 pixels and near_misses >= 0")

    def replace(self, **changes) -> DetectorConfig:
        return replace(self, **changes)


def _runs_of(rng, t_max: int, rate: float, length: float) -> np.ndarray:
    """A two-state Markov chain over frames, ``(T,)`` bool: on for a share ``rate`` of the frames in
    runs of mean ``length``; frame 0 is off."""
    on = np.zeros(t_max, bool)
    if rate == 0:
        return on
    leave = 1.0 / length
    enter = min(1.0, rate * leave / (1 - rate))
    u = rng.random(t_max)
    for t in range(1, t_max):
        on[t] = u[t] >= leave if on[t - 1] else u[t] < enter
    return on


def simulate(
    xyz: np.ndarray,
    anchors: np.ndarray,
    config: DetectorConfig = DetectorConfig(),  # noqa: B008 (frozen: a shared default is safe)
    seed: int = 0,
    other: np.ndarray | None = None,
    fps: float = NTU_FPS,
    label: int = -1,
    name: str = "simulated",
) -> PoseHypotheses:
    """LCR-Net-style proposals for the camera-frame poses ``xyz`` ``(T, 13, 3)`` metres of one actor.

    Per frame, in random order: the true pose (with ``joint_noise``, scaled by the drifting scale),
    its front/back flip, ``near_misses`` disturbed copies, and, in a video with a second person,
    that person's pose (from ``other`` ``(T', 13, 3)``, looped; required when
    ``config.second_person`` > 0). 2D poses are projections of where each pose's joints are in the
    camera (the flip's, of its mirrored body); every 3D pose is relative to the body centre; classes
    are the nearest ``anchors``. ``truth`` keeps the actor's true centred pose, ``actor`` the index
    of the true proposal in frame 0. Deterministic in ``seed``.

    Scores: the true pose's is uniform in [0.6, 0.9] per frame; the flip's is that times a factor
    uniform in [1.05, ``flip_gain``] in flipped frames (``flip_rate``) and in [0.6, 0.95] elsewhere; a near
    miss's, times [0.2, 0.6]; the other person's, uniform in [0.6, 0.9] of their own.
    """
    cfg = config
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[1:] != (N_JOINTS, 3) or len(xyz) == 0:
        raise ValueError(f"expected the actor's poses as (T, 13, 3) metres, got {xyz.shape}")
    rng = np.random.default_rng(seed)
    t_max = len(xyz)
    camera = (cfg.focal, (cfg.image[0] / 2, cfg.image[1] / 2))  # focal length and principal point, pixels
    root = centre(xyz)  # (T, 3) where the body is in the camera
    truth = xyz - root[:, None]
    # What goes wrong in which frame: flipped runs, missed frames, the drifting 3D scale.
    flipped = _runs_of(rng, t_max, cfg.flip_rate, cfg.flip_length)
    missed = rng.random(t_max) < cfg.miss_rate
    missed[0] = False  # the actor is named in frame 0
    steps = rng.normal(0, cfg.scale_drift / np.sqrt(max(t_max - 1, 1)), t_max)
    steps[0] = 0
    scale = np.exp(np.cumsum(steps))  # (T,)
    with_other = cfg.second_person > 0 and rng.random() < cfg.second_person
    if with_other and other is None:
        raise ValueError("simulate: a second person needs their poses (other)")

    proposals = _actor_proposals(rng, xyz, root, truth, flipped, ~missed, scale, cfg, camera)
    if with_other:
        proposals.append(_other_person_proposal(rng, other, root, cfg, camera))
    count, pose_3d, pose_2d, score, actor = _frames(rng, proposals, t_max, cfg.pixel_noise)
    pose_class = np.where(np.arange(len(proposals))[None] < count[:, None], classify(pose_3d, anchors), 0)
    return PoseHypotheses(name, count, pose_2d, pose_3d, pose_class, score, float(fps), actor, int(label), truth)


def _noisy(rng, offsets: np.ndarray, sigma: float) -> np.ndarray:
    """``offsets`` plus Gaussian noise of standard deviation ``sigma`` (metres)."""
    return offsets + rng.normal(0, sigma, offsets.shape)


def _actor_proposals(rng, xyz, root, truth, flipped, seen, scale, cfg: DetectorConfig, camera) -> list[tuple]:
    """The actor's proposals, each ``(3D offsets (T, 13, 3), 2D (T, 13, 2), score (T,), present (T,) bool)``:
    the true pose, its front/back flip (scoring above it in the ``flipped`` frames), and
    ``cfg.near_misses`` disturbed copies, present in the frames ``seen``. ``xyz`` are the camera-frame
    poses, ``root`` (T, 3) their centres and ``truth`` the poses relative to them; ``scale`` (T,)
    the detector's drifting scale; ``camera`` the focal length and principal point, pixels."""
    t_max = len(xyz)
    true_score = rng.uniform(0.6, 0.9, t_max)
    true_2d = project(xyz, *camera)
    proposals = [(_noisy(rng, truth, cfg.joint_noise) * scale[:, None, None], true_2d, true_score, seen)]
    flip = truth + cfg.flip_depth * (flip_front_back(truth) - truth)  # flip_depth 1: the full mirror
    flip_2d = project(root[:, None] + flip, *camera)
    flip_score = true_score * np.where(flipped, rng.uniform(1.05, cfg.flip_gain, t_max), rng.uniform(0.6, 0.95, t_max))
    proposals.append((_noisy(rng, flip, cfg.joint_noise) * scale[:, None, None], flip_2d, flip_score, seen))
    for _ in range(int(cfg.near_misses)):
        score = true_score * rng.uniform(0.2, 0.6, t_max)
        proposals.append((_noisy(rng, truth, cfg.near_miss_noise) * scale[:, None, None], true_2d, score, seen))
    return proposals


def _other_person_proposal(rng, other, root, cfg: DetectorConfig, camera) -> tuple:
    """The second person's proposal (as in ``_actor_proposals``): the poses ``other`` ``(T', 13, 3)``
    looped over the actor's ``T`` frames, ``cfg.person_distance`` metres to one side of the actor's
    centres ``root`` (T, 3), in every frame, with scores of their own."""
    t_max = len(root)
    theirs = np.asarray(other, dtype=np.float64)[np.arange(t_max) % len(other)]
    theirs = theirs - centre(theirs)[:, None]
    side = rng.choice([-1.0, 1.0]) * cfg.person_distance
    where = root + np.array([side, 0.0, rng.uniform(-0.5, 0.5)])
    score = rng.uniform(0.6, 0.9, t_max)
    return _noisy(rng, theirs, cfg.joint_noise), project(where[:, None] + theirs, *camera), score, np.ones(t_max, bool)


def _frames(rng, proposals: list[tuple], t_max: int, pixel_noise: float):
    """The proposals present in each frame, in a random order per frame (a detector's order means
    nothing), 2D poses with ``pixel_noise``: ``count (T,)``, ``pose_3d (T, K, 13, 3)``, ``pose_2d
    (T, K, 13, 2)``, ``score (T, K)``, and ``actor``: the slot of the true pose in frame 0."""
    k = len(proposals)
    count = np.zeros(t_max, np.int64)
    pose_3d = np.zeros((t_max, k, N_JOINTS, 3))
    pose_2d = np.zeros((t_max, k, N_JOINTS, 2))
    score = np.zeros((t_max, k))
    order = np.argsort(rng.random((t_max, k)), axis=1)
    actor = 0
    for t in range(t_max):
        slot = 0
        for kind in order[t]:
            offsets, image, s, present = proposals[kind]
            if not present[t]:
                continue
            if t == 0 and kind == 0:
                actor = slot
            pose_3d[t, slot] = offsets[t]
            pose_2d[t, slot] = image[t] + rng.normal(0, pixel_noise, (N_JOINTS, 2))
            score[t, slot] = s[t]
            slot += 1
        count[t] = slot
    return count, pose_3d, pose_2d, score, actor


def simulate_videos(
    sequences, anchors: np.ndarray, config: DetectorConfig = DetectorConfig(),  # noqa: B008 (frozen)
    seed: int = 0, fps: float = NTU_FPS, labels=None, names=None,
) -> list[PoseHypotheses]:  # fmt: skip
    """``simulate`` on each of ``sequences`` (``(T_i, 13, 3)`` camera-frame metres), video ``n`` with
    seed ``seed + n``; the second person of video ``n``, where there is one, performs sequence
    ``n + N // 2`` (another actor, mostly another action). ``labels`` and ``names`` per video."""
    sequences = list(sequences)
    n_videos = len(sequences)
    if n_videos == 0:
        raise ValueError("simulate_videos: no sequence")
    return [
        simulate(
            xyz,
            anchors,
            config,
            seed=seed + n,
            other=sequences[(n + n_videos // 2) % n_videos],
            fps=fps,
            label=-1 if labels is None else int(labels[n]),
            name=f"video {n}" if names is None else names[n],
        )  # fmt: skip
        for n, xyz in enumerate(sequences)
    ]


def closest_to_truth(hyp: PoseHypotheses, frame: int) -> int | None:
    """The proposal of ``frame`` nearest the true pose (mean joint distance in 3D), or None without
    a true pose or a proposal: which one a figure calls the truth."""
    n = int(hyp.count[frame])
    if hyp.truth is None or n == 0:
        return None
    return int(np.argmin(np.linalg.norm(hyp.pose_3d[frame, :n] - hyp.truth[frame], axis=-1).mean(axis=-1)))
