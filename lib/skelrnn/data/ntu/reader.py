"""Reading NTU RGB+D ``.skeleton`` files fast: a compiled reader that agrees with the careful parser.

Defined for the data chapter (thesis 3.1.1). ``read_skeleton`` and ``parse_skeleton`` are the
entry points: they run the compiled reader (``parse_fast``, numba kernels over the file's bytes)
and, for any file it cannot vouch for, the careful parser of ``skeleton_format``, which defines
the format and names the file, the line and what was expected there when something is wrong.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from skelrnn.core.jit import lazy_kernels
from skelrnn.data.ntu import skeleton_format
from skelrnn.data.ntu.skeleton_format import (
    BODY_FIELDS,
    JOINT_FIELDS,
    MAX_BODIES,
    SkeletonFormatError,
    SkeletonSequence,
)
from skelrnn.data.skeleton import N_JOINTS

__all__ = ["read_skeleton", "parse_skeleton", "parse_fast", "compile_reader"]

# Two parsers, one contract.
#
# ``skeleton_format.parse_careful`` walks the file line by line in Python and converts every token with
# ``int``/``float``. It is the definition of the format: it decides what is accepted, and when
# something is wrong it names the file, the line and what was expected there. It costs about
# 0.1 ms per body and frame, mostly in the ~300 ``float`` calls; over the 56,880 files of
# NTU RGB+D that is minutes of pure text parsing on every pass.
#
# ``parse_fast`` does the same work in compiled kernels (numba) and reports no errors: it
# accepts only files it can prove well formed in the narrow sense below and returns ``None``
# for anything else; the public functions then run ``parse_careful``, which succeeds or
# raises its exact message. So on every input the two paths agree: the same arrays bit for
# bit, or the same error.
#
# ``_scan`` makes one pass over the bytes of the file:
#
# * Bytes: whitespace may only be space, tab, LF, and CR directly before LF. Then a line break
#   is exactly what ``str.splitlines`` calls one (no lone CR, ``\v``, ``\f``, ``\x1c``...) and
#   the whitespace is exactly what ``str.split`` splits on. Any other control byte, NUL, DEL or
#   byte above 0x7F fails the scan, and so does a token holding anything but digits, signs,
#   dots and ``e``/``E``.
# * Structure: a state machine checks each non-blank line as it ends: tokens per line 1 (frame
#   count); per frame 1 (body count, 0..``MAX_BODIES``); per body 10 (body ID, then the body
#   fields), 1 (joint count, exactly 25), 25 lines of 12; nothing after the last frame. Counts
#   and body IDs must be plain runs of ASCII digits, at most 18 (so they fit an int64 and
#   ``int`` of them is unambiguous). Each body block is recorded as (frame, body ID, index of
#   its first token).
# * Numbers: a token ``[sign] digits [. digits] [e|E [sign] digits]`` of at most 18 digits
#   is an integer mantissa ``m`` (exact in int64) and a decimal exponent ``k``. Its value is
#   computed, equal bit for bit to ``float(token)``, when
#     - ``m`` is 0: 0.0 (or -0.0);
#     - ``k`` is 0: ``float(m)``; the int64 to double conversion rounds correctly;
#     - ``m <= 2**53`` and ``|k| <= 22``: ``m`` and ``10**|k|`` are both exact doubles, so the
#       one IEEE multiplication ``m * 10**k`` or division ``m / 10**-k`` is the correctly
#       rounded value of the decimal (Clinger's fast path);
#   ``float`` rounds correctly too, so the two agree; a minus flips the sign bit, which gives
#   -0.0 for "-0" as ``float`` does. The usual tokens, ``[sign] 1-7 digits [. 1-8 digits]``,
#   are read 8 bytes at a time (SWAR: the bytes classified, the dot and the end located and
#   the digits combined into ``m`` by a few exact uint64 operations, no loop over the bytes);
#   others byte by byte. Kinect output (7 significant digits, body IDs of 17) is all of this. Any other
#   token (more digits, large exponents, "1.2.3") is listed and converted afterwards by
#   ``float`` itself, on its exact text; one that ``float`` refuses or that is not finite
#   sends the file to the careful parser.
#
# ``_tracks`` then numbers the body IDs in order of first appearance (a hash table, so a file
# of many IDs costs no more) and checks that no frame has one ID twice; ``_fill`` copies the
# values into the result arrays. numba is imported and the kernels are compiled (or loaded
# from the cache in ``__pycache__``, a few seconds the first time, half a second after) on
# the first parse (``core.jit``), so importing this module stays cheap; without numba every file goes to the
# careful parser. benchmarks/parse.py measures the reader against a plain line-by-line one.

# What the next non-blank line must be, in ``_scan``.
_FRAME_COUNT, _BODY_COUNT, _BODY_LINE, _JOINT_COUNT, _JOINT_LINE, _END = range(6)
_BODY_TOKENS = 1 + len(BODY_FIELDS)
_JOINT_TOKENS = len(JOINT_FIELDS)
_BLOCK_TOKENS = _BODY_TOKENS + 1 + N_JOINTS * _JOINT_TOKENS
_MAX_DIGITS = 18  # digits of a token read into the int64 mantissa (10**18 < 2**63)
_POW10 = np.array([float(10**k) for k in range(23)])  # all exact doubles
_INT_POW10 = np.array([10**k for k in range(9)], dtype=np.int64)
# SWAR constants: each byte of a uint64 is one byte of the text, the first in the low byte.
_U = np.uint64
_SWAR_ZEROS = _U(0x3030303030303030)  # "00000000": XOR turns digits into 0..9
_SWAR_LOW7, _SWAR_76, _SWAR_HIGH = _U(0x7F7F7F7F7F7F7F7F), _U(0x7676767676767676), _U(0x8080808080808080)
_SWAR_RANK = _U(0x0807060504030201)  # (1 << 8i) * this has 8 - i in its top byte
_SWAR_EVEN8, _SWAR_EVEN16 = _U(0x00FF00FF00FF00FF), _U(0x0000FFFF0000FFFF)


# Long on purpose: numba compiles it into one loop over the file's bytes, with no call per token.
def _scan(buf, max_slow):
    """One pass over the file's bytes: ``(status, values, slow, blocks, n_frames)``.

    ``values[i]`` is ``float`` of token i, except for the tokens listed in ``slow`` as (token,
    start byte, end byte), which ``float`` must convert. ``blocks`` holds one row (frame, body
    ID, first token) per body block. ``status`` is 1 for a plainly well-formed file (see the
    comment above), 0 for anything else, -1 if it has more than ``max_slow`` tokens for
    ``float``; the rest is empty unless 1. Compiled with numba by ``compile_reader``.
    """
    n = buf.size
    values = np.empty(n // 2 + 1)  # tokens have a byte and a separator
    slow = np.empty((max_slow, 3), np.int64)  # not grown: reassigning costs reference counting
    blocks = np.empty((n // (2 * _BLOCK_TOKENS - 1) + 1, 3), np.int64)  # a block is >= 621 bytes
    k = n_slow = n_blocks = 0
    state = _FRAME_COUNT
    n_frames = bodies_left = joints_left = 0
    frame = -1
    line_tokens = line_first = 0
    first_int = -1  # the value of the line's first token if it is plain digits, else -1
    i = 0
    while True:
        c = np.int64(buf[i]) if i < n else 10  # the end of the file ends the last line
        if c > 32:
            # A token: [sign] digits [. digits] [e|E [sign] digits].
            start = i
            negative = c == 45
            signed = negative | (c == 43)
            value = 0.0
            m = -1  # the integer of a plain token
            done = False
            if i + 16 <= n:
                # The usual token, [sign] 1-7 digits [. 1-8 digits], from its first 16 bytes as
                # two uint64 (first byte lowest), with no loop over its bytes: the next token
                # waits for this one's end. At most 15 digits: m < 2**53, Clinger's fast path.
                lo = hi = _U(0)
                for j in range(8):
                    lo |= _U(buf[_U(i + j)]) << _U(8 * j)
                    hi |= _U(buf[_U(i + 8 + j)]) << _U(8 * j)
                lo_digits, hi_digits = lo ^ _SWAR_ZEROS, hi ^ _SWAR_ZEROS  # digits are now 0..9
                lo_flags = (((lo_digits & _SWAR_LOW7) + _SWAR_76) | lo_digits) & _SWAR_HIGH  # 0x80: not a digit
                hi_flags = (((hi_digits & _SWAR_LOW7) + _SWAR_76) | hi_digits) & _SWAR_HIGH
                lo_flags &= ~(_U(0x80) * _U(signed))  # the sign is no end
                # The first non-digit (the dot, or the end) and the next one (the end after a dot):
                # the lowest flag alone, times _SWAR_RANK, has 8 - its byte index in the top byte.
                a = 8 - np.int64(((lo_flags & (~lo_flags + _U(1))) >> _U(7)) * _SWAR_RANK >> _U(56))
                rest = lo_flags & (lo_flags - _U(1))
                b = 8 - np.int64(((rest & (~rest + _U(1))) >> _U(7)) * _SWAR_RANK >> _U(56))
                b_hi = 16 - np.int64(((hi_flags & (~hi_flags + _U(1))) >> _U(7)) * _SWAR_RANK >> _U(56))
                b = b if b < 8 else b_hi
                n_whole = a - signed
                if 0 < n_whole and a < 8:
                    # The digits at the top, zeros below; then pairs, fours and all eight combined.
                    w = (lo_digits >> _U(8 * signed)) << _U(64 - 8 * n_whole)
                    w = (w * _U(10 * 256 + 1)) >> _U(8)
                    w = ((w & _SWAR_EVEN8) * _U(100 * 65536 + 1)) >> _U(16)
                    whole = np.int64(((w & _SWAR_EVEN16) * _U(10000 * 2**32 + 1)) >> _U(32))
                    after = (lo >> _U(8 * a)) & _U(0xFF)
                    if after == 46:  # '.'
                        n_frac = b - a - 1
                        end = (lo >> _U(8 * b)) if b < 8 else (hi >> _U(8 * (b & 7)))
                        if 0 < n_frac <= 8 and b < 16 and (end & _U(0xFF)) <= 32:
                            s = _U(8 * a + 8)  # the fraction's first byte, 16..64 bits up
                            w = ((lo_digits >> (s - _U(8))) >> _U(8)) | (hi_digits << (_U(64) - s))
                            w <<= _U(64 - 8 * n_frac)
                            w = (w * _U(10 * 256 + 1)) >> _U(8)
                            w = ((w & _SWAR_EVEN8) * _U(100 * 65536 + 1)) >> _U(16)
                            frac = np.int64(((w & _SWAR_EVEN16) * _U(10000 * 2**32 + 1)) >> _U(32))
                            value = (whole * _INT_POW10[n_frac] + frac) / _POW10[n_frac]
                            i += b
                            done = True
                    elif after <= 32:
                        value = float(whole)
                        m = -1 if signed else whole
                        i += a
                        done = True
            if not done:
                # Any other token, byte by byte.
                p = i = start + signed
                digits = 0  # the digits as an integer: wraps beyond 18 digits, then unused
                while i < n:
                    d = np.int64(buf[i]) - 48
                    if d < 0 or d > 9:
                        break
                    digits = digits * 10 + d
                    i += 1
                n_digits = i - p
                n_frac = 0
                dot = i < n and buf[i] == 46
                if dot:
                    i += 1
                    p = i
                    while i < n:
                        d = np.int64(buf[i]) - 48
                        if d < 0 or d > 9:
                            break
                        digits = digits * 10 + d
                        i += 1
                    n_frac = i - p
                    n_digits += n_frac
                good = 0 < n_digits <= _MAX_DIGITS
                plain = good and not (dot or signed)
                scale = -n_frac
                if i < n and buf[i] > 32:  # an exponent, or not the grammar above
                    plain = False
                    if buf[i] == 101 or buf[i] == 69:  # 'e', 'E'
                        i += 1
                        exp_negative = i < n and buf[i] == 45
                        if i < n and (buf[i] == 45 or buf[i] == 43):
                            i += 1
                        exp = 0
                        p = i
                        while i < n and 48 <= buf[i] <= 57:
                            if exp < 100000:  # saturate: beyond +-1e5 only a zero mantissa is fast
                                exp = exp * 10 + (np.int64(buf[i]) - 48)
                            i += 1
                        good = good and i > p
                        scale += -exp if exp_negative else exp
                    while i < n and buf[i] > 32:  # more: float() decides, but only on these bytes
                        byte = buf[i]
                        if not (
                            48 <= byte <= 57 or byte == 43 or byte == 45 or byte == 46 or byte == 101 or byte == 69
                        ):
                            return 0, values[:0], slow[:0], blocks[:0], 0
                        good = plain = False
                        i += 1
                if good:
                    m = digits if plain else -1
                    if digits <= 2**53 and -22 <= scale < 0:
                        value = digits / _POW10[-scale]
                    elif digits == 0:
                        value = 0.0
                    elif scale == 0:
                        value = float(digits)  # int64 to double rounds correctly
                    elif digits <= 2**53 and 0 < scale <= 22:
                        value = digits * _POW10[scale]
                    else:
                        good = False
                if not good:
                    if n_slow == max_slow:
                        return -1, values[:0], slow[:0], blocks[:0], 0
                    slow[n_slow, 0] = k
                    slow[n_slow, 1] = start
                    slow[n_slow, 2] = i
                    n_slow += 1
            values[k] = -value if negative else value  # a sign flip (fneg): -0.0 for "-0"
            if line_tokens == 0:
                line_first = k
                first_int = m
            line_tokens += 1
            k += 1
            continue
        if c == 32 or c == 9:
            i += 1
            continue
        if c == 13:
            if i + 1 >= n or buf[i + 1] != 10:
                return 0, values[:0], slow[:0], blocks[:0], 0
            i += 1
        elif c != 10:  # other control bytes, DEL, non-ASCII
            return 0, values[:0], slow[:0], blocks[:0], 0
        i += 1
        if line_tokens:
            # The line is complete: does it fit the state?
            good = True
            if state == _JOINT_LINE:
                good = line_tokens == _JOINT_TOKENS
                joints_left -= 1
                if joints_left == 0:
                    bodies_left -= 1
                    state = _BODY_LINE if bodies_left else _BODY_COUNT if frame + 1 < n_frames else _END
            elif state == _BODY_LINE:
                good = line_tokens == _BODY_TOKENS and first_int >= 0 and n_blocks < blocks.shape[0]
                if good:
                    blocks[n_blocks, 0] = frame
                    blocks[n_blocks, 1] = first_int
                    blocks[n_blocks, 2] = line_first
                    n_blocks += 1
                state = _JOINT_COUNT
            elif line_tokens != 1:
                good = False
            elif state == _JOINT_COUNT:
                good = first_int == N_JOINTS
                joints_left = N_JOINTS
                state = _JOINT_LINE
            elif state == _BODY_COUNT:
                good = 0 <= first_int <= MAX_BODIES
                frame += 1
                bodies_left = first_int
                state = _BODY_LINE if bodies_left > 0 else _BODY_COUNT if frame + 1 < n_frames else _END
            elif state == _FRAME_COUNT:
                good = first_int >= 0
                n_frames = first_int
                state = _BODY_COUNT if n_frames > 0 else _END
            else:  # a line after the last frame
                good = False
            if not good:
                return 0, values[:0], slow[:0], blocks[:0], 0
            line_tokens = 0
        if i > n:
            break
    if state != _END:
        return 0, values[:0], slow[:0], blocks[:0], 0
    return 1, values[:k], slow[:n_slow], blocks[:n_blocks], n_frames


def _tracks(blocks):
    """``(ok, track of each body block, body IDs of the tracks)``, tracks in order of first
    appearance; ``ok`` is False if some frame holds one body ID twice. Compiled by ``compile_reader``.
    """
    n_blocks = blocks.shape[0]
    # A hash table (open addressing, Fibonacci hashing; IDs are >= 0): many IDs cost no more.
    bits = 1
    while (1 << bits) < 2 * n_blocks:
        bits += 1
    mask = (1 << bits) - 1
    table_ids = np.empty(mask + 1, np.int64)
    table_tracks = np.full(mask + 1, -1, np.int64)
    body_ids = np.empty(n_blocks, np.int64)
    slot = np.empty(n_blocks, np.int64)
    n_tracks = 0
    for g in range(n_blocks):
        body_id = blocks[g, 1]
        h = np.int64((_U(body_id) * _U(0x9E3779B97F4A7C15)) >> _U(64 - bits))
        while table_tracks[h] >= 0 and table_ids[h] != body_id:
            h = (h + 1) & mask
        if table_tracks[h] < 0:
            table_ids[h] = body_id
            table_tracks[h] = n_tracks
            body_ids[n_tracks] = body_id
            n_tracks += 1
        slot[g] = table_tracks[h]
        h = g - 1
        while h >= 0 and blocks[h, 0] == blocks[g, 0]:  # the blocks of a frame are consecutive
            if slot[h] == slot[g]:
                return False, slot, body_ids[:0]
            h -= 1
    return True, slot, body_ids[:n_tracks].copy()


def _fill(values, blocks, slot, joints, body_info, present):
    """Copy each body block's values into the result arrays. Compiled by ``compile_reader``."""
    for g in range(blocks.shape[0]):
        t, s, o = blocks[g, 0], slot[g], blocks[g, 2]
        present[t, s] = True
        for f in range(_BODY_TOKENS - 1):
            body_info[t, s, f] = values[o + 1 + f]
        o += _BODY_TOKENS + 1
        for j in range(N_JOINTS):
            for f in range(_JOINT_TOKENS):
                joints[t, s, j, f] = values[o]
                o += 1


