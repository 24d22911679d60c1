"""What the embedded dataset contains: its configuration, its sample names, and the random streams they seed.

Defined for the data chapter (thesis 3.1.1). ``SyntheticConfig`` says how many subjects,
replications, cameras and setups, which actions, how long the sequences and how often each
kind of imperfection happens; ``sample_names`` lists the files it makes, with real NTU sample
names (``SsssCcccPpppRrrrAaaa``). Every random draw of the generator comes from a stream seeded
by ``(config.seed, one of the stream keys, parts of a name)`` (``random_stream``), so that a
file depends on ``(config.seed, its name)`` alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from skelrnn.data.ntu import skeleton_format
from skelrnn.data.synthetic.cameras import N_CAMERAS, N_SETUPS
from skelrnn.data.synthetic.catalogue import DEFAULT_ACTIONS, action_number

# ---------------------------------------------------------------------------------------------
# Configuration and names
# ---------------------------------------------------------------------------------------------


def check_int(name: str, value, low: int, high: int) -> None:
    """``ValueError`` unless ``value`` is an integer (not a bool) in ``low..high``; ``name`` names it."""
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
        check_int("n_subjects", self.n_subjects, 1, 999)
        check_int("n_replications", self.n_replications, 1, 999)
        check_int("n_cameras", self.n_cameras, 1, N_CAMERAS)
        check_int("n_setups", self.n_setups, 1, N_SETUPS)
        if isinstance(self.actions, (str, bytes)) or not isinstance(self.actions, Iterable):
            raise ValueError(f"actions: expected a sequence of action codes, got {self.actions!r}")
        actions = tuple(sorted(action_number(a) for a in self.actions))
        if not actions or len(set(actions)) != len(actions):
            raise ValueError(f"actions: expected at least one action, each once, got {self.actions!r}")
        object.__setattr__(self, "actions", actions)  # frozen: normalise once, here
        check_int("min_frames", self.min_frames, 16, 10_000)
        check_int("max_frames", self.max_frames, self.min_frames, 10_000)
        _check_float("noise", self.noise, 0.0, 0.1)
        _check_float("failure_prob", self.failure_prob, 0.0, 1.0)
        for name in ("second_body_prob", "left_handed", "turned_prob", "partial_prob", "hesitant_prob",
                     "occlusion_prob"):  # fmt: skip
            _check_float(name, getattr(self, name), 0.0, 1.0)
        check_int("digits", self.digits, 1, 17)
        check_int("seed", self.seed, 0, 2**63 - 1)

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


def sample_names(config: SyntheticConfig | None = None) -> list[skeleton_format.SampleName]:
    """Every sample of the dataset, one per file, sorted as the file names sort.

    ``n_subjects x len(actions) x n_replications x n_cameras`` names (7,200 for the default).
    """
    config = SyntheticConfig() if config is None else config
    names = [
        skeleton_format.SampleName(_setup_of(p, config), c, p, r, a)
        for p in range(1, config.n_subjects + 1)
        for r in range(1, config.n_replications + 1)
        for a in config.actions
        for c in range(1, config.n_cameras + 1)
    ]
    return sorted(names, key=str)


def checked_name(name, config: SyntheticConfig) -> skeleton_format.SampleName:
    """``name`` (a ``SampleName`` or its text) as a ``SampleName``; ``ValueError`` if ``config`` has no such sample."""
    if not isinstance(name, skeleton_format.SampleName):
        name = skeleton_format.parse_sample_name(str(name))
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
# Random streams
# ---------------------------------------------------------------------------------------------

# The key after the seed that tells the streams apart: a subject's bones, a performance, a
# camera's view, a subject's style.
SUBJECT_STREAM, PERFORMANCE_STREAM, VIEW_STREAM, STYLE_STREAM = 1, 2, 3, 4


def random_stream(*keys: int) -> np.random.Generator:
    """The random generator seeded by ``keys``: the dataset's seed, a stream key, then parts of a name."""
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in keys]))
