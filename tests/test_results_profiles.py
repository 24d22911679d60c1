import json

import numpy as np
import pytest

from skelrnn import profiles
from skelrnn.results import read_record, write_record


def test_record_round_trip_converts_numpy(tmp_path):
    path = write_record(tmp_path / "a" / "r.json", {"acc": np.float32(0.5), "h": np.arange(3), "t": (1, 2)})
    assert read_record(path) == {"acc": 0.5, "h": [0, 1, 2], "t": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]  # no temporary file left behind


def test_failed_write_keeps_the_previous_record(tmp_path):
    path = write_record(tmp_path / "r.json", {"v": 1})
    with pytest.raises(ValueError):
        write_record(path, {"v": float("nan")})  # NaN is not JSON: refused before replacing
    assert read_record(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_broken_record_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "a": 1,\n oops\n}')
    with pytest.raises(ValueError, match=r"bad\.json: line 3"):
        read_record(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="JSON object"):
        read_record(path)


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
