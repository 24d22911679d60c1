"""Result records back to tables: thesis beside measured, seed spreads, claims, dead scores.

Defined for the training chapters (03 on). The runs come from ``executors.run_cells`` as
``[(cell, seed, RunRecord)]``; everything here is computed from those records and the cells'
thesis values (``tables``), never typed in. Figures are in ``plots``.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

import numpy as np

from skelrnn.core.identity import record_key
from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.training.settings import EARLY_STOPPING

__all__ = [
    "run_endings",
    "table_frame",
    "display_table",
    "linked_table",
    "dead_score_cells",
    "baseline_spread",
    "compare_claims",
    "claims_summary",
    "seconds_per_step",
    "full_profile_estimate",
    "table_slug",
    "write_table_file",
    "write_cost_estimate",
    "read_cost_estimates",
]


def run_endings(runs) -> str:
    """How the runs ``[(cell, seed, record)]`` ended, counted: by early stopping (the validation
    accuracy stopped improving until the rate reached its minimum) or at their budget of updates."""
    early = sum(record.stopped == EARLY_STOPPING for _cell, _seed, record in runs)
    return f"{len(runs)} runs: {early} ended by early stopping, {len(runs) - early} at their budget of updates"


def table_frame(runs):
    """A pandas table of ``executors.run_cells`` results: one row per cell with the thesis's value as
    printed and as a number, the mean, min and max test accuracy over seeds (%), the number of
    seeds, the fewest classes a seed's network predicts on the test set, the most class scores a
    seed's network has dead (0 on every test sequence, see ``engine.evaluate``), the mean epochs,
    the seconds of training and the names of the records (``core.identity.record_key``)."""
    import pandas as pd  # the book extra: the library's other layers do without it

    rows, cells = {}, {}
    for cell, _seed, record in runs:
        key = (cell.table, cell.row, cell.column)
        cells[key] = cell
        rows.setdefault(key, []).append(record)
    table = []
    for key, records in rows.items():
        cell = cells[key]
        acc = 100 * np.array([r.test_accuracy for r in records])
        table.append(
            {
                "row": cell.row,
                "column": cell.column,
                "thesis": cell.thesis,
                "thesis (%)": cell.thesis_value,
                "measured (%)": acc.mean(),
                "min": acc.min(),
                "max": acc.max(),
                "seeds": len(acc),
                "classes predicted": min(r.test_classes_predicted for r in records),
                "dead scores": max(r.test_dead_scores for r in records),
                "epochs": float(np.mean([r.epochs for r in records])),
                "seconds": float(np.sum([r.wall_seconds for r in records])),
                "records": [record_key(r) for r in records],
            }
        )
    return pd.DataFrame(table)


def display_table(frame, extra: tuple[str, ...] = ()):
    """``table_frame`` as the thesis lays it out: rows by columns, each entry "thesis / measured", the
    thesis's value exactly as it prints it ("–" where the thesis has none), then the seeds' range
    when there are several, and "‡" when a seed's network has dead class scores. ``extra``: columns
    of ``frame`` shown after the table, one value per row (whole numbers; "–" where NaN)."""
    columns = ("thesis", "measured (%)", "min", "max", "seeds", "dead scores")
    entries = frame.assign(
        entry=[
            f"{t if isinstance(t, str) else '–'} / {m:.1f}"
            + (f" [{lo:.1f}, {hi:.1f}]" if n > 1 else "")
            + (" ‡" if dead else "")
            for t, m, lo, hi, n, dead in zip(*(frame[c] for c in columns), strict=True)
        ]
    )
    table = entries.pivot(index="row", columns="column", values="entry")
    table = table.loc[list(dict.fromkeys(frame["row"])), list(dict.fromkeys(frame["column"]))]
    table = table.fillna("-")  # a cell the thesis's table leaves empty ("-" in its table 8)
    for name in extra:
        values = frame.groupby("row", sort=False)[name].first()
        table[name] = [("–" if np.isnan(v) else f"{v:.0f}") for v in values.loc[table.index]]
    table.columns.name, table.index.name = "thesis / measured (%)", None
    return table


def linked_table(frame, records_url: str, extra: tuple[str, ...] = ()):
    """``display_table`` for a page: each entry followed by one link per seed to the record it was
    read from (``records_url`` + ``<record>.json``, the records the site serves; see
    ``TrainingChapter.records_url``). A pandas ``Styler``, which notebooks show as HTML."""
    table = display_table(frame, extra)
    keys = {(r, c): k for r, c, k in zip(frame["row"], frame["column"], frame["records"], strict=True)}
    linked = table.copy()
    for (row, column), records in keys.items():
        links = " ".join(f'<a href="{html.escape(records_url)}{k}.json" title="record {k}">{n}</a>'
                         for n, k in enumerate(records, start=1))  # fmt: skip
        linked.loc[row, column] = f"{html.escape(table.loc[row, column])} <sup>{links}</sup>"
    # The table's HTML id comes from its content, so that an executed notebook is the same every run.
    return linked.style.set_uuid(hashlib.sha1(linked.to_json().encode()).hexdigest()[:10])


def dead_score_cells(*frames) -> str:
    """One line for a chapter's discussion: how many cells of the ``table_frame`` tables ``frames``
    have a seed with dead class scores (the cells marked "‡"), and which."""
    import pandas as pd  # the book extra: the library's other layers do without it

    both = pd.concat(frames)
    dead = [f"{r}, {c}" for r, c, n in zip(both["row"], both["column"], both["dead scores"], strict=True) if n > 0]
    return f"{len(dead)} of the {len(both)} cells have dead class scores (‡): {'; '.join(dead) or 'none'}."


def baseline_spread(runs) -> dict:
    """Mean, min, max, range and standard deviation (%) of the improved baseline's test accuracy over its seeds."""
    acc = 100 * np.array([record.test_accuracy for _cell, _seed, record in runs])
    return {
        "mean": float(acc.mean()),
        "min": float(acc.min()),
        "max": float(acc.max()),
        "std": float(acc.std(ddof=1)) if len(acc) > 1 else float("nan"),
        "range": float(acc.max() - acc.min()),
        "seeds": len(acc),
    }


