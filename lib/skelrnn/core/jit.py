"""Kernels compiled with numba on first use: the one rule for loading numba lazily.

numba is optional and takes about a second to import, so no module imports it at its top: a
module with kernels (the NTU reader of the data chapter, thesis 3.1.1; Viterbi smoothing of the
in-the-wild chapter, thesis 4.1.2) builds them with ``lazy_kernels``, which imports numba and
compiles on the first call that needs them, once per process, under a lock (threads may ask at
the same time). Importing such a module stays cheap.

Without numba each caller keeps its own rule: the NTU reader (``data.ntu.reader``) gets its
fallback, no kernels, and reads every file with the careful Python parser; Viterbi smoothing
(``wild.smoothing``) has no fallback, so the ``ImportError`` reaches its caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["import_numba", "lazy_kernels"]

T = TypeVar("T")
_REQUIRED = object()  # ``lazy_kernels`` without a fallback: numba must be there


def import_numba(required: bool = True) -> ModuleType | None:
    """The numba module; where it is not installed, the ``ImportError`` when ``required``, else None."""
    try:
        import numba  # optional, and a second to import: only when a kernel is first needed
    except ImportError:
        if required:
            raise
        return None
    return numba


def lazy_kernels(build: Callable[[ModuleType], T], without_numba: Any = _REQUIRED) -> Callable[[], T]:
    """A function returning ``build(numba)``, built on its first call only (thread-safe).

    Without numba it returns ``without_numba`` (for a caller with a pure Python fallback), kept for
    every later call; when no fallback is given it raises the ``ImportError``, again on each call.
    """
    lock = threading.Lock()
    built: list = []

    def kernels() -> T:
        if not built:
            with lock:
                if not built:
                    numba = import_numba(required=without_numba is _REQUIRED)
                    built.append(without_numba if numba is None else build(numba))
        return built[0]

    return kernels
