"""Choosing the main actor of a ``.skeleton`` file, and a second body, among its body tracks.

Defined for the data chapter (thesis 3.1.1). The Kinect tracks every body it sees, ghosts and
furniture included; ``choose_actors`` keeps the person who acts (and a partner in two-person
actions) by the rules that the public NTU pipelines share (``NOISE_MAX_FRAMES``,
``SPREAD_RATIO``, ``MAX_WIDE_FRACTION``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from skelrnn.data.ntu.skeleton_format import SkeletonSequence

__all__ = ["ActorChoice", "choose_actors", "NOISE_MAX_FRAMES", "SPREAD_RATIO", "MAX_WIDE_FRACTION"]

# Body-track rules shared by the NTU preprocessing of View-Adaptive LSTM, 2s-AGCN and PYSKL.
NOISE_MAX_FRAMES = 11  # a track seen in 11 frames or fewer is noise
SPREAD_RATIO = 0.8  # a person-shaped frame has an x-spread of at most 0.8 times its y-spread
MAX_WIDE_FRACTION = 0.69  # a track wider than that in more than 69 % of its frames is not a person


class ActorChoice(NamedTuple):
    """Which body tracks of a file to use: ``main`` and ``second`` are track indices (``second`` may be
    None); ``rejected`` maps the other tracks to why they were dropped."""

    main: int
    second: int | None
    rejected: dict[int, str]


def _track_motion(xyz: np.ndarray, valid: np.ndarray) -> float:
    """Total motion of one track: the sum over consecutive valid frames of the mean joint displacement, metres."""
    both = valid[1:] & valid[:-1]
    if not both.any():
        return 0.0
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=2).mean(axis=1)  # (T - 1,)
    return float(step[both].sum())


def choose_actors(seq: SkeletonSequence) -> ActorChoice:
    """Pick the main actor (and a second body) of a parsed file.

    The rule, applied to each body track:

    1. a track with at most 11 frames holding joints is noise (Kinect ghosts flicker in and out);
    2. a track that is wider than tall (x-spread over the joints above 0.8 times the y-spread) in
       more than 69 % of its frames is not a person (furniture, a coat on a chair);
    3. the main actor is the remaining track with the largest total motion: the sum, over the
       frames it is present, of its mean joint displacement from one frame to the next. A track
       present longer accumulates more, so this favours the body that is there longest and
       moves most. The runner-up, if any, is the second body (two-person actions).

    If every track breaks rule 1 or 2, the main actor is chosen among all of them by rule 3.
    A file without bodies raises ``ValueError`` (``load`` reports it as skipped).
    """
    if seq.n_bodies == 0:
        raise ValueError(f"{seq.path}: no body in any frame")
    xyz = seq.joints[..., :3]  # (T, B, 25, 3)
    has_joints = seq.tracked()  # (T, B)
    rejected: dict[int, str] = {}
    motion = np.zeros(seq.n_bodies)
    for b in range(seq.n_bodies):
        valid = has_joints[:, b]
        motion[b] = _track_motion(xyz[:, b], valid)
        n_valid = int(valid.sum())
        if n_valid <= NOISE_MAX_FRAMES:
            rejected[b] = f"noise: joints in {n_valid} frames (at most {NOISE_MAX_FRAMES})"
            continue
        spread = np.ptp(xyz[valid, b], axis=1)  # (n_valid, 3)
        wide = float(np.mean(spread[:, 0] > SPREAD_RATIO * spread[:, 1]))
        if wide > MAX_WIDE_FRACTION:
            rejected[b] = f"not a person: wider than tall in {wide:.0%} of its frames"
    candidates = [b for b in range(seq.n_bodies) if b not in rejected] or list(range(seq.n_bodies))
    ranked = sorted(candidates, key=lambda b: (-motion[b], -int(has_joints[:, b].sum()), b))
    main = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    others = {b: why for b, why in rejected.items() if b not in (main, second)}
    for b in ranked[2:]:
        others[b] = "third or later body by total motion"
    return ActorChoice(main, second, others)
