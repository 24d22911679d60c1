"""Result records: one JSON file per run, written atomically, read back by the book.

The book's numbers come only from these records, never from values typed into a notebook.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["write_text_atomic", "write_record", "read_record"]


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


def write_text_atomic(path: str | os.PathLike, text: str, encoding: str = "utf-8", fsync: bool = True) -> Path:
    """Write ``text`` verbatim at ``path`` atomically: readers see the old file or the new one, never half.

    The file is written next to its destination, flushed (and with ``fsync`` forced to disk),
    then renamed over it; on any error the temporary file is removed and the old file stays.
    Data that can be regenerated (the synthetic dataset) skips the fsync, which costs
    milliseconds per file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_record(path: str | os.PathLike, record: dict) -> Path:
    """Write ``record`` as JSON at ``path`` atomically (``write_text_atomic``)."""
    text = json.dumps(_jsonable(record), indent=1, sort_keys=True, allow_nan=False)
    return write_text_atomic(path, text + "\n")


def read_record(path: str | os.PathLike) -> dict:
    """Read a record written by ``write_record``; a broken file raises ``ValueError`` naming it."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: line {err.lineno}: not a valid result record ({err.msg})") from err
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level, got {type(record).__name__}")
    return record
