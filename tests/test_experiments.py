"""The tables' runner: every thesis cell is defined, shared runs are trained once, workers do not change results."""

from types import SimpleNamespace

import numpy as np

from skelrnn import dataset, experiments, synthetic, thesis, train


def test_every_cell_of_tables_4_to_7_is_defined_with_the_thesis_value():
    assert len(experiments.TABLES["table 4"]) == 24 and len(experiments.TABLES["table 5"]) == 8
    assert len(experiments.TABLES["table 6"]) == 6 and len(experiments.TABLES["table 7"]) == 4
    values = {c.thesis for cells in experiments.TABLES.values() for c in cells}
    assert values >= set(thesis.TABLE_4.values()) | set(thesis.TABLE_5.values()) | set(thesis.TABLE_6.values())
    bi = [c for c in experiments.TABLES["table 4"] if c.model["bidirectional"]]
    assert {c.model["units"] for c in bi} == {100, 200, 400, 800}  # total units; 50..400 per direction


def profile():
    return SimpleNamespace(
        synthetic={"n_replications": 1, "n_cameras": 1, "actions": (8, 9), "max_frames": 40},
        dataset_name="tiny",
        max_train=24,
        max_eval=16,
        frame_step=5,
        data_seed=0,
        baseline_model={"cell": "gru", "units": 8, "layers": 1, "bidirectional": False, "keep_prob": 0.8, "l2": 1e-4},
        train={"batch_size": 8, "max_epochs": 2, "patience": 1, "min_learning_rate": 5e-5, "pad_multiple": 8},
    )


def without_time(record):
    record = {k: v for k, v in record.items() if k not in train.RUN_TIME_FIELDS}
    record["history"] = [{k: v for k, v in h.items() if k != "seconds"} for h in record["history"]]
    return record


def test_shared_runs_train_once_records_are_reused_and_workers_change_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SKELRNN_CACHE", str(tmp_path / "cache"))  # worker processes inherit it
    P = profile()
    folder = tmp_path / "data"
    synthetic.generate(folder, synthetic.SyntheticConfig(**P.synthetic), workers=1)
    data = dataset.load(folder, workers=1)
    splits = experiments.prepare_splits(data, P)
    assert {k: len(y) for k, (_x, y) in splits.items()} == {"train": 24, "validation": 14, "test": 16}
    cells = [
        experiments.Cell("t", "a", "x", 1.0, model={"units": 8}),  # the baseline itself
        experiments.Cell("t", "b", "y", 2.0, model={"keep_prob": 1.0}),
        experiments.Cell("u", "c", "z", 3.0),  # the same run as "a": trained once
    ]
    logs = []

    def run(results, workers):
        return experiments.run_cells(cells, P, splits, 2, tmp_path / results, tmp_path / "runs", "test", [0],
                                     data_dir=folder, workers=workers, log=logs.append)  # fmt: skip

    one = run("r1", 1)
    assert len(logs) == 2, "the run shared by two cells is trained once"
    assert one[0][2] == one[2][2] and len(list((tmp_path / "r1").glob("*.json"))) == 2
    table = experiments.table_frame(one)
    assert list(table["thesis (%)"]) == [1.0, 2.0, 3.0] and (table["seeds"] == 1).all()
    assert experiments.display_table(table).shape == (3, 3)
    again = run("r1", 1)
    assert len(logs) == 2 and [r for _c, _s, r in again] == [r for _c, _s, r in one], "records are reused"
    two = run("r2", 2)  # two worker processes, each loading the data itself
    assert [without_time(r) for _c, _s, r in two] == [without_time(r) for _c, _s, r in one]

    for _cell, _seed, record in one:  # per class, the share of test sequences with a positive score
        activity = np.array(record["test_score_activity"])
        assert activity.shape == (2,) and ((0 <= activity) & (activity <= 1)).all()
        assert record["test_dead_scores"] == int(np.sum(activity == 0))
        assert 1 <= record["test_classes_predicted"] <= 2


def fake_record(accuracy, predicted, dead):
    return {"test_accuracy": accuracy, "test_classes_predicted": predicted, "test_dead_scores": dead,
            "epochs": 3, "wall_seconds": 1.0}  # fmt: skip


def test_tables_mark_cells_where_a_seed_has_dead_scores():
    a = experiments.Cell("t", "row", "a", 50.0)
    b = experiments.Cell("t", "row", "b", 60.0)
    runs = [(a, 0, fake_record(0.8, 14, 0)), (a, 1, fake_record(0.6, 12, 0)),
            (b, 0, fake_record(0.9, 13, 1)), (b, 1, fake_record(0.1, 7, 0))]  # fmt: skip
    table = experiments.table_frame(runs)
    assert list(table["classes predicted"]) == [12, 7] and list(table["dead scores"]) == [0, 1]
    assert np.allclose(table["measured (%)"], [70.0, 50.0]) and np.allclose(table["min"], [60.0, 10.0])
    shown = experiments.display_table(table)
    assert shown.loc["row", "a"] == "50.0 / 70.0 [60.0, 80.0]"
    assert shown.loc["row", "b"] == "60.0 / 50.0 [10.0, 90.0] ‡"
    assert experiments.dead_score_cells(table, table.iloc[:1]) == "1 of the 3 cells have dead class scores (‡): row, b."


def test_runs_are_ordered_costliest_first():
    def cost(cell="gru", units=100, layers=3, bidirectional=False):
        return experiments.relative_cost(
            {"cell": cell, "units": units, "layers": layers, "bidirectional": bidirectional}
        )

    assert cost(units=100) < cost(units=200) < cost(units=400) < cost(units=800)
    assert cost(layers=3) < cost(layers=8)
    assert cost(bidirectional=True, units=800) < cost(units=800)  # two networks of 400 units
    assert cost("rnn") < cost("lstm") < cost("gru")