def _build_kernels(numba) -> tuple:
    jit = numba.njit(cache=True, nogil=True)
    return jit(_scan), jit(_tracks), jit(_fill)


_kernels = lazy_kernels(_build_kernels, without_numba=())  # no numba: the careful parser reads every file


def compile_reader() -> tuple:
    """``(scan, tracks, fill)`` compiled with numba (cached in ``__pycache__``), or ``()`` without
    numba. The first call compiles (or loads) them; ``loading`` calls it before forking its workers
    so that they share the kernels."""
    return _kernels()


def parse_fast(data: bytes, path) -> SkeletonSequence | None:
    """The compiled parser; ``None`` where it cannot vouch for the file."""
    kernels = compile_reader()
    if not kernels or not data:
        return None
    scan, tracks, fill = kernels
    buf = np.frombuffer(data, dtype=np.uint8)
    n = buf.size
    # Room for a few tokens for float(), as in Kinect output; other files are scanned again
    # with room for all (a token for float() has 4 bytes or more, "1e23", and a separator).
    # Room for all at once would keep the memory of a parse above glibc's trim threshold, given
    # back and faulted in afresh for every file (a quarter of the time).
    status, values, slow, blocks, n_frames = scan(buf, 64)
    if status < 0:
        status, values, slow, blocks, n_frames = scan(buf, max(64, n // 5 + 1))
    if status != 1:
        return None
    for token, start, end in slow.tolist():  # tokens the kernel does not convert exactly
        try:
            value = float(data[start:end])
        except ValueError:
            return None
        if not math.isfinite(value):
            return None
        values[token] = value
    ok, slot, body_ids = tracks(blocks)
    if not ok:
        return None
    # Zeros from NumPy: pages the file does not fill (absent bodies) are never touched.
    shape = (n_frames, body_ids.size)
    joints = np.zeros(shape + (N_JOINTS, _JOINT_TOKENS))
    body_info = np.zeros(shape + (_BODY_TOKENS - 1,))
    present = np.zeros(shape, dtype=bool)
    fill(values, blocks, slot, joints, body_info, present)
    return SkeletonSequence(str(path), joints, body_info, present, body_ids)


def read_skeleton(path: str | os.PathLike) -> SkeletonSequence:
    """Read an NTU ``.skeleton`` file. LF or CRLF line ends and any whitespace are accepted."""
    path = Path(path)
    data = path.read_bytes()
    seq = parse_fast(data, path)
    if seq is not None:
        return seq
    if b"\x00" in data:
        raise SkeletonFormatError(path, 0, "a text file", "binary data (NUL bytes)")
    try:
        decoded = data.decode("ascii")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SkeletonFormatError(path, line, "ASCII text", "a non-ASCII byte") from None
    return skeleton_format.parse_careful(decoded, path)


def parse_skeleton(text: str, path: str | os.PathLike = "<string>") -> SkeletonSequence:
    """Parse the text of a ``.skeleton`` file; ``path`` is only used in error messages."""
    seq = parse_fast(text.encode("ascii"), path) if text.isascii() else None
    return seq if seq is not None else skeleton_format.parse_careful(text, path)
