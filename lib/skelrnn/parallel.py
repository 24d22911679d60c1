"""Worker processes for the data layer (parsing NTU files, generating the synthetic dataset).

On Linux workers are forked: fork needs no ``if __name__ == "__main__":`` guard in scripts and
starts in milliseconds. Forking a process that already runs TensorFlow's, JAX's or torch's
threads is only unsafe for a child that uses those frameworks; our workers run NumPy and the
file parsers only. (Python 3.12+ warns about forking a threaded process; that warning is
silenced here for that reason.) Elsewhere the platform's default start method is used, which
needs the ``__main__`` guard in scripts.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["process_pool", "worker_count"]


def worker_count(workers: int | None) -> int:
    """``workers``, or every core when None; at least 1."""
    if workers is not None and int(workers) < 1:
        raise ValueError(f"workers: expected an integer >= 1 or None, got {workers}")
    return int(workers) if workers is not None else max(1, os.cpu_count() or 1)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers`` processes (see the module's docstring for how they start)."""
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield pool
