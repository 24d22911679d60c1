"""The full profile's rehearsal: its plan of networks and runs, its cost arithmetic, and a real
rehearsal of chapters 08-09 at the full sizes (on TensorFlow here, on JAX and torch without
TensorFlow importable, as on a GPU machine that installs ``.[book,jax]`` or ``.[book,torch]``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skelrnn.core.io import read_json
from skelrnn.experiments import profiles, rehearsal, thesis_tables
from skelrnn.reporting import costs
from skelrnn.site import results_page

ROOT = Path(__file__).resolve().parents[1]


def _width(features):
    return 39 if features.get("joints") == 13 else 75


def test_each_run_is_counted_once_in_the_first_chapter_that_plans_it():
    networks = rehearsal.plan_networks(rehearsal.CHAPTERS, _width, 60)
    memory = [n for n in networks if n.kind == "memory task"]
    assert len(memory) == 3 * 7 and all(n.runs == {"01_rnn_math": 5} for n in memory)
    by_name = {n.name: n for n in networks}
    baseline = by_name["baseline: improved baseline, GRU 3 x 100"]
    # 5 baseline seeds in chapter 03; the cells equal to it (table 4's GRU 100, table 5's 3 layers,
    # table 6's 0.5, ...) add no run, in chapter 03 or later
    assert baseline.runs["03_baselines"] == 5 and sum(baseline.runs.values()) == 5
    assert "table 4: unidirectional GRU, 100 units" not in by_name, "the same network is planned once"
    # chapter 03: 24 + 8 cells of 3 seeds, two of them the baseline's seeds 0-2, and the baseline's 5
    assert sum(n.runs.get("03_baselines", 0) for n in networks) == 5 + (24 + 8 - 2) * 3
    aligned = by_name["table 9: 13 joints, with pose alignment"]
    assert aligned.runs == {"08_pose_alignment": 3, "09_in_the_wild": 0}, "chapter 09 reuses chapter 08's runs"
    assert aligned.model["n_features"] == 39 and aligned.features == {"joints": 13, "preprocessing": "pose_alignment"}
    widest = max((n for n in networks if n.kind == "training"), key=lambda n: n.model["units"] * n.model["layers"])
    assert widest.model["units"] == 800 and networks[-1].chapter == "08_pose_alignment"
    inattention = [n for n in networks if n.train.get("inattention_steps")]
    assert sorted(n.train["inattention_steps"] for n in inattention) == [10, 20, 30, 40, 50, 60, 70], "table 12"
    cells = sum(len(thesis_tables.TABLES[t]) for t in ("table 4", "table 5", "table 6", "table 7", "table 8", "motion",
                                                "table 11", "table 12", "table 9"))  # fmt: skip
    assert len(networks) - len(memory) < cells, "cells that are the same network are merged"


@given(st.lists(st.integers(1, 300), min_size=8, max_size=200), st.sampled_from([1, 8, 16]))
def test_the_mean_padded_length_lies_between_the_shortest_and_the_longest_padded(lengths, multiple):
    lengths = np.array(lengths)
    padded = rehearsal.mean_padded_length(lengths, 8, multiple)
    assert lengths.min() <= padded <= -(-lengths.max() // multiple) * multiple


def test_the_rehearsal_batch_is_the_training_sequences_nearest_the_mean_update():
    lengths = np.arange(100)
    indices = {"train": np.arange(0, 100, 2), "validation": np.arange(1, 60, 2), "test": np.arange(61, 100, 2)}
    chosen = rehearsal.rehearsal_indices(indices, lengths, 40.0, 5, seed=0)
    assert chosen["train"].tolist() == [36, 38, 40, 42, 44]
    assert len(chosen["validation"]) == 5 and set(chosen["validation"]) <= set(indices["validation"])
    assert len(set(chosen["test"])) == 5 and set(chosen["test"]) <= set(indices["test"])
    assert rehearsal.mean_padded_length(np.full(64, 30), 8, 16) == 32.0


def test_a_second_trace_is_told_from_noise():
    # JAX's GRU before its bias was built in NumPy: the second update compiled as long as the first
    assert rehearsal.traced_again([(2.02, 10), (1.97, 10), (0.0076, 10)])
    assert not rehearsal.traced_again([(3.0, 80), (0.012, 80), (0.01, 80)])
    assert not rehearsal.traced_again([(30.0, 80), (12.5, 80), (11.0, 80)]), "a slow network, not a trace"
    assert not rehearsal.traced_again([(2.5, 80), (1.0, 80), (0.45, 80)]), "a busy machine, not a second trace"
    assert not rehearsal.traced_again([(0.7, 80), (1.4, 80), (0.6, 80)], "torch"), "torch traces nothing"
    assert rehearsal.steady_update([3.0, 1.0, 2.0, 1.2, 1.6]) == {"median": 1.4, "min": 1.0, "max": 2.0, "trace": 1.6}


def test_a_chapters_hours_are_its_runs_at_their_full_budget_with_their_evaluations():
    networks = [
        {"runs": {"03_baselines": 5, "04_regularization": 0}, "seconds per update": 0.5,
         "seconds per update (range)": [0.4, 0.7], "updates per run": 12_400,
         "evaluation seconds per sequence": 0.002, "evaluated sequences per run": 100_000},
        {"runs": {"03_baselines": 3}, "seconds per update": 10.0, "seconds per update (range)": [10.0, 10.0],
         "updates per run": 12_400, "evaluation seconds per sequence": 0.01, "evaluated sequences per run": 100_000},
        {"runs": {"08_pose_alignment": 3, "09_in_the_wild": 0}, "seconds per update": 0.4,
         "seconds per update (range)": [0.3, 0.5], "updates per run": 100,
         "evaluation seconds per sequence": 0.001, "evaluated sequences per run": 0},
    ]  # fmt: skip
    hours = costs.chapter_costs(networks, wild_sequences=36_000)
    assert hours["03_baselines"]["networks"] == 2 and hours["03_baselines"]["runs"] == 8
    assert hours["03_baselines"]["hours"] == pytest.approx((5 * (6200 + 200) + 3 * (124_000 + 1000)) / 3600)
    assert hours["03_baselines"]["hours range"] == pytest.approx(
        [(5 * (4960 + 200) + 3 * 125_000) / 3600, (5 * (8680 + 200) + 3 * 125_000) / 3600]
    )
    assert hours["04_regularization"] == {"networks": 0, "runs": 0, "hours": 0.0, "hours range": [0.0, 0.0]}
    assert hours["09_in_the_wild"]["hours"] == pytest.approx(36 / 3600)
    assert hours["09_in_the_wild"]["hours range"] == pytest.approx([36 / 3600] * 2)
    assert hours["08_pose_alignment"]["hours"] == pytest.approx(3 * 40 / 3600)
    assert hours["08_pose_alignment"]["hours range"] == pytest.approx([3 * 30 / 3600, 3 * 50 / 3600])


def test_a_run_is_counted_on_ntus_protocol_sizes():
    from skelrnn.data.ntu import protocols
    from skelrnn.experiments import setup

    P = profiles.get("baselines", "full")
    counted = protocols.ntu_protocol_sizes("cross_subject")
    # the cross-subject training subjects less the thesis's 7 validation subjects: 124 updates of 256 an epoch
    assert counted == {"train": 31_908, "validation": 8_183, "test": 16_487}
    settings = setup.fit_training_to_data(P.train, counted["train"], P.min_evaluations, log=lambda line: None)
    assert settings["eval_every"] == 500, "12,400 updates hold the profile's 20 evaluations at the thesis's 500"
    budget = rehearsal.run_budget(settings, {}, counted)
    assert budget == {"updates": 124 * 100, "evaluations": 25, "evaluated sequences": 25 * 8_183 + 16_487}
    # a cell's own settings count: a budget in epochs is the cell's
    assert rehearsal.run_budget(settings, {"max_epochs": 10}, counted)["updates"] == 1240


def test_the_detector_sweep_counts_every_point_method_and_model():
    from skelrnn.experiments import profiles

    P = profiles.get("in_the_wild", "full")
    # 17 detector settings x 3 methods with one model, and table 10's 4 pose sources x 3 models
    assert rehearsal.wild_forward_sequences(P) == 2000 * (17 * 3 + 3 * 4)


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory):
    """Chapters 08 and 09 rehearsed at the full profile's sizes on the embedded data (4 networks and
    the resume check), then rehearsed again."""
    folder = tmp_path_factory.mktemp("rehearsal")
    lines = []
    first = rehearsal.rehearse(folder / "results", folder / "runs", chapters=["08_pose_alignment", "09_in_the_wild"],
                               log=lines.append)  # fmt: skip
    again = rehearsal.rehearse(folder / "results", folder / "runs", chapters=["08_pose_alignment", "09_in_the_wild"],
                               log=lines.append)  # fmt: skip
    return folder, first, again, lines


def test_the_rehearsal_trains_every_network_at_the_full_sizes_and_writes_marked_records(rehearsed):
    import keras

    folder, summary, again, lines = rehearsed
    backend = keras.backend.backend()
    assert read_json(folder / "results" / "full" / "rehearsal" / f"{backend}.json") == again
    assert summary["networks measured"] == 4 and again["networks measured"] == 0
    assert [n["name"] for n in summary["networks"]] == [
        "baseline: improved baseline, GRU 3 x 100", "table 9: 13 joints, with pose alignment",
        "table 9: 13 joints, without", "table 9: 25 joints, with pose alignment",
    ]  # fmt: skip
    for net in summary["networks"]:
        assert net["seconds per update"] > 0 and net["trace seconds"] >= 0 and net["peak memory (MiB)"] > 0
        assert not net["traced again"], f"{net['name']}: its step was traced twice"
        assert net["batch size"] == 256 and net["updates per run"] == 124 * 100, "NTU's sizes, the thesis's epochs"
        assert net["evaluated sequences per run"] == 25 * 8_183 + 16_487
        assert len(net["update seconds"]) == summary["updates"] == 5, "every update's time is kept"
        record = read_json(folder / "results" / "full" / "rehearsal" / backend / net["record"])
        assert record["profile"] == rehearsal.REHEARSAL_PROFILE and record["updates"] == 5
        assert record["train"]["batch_size"] == 256 and record["model"]["units"] == 100
        assert record["model"]["n_features"] == (39 if net["features"].get("joints") == 13 else 75)
        assert "rehearsal sequences" in record["dataset"]["name"]
        assert len(record["history"]) == 1, "one evaluation"
    assert summary["resume check"] == {"network": "improved baseline", "stopped after update": 3,
                                       "resumed from update": 2, "resumed": 1,
                                       "record equal to the run left alone": True}  # fmt: skip
    assert summary["chapters"]["08_pose_alignment"]["runs"] == 5 + 3 * 3, "baseline seeds, then 3 new cells"
    check = summary["length check"]
    assert check["padded lengths"] == sorted(check["padded lengths"]) and len(set(check["padded lengths"])) == 3
    assert all(s > 0 for s in check["seconds per update"]) and np.isfinite(check["deviation"])
    assert summary["chapters"]["09_in_the_wild"]["runs"] == 0 and summary["chapters"]["09_in_the_wild"]["hours"] > 0
    assert not results_page.collect(folder / "results", "full"), "no table reads a rehearsal record"
    assert any("s/update" in line and "trace" in line and "MiB" in line for line in lines)


def test_every_hour_is_derived_again_from_the_update_times_kept(rehearsed):
    _folder, summary, _again, _lines = rehearsed
    mean = summary["data"]["mean padded length (steps)"]
    hours = {}
    for net in summary["networks"]:
        timed = net["update seconds"][1:]  # the first traces
        scale = mean / net["padded length"]
        per_update = float(np.median(timed)) * scale
        assert net["seconds per update"] == pytest.approx(per_update, rel=1e-4)
        evaluations = net["evaluation seconds per sequence"] * net["evaluated sequences per run"]
        for chapter, runs in net["runs"].items():
            h = hours.setdefault(chapter, [0.0, 0.0, 0.0])
            for k, seconds in enumerate((per_update, min(timed) * scale, max(timed) * scale)):
                h[k] += runs * (seconds * net["updates per run"] + evaluations) / 3600
    wild = rehearsal.wild_forward_sequences(profiles.get("in_the_wild", "full"))
    aligned = next(n for n in summary["networks"] if n["runs"].get("09_in_the_wild") == 0)
    extra = wild * aligned["evaluation seconds per sequence"] / 3600
    hours["09_in_the_wild"] = [h + extra for h in hours["09_in_the_wild"]]
    for chapter, (median, low, high) in hours.items():
        cost = summary["chapters"][chapter]
        assert cost["hours"] == pytest.approx(median, rel=1e-4)
        assert cost["hours range"] == pytest.approx([low, high], rel=1e-4)
        assert low <= median <= high


def test_a_second_rehearsal_keeps_what_the_first_measured(rehearsed):
    _folder, first, again, _lines = rehearsed
    assert [n["seconds per update"] for n in again["networks"]] == [n["seconds per update"] for n in first["networks"]]
    assert again["chapters"] == first["chapters"]


def test_the_pages_show_the_rehearsals_costs_with_the_device(rehearsed, tmp_path):
    folder, summary, _again, _lines = rehearsed
    stage = tmp_path / "stage"
    (stage / "book").mkdir(parents=True)
    for name in ("reproducing.md", "cluster.md"):
        (stage / "book" / name).write_text(f"# Page\n\n{results_page.COST_TABLE_MARKER}\n\nAfter.\n")
    page = results_page.write_page(stage, folder / "results", "quick").read_text()
    for text in (page, *((stage / "book" / n).read_text() for n in ("reproducing.md", "cluster.md"))):
        assert f"hours extrapolated, {summary['backend']} on {summary['device']}" in text
        cost = summary["chapters"]["08_pose_alignment"]
        low, high = cost["hours range"]
        assert f"| 08_pose_alignment | 4 | 14 | {cost['hours']:,.1f} [{low:,.1f}, {high:,.1f}] |" in text
        assert "| 09_in_the_wild | 0 | 0 | " in text
        assert "Extrapolated from" in text and "31,908 training sequences" in text and "16,487 test" in text
        assert all(assumption in text for assumption in rehearsal.ASSUMPTIONS)
        assert "Length check: on " in text
        assert "Largest memory on" in text and results_page.COST_TABLE_MARKER not in text


def test_the_book_command_refuses_a_rehearsal_of_another_profile(capsys):
    from skelrnn.cli import main

    with pytest.raises(SystemExit, match="--rehearse: rehearses the full profile"):
        main(["book", "--profile", "quick", "--rehearse"])
    with pytest.raises(SystemExit, match="no --executor ray"):
        main(["book", "--profile", "full", "--rehearse", "--executor", "ray"])


# A machine with JAX or torch and no TensorFlow: None in sys.modules makes `import tensorflow` fail
# and importlib.util.find_spec answer None, as when it is not installed (libraries probe both ways).
_WITHOUT_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None
from skelrnn.cli import main
code = main(sys.argv[1:])
assert sys.modules["tensorflow"] is None, "something imported TensorFlow"
sys.exit(code)
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_rehearsal_runs_on_jax_and_torch_without_tensorflow(backend, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": backend}
    command = [sys.executable, "-c", _WITHOUT_TENSORFLOW, "book", "--profile", "full", "--rehearse",
               "--chapters", "08", "--results-dir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "full" / "rehearsal" / f"{backend}.json").read_text())
    assert summary["backend"] == backend and len(summary["networks"]) == 4
    assert not [n["name"] for n in summary["networks"] if n["traced again"]], "a step compiled twice"
    assert summary["resume check"]["record equal to the run left alone"] is True
    assert "resumed from its checkpoint after update 2" in done.stdout


def test_only_finished_rehearsals_of_this_format_reach_the_pages(tmp_path):
    from skelrnn.core.io import write_json_atomic

    folder = tmp_path / "full" / "rehearsal"
    finished = {"format": costs.SUMMARY_FORMAT, "backend": "jax", "chapters": {}}
    write_json_atomic(folder / "jax.json", finished)
    write_json_atomic(folder / "torch.json", {"format": costs.SUMMARY_FORMAT, "backend": "torch", "networks": []})
    write_json_atomic(folder / "tensorflow.json", {"format": 1, "backend": "tensorflow", "chapters": {}})
    assert costs.read_summaries(tmp_path / "nothing", tmp_path) == [finished], "a stopped or older one is left out"
