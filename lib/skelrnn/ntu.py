"""The NTU RGB+D ``.skeleton`` text format: read, write, and sample names ``SsssCcccPpppRrrrAaaa``.

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
``SkeletonFormatError`` with the file, the line number and what was expected there.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "SkeletonFormatError",
    "SkeletonSequence",
    "SampleName",
    "parse_sample_name",
    "read_skeleton",
    "parse_skeleton",
    "write_skeleton",
    "format_skeleton",
    "JOINT_FIELDS",
    "BODY_FIELDS",
    "N_JOINTS",
    "MAX_BODIES",
]

N_JOINTS = 25
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

    def failed_frames(self) -> np.ndarray:
        """Frames where the sensor failed: no body at all, or every joint of every body at 0. ``(T,)`` bool."""
        has_signal = (self.present[:, :, None] & np.any(self.joints[..., :3] != 0, axis=3)).any(axis=(1, 2))
        return ~has_signal


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
#
# Two parsers, one contract.
#
# ``_parse_careful`` walks the file line by line in Python and converts every token with
# ``int``/``float``. It is the definition of the format: it decides what is accepted, and when
# something is wrong it names the file, the line and what was expected there. It costs about
# 0.1 ms per body and frame, mostly in the ~300 ``float`` calls; over the 56,880 files of
# NTU RGB+D that is minutes of pure text parsing on every pass.
#
# ``_parse_fast`` does the same work on the raw bytes with whole-array NumPy operations and
# reports no errors: it accepts only files it can prove well formed in the narrow sense below
# and returns ``None`` for anything else; the public functions then run ``_parse_careful``,
# which succeeds or raises its exact message. So on every input the two paths agree: the same
# arrays bit for bit, or the same error.
#
# What the fast path accepts, and why that gives bit-identical results:
#
# * Bytes: ASCII; whitespace only space, tab, LF, and CR directly before LF. Then a line break
#   is exactly what ``str.splitlines`` calls one (no lone CR, ``\v``, ``\f``, ``\x1c``...) and
#   the whitespace is exactly what ``str.split`` splits on.
# * Structure: tokens per non-blank line exactly 1; per frame 1; per body 10, 1, 25 x 12, with
#   every count a plain run of digits (so ``int`` of it is unambiguous), body counts at most
#   ``MAX_BODIES``, joint counts 25, body IDs plain digits (at most 18) and distinct within a
#   frame. The body-count lines are found without a Python loop (the one-token lines that do
#   not follow a body line); the line pattern is then rebuilt from those counts and compared
#   with the observed one.
# * Numbers: a token ``[-]digits[.digits]`` (``5.`` and ``.5`` too) of at most 16 bytes is
#   converted without ``float``: its last 16 bytes are loaded as two little-endian uint64
#   lanes, bytes before the token are masked off, bytes are classified exactly (every byte is
#   ASCII, so SWAR additions never carry across bytes), the dot is squeezed out, and SWAR
#   multiplications combine the digits into the integer mantissa ``m``, exactly. When
#   ``m <= 2**53`` and the token has ``f <= 15`` digits after the dot, ``m`` and ``10**f`` are
#   exact doubles, so the one IEEE division ``m / 10**f`` is the correctly rounded value of the
#   decimal, which is what ``float`` returns. Any other token is converted by ``float`` itself
#   (Kinect output has a few: values below 1e-4 are written with an exponent); one that
#   ``float`` refuses, that is infinite, or that holds anything but digits, signs, dots and
#   exponents sends the file to the careful parser. Body IDs (17 digits) are read with ``int``.
# * Layout: when every frame holds the same bodies in the same order (the usual file) the
#   tokens repeat with one period per frame, so the structure checks and the gathering of the
#   joint values are comparisons and copies of (frames, period) views; other files take a
#   vectorised walk over the lines.
#
# Speed: a file costs some 80 NumPy passes over arrays of one to two uint64 per token, so the
# time goes into memory traffic and per-call overhead, not arithmetic. Where every fresh page
# of memory costs a fault (microseconds in containers and VMs), new temporaries would cost as
# much as the passes themselves, so the passes write into per-thread work arrays that are
# reused from file to file (``_Workspace``), and the file is read straight into one of them.
# benchmarks/parse.py measures it against a plain line-by-line reader.

_PAD = 24  # bytes in front of the text, so that every token has 24 bytes up to its end
_WIDTH = 16  # bytes per token converted by the vector path: two uint64 lanes
_CHUNK = 1 << 15  # tokens converted per round: bounds the work arrays (~100 bytes per token)
_BODY_TOKENS = 1 + len(BODY_FIELDS)
_BLOCK_LINES = 2 + N_JOINTS  # body line, joint count, joint lines
_BLOCK_TOKENS = _BODY_TOKENS + 1 + N_JOINTS * len(JOINT_FIELDS)
_ID_DIGITS = 18  # body IDs up to 18 digits always fit int64
_U64 = np.dtype("<u8")  # the SWAR below needs the first byte of a token in the low byte
_FULL = (1 << 64) - 1
_SLOW_TOKEN_BYTES = b"0123456789+-.eE"  # what a token left to float() may contain


def _bytes(byte: int) -> int:
    """``byte`` in each of the 8 bytes of a lane (Python ints act as uint64 on uint64 arrays)."""
    return byte * 0x0101010101010101


def _top_bytes(n: int) -> int:
    """A lane mask of its top ``n`` bytes (0..8)."""
    return (_FULL << (8 * (8 - n))) & _FULL if n > 0 else 0


# Lane masks by token length: the token is the last L bytes of its window; longer tokens
# (clipped to 17) are masked out entirely, they go to float().
_LO_MASK = np.array([_top_bytes(max(n - 8, 0)) for n in range(_WIDTH + 1)] + [0], dtype=_U64)
_HI_MASK = np.array([_top_bytes(min(n, 8)) for n in range(_WIDTH + 1)] + [0], dtype=_U64)
# The dot's byte is coded by a multiply (see _convert) as 8-i for byte i of the upper lane and
# 16*(8-i) for byte i of the lower lane, 0 for no dot. _DIVISOR[2*code + negative] is
# +-10**f, f the digits after the dot (7-i or 15-i); codes that cannot occur give NaN.
_DIVISOR = np.full(2 * 129 + 2, np.nan)
_DOT_CODES = [(0, 0)] + [(8 - i, 7 - i) for i in range(8)] + [(16 * (8 - i), 15 - i) for i in range(8)]
for _code, _f in _DOT_CODES:
    _DIVISOR[2 * _code], _DIVISOR[2 * _code + 1] = 10.0**_f, -(10.0**_f)
del _code, _f
_EXACT = np.uint64(2**53)  # integers up to this are exact doubles
_MAGIC = np.uint64(0x4330000000000000)  # the bits of 2.0**52
# The scalars of the SWAR code as NumPy uint64, made once: cheaper per ufunc call than Python ints.
_EACH = {b: np.uint64(_bytes(b)) for b in (0x01, 0x10, 0x1E, 0x30, 0x76, 0x7F, 0x80)}  # b in every byte
_N = {v: np.uint64(v) for v in (1, 3, 7, 8, 15, 16, 32, 56, 63, 64, 2**63 - 1, _FULL, 10**8)}
_DOT_POSITIONS = np.uint64(0x0807060504030201)
_PAIRS, _FOURS, _EIGHTS = np.uint64(10 * 256 + 1), np.uint64(100 * 65536 + 1), np.uint64(10000 * 2**32 + 1)
_EVEN_BYTES, _EVEN_PAIRS = np.uint64(0x00FF00FF00FF00FF), np.uint64(0x0000FFFF0000FFFF)


class _Workspace(threading.local):
    """Work arrays for ``_parse_fast``, one set per thread, reused from call to call.

    Each named array grows to the largest file seen (together about 30 bytes per byte of text
    for files up to ``_CHUNK`` tokens, a few MB; beyond that the conversion arrays stop
    growing). Arrays above ``limit`` bytes are allocated fresh and not kept.
    """

    limit = 64 << 20

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.views: dict[str, tuple] = {}  # the last view handed out per name, to skip rebuilding it

    def get(self, name: str, shape, dtype) -> np.ndarray:
        last = self.views.get(name)
        if last is not None and last[0] == shape and last[1] is dtype:
            return last[2]
        kind = dtype
        dtype = np.dtype(dtype)
        nbytes = dtype.itemsize * math.prod((shape,) if isinstance(shape, int) else shape)
        if nbytes > self.limit:
            return np.empty(shape, dtype)
        base = self.arrays.get(name)
        if base is None or base.size < nbytes:
            base = self.arrays[name] = np.empty(nbytes + nbytes // 4, dtype=np.uint8)
        view = base[:nbytes].view(dtype).reshape(shape)
        self.views[name] = (shape, kind, view)
        return view


_WORK = _Workspace()


def _swar8(v: np.ndarray) -> None:
    """In place: each uint64 of 8 digit values (0..9, most significant first) -> its integer."""
    v *= _PAIRS  # pairs
    v >>= _N[8]
    v &= _EVEN_BYTES
    v *= _FOURS  # groups of four
    v >>= _N[16]
    v &= _EVEN_PAIRS
    v *= _EIGHTS  # eight
    v >>= _N[32]


def _convert(words, buf, starts, ends, work):
    """Convert every token: ``(values float64, fast bool, nondigits uint64)``, work arrays.

    ``values[i]`` is ``float(token i)`` wherever ``fast[i]``; elsewhere it is meaningless and
    the token must go to ``float``. ``nondigits[i]`` counts the sign and dot of a fast token
    (0: a plain run of digits). ``words`` are the aligned uint64 of the text from 16 bytes
    before the file on. Tokens go in chunks of ``_CHUNK``, which bounds the work arrays.
    """
    k = starts.size
    values = work.get("values", k, np.float64)
    fast = work.get("fast", k, bool)
    nondigits = work.get("nondigits", k, _U64)
    c = min(k, _CHUNK)
    lanes = work.get("lanes", (3, 2, c), _U64)
    scratch = work.get("chunk", (4, c), _U64)
    divisor = work.get("divisor", c, np.float64)
    test = work.get("test", c, bool)
    first = work.get("first", c, np.uint8)
    for i in range(0, k, c):
        j = min(k, i + c)
        m = j - i
        _convert_chunk(
            words, buf, starts[i:j], ends[i:j], values[i:j], fast[i:j], nondigits[i:j],
            lanes[:, :, :m], scratch[:, :m], divisor[:m], test[:m], first[:m],
        )  # fmt: skip
    return values, fast, nondigits


def _convert_chunk(words, buf, s, e, values, fast, nondigits, lanes, scratch, divisor, test, first) -> None:
    x, y, z = lanes
    lo, hi = x
    a, b, c, d = scratch
    lengths = d.view(np.intp)
    np.subtract(e, s, out=lengths)
    # The 16 bytes before file offset e are text bytes e + 8 ... e + 23, in words e // 8 + 1
    # on: three aligned words and a funnel shift give the two lanes (NumPy shifts by 64 to 0).
    q = np.right_shift(e, 3, out=a.view(np.intp))
    sh = np.bitwise_and(e, 7, out=b.view(np.intp)).view(_U64)
    sh <<= _N[3]
    back = np.subtract(_N[64], sh, out=c)
    word = z[0]
    np.take(words, q, out=lo, mode="clip")
    np.take(words[1:], q, out=word, mode="clip")
    lo >>= sh
    np.right_shift(word, sh, out=hi)
    word <<= back
    lo |= word
    np.take(words[2:], q, out=word, mode="clip")
    word <<= back
    hi |= word
    # After ^ 0x30 a digit byte is its value 0..9; the bytes before the token are masked to 0.
    x ^= _EACH[0x30]
    np.take(_LO_MASK, lengths, out=y[0], mode="clip")
    np.take(_HI_MASK, lengths, out=y[1], mode="clip")
    x &= y
    # Classify every byte exactly (all are ASCII, so no addition carries into the next byte):
    # a non-digit has t > 9, so t + 0x76 has bit 7; the dot has t == 0x1E, so (t ^ 0x1E) + 0x7F
    # lacks bit 7.
    np.add(x, _EACH[0x76], out=y)
    y &= _EACH[0x80]
    y >>= _N[7]  # 0x01 in each non-digit byte
    np.bitwise_xor(x, _EACH[0x1E], out=z)
    z += _EACH[0x7F]
    z &= _EACH[0x80]  # 0x80 in each byte but the dot's
    # Count the non-digits: the top byte of v * 0x0101..01 is the sum of v's bytes (each <= 2).
    np.add(y[0], y[1], out=nondigits)
    nondigits *= _EACH[0x01]
    nondigits >>= _N[56]
    # Code the dot's byte i: flag 1 << 8i in the upper lane, 16 << 8i in the lower one; the top
    # byte of flag * 0x0807..01 is then 8 - i or 16 * (8 - i) (one dot: no carries).
    upper = np.right_shift(z[1], _N[7], out=a)
    upper ^= _EACH[0x01]
    code = np.right_shift(z[0], _N[3], out=b)
    code ^= _EACH[0x10]
    code += upper
    code *= _DOT_POSITIONS
    code >>= _N[56]
    # Keep the digit values only (the dot and a sign become 0).
    y ^= _EACH[0x01]
    y *= _N[15]
    x &= y
    # Fast: every non-digit is the one dot or a leading minus, there is a digit, at most 16
    # bytes, and (two lanes) the mantissa is an exact double. A leading "+" goes to float().
    np.take(buf, s, out=first, mode="clip")
    negative = np.equal(first, ord("-"), out=c)
    expected = np.not_equal(code, 0, out=y[1])
    expected += negative
    np.equal(nondigits, expected, out=fast)
    fast &= np.less_equal(lengths, _WIDTH, out=test)
    fast &= np.less(nondigits, lengths.view(_U64), out=test)
    # A dot in the upper lane: the bytes below it move up one byte, over it, and the top byte
    # of the lower lane moves into the upper one. The upper lane then holds the last 8 digits
    # of the mantissa; if for some fast token the rest (the lower lane, less the byte that
    # moved) is not all zeros, it has more than 8 significant digits: two lanes for the chunk.
    found = np.add(upper, _N[2**63 - 1], out=d)
    found >>= _N[63]  # 1 where the dot is in the upper lane
    rest = np.left_shift(found, _N[3], out=y[0])
    np.left_shift(lo, rest, out=rest)
    wide = bool(rest.any()) and bool(fast[np.flatnonzero(rest)].any())
    if wide:
        _mantissa_wide(x, upper, z[0], found, y, z[1])
        fast &= np.less_equal(hi, _EXACT, out=test)
    else:
        before = np.subtract(upper, found, out=z[0])  # the bytes below the dot's
        moved = np.bitwise_and(hi, before, out=z[1])
        hi ^= moved
        moved <<= _N[8]
        hi |= moved
        np.right_shift(lo, _N[56], out=moved)
        moved *= found
        hi |= moved
        _swar8(hi)
    # Divide by -10**f for a minus: -(m / 10**f) exactly, and -0.0 for "-0" as float() does.
    code <<= _N[1]
    code += negative
    np.take(_DIVISOR, code.view(np.intp), out=divisor, mode="clip")
    if wide:
        np.copyto(values, hi, casting="unsafe")
    else:
        # hi < 10**8: OR-ing it into the bits of 2.0**52 gives the double 2**52 + hi exactly.
        hi |= _MAGIC
        np.subtract(hi.view(np.float64), 2.0**52, out=values)
    values /= divisor


def _mantissa_wide(x, upper, lower, found, before, low) -> None:
    """Some token has more than 8 significant digits: the full 128-bit squeeze, mantissa in x[1].

    ``lower`` holds 0x80 in every byte of the lower lane but the dot's; ``found`` is 1 where the
    dot is in the upper lane; ``before`` (two lanes) and ``low`` are scratch.
    """
    lo, hi = x
    np.right_shift(lower, _N[7], out=low)
    low ^= _EACH[0x01]  # 1 << 8i: the dot in the lower lane
    np.add(low, _N[2**63 - 1], out=before[0])
    before[0] >>= _N[63]
    np.subtract(low, before[0], out=before[0])  # below the dot in the lower lane
    np.multiply(found, _N[_FULL], out=before[1])
    before[0] |= before[1]  # the whole lower lane when the dot is in the upper one
    np.subtract(upper, found, out=before[1])
    before &= x
    x ^= before
    np.right_shift(before[0], _N[56], out=low)
    before <<= _N[8]
    before[1] |= low
    x |= before
    _swar8(lo)
    _swar8(hi)
    lo *= _N[10**8]
    hi += lo


def _blank(raw: bytes) -> bool:
    """Only spaces, tabs, LF and CRLF."""
    return not raw.replace(b"\r\n", b"\n").translate(None, b" \t\n")


def _line_breaks(buf, starts, ends, space, work) -> np.ndarray | None:
    """``breaks[j]``: token j begins a line (a LF before it, or the first); ``None`` for unusual whitespace."""
    k = starts.size
    head, tail = int(starts[0]), buf.size - int(ends[-1])
    if (head and not _blank(buf[:head].tobytes())) or (tail and not _blank(buf[-tail:].tobytes())):
        return None
    breaks = work.get("breaks", k, bool)
    breaks[0] = True
    if k == 1:
        return breaks
    if int(np.count_nonzero(space)) != k - 1 + head + tail:  # some gap is wider than one byte
        return _line_breaks_wide(buf, starts, ends, space, breaks, work)
    # One byte between tokens: a space, a tab or a LF.
    before = np.subtract(starts[1:], 1, out=work.get("gaps", k - 1, np.intp))
    sep = np.take(buf, before, out=work.get("sep", k - 1, np.uint8), mode="clip")
    usual = int(np.count_nonzero(np.equal(sep, 0x0A, out=breaks[1:])))
    test = work.get("test", k - 1, bool)
    usual += int(np.count_nonzero(np.equal(sep, 0x20, out=test)))
    if usual != k - 1 and usual + int(np.count_nonzero(np.equal(sep, 0x09, out=test))) != k - 1:
        return None
    return breaks


def _line_breaks_wide(buf, starts, ends, space, breaks, work) -> np.ndarray | None:
    """``_line_breaks`` when some gaps are wider: CRLF files, or any whitespace (counted)."""
    k = starts.size
    gaps = np.subtract(starts[1:], ends[:-1], out=work.get("gaps", k - 1, np.intp))
    if int(gaps.max()) > 2:
        return _line_breaks_general(buf, starts, space, breaks, work)
    # Gaps of one or two bytes: the first (after a token) and the last (before the next) say it
    # all. Spaces, tabs and LF anywhere; CR only first, with LF last.
    after = np.take(buf, ends[:-1], out=work.get("after", k - 1, np.uint8), mode="clip")
    newline = np.equal(after, 0x0A, out=breaks[1:])
    test = work.get("test", k - 1, bool)
    gaps += ends[:-1]
    gaps -= 1
    before = np.take(buf, gaps, out=work.get("sep", k - 1, np.uint8), mode="clip")
    ok = np.equal(before, 0x20, out=work.get("ok", k - 1, bool))
    ok |= np.equal(before, 0x09, out=test)
    newline |= np.equal(before, 0x0A, out=test)
    ok |= test
    if not ok.all():
        return None
    np.equal(after, 0x0D, out=ok)
    ok &= test  # CR then LF: the gap is two bytes, as CR is not LF
    ok |= np.equal(after, 0x20, out=test)
    ok |= np.equal(after, 0x09, out=test)
    ok |= np.equal(after, 0x0A, out=test)
    return breaks if ok.all() else None


def _line_breaks_general(buf, starts, space, breaks, work) -> np.ndarray | None:
    """``_line_breaks`` for files with longer runs of whitespace: count every kind."""
    n = buf.size
    scratch = work.get("scratch", n, bool)
    n_white = int(np.count_nonzero(space))
    n_blank = int(np.count_nonzero(np.equal(buf, 0x20, out=scratch)))
    newlines = np.flatnonzero(np.equal(buf, 0x0A, out=scratch))
    if n_white != n_blank + newlines.size:
        n_tab = int(np.count_nonzero(np.equal(buf, 0x09, out=scratch)))
        returns = np.flatnonzero(np.equal(buf, 0x0D, out=scratch))
        if n_white != n_blank + newlines.size + n_tab + returns.size:
            return None
        if returns.size and (returns[-1] == n - 1 or np.any(buf[returns + 1] != 0x0A)):
            return None
    breaks[1:] = False
    first = np.searchsorted(starts, newlines)  # the token after each LF
    breaks[first[first < starts.size]] = True
    return breaks


def _frame_pattern(n_bodies: int) -> np.ndarray:
    """Which tokens of a frame begin a line: the body count, and per body its ID, joint count and joint lines."""
    pattern = np.zeros(1 + _BLOCK_TOKENS * n_bodies, dtype=bool)
    pattern[0] = True
    for b in range(n_bodies):
        base = 1 + _BLOCK_TOKENS * b
        pattern[base] = pattern[base + _BODY_TOKENS] = True
        pattern[base + _BODY_TOKENS + 1 :: len(JOINT_FIELDS)] = True
    return pattern


_FRAME_PATTERNS = [_frame_pattern(b) for b in range(MAX_BODIES + 1)]


def _parse_fast(text: np.ndarray, n: int, path) -> SkeletonSequence | None:
    """The vectorised parser on ``text[_PAD:_PAD + n]``; ``None`` where it cannot vouch for the file.

    ``text`` is a work array of at least ``_PAD + n + 24`` bytes, a multiple of 8.
    """
    if n == 0:
        return None
    work = _WORK
    text[:_PAD] = ord(" ")
    buf = text[_PAD : _PAD + n]
    if buf.max() > 0x7F:
        return None

    # Tokens: runs of bytes above 0x20.
    space = work.get("space", n + 2, bool)
    space[0] = space[-1] = True
    np.less(buf, 0x21, out=space[1:-1])
    edges = np.flatnonzero(np.not_equal(space[1:], space[:-1], out=work.get("edge", n + 1, bool)))
    n_tokens = edges.size // 2
    if n_tokens == 0:
        return None
    starts = work.get("starts", n_tokens, np.intp)
    ends = work.get("ends", n_tokens, np.intp)
    np.copyto(starts, edges[0::2])
    np.copyto(ends, edges[1::2])
    del edges
    breaks = _line_breaks(buf, starts, ends, space[1:-1], work)
    if breaks is None:
        return None
    values, fast, nondigits = _convert(text.view(_U64)[(_PAD - _WIDTH) // 8 :], buf, starts, ends, work)
    layout = _uniform_layout(values, fast, nondigits, breaks)
    if layout is None:
        layout = _general_layout(values, fast, nondigits, breaks)
    if layout is None:
        return None
    n_frames, frame, count_tok, id_tok, uniform = layout
    tracks = _body_tracks(text, starts[id_tok], ends[id_tok], frame, n_frames, uniform)
    if tracks is None:
        return None
    body_ids, slot, in_order = tracks
    n_tracks = body_ids.size

    # Tokens the vector path did not convert: float() one by one (never counts or IDs).
    fast[id_tok] = True
    fast[count_tok] = True
    slow = np.flatnonzero(~fast)
    if slow.size:
        raw = text.data
        exact = []
        for s, e in zip((starts[slow] + _PAD).tolist(), (ends[slow] + _PAD).tolist(), strict=True):
            token = bytes(raw[s:e])
            if token.translate(None, _SLOW_TOKEN_BYTES):
                return None
            try:
                exact.append(float(token))
            except ValueError:
                return None
        exact = np.array(exact, dtype=np.float64)
        if not np.isfinite(exact).all():
            return None
        values[slow] = exact

    shape = (n_frames, n_tracks)
    joints = np.empty(shape + (N_JOINTS, len(JOINT_FIELDS)))
    body_info = np.empty(shape + (len(BODY_FIELDS),))
    if in_order:
        # Every track in every frame, in track order (the usual case): after the frame count the
        # tokens repeat with one period per frame, so the values are a strided view.
        blocks = values[1:].reshape(n_frames, 1 + _BLOCK_TOKENS * n_tracks)[:, 1:]
        blocks = blocks.reshape(n_frames, n_tracks, _BLOCK_TOKENS)
        np.copyto(joints.reshape(shape + (N_JOINTS * len(JOINT_FIELDS),)), blocks[:, :, _BODY_TOKENS + 1 :])
        np.copyto(body_info, blocks[:, :, 1:_BODY_TOKENS])
        present = np.ones(shape, dtype=bool)
    else:
        joints.fill(0.0)
        body_info.fill(0.0)
        present = np.zeros(shape, dtype=bool)
        first_joint = id_tok + _BODY_TOKENS + 1
        joints[frame, slot] = values[first_joint[:, None] + np.arange(N_JOINTS * len(JOINT_FIELDS))].reshape(
            -1, N_JOINTS, len(JOINT_FIELDS)
        )
        body_info[frame, slot] = values[id_tok[:, None] + np.arange(1, _BODY_TOKENS)]
        present[frame, slot] = True
    return SkeletonSequence(str(path), joints, body_info, present, body_ids)


def _plain(fast, nondigits, tokens) -> np.ndarray:
    """Which of ``tokens`` are plain runs of digits (the counts must be)."""
    return fast[tokens] & (nondigits[tokens] == 0)


def _uniform_layout(values, fast, nondigits, breaks):
    """The layout of a file whose frames all hold the same number of bodies, or ``None``.

    ``(n_frames, frame of each body block, count tokens, ID tokens)``; the tokens then repeat
    with a fixed period per frame, so every check is one comparison of a (frames, period) view.
    """
    k = values.size
    if not (fast[0] and nondigits[0] == 0):
        return None
    n_frames = int(values[0])
    n_bodies = int(values[1]) if k > 1 and fast[1] and nondigits[1] == 0 else 0
    if n_bodies > MAX_BODIES:
        return None
    period = 1 + _BLOCK_TOKENS * n_bodies
    if k != 1 + n_frames * period:
        return None
    if not (breaks[1:].reshape(n_frames, period) == _FRAME_PATTERNS[n_bodies]).all():
        return None
    body_counts = 1 + period * np.arange(n_frames)
    if not (np.all(_plain(fast, nondigits, body_counts)) and np.all(values[body_counts] == n_bodies)):
        return None
    id_tok = (body_counts[:, None] + 1 + _BLOCK_TOKENS * np.arange(n_bodies)).ravel()
    joint_counts = id_tok + _BODY_TOKENS
    if not (np.all(_plain(fast, nondigits, joint_counts)) and np.all(values[joint_counts] == N_JOINTS)):
        return None
    frame = np.repeat(np.arange(n_frames), n_bodies)
    return n_frames, frame, np.concatenate(([0], body_counts, joint_counts)), id_tok, True


def _general_layout(values, fast, nondigits, breaks):
    """``_uniform_layout`` for any file: a walk over the lines, vectorised."""
    line_first = np.flatnonzero(breaks)
    line_tokens = np.diff(line_first, append=values.size)
    n_lines = line_first.size
    # Counts: the one-token lines, as integers where they are plain digits (-1 elsewhere).
    single = line_tokens == 1
    count_tok = line_first[single]
    ints = np.full(n_lines, -1, dtype=np.int64)
    ints[single] = np.where(_plain(fast, nondigits, count_tok), values[count_tok], -1)
    n_frames = int(ints[0])
    if not single[0] or n_frames < 0:
        return None
    # Body-count lines are the one-token lines after the first that do not follow a body line
    # (those are joint counts); the pattern check below proves the guess.
    follows_body = np.empty(n_lines, dtype=bool)
    follows_body[0] = True
    np.equal(line_tokens[:-1], _BODY_TOKENS, out=follows_body[1:])
    count_lines = np.flatnonzero(single & ~follows_body)
    if count_lines.size != n_frames:
        return None
    n_bodies = ints[count_lines]
    if np.any((n_bodies < 0) | (n_bodies > MAX_BODIES)):
        return None
    n_blocks = int(n_bodies.sum())
    if n_lines != 1 + n_frames + _BLOCK_LINES * n_blocks:
        return None
    blocks_before = np.cumsum(n_bodies) - n_bodies
    if not np.array_equal(count_lines, 1 + np.arange(n_frames) + _BLOCK_LINES * blocks_before):
        return None
    frame = np.repeat(np.arange(n_frames), n_bodies)
    body_lines = 2 + frame + _BLOCK_LINES * np.arange(n_blocks)
    expected = np.full(n_lines, len(JOINT_FIELDS), dtype=np.intp)
    expected[0] = 1
    expected[count_lines] = 1
    expected[body_lines] = _BODY_TOKENS
    expected[body_lines + 1] = 1
    if not np.array_equal(line_tokens, expected) or np.any(ints[body_lines + 1] != N_JOINTS):
        return None
    return n_frames, frame, count_tok, line_first[body_lines], False


def _body_tracks(text, starts, ends, frame, n_frames, uniform) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Body IDs of the tracks in order of appearance, the track of each body block, and whether
    every frame holds every track in track order.

    ``None`` unless every ID is plain digits (at most 18) and no frame has one ID twice.
    ``uniform``: every frame holds the same number of bodies.
    """
    n_blocks = starts.size
    if n_blocks == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), True
    lengths = ends - starts
    if lengths.max() > _ID_DIGITS:
        return None
    # Each ID as the 24 bytes that end with it (_PAD == 24), zeros before its first digit.
    windows = np.ndarray((text.size - _PAD + 1,), dtype="V24", buffer=text, strides=(1,))
    raw = windows[ends].view(np.uint8).reshape(n_blocks, _PAD)
    raw[np.arange(_PAD) < (_PAD - lengths)[:, None]] = 0
    keys = raw.view("V24").reshape(n_blocks)
    if uniform:
        width = n_blocks // n_frames
        lanes = raw.view(_U64).reshape(n_frames, width * 3)
        if (lanes == lanes[0]).all():
            # The usual case: the same IDs in the same order in every frame.
            ids = [_plain_id(bytes(key)) for key in keys[:width]]
            if None in ids or len(set(ids)) != width:
                return None
            return np.array(ids, dtype=np.int64), np.tile(np.arange(width), n_frames), True
    order: dict[int, int] = {}
    slot = np.empty(n_blocks, dtype=np.intp)
    cache: dict[bytes, int | None] = {}
    for g, key in enumerate(keys.tolist()):
        body_id = cache[key] if key in cache else cache.setdefault(key, _plain_id(key))
        if body_id is None:
            return None
        slot[g] = order.setdefault(body_id, len(order))
    n_tracks = len(order)
    if np.unique(frame * max(n_tracks, 1) + slot).size != n_blocks:  # one ID twice in a frame
        return None
    in_order = n_blocks == n_frames * n_tracks and np.array_equal(slot, np.tile(np.arange(n_tracks), n_frames))
    return np.array(list(order), dtype=np.int64), slot, in_order


