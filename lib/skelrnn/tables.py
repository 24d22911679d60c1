"""The thesis's tables as data: cells with the thesis's value exactly as it prints it.

Thesis values are facts carried over with a citation, Le Roux (2017) [leroux2017]: test accuracy
(%) on NTU RGB+D, cross-subject protocol. Each is kept as the string the thesis prints ("59.5",
not 59.50; "43.58", not 43.6), so the book shows it that way; ``Cell.thesis_value`` is its
number. A cell also says how it differs from the improved baseline (thesis 3.1.2:
unidirectional, 3 x 100 GRU units, dropout keep probability 0.5, L2, early stopping): changes to
the model (``models.ModelConfig`` fields) and to training (``train.TrainConfig`` fields).

Defined for the baselines (tables 4, 5) and regularization (tables 6, 7) chapters; later
chapters add their tables here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SOURCE", "Cell", "TABLES", "IMPROVED_BASELINE", "improved_baseline_cell"]

SOURCE = "Le Roux (2017), Learning action recognition from 3D poses, Inria master thesis"


@dataclass(frozen=True)
class Cell:
    """One cell of a thesis table: where it sits (``table``, ``row``, ``column``), the thesis's
    value as printed (``thesis``, a string such as "79.2"), and the changes to the improved
    baseline's ``model`` and ``train`` settings."""

    table: str
    row: str
    column: str
    thesis: str
    model: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)

    def __post_init__(self):
        float(self.thesis)  # a value as printed must still be a number

    @property
    def thesis_value(self) -> float:
        return float(self.thesis)


# The improved baseline's thesis accuracy, in every table from table 5 on (bold in the thesis).
IMPROVED_BASELINE = "79.2"

# Table 4 (thesis p. 30): rows by cell type and direction, columns by units. A bidirectional
# network's units are the total; each direction gets half (the thesis prints 50..400 per direction).
_TABLE_4_PRINTED = {
    ("uni", "rnn"): ("43.58", "48.98", "59.5", "60.3"),
    ("uni", "lstm"): ("76.05", "76.82", "76.22", "75.98"),
    ("uni", "gru"): ("79.2", "79.03", "78.83", "79.14"),
    ("bi", "rnn"): ("40.91", "54.82", "54.9", "66.54"),
    ("bi", "lstm"): ("73.82", "76.67", "77.13", "77.35"),
    ("bi", "gru"): ("73.9", "78.37", "78.71", "78.1"),
}
_TABLE_5_PRINTED = ("72.35", "77.09", "79.2", "77.94", "77.83", "77.2", "76.72", "74.62")  # 1..8 layers
_TABLE_6_PRINTED = {1.0: "75.17", 0.9: "76.93", 0.7: "78.11", 0.5: "79.2", 0.3: "72.91", 0.1: "57.72"}
_TABLE_7_PRINTED = {(False, False): "68.12", (False, True): "72.29", (True, False): "76.02", (True, True): "79.2"}


def _table_4() -> list[Cell]:
    cells = []
    for (direction, cell), values in _TABLE_4_PRINTED.items():
        name = "RNN" if cell == "rnn" else cell.upper()
        row = f"unidirectional {name}" if direction == "uni" else f"bidirectional {name} (half the units each way)"
        for units, value in zip((100, 200, 400, 800), values, strict=True):
            model = {"cell": cell, "units": units, "bidirectional": direction == "bi"}
            cells.append(Cell("table 4", row, f"{units} units", value, model=model))
    return cells


TABLES: dict[str, list[Cell]] = {
    "table 4": _table_4(),
    "table 5": [
        Cell("table 5", "GRU, 100 units", f"{n} layers", v, model={"layers": n})
        for n, v in enumerate(_TABLE_5_PRINTED, start=1)
    ],
    "table 6": [
        Cell("table 6", "keep probability", f"{p:g}", v, model={"keep_prob": p}) for p, v in _TABLE_6_PRINTED.items()
    ],
    "table 7": [
        Cell(
            "table 7",
            f"L2 {'with' if l2 else 'without'}",
            f"early stopping {'with' if es else 'without'}",
            v,
            model={} if l2 else {"l2": 0.0},
            train={"early_stopping": es},
        )
        for (l2, es), v in _TABLE_7_PRINTED.items()
    ],
}


def improved_baseline_cell() -> Cell:
    """The improved baseline as a cell of its own (its seeds' spread is the chapters' yardstick)."""
    return Cell("baseline", "improved baseline", "GRU 3 x 100", IMPROVED_BASELINE)
