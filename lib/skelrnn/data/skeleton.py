"""Joint sets: the 25 joints of the NTU RGB+D (Kinect v2) skeleton and the 13 of an image pose detector.

Defined for the data chapter (thesis 3.1.1 and 4.2.2). Joints are numbered 1..25 in the NTU
documentation; arrays here are indexed from 0, so joint ``k`` of the documentation is row
``k - 1`` of a ``(T, 25, 3)`` array.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "NTU_JOINTS",
    "N_JOINTS",
    "SPINE_BASE",
    "SPINE_MIDDLE",
    "NECK",
    "HEAD",
    "LEFT_SHOULDER",
    "LEFT_ELBOW",
    "LEFT_WRIST",
    "LEFT_HAND",
    "RIGHT_SHOULDER",
    "RIGHT_ELBOW",
    "RIGHT_WRIST",
    "RIGHT_HAND",
    "LEFT_HIP",
    "LEFT_KNEE",
    "LEFT_ANKLE",
    "LEFT_FOOT",
    "RIGHT_HIP",
    "RIGHT_KNEE",
    "RIGHT_ANKLE",
    "RIGHT_FOOT",
    "SPINE_SHOULDER",
    "LEFT_HAND_TIP",
    "LEFT_THUMB",
    "RIGHT_HAND_TIP",
    "RIGHT_THUMB",
    "NTU_PARENTS",
    "NTU_BONES",
    "DETECTOR_JOINTS",
    "DETECTOR_FROM_NTU",
    "DETECTOR_SEGMENTS",
    "segments_for",
    "joint_index",
    "to_detector_joints",
]

# 0-based order of the NTU release (its documentation numbers them 1..25).
NTU_JOINTS: tuple[str, ...] = (
    "base of spine",
    "middle of spine",
    "neck",
    "head",
    "left shoulder",
    "left elbow",
    "left wrist",
    "left hand",
    "right shoulder",
    "right elbow",
    "right wrist",
    "right hand",
    "left hip",
    "left knee",
    "left ankle",
    "left foot",
    "right hip",
    "right knee",
    "right ankle",
    "right foot",
    "spine at the shoulders",
    "left hand tip",
    "left thumb",
    "right hand tip",
    "right thumb",
)
N_JOINTS = len(NTU_JOINTS)  # 25: the rows of every NTU skeleton array
# Each joint's 0-based index, named as Kinect v2 names it (SpineBase, SpineMid, ..., ThumbRight).
SPINE_BASE, SPINE_MIDDLE, NECK, HEAD = range(4)
LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST, LEFT_HAND = range(4, 8)
RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST, RIGHT_HAND = range(8, 12)
LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_FOOT = range(12, 16)
RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE, RIGHT_FOOT = range(16, 20)
SPINE_SHOULDER, LEFT_HAND_TIP, LEFT_THUMB, RIGHT_HAND_TIP, RIGHT_THUMB = range(20, 25)

# Parent of each joint in the kinematic tree rooted at the base of the spine (-1 for the root).
# Kinect v2 attaches the hand tip to the hand and the thumb to the wrist.
NTU_PARENTS: tuple[int, ...] = (
    -1,  # base of spine
    0,  # middle of spine
    20,  # neck <- spine at the shoulders
    2,  # head <- neck
    20,  # left shoulder
    4,
    5,
    6,  # left elbow, wrist, hand
    20,  # right shoulder
    8,
    9,
    10,  # right elbow, wrist, hand
    0,  # left hip
    12,
    13,
    14,  # left knee, ankle, foot
    0,  # right hip
    16,
    17,
    18,  # right knee, ankle, foot
    1,  # spine at the shoulders <- middle of spine
    7,  # left hand tip <- left hand
    6,  # left thumb <- left wrist
    11,  # right hand tip <- right hand
    10,  # right thumb <- right wrist
)

# (parent, child) pairs: the 24 bones drawn by the viewer and measured by the scaling step.
NTU_BONES: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(NTU_PARENTS) if p >= 0)

# The 13 joints that an image pose detector such as LCR-Net gives (thesis 4.2.2).
DETECTOR_JOINTS: tuple[str, ...] = (
    "head",
    "left shoulder",
    "right shoulder",
    "left elbow",
    "right elbow",
    "left wrist",
    "right wrist",
    "left hip",
    "right hip",
    "left knee",
    "right knee",
    "left ankle",
    "right ankle",
)


def joint_index(name: str) -> int:
    """0-based NTU index of a joint given by its name (as in ``NTU_JOINTS``)."""
    try:
        return NTU_JOINTS.index(name)
    except ValueError:
        raise KeyError(f"unknown NTU joint {name!r}; known: {', '.join(NTU_JOINTS)}") from None


DETECTOR_FROM_NTU: tuple[int, ...] = tuple(joint_index(n) for n in DETECTOR_JOINTS)


def to_detector_joints(joints: np.ndarray) -> np.ndarray:
    """Keep the 13 detector joints of NTU skeletons: ``(..., 25, C)`` -> ``(..., 13, C)``."""
    joints = np.asarray(joints)
    if joints.ndim < 2 or joints.shape[-2] != N_JOINTS:
        raise ValueError(f"expected an array (..., 25, C) of NTU joints, got shape {joints.shape}")
    return joints[..., list(DETECTOR_FROM_NTU), :]


def _detector(name: str) -> int:
    return DETECTOR_JOINTS.index(name)


# Segments drawn and measured on 13-joint skeletons (indices into ``DETECTOR_JOINTS``): the limbs,
# the shoulder and hip lines, the two flanks, and the head to each shoulder (there is no neck).
DETECTOR_SEGMENTS: tuple[tuple[int, int], ...] = tuple(
    (_detector(a), _detector(b))
    for a, b in (
        ("left shoulder", "left elbow"),
        ("left elbow", "left wrist"),
        ("right shoulder", "right elbow"),
        ("right elbow", "right wrist"),
        ("left hip", "left knee"),
        ("left knee", "left ankle"),
        ("right hip", "right knee"),
        ("right knee", "right ankle"),
        ("left shoulder", "right shoulder"),
        ("left hip", "right hip"),
        ("left shoulder", "left hip"),
        ("right shoulder", "right hip"),
        ("head", "left shoulder"),
        ("head", "right shoulder"),
    )
)


def segments_for(n_joints: int) -> tuple[tuple[int, int], ...]:
    """The (parent, child) segments of a skeleton with ``n_joints`` joints: 24 NTU bones or 14 detector segments."""
    if n_joints == N_JOINTS:
        return NTU_BONES
    if n_joints == len(DETECTOR_JOINTS):
        return DETECTOR_SEGMENTS
    raise ValueError(f"expected 25 (NTU) or 13 (detector) joints, got {n_joints}")
