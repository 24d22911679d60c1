import json

import numpy as np
import pytest

from skelrnn.core.io import read_json, write_arrays_atomic, write_atomic, write_json_atomic
from skelrnn.experiments import profiles
from skelrnn.training.records import RunRecord, read_run_record, write_run_record


def test_record_round_trip_converts_numpy(tmp_path):
    path = write_json_atomic(tmp_path / "a" / "r.json", {"acc": np.float32(0.5), "h": np.arange(3), "t": (1, 2)})
    assert read_json(path) == {"acc": 0.5, "h": [0, 1, 2], "t": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]  # no temporary file left behind


def test_failed_write_keeps_the_previous_record(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"v": 1})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"v": float("nan")})  # NaN is not JSON: refused before replacing
    assert read_json(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_broken_record_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "a": 1,\n oops\n}')
    with pytest.raises(ValueError, match=r"bad\.json: line 3"):
        read_json(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="JSON object"):
        read_json(path)


def test_every_profile_sets_the_same_values():
    for chapter, by_profile in profiles.CHAPTERS.items():
        assert set(by_profile) == set(profiles.PROFILES), chapter
        keys = {p: set(v) for p, v in by_profile.items()}
        assert len({frozenset(k) for k in keys.values()}) == 1, f"{chapter}: profiles differ in keys {keys}"


def test_unknown_profile_or_chapter():
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.get("rnn_math", "fast")
    with pytest.raises(KeyError, match="unknown chapter"):
        profiles.get("nope", "quick")
    assert profiles.get("rnn_math", "smoke").profile == "smoke"


def test_arrays_are_written_atomically_and_a_failed_write_keeps_the_old_file(tmp_path):
    path = write_arrays_atomic(tmp_path / "a.npz", {"x": np.arange(4)})
    with pytest.raises(ZeroDivisionError):  # a writer that fails half-way
        write_atomic(path, lambda fh: (fh.write(b"half a file"), 1 / 0))
    with np.load(path) as z:
        assert z["x"].tolist() == [0, 1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]


def run_record(**changes):
    values = dict(
        format=4, model={"cell": "gru"}, train={}, seed=0, profile="smoke", dataset={"sha256": "0"}, history=[],
        best_update=1, best_val_accuracy=0.5, test_accuracy=0.25, test_classes_predicted=2, test_score_activity=[1.0],
        test_dead_scores=0, weights="last update", updates=1, epochs=1.0, stopped="budget spent",
        wall_seconds=1.5,
        resumed=0, environment={"backend": "jax"},
    )  # fmt: skip
    return {**values, **changes}


def test_run_records_round_trip_and_name_the_field_at_fault(tmp_path):
    record = RunRecord(**run_record())
    path = write_run_record(tmp_path / "r.json", record)
    assert read_run_record(path) == record and record.header["profile"] == "smoke"
    broken = run_record()
    del broken["test_accuracy"]
    write_json_atomic(path, broken)
    with pytest.raises(ValueError, match=r"r\.json: field 'test_accuracy' is missing"):
        read_run_record(path)
    write_json_atomic(path, run_record(updates="3"))
    with pytest.raises(ValueError, match=r"field 'updates': expected int, got str"):
        read_run_record(path)
    write_json_atomic(path, run_record(seed=True))
    with pytest.raises(ValueError, match=r"field 'seed': expected int, got bool"):
        read_run_record(path)
