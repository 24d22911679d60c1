"""Where the book keeps what its runs write: each folder's default and layout, defined once and
read by the chapters, the rehearsal, the executors, the book command and the site.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RESULTS_DIR", "RUNS_DIR", "RUN_DIR_PARTS", "checkpoint_folder", "records_url"]

RESULTS_DIR = "results"  # result records, under results/<profile>/ (relative to the repository)
RUNS_DIR = "_build/runs"  # checkpoints and best weights of the runs, resumable
# A run's folder is runs_dir/<profile>/<backend>/<run>: the parts that name it (two books on one
# node of a cluster never share one; each backend keeps its own checkpoints).
RUN_DIR_PARTS = 3
RECORDS_STATIC = "_static/records"  # where the built site serves the records it cites


def checkpoint_folder(runs_dir, profile: str, backend: str) -> Path:
    """The folder of the runs of ``profile`` on ``backend`` (a run's folder is ``<this>/<run key>``)."""
    return Path(runs_dir) / profile / backend


def records_url(profile: str, part: str = "training") -> str:
    """The records of ``profile`` (its ``part`` folder) as a link from a page of the built site."""
    return f"../{RECORDS_STATIC}/{profile}/{part}/"
