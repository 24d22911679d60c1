"""Worker processes: forked ones for the data layer (parsing NTU files, generating the synthetic
dataset), spawned ones that train with the backend (``backend_process_pool``).

On Linux workers are forked: fork needs no ``if __name__ == "__main__":`` guard in scripts and
starts in milliseconds. Forking a process that already runs TensorFlow's, JAX's or torch's
threads is only unsafe for a child that uses those frameworks; our workers run NumPy and the
file parsers only. (Python 3.12+ warns about forking a threaded process; that warning is
silenced here for that reason.) Elsewhere the platform's default start method is used, which
needs the ``__main__`` guard in scripts.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from skelrnn.core.backend import ignore_retracing_warnings, limit_threads

__all__ = ["process_pool", "worker_count", "init_backend_worker", "backend_process_pool"]


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


def init_backend_worker(threads: int) -> None:
    """Runs once in each worker process that trains with the backend: stop with the parent, limit
    threads, drop TensorFlow's retracing warning (each run traces a new model; a worker writes to
    the chapter's stderr)."""
    if sys.platform == "linux":  # a killed notebook must not leave training processes behind
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            pass
    # Ctrl-C (or a kernel shutting down) interrupts the parent, which stops the pool; workers
    # ignore it rather than each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(threads)
    ignore_retracing_warnings()


def backend_process_pool(processes: int, share: int | None = None, initializer=init_backend_worker):
    """A ``ProcessPoolExecutor`` of ``processes`` workers that train with the backend: spawned (a
    forked child of a process that runs the backend must not run it), each set up by
    ``initializer(threads)`` with ``cpu_count / share`` backend threads (``share``: how many such
    workers run side by side, default ``processes``)."""
    threads = max(1, (os.cpu_count() or 1) // (share or processes))
    return ProcessPoolExecutor(processes, multiprocessing.get_context("spawn"), initializer, (threads,))
