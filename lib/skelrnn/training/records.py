"""The result record of one training run: its schema, written and read through ``skelrnn.core.io``.

Defined for the training chapters (03 on). The book's numbers come only from these records,
never from values typed into a notebook. A record is a JSON object; ``RunRecord`` is its typed
view: reading checks that every field is there with the expected type and names the file and
the field that is not. ``RECORD_FORMAT`` numbers the layout: a record of another layout is
trained again rather than read with fields missing.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from skelrnn.core.io import read_json, write_json_atomic

__all__ = [
    "RECORD_FORMAT", "RUN_TIME_FIELDS", "RUN_PLACE_FIELDS", "outcome", "RunRecord", "write_run_record",
    "read_run_record",
]  # fmt: skip

# Version 3: models describe their front-end and head (ModelConfig.front_end, .head).
# Version 4: evaluation every ``eval_every`` updates; history per evaluation, best_update, updates.
RECORD_FORMAT = 4
# Fields that measure time: they differ between an interrupted and a straight run.
RUN_TIME_FIELDS = ("wall_seconds", "seconds", "resumed")
# Keys of a record's ``environment`` that say what trained the run and where (``skelrnn.runs`` executors).
RUN_PLACE_FIELDS = ("executor", "node")


def outcome(record: dict) -> dict:
    """A record (``RunRecord.to_dict()``) without what depends on when and where it ran: the
    ``RUN_TIME_FIELDS`` (each evaluation's ``seconds`` too) and the ``environment``'s
    ``RUN_PLACE_FIELDS``. Two runs of one job on one kind of machine have equal outcomes, whichever
    executor trained them, and whether or not they were interrupted and resumed (tested)."""
    out = {k: v for k, v in record.items() if k not in RUN_TIME_FIELDS}
    out["history"] = [{k: v for k, v in h.items() if k != "seconds"} for h in record["history"]]
    out["environment"] = {k: v for k, v in record.get("environment", {}).items() if k not in RUN_PLACE_FIELDS}
    return out


@dataclass(frozen=True)
class RunRecord:
    """What one run of ``engine.train_run`` produced.

    The header (``format`` to ``dataset``) says what was trained: it is the run's identity, and a
    record whose header differs from the requested run's is not reused. ``history`` has one
    entry per evaluation: ``update`` (updates so far), ``epoch`` (passes over the training data
    so far, a fraction), the training loss and accuracy since the previous evaluation,
    ``val_accuracy``, ``learning_rate`` and ``seconds``. ``epochs`` is the data read, in passes. Accuracies are
    fractions in [0, 1]. ``test_score_activity`` is, per class, the share of test sequences on
    which the class's ReLU score is positive; a class at 0 is dead (``test_dead_scores`` counts
    them). ``learned`` keeps what a chapter shows of the trained weights: for a skeleton
    transformer, ``{"skeleton_transformer": (N', N) matrix applied to the joints}``.
    """

    format: int
    model: dict
    train: dict
    seed: int
    profile: str
    dataset: dict
    history: list
    best_update: int
    best_val_accuracy: float
    test_accuracy: float
    test_classes_predicted: int
    test_score_activity: list
    test_dead_scores: int
    weights: str
    updates: int
    epochs: float
    stopped: str
    wall_seconds: float
    resumed: int
    environment: dict = field(default_factory=dict)
    learned: dict = field(default_factory=dict)  # what a front-end learned, e.g. the skeleton transformer's W

    HEADER = ("format", "model", "train", "seed", "profile", "dataset")

    @property
    def header(self) -> dict:
        return {k: getattr(self, k) for k in self.HEADER}

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, obj: dict, source: str = "record") -> RunRecord:
        """Check ``obj`` against the schema; ``ValueError`` names ``source`` and the field at fault."""
        kinds = {"int": int, "float": (int, float), "str": str, "dict": dict, "list": list}
        values = {}
        for f in dataclasses.fields(cls):
            if f.name not in obj:
                if f.default_factory is not dataclasses.MISSING:
                    continue
                raise ValueError(f"{source}: field {f.name!r} is missing")
            value = obj[f.name]
            kind = kinds[f.type]
            if not isinstance(value, kind) or (f.type == "int" and isinstance(value, bool)):
                raise ValueError(f"{source}: field {f.name!r}: expected {f.type}, got {type(value).__name__} {value!r}")
            values[f.name] = value
        return cls(**values)


def write_run_record(path: str | os.PathLike, record: RunRecord) -> Path:
    """Write ``record`` at ``path`` atomically."""
    return write_json_atomic(path, record.to_dict())


def read_run_record(path: str | os.PathLike) -> RunRecord:
    """Read a record written by ``write_run_record``; ``ValueError`` names the file and what is wrong."""
    return RunRecord.from_dict(read_json(path), source=str(path))