def compare_claims(frame, claims, spread: dict):
    """For each thesis claim ``(text, (row, column), (row, column))`` "a beats b": the thesis's and the
    measured difference a - b of the seeds' means (points), the seeds behind each side, whether it
    points the thesis's way (where the thesis has no value for a side, the way the claim states), and whether
    the measured difference is larger than the yardstick: the widest of the improved baseline's
    seed range and the two cells' own seed ranges (a difference inside any of them could be noise)."""
    import pandas as pd  # the book extra: the library's other layers do without it

    columns = (frame[k] for k in ("row", "column", "thesis (%)", "measured (%)", "min", "max", "seeds"))
    lookup = {(r, c): (t, m, hi - lo, n) for r, c, t, m, lo, hi, n in zip(*columns, strict=True)}
    rows = []
    for text, a, b in claims:
        (ta, ma, ra, na), (tb, mb, rb, nb) = lookup[a], lookup[b]
        measured = ma - mb
        yardstick = max(spread["range"], ra, rb)
        expected = np.sign(ta - tb) if np.isfinite(ta - tb) else 1.0  # no thesis value: the claim's "a beats b"
        rows.append(
            {
                "claim": text,
                "thesis difference": round(ta - tb, 2),
                "measured difference": measured,
                "seeds": f"{na} vs {nb}",
                "yardstick": yardstick,
                "same sign": bool(np.sign(measured) == expected),
                "beyond seed range": bool(abs(measured) > yardstick),
            }
        )
    return pd.DataFrame(rows)


