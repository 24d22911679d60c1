"""Atomic file writes (every file the project writes goes through this module), and JSON reading.

A reader (a chapter, a resumed run, a second process) sees either the old file or the new one,
never half of one. Each writer writes a temporary file beside its destination, flushes it
(with ``fsync``: forced to disk), then renames it over the destination; on any error the
temporary file is removed and the old file stays. Files that can be regenerated (the
synthetic dataset's ``.skeleton`` files) may skip the ``fsync``, which costs milliseconds a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

__all__ = [
    "write_atomic",
    "write_text_atomic",
    "write_bytes_atomic",
    "write_arrays_atomic",
    "write_json_atomic",
    "read_json",
]


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None], fsync: bool = True) -> Path:
    """Call ``write(fh)`` on a binary file that becomes ``path`` only once ``write`` has returned."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    """Write ``data`` at ``path`` atomically."""
    return write_atomic(path, lambda fh: fh.write(data), fsync=fsync)


def write_text_atomic(path: str | os.PathLike, text: str, encoding: str = "utf-8", fsync: bool = True) -> Path:
    """Write ``text`` verbatim (no newline translation) at ``path`` atomically."""
    return write_bytes_atomic(path, text.encode(encoding), fsync=fsync)


def write_arrays_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    """Write ``arrays`` as one ``.npz`` file (``numpy.savez_compressed``, or ``savez``) atomically."""
    save = np.savez_compressed if compress else np.savez
    return write_atomic(path, lambda fh: save(fh, **arrays))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def write_json_atomic(path: str | os.PathLike, obj) -> Path:
    """Write ``obj`` (dicts, lists, numbers, strings, NumPy scalars and arrays) as indented JSON.

    Keys are sorted, so the same object always gives the same bytes; NaN and infinity are
    refused (``ValueError``), since JSON has no spelling for them.
    """
    text = json.dumps(_jsonable(obj), indent=1, sort_keys=True, allow_nan=False)
    return write_text_atomic(path, text + "\n")


def read_json(path: str | os.PathLike) -> dict:
    """Read a JSON object; a broken file raises ``ValueError`` naming the file and the line."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: line {err.lineno}: not valid JSON ({err.msg})") from err
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level, got {type(obj).__name__}")
    return obj
