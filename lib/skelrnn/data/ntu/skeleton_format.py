"""The NTU RGB+D ``.skeleton`` text format: its fields, sample names, the careful parser, writing.

Defined for the data chapter (thesis 3.1.1). A file is whitespace-separated text::

    frame count
    per frame:  body count
        per body:  10 values   bodyID clippedEdges handLeftConfidence handLeftState
                               handRightConfidence handRightState isRestricted leanX leanY
                               trackingState
                   joint count (25)
                   25 lines of 12 values   x y z depthX depthY colorX colorY
                                           orientationW orientationX orientationY orientationZ
                                           trackingState

Coordinates ``x y z`` are metres in the camera frame. Anything else raises
``SkeletonFormatError`` with the file, the line number and what was expected there
(``parse_careful``, the definition of the format). Files are read by ``reader.read_skeleton``,
a compiled reader that agrees with ``parse_careful`` on every input.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from skelrnn.core.io import write_text_atomic
from skelrnn.data.skeleton import N_JOINTS

__all__ = [
    "SkeletonFormatError",
    "SkeletonSequence",
    "SampleName",
    "parse_sample_name",
    "parse_careful",
    "write_skeleton",
    "format_skeleton",
    "JOINT_FIELDS",
    "BODY_FIELDS",
    "MAX_BODIES",
]

MAX_BODIES = 6  # Kinect v2 tracks at most six people
BODY_FIELDS = (
    "clippedEdges",
    "handLeftConfidence",
    "handLeftState",
    "handRightConfidence",
    "handRightState",
    "isRestricted",
    "leanX",
    "leanY",
    "trackingState",
)
JOINT_FIELDS = (
    "x",
    "y",
    "z",
    "depthX",
    "depthY",
    "colorX",
    "colorY",
    "orientationW",
    "orientationX",
    "orientationY",
    "orientationZ",
    "trackingState",
)


class SkeletonFormatError(ValueError):
    """A ``.skeleton`` file does not follow the format; names the file, the line and the expectation."""

    def __init__(self, path, line: int, expected: str, found: str | None = None):
        self.path, self.line, self.expected, self.found = str(path), line, expected, found
        where = f"{self.path}: line {line}" if line else self.path
        tail = "" if found is None else f", found {found!r}"
        super().__init__(f"{where}: expected {expected}{tail}")


# ---------------------------------------------------------------------------------------------
# Sample names
# ---------------------------------------------------------------------------------------------


class SampleName(NamedTuple):
    """The five fields of an NTU sample name, as integers (action 1..60 in NTU RGB+D)."""

    setup: int
    camera: int
    subject: int
    replication: int
    action: int

    def __str__(self) -> str:
        return f"S{self.setup:03d}C{self.camera:03d}P{self.subject:03d}R{self.replication:03d}A{self.action:03d}"


_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def parse_sample_name(name: str | os.PathLike) -> SampleName:
    """``S001C002P003R002A013`` (or a path to ``S001C002P003R002A013.skeleton``) -> ``SampleName``."""
    stem = Path(name).name
    if stem.endswith(".skeleton"):
        stem = stem[: -len(".skeleton")]
    match = _NAME.fullmatch(stem)
    if not match:
        raise ValueError(
            f"{name}: not an NTU sample name; expected SsssCcccPpppRrrrAaaa with three digits each, "
            "e.g. S001C002P003R002A013"
        )
    return SampleName(*(int(g) for g in match.groups()))


# ---------------------------------------------------------------------------------------------
# The parsed sequence
# ---------------------------------------------------------------------------------------------


@dataclass
class SkeletonSequence:
    """One parsed ``.skeleton`` file.

    Bodies are tracks, one per distinct body ID, in order of first appearance.

    joints     (T, B, 25, 12) float64   the 12 joint fields (``JOINT_FIELDS``); 0 where absent
    body_info  (T, B, 9) float64        the body fields after the ID (``BODY_FIELDS``)
    present    (T, B) bool              body b is in frame t
    body_ids   (B,) int64               Kinect body IDs
    """

    path: str
    joints: np.ndarray
    body_info: np.ndarray
    present: np.ndarray
    body_ids: np.ndarray

    @property
    def n_frames(self) -> int:
        return self.joints.shape[0]

    @property
    def n_bodies(self) -> int:
        return self.joints.shape[1]

    def xyz(self, body: int = 0) -> np.ndarray:
        """Joint positions of one body track, ``(T, 25, 3)`` metres (0 where the body is absent)."""
        return self.joints[:, body, :, :3]

    def tracked(self) -> np.ndarray:
        """Where each body track holds joints: present and not every joint at 0. ``(T, B)`` bool."""
        return self.present & np.any(self.joints[..., :3] != 0, axis=(2, 3))

    def failed_frames(self) -> np.ndarray:
        """Frames where the sensor failed: no body at all, or every joint of every body at 0. ``(T,)`` bool."""
        return ~self.tracked().any(axis=1)


# ---------------------------------------------------------------------------------------------
# The careful parser
# ---------------------------------------------------------------------------------------------
#
# ``parse_careful`` walks the file line by line in Python and converts every token with
# ``int``/``float``: it decides what is accepted, and when something is wrong it names the file,
# the line and what was expected there. ``reader.parse_fast`` does the same work compiled and
# leaves every file it cannot vouch for to it (the comment in ``reader``).


class _Lines:
    """Non-blank lines with their 1-based numbers, read front to back."""

    def __init__(self, text: str, path):
        self.path = path
        self.items = [(n, line.split()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        self.pos = 0

    def next(self, expected: str) -> tuple[int, list[str]]:
        if self.pos >= len(self.items):
            last = self.items[-1][0] if self.items else 0
            raise SkeletonFormatError(self.path, last + 1, expected, "the end of the file")
        item = self.items[self.pos]
        self.pos += 1
        return item

    def count(self, expected: str, low: int, high: int | None = None) -> int:
        n, tokens = self.next(expected)
        if len(tokens) != 1:
            raise SkeletonFormatError(self.path, n, expected, " ".join(tokens))
        try:
            value = int(tokens[0])
        except ValueError:
            raise SkeletonFormatError(self.path, n, expected, tokens[0]) from None
        if value < low or (high is not None and value > high):
            raise SkeletonFormatError(self.path, n, expected, tokens[0])
        return value


def _floats(path, n: int, tokens: list[str], expected: str) -> list[float]:
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise SkeletonFormatError(path, n, expected, " ".join(tokens)) from None
    if not all(math.isfinite(v) for v in values):
        raise SkeletonFormatError(path, n, expected + " (finite numbers)", " ".join(tokens))
    return values


def parse_careful(text: str, path) -> SkeletonSequence:
    """The reference parser, line by line; the only one that reports errors (file, line, expectation)."""
    lines = _Lines(text, path)
    n_frames = lines.count("the frame count (an integer >= 0)", 0)
    frames: list[list[tuple[int, list[float], list[list[float]]]]] = []
    order: dict[int, int] = {}
    for t in range(n_frames):
        n_bodies = lines.count(f"the body count of frame {t + 1} (0..{MAX_BODIES})", 0, MAX_BODIES)
        bodies = []
        for b in range(n_bodies):
            what = f"frame {t + 1}, body {b + 1}: 10 body values (bodyID then {len(BODY_FIELDS)} fields)"
            n, tokens = lines.next(what)
            if len(tokens) != 1 + len(BODY_FIELDS):
                raise SkeletonFormatError(path, n, what, " ".join(tokens))
            try:
                body_id = int(tokens[0])
            except ValueError:
                raise SkeletonFormatError(path, n, what + " with an integer bodyID", tokens[0]) from None
            if body_id in (bid for bid, _, _ in bodies):
                raise SkeletonFormatError(path, n, f"frame {t + 1}: distinct body IDs", str(body_id))
            info = _floats(path, n, tokens[1:], what)
            lines.count(f"frame {t + 1}, body {b + 1}: the joint count {N_JOINTS}", N_JOINTS, N_JOINTS)
            joints = []
            for j in range(N_JOINTS):
                jwhat = f"frame {t + 1}, body {b + 1}, joint {j + 1}: {len(JOINT_FIELDS)} values"
                n, tokens = lines.next(jwhat)
                if len(tokens) != len(JOINT_FIELDS):
                    raise SkeletonFormatError(path, n, jwhat, " ".join(tokens))
                joints.append(_floats(path, n, tokens, jwhat))
            order.setdefault(body_id, len(order))
            bodies.append((body_id, info, joints))
        frames.append(bodies)
    if lines.pos < len(lines.items):
        n, tokens = lines.items[lines.pos]
        raise SkeletonFormatError(path, n, f"the end of the file after {n_frames} frames", " ".join(tokens))

    n_tracks = len(order)
    joints = np.zeros((n_frames, n_tracks, N_JOINTS, len(JOINT_FIELDS)))
    body_info = np.zeros((n_frames, n_tracks, len(BODY_FIELDS)))
    present = np.zeros((n_frames, n_tracks), dtype=bool)
    for t, bodies in enumerate(frames):
        for body_id, info, joint_rows in bodies:
            slot = order[body_id]
            joints[t, slot] = joint_rows
            body_info[t, slot] = info
            present[t, slot] = True
    body_ids = np.array(list(order), dtype=np.int64)
    return SkeletonSequence(str(path), joints, body_info, present, body_ids)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    # Shortest text that reads back to the same float64; integers without a trailing ".0".
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def format_skeleton(seq: SkeletonSequence, newline: str = "\n", digits: int | None = None) -> str:
    """The text of ``seq`` in the ``.skeleton`` format.

    With ``digits=None`` every value is written exactly (shortest round-trip text), so
    ``parse_skeleton`` gives back the same arrays. With ``digits=k`` values are written with
    ``k`` significant digits (``%.kg``, the Kinect SDK writes about 7): much faster and smaller,
    and reading back gives the values rounded to ``k`` digits.
    """
    if digits is not None and not 1 <= int(digits) <= 17:
        raise ValueError(f"digits: expected an integer in 1..17 or None, got {digits!r}")
    if digits is None:
        body_line = lambda info: " ".join(_fmt(v) for v in info)  # noqa: E731
        block = lambda rows: newline.join(" ".join(_fmt(v) for v in row) for row in rows)  # noqa: E731
    else:
        # One %-template per body block: the formatting loop then runs in C.
        f = f"%.{int(digits)}g"
        info_tpl = " ".join([f] * len(BODY_FIELDS))
        block_tpl = newline.join([" ".join([f] * len(JOINT_FIELDS))] * N_JOINTS)
        body_line = lambda info: info_tpl % tuple(info.tolist())  # noqa: E731
        block = lambda rows: block_tpl % tuple(rows.ravel().tolist())  # noqa: E731
    out = [str(seq.n_frames)]
    for t in range(seq.n_frames):
        slots = np.flatnonzero(seq.present[t])
        out.append(str(len(slots)))
        for b in slots:
            out.append(f"{int(seq.body_ids[b])} {body_line(seq.body_info[t, b])}")
            out.append(str(N_JOINTS))
            out.append(block(seq.joints[t, b]))
    return newline.join(out) + newline


def write_skeleton(
    path: str | os.PathLike,
    seq: SkeletonSequence,
    newline: str = "\n",
    digits: int | None = None,
    fsync: bool = True,
) -> Path:
    """Write ``seq`` as a ``.skeleton`` file atomically (``io.write_text_atomic``, whose ``fsync``
    this passes on); ``digits`` as in ``format_skeleton``."""
    return write_text_atomic(path, format_skeleton(seq, newline, digits), encoding="ascii", fsync=fsync)
