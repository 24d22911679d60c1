"""NTU RGB+D's protocols: its action classes, its frame rate, the evaluation splits and their sizes.

Defined for the data chapter (thesis 3.1.1). The cross-subject and cross-view protocols of NTU
RGB+D [shahroudy2016ntu], and the cross-subject and cross-setup protocols of NTU RGB+D 120
[liu2019ntu120], decide from a sample's name (``skeleton_format.SampleName``) whether it trains or
tests, and the thesis takes its validation subjects out of the training subjects (``split_indices``;
``PROTOCOLS`` and ``protocol_name`` for the toolkits' short names). ``NTU120_ACTIONS`` names the 120
classes (``action_name``), ``dataset_of`` tells the two releases apart by their names, and
``missing_skeletons`` reads the authors' lists of samples without a skeleton (package data).
``NTU60_SAMPLES`` counts NTU RGB+D's samples, so that the protocols' sizes on NTU itself
(``ntu_protocol_sizes``) are known without a copy of it. The thesis's tables stay NTU RGB+D's
(``NTU_ACTIONS``, 60 classes).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from skelrnn.data.ntu.skeleton_format import SampleName, parse_sample_name

__all__ = [
    "NTU_ACTIONS",
    "NTU120_ACTIONS",
    "NTU_FPS",
    "NTU60_RANGES",
    "NTU120_RANGES",
    "CROSS_SUBJECT_TRAIN",
    "CROSS_SUBJECT_TRAIN_120",
    "VALIDATION_SUBJECTS",
    "CROSS_VIEW_TRAIN_CAMERAS",
    "CROSS_SETUP_TRAIN",
    "cross_setup_trains",
    "PROTOCOLS",
    "protocol_name",
    "action_name",
    "dataset_of",
    "missing_skeletons",
    "NTU60_SAMPLES",
    "split_indices",
    "ntu_protocol_sizes",
]

# Kinect v2 records NTU RGB+D at 30 frames per second.
NTU_FPS = 30.0

# The 60 action classes of NTU RGB+D, by action code (A001..A060) [shahroudy2016ntu].
NTU_ACTIONS: dict[int, str] = dict(
    enumerate(
        (
            "drink water",
            "eat meal/snack",
            "brushing teeth",
            "brushing hair",
            "drop",
            "pickup",
            "throw",
            "sitting down",
            "standing up (from sitting position)",
            "clapping",
            "reading",
            "writing",
            "tear up paper",
            "wear jacket",
            "take off jacket",
            "wear a shoe",
            "take off a shoe",
            "wear on glasses",
            "take off glasses",
            "put on a hat/cap",
            "take off a hat/cap",
            "cheer up",
            "hand waving",
            "kicking something",
            "reach into pocket",
            "hopping (one foot jumping)",
            "jump up",
            "make a phone call/answer phone",
            "playing with phone/tablet",
            "typing on a keyboard",
            "pointing to something with finger",
            "taking a selfie",
            "check time (from watch)",
            "rub two hands together",
            "nod head/bow",
            "shake head",
            "wipe face",
            "salute",
            "put the palms together",
            "cross hands in front (say stop)",
            "sneeze/cough",
            "staggering",
            "falling",
            "touch head (headache)",
            "touch chest (stomachache/heart pain)",
            "touch back (backache)",
            "touch neck (neckache)",
            "nausea or vomiting condition",
            "use a fan (with hand or paper)/feeling warm",
            "punching/slapping other person",
            "kicking other person",
            "pushing other person",
            "pat on back of other person",
            "point finger at the other person",
            "hugging other person",
            "giving something to other person",
            "touch other person's pocket",
            "handshaking",
            "walking towards each other",
            "walking apart from each other",
        ),  # fmt: skip
        start=1,
    )
)
assert len(NTU_ACTIONS) == 60

# The 120 action classes of NTU RGB+D 120 (A001..A120) [liu2019ntu120]: NTU RGB+D's 60, then the 60
# it adds (A061..A120), as the authors list them (github.com/shahroudy/NTURGB-D, README.md), less
# their trailing full stops; "hush (quite)" is their spelling, and the typographic apostrophes of
# A109, A117 and A119 are written ' as in A057. (Their list calls A025 "put something inside pocket /
# take out something from pocket"; NTU_ACTIONS keeps the NTU RGB+D paper's "reach into pocket".)
NTU120_ACTIONS: dict[int, str] = {
    **NTU_ACTIONS,
    **dict(
        enumerate(
            (
                "put on headphone",
                "take off headphone",
                "shoot at the basket",
                "bounce ball",
                "tennis bat swing",
                "juggling table tennis balls",
                "hush (quite)",
                "flick hair",
                "thumb up",
                "thumb down",
                "make ok sign",
                "make victory sign",
                "staple book",
                "counting money",
                "cutting nails",
                "cutting paper (using scissors)",
                "snapping fingers",
                "open bottle",
                "sniff (smell)",
                "squat down",
                "toss a coin",
                "fold paper",
                "ball up paper",
                "play magic cube",
                "apply cream on face",
                "apply cream on hand back",
                "put on bag",
                "take off bag",
                "put something into a bag",
                "take something out of a bag",
                "open a box",
                "move heavy objects",
                "shake fist",
                "throw up cap/hat",
                "hands up (both hands)",
                "cross arms",
                "arm circles",
                "arm swings",
                "running on the spot",
                "butt kicks (kick backward)",
                "cross toe touch",
                "side kick",
                "yawn",
                "stretch oneself",
                "blow nose",
                "hit other person with something",
                "wield knife towards other person",
                "knock over other person (hit with body)",
                "grab other person's stuff",
                "shoot at other person with a gun",
                "step on foot",
                "high-five",
                "cheers and drink",
                "carry something with other person",
                "take a photo of other person",
                "follow other person",
                "whisper in other person's ear",
                "exchange things with other person",
                "support somebody with one's hand (someone is sick, help him to walk)",
                "finger-guessing game (playing rock-paper-scissors)",
            ),  # fmt: skip
            start=61,
        )
    ),
}
assert len(NTU120_ACTIONS) == 120 and list(NTU120_ACTIONS) == list(range(1, 121))

# The name fields of each release, ``{field: (lowest, highest)}``: NTU RGB+D's setups S001-S017,
# performers P001-P040, actions A001-A060; NTU RGB+D 120's S001-S032, P001-P106, A001-A120. Both
# have cameras C001-C003 and replications R001-R002.
NTU60_RANGES = {"setup": (1, 17), "camera": (1, 3), "subject": (1, 40), "replication": (1, 2), "action": (1, 60)}
NTU120_RANGES = {"setup": (1, 32), "camera": (1, 3), "subject": (1, 106), "replication": (1, 2), "action": (1, 120)}

# Cross-subject protocol of NTU RGB+D: these subjects train, the other 20 test.
CROSS_SUBJECT_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
# Cross-subject protocol of NTU RGB+D 120 [liu2019ntu120]: these 53 of its 106 subjects train, the
# other 53 test. The first 20 are NTU RGB+D's (CROSS_SUBJECT_TRAIN), and no subject of 41..106 is
# one of NTU RGB+D's, so on NTU RGB+D's names both lists split alike.
CROSS_SUBJECT_TRAIN_120 = CROSS_SUBJECT_TRAIN + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94,
    95, 97, 98, 100, 103,
)  # fmt: skip
assert len(CROSS_SUBJECT_TRAIN_120) == 53
# The thesis's validation subjects, taken out of the training subjects (thesis 3.1.1). All are
# training subjects of both releases' cross-subject protocols (CROSS_SUBJECT_TRAIN_120 too).
VALIDATION_SUBJECTS = (25, 27, 28, 31, 34, 35, 38)
# Cross-view protocol: cameras 2 and 3 train, camera 1 tests.
CROSS_VIEW_TRAIN_CAMERAS = (2, 3)
# Cross-setup protocol of NTU RGB+D 120 [liu2019ntu120]: the even setups train, the odd ones test
# (``cross_setup_trains``); these are the training setups of its S001-S032.
CROSS_SETUP_TRAIN = tuple(range(2, 33, 2))

# The protocols by the short names of the toolkits (PYSKL, MMAction2: ``xsub_train``, ``xset_val``, ...).
PROTOCOLS = {"xsub": "cross_subject", "xview": "cross_view", "xset": "cross_setup"}

# NTU RGB+D's samples with a skeleton, by subject: (camera 1, camera 2, camera 3). A fact of the
# release, counted from its file names (S001-S017; every subject of a setup performs the 60
# actions twice before each of the 3 cameras, 120 samples a camera) less the 302 samples it ships
# without a skeleton (its list of missing skeletons). They add up to the protocols' published
# sizes: cross-subject 40,091 training and 16,487 test samples, cross-view 37,646 and 18,932
# (tests/test_dataset.py). The full profile's cost is counted on them (``ntu_protocol_sizes``).
NTU60_SAMPLES = {
    1: (719, 713, 718), 2: (359, 359, 356), 3: (480, 479, 480), 4: (240, 238, 240), 5: (120, 119, 117),
    6: (120, 119, 119), 7: (1919, 1913, 1898), 8: (1919, 1910, 1902), 9: (240, 240, 240), 10: (240, 236, 239),
    11: (120, 119, 118), 12: (120, 120, 120), 13: (360, 360, 360), 14: (120, 120, 119), 15: (1559, 1553, 1555),
    16: (1318, 1308, 1313), 17: (1437, 1431, 1431), 18: (837, 835, 836), 19: (1436, 1437, 1434),
    20: (240, 234, 239), 21: (360, 360, 359), 22: (120, 119, 119), 23: (120, 116, 120), 24: (120, 118, 120),
    25: (1196, 1195, 1172), 26: (120, 114, 120), 27: (599, 594, 583), 28: (476, 478, 476), 29: (120, 119, 120),
    30: (120, 120, 120), 31: (120, 118, 114), 32: (120, 119, 119), 33: (120, 120, 117), 34: (120, 118, 113),
    35: (120, 117, 114), 36: (120, 120, 120), 37: (480, 480, 480), 38: (120, 120, 120), 39: (240, 239, 239),
    40: (118, 120, 120),
}  # fmt: skip


def cross_setup_trains(setup):
    """The cross-setup rule of NTU RGB+D 120: whether setup number(s) ``setup`` train (even) or test
    (odd). Takes an int or an array of ints, returns a bool or a boolean array."""
    return np.asarray(setup) % 2 == 0


def protocol_name(text: str) -> str:
    """The book's name of a protocol, from it or from its short name: ``"xsub"`` or ``"cross_subject"``
    -> ``"cross_subject"`` (``PROTOCOLS``; case, spaces and hyphens aside). Anything else is a
    ``ValueError`` listing the choices."""
    key = "_".join(str(text).lower().replace("-", " ").split())
    if key in PROTOCOLS:
        return PROTOCOLS[key]
    if key in PROTOCOLS.values():
        return key
    choices = ", ".join(f"{long} ({short})" for short, long in PROTOCOLS.items())
    raise ValueError(f"unknown protocol {text!r}; expected one of {choices}")


def action_name(code: int) -> str:
    """The name of action ``code`` (NTU RGB+D 120's, ``NTU120_ACTIONS``, for 1..120; the first 60 are
    NTU RGB+D's), else ``A<code>`` (``A121``)."""
    return NTU120_ACTIONS.get(int(code), f"A{int(code):03d}")


def dataset_of(names) -> str:
    """Which release sample ``names`` come from: ``"NTU RGB+D 120"`` when any name has a setup, a
    subject or an action beyond NTU RGB+D's (S017, P040, A060; ``NTU60_RANGES``), else
    ``"NTU RGB+D"`` (an empty list included)."""
    for n in names:
        n = n if isinstance(n, SampleName) else parse_sample_name(n)
        if any(getattr(n, f) > NTU60_RANGES[f][1] for f in ("setup", "subject", "action")):
            return "NTU RGB+D 120"
    return "NTU RGB+D"


_MISSING_FILES = {"ntu60": "missing_skeletons_ntu60.txt", "ntu120": "missing_skeletons_ntu120.txt"}
_MISSING_ALIASES = {"ntu rgb+d": "ntu60", "ntu rgb+d 120": "ntu120", "ntu": "ntu60"}


def missing_skeletons(dataset: str = "ntu120") -> frozenset[str]:
    """The sample names (``S001C002P005R002A008``) the authors list as having missing or incomplete
    skeleton data, to be left out of skeleton-based training and testing: ``"ntu60"`` NTU RGB+D's 302,
    ``"ntu120"`` NTU RGB+D 120's 535 (the 302 among them). ``dataset`` may also be a name that
    ``dataset_of`` returns. Read from the package's text files (their header says where they come from)."""
    key = str(dataset).strip().lower()
    key = _MISSING_ALIASES.get(key, key)
    if key not in _MISSING_FILES:
        raise ValueError(f"unknown dataset {dataset!r}; expected 'ntu60' or 'ntu120'")
    return _read_names(_MISSING_FILES[key])


@cache
def _read_names(filename: str) -> frozenset[str]:
    """The sample names of package data file ``filename``: one a line, ``#`` lines are comments."""
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def split_indices(names, protocol: str = "cross_subject", validation: bool = True) -> dict[str, np.ndarray]:
    """Indices of the NTU evaluation protocols (``protocol`` or its short name, ``protocol_name``).

    ``cross_subject``: subjects ``CROSS_SUBJECT_TRAIN_120`` train, the others test (on NTU RGB+D's
    subjects 1..40 these are ``CROSS_SUBJECT_TRAIN``). ``cross_view``: cameras 2 and 3 train, camera
    1 tests. ``cross_setup``: even setups train, odd ones test (``cross_setup_trains``). With
    ``validation`` the thesis's validation subjects (25 27 28 31 34 35 38, thesis 3.1.1) are taken
    out of the training samples in every protocol; in cross-view and cross-setup the same subjects
    also appear in the test split, before the other cameras or in the other setups.
    """
    names = [n if isinstance(n, SampleName) else parse_sample_name(n) for n in names]
    field = {f: np.array([getattr(n, f) for n in names], dtype=int) for f in ("subject", "camera", "setup")}
    masks = _split_masks(field["subject"], field["camera"], protocol, validation, field["setup"])
    return {part: np.flatnonzero(mask) for part, mask in masks.items()}


def _split_masks(
    subject: np.ndarray, camera: np.ndarray, protocol: str, validation: bool, setup: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The protocols' rule (``split_indices``) on arrays of subjects, cameras and (for cross-setup)
    setups: ``{part: mask}``."""
    protocol = protocol_name(protocol)
    if protocol == "cross_subject":
        train = np.isin(subject, CROSS_SUBJECT_TRAIN_120)
    elif protocol == "cross_view":
        train = np.isin(camera, CROSS_VIEW_TRAIN_CAMERAS)
    else:
        if setup is None:
            raise ValueError("the cross_setup protocol needs the samples' setup numbers")
        train = cross_setup_trains(setup)
    out = {"test": ~train}
    if validation:
        out["validation"] = train & np.isin(subject, VALIDATION_SUBJECTS)
        train = train & ~out["validation"]
    out["train"] = train
    return {k: out[k] for k in ("train", "validation", "test") if k in out}


def ntu_protocol_sizes(protocol: str = "cross_subject", validation: bool = True) -> dict[str, int]:
    """Samples of each split of ``protocol`` on NTU RGB+D itself (``NTU60_SAMPLES``, by the rule of
    ``split_indices``): with ``validation``, cross-subject trains on 31,908 samples of 13 subjects,
    validates on 8,183 of the thesis's 7 validation subjects and tests on 16,487. NTU RGB+D has no
    cross-setup protocol, and ``NTU60_SAMPLES`` does not count by setup: ``cross_setup`` is a
    ``ValueError``."""
    if protocol_name(protocol) == "cross_setup":
        raise ValueError("ntu_protocol_sizes: NTU60_SAMPLES counts samples by subject and camera, not by setup; "
                         "cross_setup is NTU RGB+D 120's protocol")  # fmt: skip
    subject = np.repeat(list(NTU60_SAMPLES), 3)
    camera = np.tile([1, 2, 3], len(NTU60_SAMPLES))
    counts = np.array([n for per_camera in NTU60_SAMPLES.values() for n in per_camera])
    masks = _split_masks(subject, camera, protocol, validation)
    return {part: int(counts[mask].sum()) for part, mask in masks.items()}
