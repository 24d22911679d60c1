"""Probes of the device a run computes on: its name for people, and the peak memory of a block of
work (the backend allocator's bytes on a GPU, this process's resident set on a CPU).

Defined for the full profile's rehearsal (``skelrnn.experiments.rehearsal``); beside
``core.backend``, the one place that talks to the backend's own modules.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import keras

from skelrnn.core.backend import describe

__all__ = ["PeakMemory", "memory_reader", "device_name"]


class PeakMemory:
    """The peak memory of a block (``with PeakMemory() as peak: ...``, then ``peak.mib`` and
    ``peak.added_mib``): on a GPU the backend allocator's bytes in use, else this process's
    resident set; sampled every ``interval`` seconds by a thread (and at both ends)."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self._read = memory_reader()
        self.start = self.peak = 0

    def __enter__(self):
        self.start = self.peak = self._read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._read())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._read())
        return False

    @property
    def mib(self) -> float:
        return self.peak / 2**20

    @property
    def added_mib(self) -> float:
        return (self.peak - self.start) / 2**20


def memory_reader():
    """A function returning bytes in use: the GPU's (JAX, torch, TensorFlow) if the backend has one,
    else the resident set of this process (Linux's /proc, else the peak from ``resource``)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax  # the backend's own module: only the backend in use is imported

        gpu = next((d for d in jax.devices() if d.platform == "gpu"), None)
        if gpu is not None:
            return lambda: int(gpu.memory_stats().get("bytes_in_use", 0))
    elif backend == "torch":
        import torch  # the backend's own module

        if torch.cuda.is_available():
            return torch.cuda.memory_allocated
    elif backend == "tensorflow":
        import tensorflow as tf  # the backend's own module

        if tf.config.list_physical_devices("GPU"):
            return lambda: int(tf.config.experimental.get_memory_info("GPU:0")["current"])
    if Path("/proc/self/statm").is_file():
        page = os.sysconf("SC_PAGE_SIZE")
        return lambda: int(Path("/proc/self/statm").read_text().split()[1]) * page
    import resource  # Unix only: the fallback where /proc is missing

    return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def device_name() -> str:
    """The device the backend computes on, for people: the GPU's name, else the CPU's model and cores."""
    device = describe()["device"]
    if device != "CPU":
        return device
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                      if ln.startswith("model name")), "")  # fmt: skip
    return f"CPU ({model + ', ' if model else ''}{os.cpu_count()} cores)"