def _plain_id(key: bytes) -> int | None:
    digits = key.lstrip(b"\x00")
    return int(digits) if digits.isdigit() else None


def _read_into(path: Path) -> tuple[np.ndarray, int] | bytes:
    """The file after ``_PAD`` bytes of a work array: ``(array, length)``; its bytes if it grew meanwhile."""
    with open(path, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        text = _WORK.get("text", (_PAD + size + 32) & ~7, np.uint8)
        view = memoryview(text)[_PAD : _PAD + size + 1]
        n = 0
        while n < len(view):
            got = fh.readinto(view[n:])
            if not got:
                return text, n
            n += got
        return bytes(view) + fh.read()  # larger than its size said: read on, the slow way


def _bytes_into(data: bytes) -> tuple[np.ndarray, int]:
    n = len(data)
    text = _WORK.get("text", (_PAD + n + 32) & ~7, np.uint8)
    text[_PAD : _PAD + n] = np.frombuffer(data, dtype=np.uint8)
    return text, n


def read_skeleton(path: str | os.PathLike) -> SkeletonSequence:
    """Read an NTU ``.skeleton`` file. LF or CRLF line ends and any whitespace are accepted."""
    path = Path(path)
    got = _read_into(path)
    text, n = got if isinstance(got, tuple) else _bytes_into(got)
    seq = _parse_fast(text, n, path)
    if seq is not None:
        return seq
    data = text[_PAD : _PAD + n].tobytes()
    if b"\x00" in data:
        raise SkeletonFormatError(path, 0, "a text file", "binary data (NUL bytes)")
    try:
        decoded = data.decode("ascii")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SkeletonFormatError(path, line, "ASCII text", "a non-ASCII byte") from None
    return _parse_careful(decoded, path)


def parse_skeleton(text: str, path: str | os.PathLike = "<string>") -> SkeletonSequence:
    """Parse the text of a ``.skeleton`` file; ``path`` is only used in error messages."""
    seq = _parse_fast(*_bytes_into(text.encode("ascii")), path) if text.isascii() else None
    return seq if seq is not None else _parse_careful(text, path)


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


def _parse_careful(text: str, path) -> SkeletonSequence:
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
    """Write ``seq`` as a ``.skeleton`` file atomically (``results.write_text_atomic``, whose ``fsync``
    this passes on); ``digits`` as in ``format_skeleton``."""
    from skelrnn.results import write_text_atomic

    return write_text_atomic(path, format_skeleton(seq, newline, digits), encoding="ascii", fsync=fsync)
