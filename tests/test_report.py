"""Records back to tables: means and ranges over seeds, the thesis as printed, dead-score marks, claims."""

import dataclasses
import json

import numpy as np
import pytest

from skelrnn.experiments.thesis_tables import Cell
from skelrnn.reporting import record_tables
from skelrnn.training.records import RunRecord


def fake_record(accuracy, predicted, dead, seed=0):
    return RunRecord(
        format=4, model={}, train={}, seed=seed, profile="test", dataset={"sha256": "d"}, history=[], best_update=1,
        best_val_accuracy=0.5, test_accuracy=accuracy, test_classes_predicted=predicted, test_score_activity=[],
        test_dead_scores=dead, weights="last update", updates=3, epochs=3, stopped="budget spent",
        wall_seconds=1.0,
        resumed=0,
    )  # fmt: skip


def test_tables_show_the_thesis_as_printed_and_mark_cells_where_a_seed_has_dead_scores():
    a = Cell("t", "row", "a", "50.0")
    b = Cell("t", "row", "b", "59.5")
    c = Cell("t", "row", "c", "43.58")
    runs = [(a, 0, fake_record(0.8, 14, 0)), (a, 1, fake_record(0.6, 12, 0)), (b, 0, fake_record(0.9, 13, 1)),
            (b, 1, fake_record(0.1, 7, 0)), (c, 0, fake_record(0.25, 2, 0))]  # fmt: skip
    table = record_tables.table_frame(runs)
    assert list(table["classes predicted"]) == [12, 7, 2] and list(table["dead scores"]) == [0, 1, 0]
    assert np.allclose(table["measured (%)"], [70.0, 50.0, 25.0]) and np.allclose(table["min"], [60.0, 10.0, 25.0])
    shown = record_tables.display_table(table)
    assert shown.loc["row", "a"] == "50.0 / 70.0 [60.0, 80.0]"
    assert shown.loc["row", "b"] == "59.5 / 50.0 [10.0, 90.0] ‡"
    assert shown.loc["row", "c"] == "43.58 / 25.0", "one seed: no range; the thesis value exactly as printed"
    assert (
        record_tables.dead_score_cells(table, table.iloc[:1]) == "1 of the 4 cells have dead class scores (‡): row, b."
    )


def test_claims_are_compared_with_the_seed_range():
    a, b = Cell("t", "r", "a", "79.2"), Cell("t", "r", "b", "76.05")
    table = record_tables.table_frame([(a, 0, fake_record(0.70, 5, 0)), (b, 0, fake_record(0.80, 5, 0))])
    spread = record_tables.baseline_spread([(a, s, fake_record(x, 5, 0)) for s, x in enumerate((0.6, 0.7, 0.65))])
    assert spread["range"] == pytest.approx(10.0) and spread["mean"] == pytest.approx(65.0)
    claims = record_tables.compare_claims(table, [("a beats b", ("r", "a"), ("r", "b"))], spread)
    row = claims.iloc[0]
    assert row["thesis difference"] == pytest.approx(3.15) and row["measured difference"] == pytest.approx(-10.0)
    assert not row["same sign"] and not row["beyond seed range"]  # -10 is not beyond a range of 10
    assert row["yardstick"] == pytest.approx(10.0) and row["seeds"] == "1 vs 1"
    # A cell's own seeds widen the yardstick: a's seeds span 30 points, so 15 is within noise.
    runs = [(a, s, fake_record(x, 5, 0)) for s, x in enumerate((0.6, 0.9, 0.75))] + [(b, 0, fake_record(0.6, 5, 0))]
    wide = record_tables.compare_claims(
        record_tables.table_frame(runs), [("a beats b", ("r", "a"), ("r", "b"))], spread
    ).iloc[0]
    assert wide["measured difference"] == pytest.approx(15.0) and wide["yardstick"] == pytest.approx(30.0)
    assert wide["same sign"] and not wide["beyond seed range"] and wide["seeds"] == "3 vs 1"
    assert record_tables.claims_summary([claims]).startswith(
        "Of 1 claims of the thesis, 0 point the same way here, 0 of them"
    )


def test_a_linked_table_links_every_seed_of_a_cell_to_its_record(tmp_path):
    from skelrnn.core.identity import record_key

    a, b = Cell("t", "row", "a", "50.0"), Cell("t", "row", "b", "59.5")
    runs = [(a, 0, fake_record(0.8, 3, 0, seed=0)), (a, 1, fake_record(0.6, 3, 0, seed=1)),
            (b, 0, fake_record(0.5, 3, 0, seed=7))]  # fmt: skip
    table = record_tables.table_frame(runs)
    html = record_tables.linked_table(table, "../_static/records/test/training/").to_html()
    for _cell, _seed, record in runs:
        assert f'href="../_static/records/test/training/{record_key(record)}.json"' in html
    assert "50.0 / 70.0 [60.0, 80.0] <sup>" in html and "thesis / measured (%)" in html
    assert html == record_tables.linked_table(table, "../_static/records/test/training/").to_html(), (
        "the same HTML twice"
    )

    written = record_tables.write_table_file(tmp_path, runs)
    assert [p.name for p in written] == ["t.json"]
    cells = json.loads(written[0].read_text())["cells"]
    assert [(c["row"], c["column"], c["thesis"], len(c["records"])) for c in cells] == [
        ("row", "a", "50.0", 2), ("row", "b", "59.5", 1)]  # fmt: skip
    record_tables.write_table_file(tmp_path, [(Cell("t", "row", "c", "1.0"), 0, fake_record(0.1, 1, 0, seed=3))])
    merged = json.loads(written[0].read_text())["cells"]
    assert [c["column"] for c in merged] == ["a", "b", "c"], "a table written in parts keeps every part"


def test_how_the_runs_ended_is_counted():
    cell = Cell("t", "row", "a", "50.0")
    early = dataclasses.replace(fake_record(0.5, 2, 0), stopped="minimum learning rate reached")
    runs = [(cell, 0, early), (cell, 1, fake_record(0.5, 2, 0)), (cell, 2, early)]
    assert record_tables.run_endings(runs) == "3 runs: 2 ended by early stopping, 1 at their budget of updates"