def claims_summary(claims) -> str:
    """One sentence from ``compare_claims`` tables: how many claims point the same way, and how many
    of those by more than the seed range."""
    import pandas as pd  # the book extra: the library's other layers do without it

    both = pd.concat(list(claims))
    agree = both["same sign"]
    return (
        f"Of {len(both)} claims of the thesis, {int(agree.sum())} point the same way here, "
        f"{int((agree & both['beyond seed range']).sum())} of them by more than the seed range"
    )


def seconds_per_step(runs, train_steps: int) -> dict:
    """Measured training cost per time step of one sequence (seconds), per cell: the training time of
    its records (updates and validation passes) per epoch, over ``train_steps``, the real time steps
    of the training split that those runs read in an epoch. Keyed by ``(row, column)``."""
    cost = {}
    for cell, _seed, record in runs:
        cost.setdefault((cell.row, cell.column), []).append(record.wall_seconds / record.epochs / train_steps)
    return {key: float(np.mean(v)) for key, v in cost.items()}


def full_profile_estimate(step_seconds: float, steps_per_epoch: int, epochs: int, runs: int) -> dict:
    """The arithmetic of a cost estimate: ``step_seconds`` (measured, ``seconds_per_step``) x
    ``steps_per_epoch`` x ``epochs`` x ``runs``, in hours. An estimate for the same machine and
    backend; batch size, padding and the device change the real figure."""
    per_run = step_seconds * steps_per_epoch * epochs
    return {
        "seconds per sequence step (measured)": step_seconds,
        "steps per epoch": int(steps_per_epoch),
        "epochs": int(epochs),
        "hours per run": per_run / 3600,
        "runs": int(runs),
        "hours in all": per_run * runs / 3600,
    }


# ---------------------------------------------------------------------------------------------
# Files for the results page (``results_page``): which records make each table, what each costs
# ---------------------------------------------------------------------------------------------


def table_slug(table: str) -> str:
    """A file name for a thesis table: "table 4" -> "table-4"."""
    return "-".join(table.lower().split())


def write_table_file(folder, runs, measured: dict | None = None) -> list:
    """Write, for each table among ``runs`` (``executors.run_cells`` results), ``folder/tables/<table>.json``:
    its cells (row, column, the thesis's value as printed) and the records behind each (paths
    relative to ``folder``, the profile's results folder). A table written before keeps its other
    cells (chapters run parts of a table, and every chapter its baseline). ``measured``: per cell
    ``(row, column)``, values computed in the chapter rather than read from the records (table 10).
    Returns the paths written."""
    folder = Path(folder)
    tables: dict[str, dict] = {}
    for cell, _seed, record in runs:
        cells = tables.setdefault(cell.table, {})
        entry = cells.setdefault((cell.row, cell.column), {"row": cell.row, "column": cell.column,
                                                           "thesis": cell.thesis, "records": []})  # fmt: skip
        path = f"training/{record_key(record)}.json"
        if path not in entry["records"]:
            entry["records"].append(path)
        if measured and (cell.row, cell.column) in measured:
            entry["measured"] = [float(v) for v in measured[(cell.row, cell.column)]]
    written = []
    for table, cells in tables.items():
        path = folder / "tables" / f"{table_slug(table)}.json"
        old = read_json(path)["cells"] if path.is_file() else []
        merged = {(c["row"], c["column"]): c for c in old}
        merged.update(cells)
        written.append(write_json_atomic(path, {"table": table, "cells": list(merged.values())}))
    return written


def write_cost_estimate(folder, chapter: str, estimate: dict) -> None:
    """Keep a chapter's full-profile estimate (``full_profile_estimate``) as ``folder/costs/<chapter>.json``."""
    write_json_atomic(Path(folder) / "costs" / f"{chapter}.json", estimate)


def read_cost_estimates(folder) -> dict[str, dict]:
    """The estimates ``write_cost_estimate`` kept under ``folder/costs``, by chapter."""
    return {p.stem: read_json(p) for p in sorted((Path(folder) / "costs").glob("*.json"))}
