"""The runner: shared runs are trained once, records are reused, workers change nothing."""

import keras
import numpy as np
import pytest

from skelrnn.core.identity import record_key
from skelrnn.data import loading
from skelrnn.data.splits import prepare_splits
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig
from skelrnn.experiments.thesis_tables import Cell
from skelrnn.runs import executors, local, planning, scheduling
from skelrnn.training import engine, records

SYNTHETIC = {"n_replications": 1, "n_cameras": 1, "actions": (8, 9), "max_frames": 40}
BASELINE = {"cell": "gru", "units": 8, "layers": 1, "bidirectional": False, "keep_prob": 0.8, "l2": 1e-4}
TRAIN = {"batch_size": 8, "max_epochs": 2, "eval_every": 3, "patience": 1, "min_learning_rate": 5e-5, "pad_multiple": 8}


def without_time(record):
    return records.outcome(record.to_dict())


def test_prepare_splits_caps_each_split_and_thins_frames(tmp_path):
    folder = tmp_path / "data"
    generator.generate(folder, SyntheticConfig(**SYNTHETIC), workers=1)
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1)
    full = prepare_splits(data)
    capped = prepare_splits(data, max_train=24, max_eval=16, frame_step=5, seed=0)
    sizes = {k: len(y) for k, (_x, y) in capped.items()}
    assert sizes == {"train": 24, "validation": min(16, len(full["validation"][1])), "test": 16}
    lengths = {len(f) for f in full["train"][0]}
    assert all(len(f) in {-(-t // 5) for t in lengths} for f in capped["train"][0])  # ceil(T / 5) frames
    again = prepare_splits(data, max_train=24, max_eval=16, frame_step=5, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(capped["test"][1], again["test"][1], strict=True))


def test_shared_runs_train_once_records_are_reused_and_workers_change_nothing(tmp_path):
    folder = tmp_path / "data"
    generator.generate(folder, SyntheticConfig(**SYNTHETIC), workers=1)
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1)
    splits = prepare_splits(data, max_train=24, max_eval=16, frame_step=5)
    cells = [
        Cell("t", "a", "x", "1.0", model={"units": 8}),  # the baseline itself
        Cell("t", "b", "y", "2.0", model={"keep_prob": 1.0}),
        Cell("u", "c", "z", "3.0"),  # the same run as "a": trained once
    ]
    logs = []

    def run(results, executor, splits=splits):
        return executors.run_cells(
            cells, [0], splits, baseline_model=BASELINE, train_settings=TRAIN, n_classes=2,
            results_dir=tmp_path / results, runs_dir=tmp_path / "runs", profile="test", dataset_name="tiny",
            executor=executor, log=logs.append,
        )  # fmt: skip

    one = run("r1", local.InProcess())
    trained_lines = [line for line in logs if line.startswith("[")]  # one line per run that ends
    assert len(trained_lines) == 2, "the run shared by two cells is trained once"
    assert logs[-1] == "runs: 2 trained, 0 reused", "the count the book command sums"
    assert one[0][2] == one[2][2] and len(list((tmp_path / "r1").glob("*.json"))) == 2
    again = run("r1", local.InProcess())
    assert logs[-1] == "runs: 0 trained, 2 reused" and len(logs) == 4
    assert [r for _c, _s, r in again] == [r for _c, _s, r in one], "records are reused"
    aligned = prepare_splits(data, max_train=24, max_eval=16, frame_step=5, preprocessing="pose_alignment")
    pool = local.LocalProcesses(2)
    try:
        two = run("r2", pool)  # two worker processes, which read the splits from one file
        workers = pool.worker_pids()
        assert len(workers) == 2
        other = run("r3", pool, aligned)  # other inputs: the same workers load the other file
        assert pool.worker_pids() == workers, "the workers stay up for other splits"
    finally:
        pool.close()
    assert [without_time(r) for _c, _s, r in two] == [without_time(r) for _c, _s, r in one]
    alone = run("r4", local.InProcess(), aligned)
    assert [without_time(r) for _c, _s, r in other] == [without_time(r) for _c, _s, r in alone]
    assert other[0][2].dataset["sha256"] != one[0][2].dataset["sha256"]

    for _cell, _seed, record in one:  # per class, the share of test sequences with a positive score
        activity = np.array(record.test_score_activity)
        assert activity.shape == (2,) and ((0 <= activity) & (activity <= 1)).all()
        assert record.test_dead_scores == int(np.sum(activity == 0))
        assert 1 <= record.test_classes_predicted <= 2


def test_splits_travel_to_workers_unchanged(tmp_path):
    rng = np.random.default_rng(0)
    splits = {}
    for part, n in (("train", 7), ("validation", 1), ("test", 0)):
        features = [rng.normal(size=(int(rng.integers(1, 9)), 3)).astype("float32") for _ in range(n)]
        splits[part] = (features, rng.integers(0, 4, size=n))
    scheduling.save_splits(tmp_path / "s.npz", splits)
    back = scheduling.load_splits(str(tmp_path / "s.npz"))
    assert set(back) == set(splits)
    for part, (features, labels) in splits.items():
        assert np.array_equal(back[part][1], labels) and len(back[part][0]) == len(features)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(features, back[part][0], strict=True))


def test_plans_give_claimed_cells_their_seeds_and_scale_every_width():
    rng = np.random.default_rng(0)
    splits = {part: ([rng.normal(size=(5, 3)).astype("float32") for _ in range(4)], np.array([0, 1, 0, 1]))
              for part in ("train", "validation", "test")}  # fmt: skip
    cells = [Cell("t", "a", "x", "1.0", model={"units": 800}), Cell("t", "b", "y", "2.0", model={"units": 100})]
    kwargs = dict(baseline_model=BASELINE, train_settings=TRAIN, n_classes=2, results_dir="r", runs_dir="runs",
                  profile="test", dataset_name="tiny")  # fmt: skip
    plan, jobs = planning.plan_runs(cells, lambda c: [0, 1, 2] if c.row == "a" else [0], splits, width_scale=0.25,
                                 **kwargs)  # fmt: skip
    assert [(c.row, s) for c, s, _p in plan] == [("a", 0), ("a", 1), ("a", 2), ("b", 0)]
    assert sorted(job.model["units"] for job in jobs.values()) == [26, 200, 200, 200]  # 100 x 0.25 = 25 -> even
    assert [planning.scaled_units(u, 0.25) for u in (100, 200, 400, 800, 4)] == [26, 50, 100, 200, 2]
    unscaled, _ = planning.plan_runs(cells, [0], splits, **kwargs)
    assert unscaled[0][2] not in {p for _c, _s, p in plan}, "a scaled run is another run (its own record)"


def test_a_chapter_trains_the_cells_a_claim_compares_with_the_claim_seeds(monkeypatch):
    from skelrnn.experiments import chapters

    chapter = object.__new__(chapters.TrainingChapter)  # the attributes run() reads, without loading data
    chapter.seeds, chapter.claim_seeds, chapter.width_scale = [0], [0, 1, 2], 0.5
    chapter.P = type("P", (), {"baseline_model": BASELINE, "dataset_name": "tiny"})
    chapter.protocol = "cross_subject"
    chapter.splits, chapter.train_settings, chapter.n_classes = {}, TRAIN, 2
    chapter.records, chapter.runs, chapter.profile, chapter.executor = "r", "runs", "test", None
    chapter._features = {"{}": {}}
    seen = {}

    def fake_run_cells(cells, seeds, splits, **kwargs):
        seen.update({c.row: seeds(c) for c in cells}, width=kwargs["width_scale"])
        return []

    monkeypatch.setattr(chapters, "run_cells", fake_run_cells)
    cells = [Cell("t", "a", "x", "1.0"), Cell("t", "b", "y", "2.0"), Cell("t", "c", "z", "3.0")]
    chapter.run(cells, claims=[("a beats c", ("a", "x"), ("c", "z"))])
    assert seen == {"a": [0, 1, 2], "b": [0], "c": [0, 1, 2], "width": 0.5}


def test_a_chapter_trains_cells_with_other_inputs_on_their_own_splits_and_keeps_the_cells_order(monkeypatch):
    from skelrnn.experiments import chapters

    chapter = object.__new__(chapters.TrainingChapter)
    chapter.seeds = chapter.claim_seeds = [0]
    chapter.width_scale, chapter.train_settings, chapter.n_classes = 1.0, TRAIN, 2
    chapter.P = type("P", (), {"baseline_model": BASELINE, "dataset_name": "tiny"})
    chapter.protocol = "cross_subject"
    chapter.records, chapter.runs, chapter.profile, chapter.executor = "r", "runs", "test", None
    chapter._features = {"{}": "25 joints", '{"joints": 13}': "13 joints"}  # splits_for's cache, by features
    calls = []

    def fake_run_cells(cells, seeds, splits, **kwargs):
        calls.append((splits, kwargs["dataset_name"], [c.row for c in cells]))
        return [(c, 0, c.row) for c in cells]

    monkeypatch.setattr(chapters, "run_cells", fake_run_cells)
    monkeypatch.setattr(chapters.TrainingChapter, "index_runs", lambda self, runs: None)  # fake records
    monkeypatch.setattr(chapters.record_tables, "run_endings", lambda runs: f"{len(runs)} runs")  # of fake records
    cells = [Cell("t", "a", "x", "1"), Cell("t", "b", "x", "2", features={"joints": 13}), Cell("t", "c", "x", "3")]
    runs = chapter.run(cells)
    assert calls == [("25 joints", "tiny", ["a", "c"]), ("13 joints", "tiny (joints 13)", ["b"])]
    assert [record for _cell, _seed, record in runs] == ["a", "b", "c"]


def test_a_chapter_maps_ntu_labels_to_the_classes_it_trained():
    from skelrnn.experiments import chapters

    chapter = object.__new__(chapters.TrainingChapter)
    chapter.data = type("D", (), {"actions": np.array([1, 3, 20]), "labels": np.array([2, 0, 1, 1])})  # 3 actions
    assert [chapter.model_class(label) for label in (0, 2, 19, 1, -1, 59)] == [0, 1, 2, None, None, None]
    assert chapter.ntu_labels([0, 1, 2]).tolist() == [19, 0, 2]
    assert [chapter.model_class(label) for label in chapter.ntu_labels(range(4))] == [2, 0, 1, 1], "round trip"


def test_a_trained_model_comes_back_with_the_weights_its_record_measured(tmp_path):
    """``TrainingChapter.trained_model``: the run folder's best weights give the record's test
    accuracy; with the folder gone, the run is trained again to the same weights."""
    import shutil

    from skelrnn.experiments import chapters
    from skelrnn.networks import models

    folder = tmp_path / "data"
    generator.generate(folder, SyntheticConfig(**SYNTHETIC), workers=1)
    data = loading.load(folder, cache_dir=tmp_path / "cache", workers=1)
    chapter = object.__new__(chapters.TrainingChapter)
    chapter.seeds = chapter.claim_seeds = [0]
    chapter.width_scale, chapter.train_settings, chapter.n_classes = 1.0, TRAIN, 2
    chapter.P = type("P", (), {"baseline_model": BASELINE, "dataset_name": "tiny"})
    chapter.protocol = "cross_subject"
    chapter.records, chapter.runs_root, chapter.profile = tmp_path / "records", tmp_path / "runs", "test"
    chapter.runs = chapter.runs_root / keras.backend.backend()  # as a chapter sets it up
    chapter.executor = local.InProcess()
    chapter._trained = {}  # what __init__ sets up beside the data
    chapter._features = {"{}": prepare_splits(data, max_train=24, max_eval=16, frame_step=5)}
    cell = Cell("t", "baseline", "x", "1.0")
    [(_cell, _seed, record)] = chapter.run([cell])
    test = chapter.splits_for()["test"]

    def accuracy(model):
        return engine.evaluate(models.scoring_model(model), *test, TRAIN["batch_size"], TRAIN["pad_multiple"])

    first = chapter.trained_model(cell, 0)
    assert (chapter.runs / record_key(record) / "best.weights.h5").is_file(), "the backend's own folder"
    assert accuracy(first)["accuracy"] == record.test_accuracy
    assert chapter.trained_model(cell, 0) is first, "built once a chapter"
    shutil.rmtree(chapter.runs)
    chapter._trained = {}  # a new chapter finds the run folder gone
    again = chapter.trained_model(cell, 0)
    assert accuracy(again)["accuracy"] == record.test_accuracy, "retrained to the same weights"
    assert len(list(chapter.records.glob("*.json"))) == 1, "the record is left as it was"


def test_a_free_worker_takes_the_seeds_of_the_model_it_traced_before_another_model():
    # Jobs 0-2: three seeds of a wide model; 3-4: two seeds of another of comparable cost; 5: a
    # small one. Two workers: the first takes job 0, the second avoids the model the first holds.
    costs = {0: 10.0, 1: 10.0, 2: 10.0, 3: 8.0, 4: 8.0, 5: 1.0}
    keys = {0: "wide", 1: "wide", 2: "wide", 3: "other", 4: "other", 5: "small"}
    pending = [0, 1, 2, 3, 4, 5]
    assert scheduling.next_job(pending, costs, keys, set(), set()) == 0
    assert scheduling.next_job([1, 2, 3, 4, 5], costs, keys, set(), {"wide"}) == 3, "not the model the other holds"
    assert scheduling.next_job([1, 2, 4, 5], costs, keys, {"wide"}, {"other"}) == 1, "its own model first"
    assert scheduling.next_job([2, 4, 5], costs, keys, {"other"}, {"wide"}) == 4
    # A long run still starts before a short one of a model held here (cost under half the longest).
    assert scheduling.next_job([2, 5], costs, keys, {"small"}, {"wide"}) == 2
    # Every comparable job held elsewhere: the longest.
    assert scheduling.next_job([1, 2], costs, keys, set(), {"wide"}) == 1


def test_a_chapter_chooses_its_executor_by_name():
    from skelrnn.runs.ray_executor import RayExecutor

    assert isinstance(executors.make_executor("local", 1), local.InProcess)
    two = executors.make_executor("local", 2)
    assert isinstance(two, local.LocalProcesses) and two.describe() == "2 processes on this machine"
    ray = executors.make_executor("ray", 2, {"address": "head:6379", "gpus_per_run": 0.25})
    assert isinstance(ray, RayExecutor) and ray.describe() == "Ray (head:6379): workers of 1 CPU and 0.25 GPU a run"
    assert ray.name == "ray (head:6379)", "what records say trained them"
    with pytest.raises(ValueError, match="executor 'slurm': expected one of"):
        executors.make_executor("slurm", 1)
    with pytest.raises(ValueError, match=r"ray_options \['address'\]: options of the executor 'ray'"):
        executors.make_executor("local", 2, {"address": "head:6379"})
