"""The results page: built from table files and records alone, with the thesis as printed and a mark."""

import json

import pytest

from skelrnn.core.io import write_json_atomic
from skelrnn.experiments.thesis_tables import Cell
from skelrnn.reporting import record_tables
from skelrnn.site import results_page


@pytest.mark.parametrize(
    ("thesis", "low", "high", "expected"),
    [(79.2, 75.0, 80.0, "within"), (79.2, 79.2, 81.0, "within"), (79.2, 70.0, 75.0, "below"),
     (1.7, 5.0, 5.0, "above"), (float("nan"), 1.0, 2.0, "–")],
)  # fmt: skip
def test_the_mark_says_where_the_thesis_lies_against_the_seed_range(thesis, low, high, expected):
    assert results_page.mark(thesis, low, high) == expected


def _record(folder, key, accuracy):
    write_json_atomic(folder / "training" / f"{key}.json", {"test_accuracy": accuracy})


def test_the_page_shows_every_cell_from_its_records_and_serves_them(tmp_path):
    results = tmp_path / "results"
    folder = results / "quick"
    for key, acc in (("aaaa000000000001", 0.70), ("aaaa000000000002", 0.80), ("bbbb000000000001", 0.40)):
        _record(folder, key, acc)
    write_json_atomic(folder / "tables" / "table-4.json", {"table": "table 4", "cells": [
        {"row": "GRU", "column": "100 units", "thesis": "79.2",
         "records": ["training/aaaa000000000001.json", "training/aaaa000000000002.json"]},
        {"row": "RNN", "column": "100 units", "thesis": "43.58", "records": ["training/bbbb000000000001.json",
                                                                             "training/gone.json"]},
    ]})  # fmt: skip
    write_json_atomic(folder / "tables" / "table-10.json", {"table": "table 10", "cells": [
        {"row": "2D tracking", "column": "accuracy", "thesis": "10", "measured": [57.0, 59.0],
         "records": ["training/aaaa000000000001.json"]},
        {"row": "Kinect poses", "column": "accuracy", "thesis": "74.43", "measured": [74.0, 75.0],
         "records": ["training/aaaa000000000001.json"]}]})  # fmt: skip
    rows = {(r["table"], r["row"]): r for r in results_page.collect(results, "quick")}
    assert rows[("table 4", "GRU")]["measured"] == pytest.approx(75.0) and rows[("table 4", "GRU")]["seeds"] == 2
    assert rows[("table 4", "RNN")]["seeds"] == 1, "a record that is gone is left out"
    assert rows[("table 10", "2D tracking")]["min"] == 57.0, "values computed in the chapter come from its file"

    stage = tmp_path / "stage"
    (stage / "book").mkdir(parents=True)
    cluster_page = f"# On a cluster\n\nBefore.\n\n{results_page.COST_TABLE_MARKER}\n\nAfter.\n"
    (stage / "book" / "cluster.md").write_text(cluster_page)
    page = results_page.write_page(stage, results, "quick").read_text()
    filled = (stage / "book" / "cluster.md").read_text()
    # no rehearsal of the full profile under results/: the pages say so (test_rehearsal fills them)
    assert "Before.\n\nNo rehearsal has been recorded yet: `skelrnn book --profile full --rehearse`" in filled
    assert results_page.COST_TABLE_MARKER not in filled and "full profile's cost" not in page
    assert "| GRU | 100 units | 79.2 | 75.0 [70.0, 80.0] | 2 | within |" in page
    assert "| RNN | 100 units | 43.58 | 40.0 | 1 | below |" in page, "the thesis's value exactly as printed"
    # simulated videos against real ones, and a table-9 value in table 10's place: no verdict
    assert "| 2D tracking | accuracy | 10 | 58.0 [57.0, 59.0] | 2 | not comparable |" in page
    assert "| Kinect poses | accuracy | 74.43 | 74.5 [74.0, 75.0] | 2 | not comparable |" in page
    assert "within |" not in page.split("## Table 10")[1].split("##")[0]
    assert "Not comparable: Kinect poses: the thesis's value is table 9's" in page
    assert "table 10 is computed in its chapter" in page, "the page says where table 10's values come from"
    assert "(../_static/records/quick/training/aaaa000000000001.json)" in page
    assert page.index("## Table 4") < page.index("## Table 10"), "tables in the thesis's order"
    served = stage / "_static" / "records" / "quick" / "training" / "aaaa000000000002.json"
    assert json.loads(served.read_text()) == {"test_accuracy": 0.8}


def test_a_chapter_indexes_the_records_of_each_table_it_runs(tmp_path):
    from test_report import fake_record

    from skelrnn.core.identity import record_key

    runs = [(Cell("table 9", "13 joints", "without", "75.94"), s, fake_record(0.5, 3, 0, seed=s)) for s in (0, 1)]
    [path] = record_tables.write_table_file(tmp_path, runs)
    table = json.loads(path.read_text())
    assert path.name == "table-9.json" and table["table"] == "table 9"
    assert table["cells"][0]["records"] == [f"training/{record_key(r)}.json" for _c, _s, r in runs]
