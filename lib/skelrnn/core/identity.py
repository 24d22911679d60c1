"""What names a training run: the settings dict that identifies it, and the short hash that names
its record (``<key>.json``) and its checkpoint folder.

Defined for the training chapters (03 on). A run is named by everything that determines it
(model, training settings, seed, data), so a run shared by two tables is trained once and a
chapter run again only trains what has no record (``skelrnn.runs.planning``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

__all__ = ["identity_dict", "run_key", "record_key"]


def identity_dict(config, added: dict) -> dict:
    """A settings dataclass (``ModelConfig``, ``TrainConfig``) as the dict that names its runs
    (``run_key``) and heads their records. ``added``: the fields added after the first
    records, with their defaults; a field at its default is left out, so that every run recorded
    before the field existed keeps its name."""
    out = dataclasses.asdict(config)
    for name, default in added.items():
        if out[name] == default:
            del out[name]
    return out


def run_key(model: dict, train: dict, seed: int, dataset_sha: str) -> str:
    """A short name for a run: a hash of its model and training settings, seed and data."""
    text = json.dumps([model, train, int(seed), dataset_sha], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_key(record) -> str:
    """The name (``run_key``) of the run a ``RunRecord`` holds: its record is ``<key>.json``."""
    return run_key(record.model, record.train, record.seed, record.dataset["sha256"])
