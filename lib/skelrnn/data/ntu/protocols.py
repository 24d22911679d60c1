"""NTU RGB+D's protocols: its action classes, its frame rate, the evaluation splits and their sizes.

Defined for the data chapter (thesis 3.1.1). The cross-subject and cross-view protocols of NTU
RGB+D [shahroudy2016ntu] decide from a sample's name (``skeleton_format.SampleName``) whether it
trains or tests, and the thesis takes its validation subjects out of the training subjects
(``split_indices``). ``NTU60_SAMPLES`` counts the release's samples, so that the protocols' sizes
on NTU itself (``ntu_protocol_sizes``) are known without a copy of it.
"""

from __future__ import annotations

import numpy as np

from skelrnn.data.ntu.skeleton_format import SampleName, parse_sample_name

__all__ = [
    "NTU_ACTIONS",
    "NTU_FPS",
    "CROSS_SUBJECT_TRAIN",
    "VALIDATION_SUBJECTS",
    "CROSS_VIEW_TRAIN_CAMERAS",
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

# Cross-subject protocol of NTU RGB+D: these subjects train, the other 20 test.
CROSS_SUBJECT_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
# The thesis's validation subjects, taken out of the training subjects (thesis 3.1.1).
VALIDATION_SUBJECTS = (25, 27, 28, 31, 34, 35, 38)
# Cross-view protocol: cameras 2 and 3 train, camera 1 tests.
CROSS_VIEW_TRAIN_CAMERAS = (2, 3)
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


def split_indices(names, protocol: str = "cross_subject", validation: bool = True) -> dict[str, np.ndarray]:
    """Indices of the NTU evaluation protocols.

    ``cross_subject``: subjects ``CROSS_SUBJECT_TRAIN`` train, the others test. ``cross_view``:
    cameras 2 and 3 train, camera 1 tests. With ``validation`` the thesis's validation subjects
    (25 27 28 31 34 35 38, thesis 3.1.1) are taken out of the training samples in both protocols.
    """
    names = [n if isinstance(n, SampleName) else parse_sample_name(n) for n in names]
    masks = _split_masks(np.array([n.subject for n in names]), np.array([n.camera for n in names]), protocol,
                         validation)  # fmt: skip
    return {part: np.flatnonzero(mask) for part, mask in masks.items()}


def _split_masks(subject: np.ndarray, camera: np.ndarray, protocol: str, validation: bool) -> dict[str, np.ndarray]:
    """The protocols' rule (``split_indices``) on arrays of subjects and cameras: ``{part: mask}``."""
    if protocol == "cross_subject":
        train = np.isin(subject, CROSS_SUBJECT_TRAIN)
    elif protocol == "cross_view":
        train = np.isin(camera, CROSS_VIEW_TRAIN_CAMERAS)
    else:
        raise ValueError(f"unknown protocol {protocol!r}; expected 'cross_subject' or 'cross_view'")
    out = {"test": ~train}
    if validation:
        out["validation"] = train & np.isin(subject, VALIDATION_SUBJECTS)
        train = train & ~out["validation"]
    out["train"] = train
    return {k: out[k] for k in ("train", "validation", "test") if k in out}


def ntu_protocol_sizes(protocol: str = "cross_subject", validation: bool = True) -> dict[str, int]:
    """Samples of each split of ``protocol`` on NTU RGB+D itself (``NTU60_SAMPLES``, by the rule of
    ``split_indices``): with ``validation``, cross-subject trains on 31,908 samples of 13 subjects,
    validates on 8,183 of the thesis's 7 validation subjects and tests on 16,487."""
    subject = np.repeat(list(NTU60_SAMPLES), 3)
    camera = np.tile([1, 2, 3], len(NTU60_SAMPLES))
    counts = np.array([n for per_camera in NTU60_SAMPLES.values() for n in per_camera])
    masks = _split_masks(subject, camera, protocol, validation)
    return {part: int(counts[mask].sum()) for part, mask in masks.items()}
