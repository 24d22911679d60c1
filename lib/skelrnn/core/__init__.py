"""The floor every other package stands on: atomic file writes, the one place that talks to the
Keras backend and probes its device, worker processes, what names a run, where runs and records
go, and numba loaded lazily.

The library's layout, and what each package may import: ``book/library.md``.
"""
