"""Progress of a chapter's training runs as data: one JSON object per line, appended to the file
that the environment variable ``SKELRNN_PROGRESS`` names (nothing is written without it).

Defined for the book command (``skelrnn.site.book_command``), which executes each chapter in a
Jupyter kernel, names a file for it, and reads the events back to print a line per finished run
and count the runs trained and reused. The chapter's own printed lines are for its reader.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["PROGRESS_ENV", "report_progress", "read_progress"]

PROGRESS_ENV = "SKELRNN_PROGRESS"


def report_progress(event: dict) -> None:
    """Append ``event`` (JSON-able: ``kind`` "run" with ``line``, or "runs" with ``trained``,
    ``reused`` and ``line``) to the progress file, if one is named; flushed before returning, so
    that a reader that sees the chapter's next output sees the event."""
    path = os.environ.get(PROGRESS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")


def read_progress(path: str | os.PathLike, offset: int = 0) -> tuple[list[dict], int]:
    """The complete events of the progress file ``path`` from byte ``offset`` on, and the offset
    after the last complete one (a line being written is read next time); none when it is missing."""
    try:
        data = Path(path).read_bytes()[offset:]
    except FileNotFoundError:
        return [], offset
    complete = data[: data.rfind(b"\n") + 1]
    events = [json.loads(line) for line in complete.decode("utf-8").splitlines() if line.strip()]
    return events, offset + len(complete)
