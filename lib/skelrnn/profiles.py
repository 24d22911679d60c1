"""Profiles: the one place where a chapter's sizes are set (papermill parameter ``profile``).

A profile is a set of values, never a code path: every cell of every chapter runs in every
profile. ``smoke`` is for tests (seconds), ``quick`` is the default book on a 2-core CPU with
the embedded data (minutes), ``full`` follows the thesis's settings and is meant for a GPU.
"""

from __future__ import annotations

from types import SimpleNamespace

__all__ = ["PROFILES", "CHAPTERS", "get"]

PROFILES = ("smoke", "quick", "full")

CHAPTERS: dict[str, dict[str, dict]] = {
    # notebooks/01_rnn_math.ipynb
    "rnn_math": {
        "smoke": {
            "check_shape": (4, 12, 6, 8),  # (N, T, D, H) of the NumPy-vs-Keras check
            "probe_shape": (32, 60, 75, 100),  # (N, T, D, H): 25 joints x 3 coordinates, 100 units
            "memory_lengths": (10, 40),
            "memory": {"units": 16, "n_train": 256, "n_test": 128, "epochs": 2},
            "n_seeds": 1,
        },
        "quick": {
            "check_shape": (8, 30, 6, 16),
            "probe_shape": (64, 100, 75, 100),
            "memory_lengths": (10, 25, 50, 75),
            "memory": {"units": 32, "n_train": 1024, "n_test": 256, "epochs": 20},
            "n_seeds": 2,
        },
        "full": {
            "check_shape": (32, 100, 75, 100),
            "probe_shape": (256, 300, 75, 100),
            "memory_lengths": (10, 25, 50, 75, 100, 150, 200),
            "memory": {"units": 100, "n_train": 8192, "n_test": 2048, "epochs": 60},
            "n_seeds": 5,
        },
    },
    # notebooks/02_data.ipynb: overrides of synthetic.SyntheticConfig (used when data_dir is None)
    "data": {
        "smoke": {
            "synthetic": {"n_replications": 1, "actions": (8, 9, 23, 43)},
            "gallery": 4,  # classes shown in the 3D viewer
            "gallery_stride": 4,  # keep every 4th frame in the viewer
            "batch_size": 32,  # for the padding comparison (the thesis trains with 256)
        },
        "quick": {"synthetic": {}, "gallery": 8, "gallery_stride": 3, "batch_size": 256},
        "full": {"synthetic": {}, "gallery": 8, "gallery_stride": 2, "batch_size": 256},
    },
}


def get(chapter: str, profile: str) -> SimpleNamespace:
    """The values of ``profile`` for ``chapter``, as attributes, plus ``profile`` and ``chapter``."""
    if chapter not in CHAPTERS:
        raise KeyError(f"unknown chapter {chapter!r}; known: {sorted(CHAPTERS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    values = CHAPTERS[chapter][profile]
    return SimpleNamespace(chapter=chapter, profile=profile, **values)
