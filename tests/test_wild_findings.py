"""Chapter 09's printed findings (wild_chapter.wild_findings) say what the numbers they are given say."""

from __future__ import annotations

import pandas as pd

from skelrnn.experiments import wild_chapter


def _table(errors: dict, accuracies: dict, kinect: float = 70.0):
    rows = [{"row": "random", "measured (%)": 5.0, "MPJPE (mm)": float("nan")},
            {"row": "Kinect poses", "measured (%)": kinect, "MPJPE (mm)": 0.0}]  # fmt: skip
    rows += [{"row": m, "measured (%)": accuracies[m], "MPJPE (mm)": errors[m]} for m in errors]
    return pd.DataFrame(rows)


def _sweep(values: dict):
    """``values[(knob, value, method)] = (mm, accuracy)``."""
    return pd.DataFrame([{"knob": k, "value": v, "method": m, "MPJPE (mm)": e, "accuracy (%)": a}
                         for (k, v, m), (e, a) in values.items()])  # fmt: skip


METHODS = ("top score", "2D tracking", "Viterbi smoothing")


def _at(knob, value, errors, accuracies=(30.0, 30.0, 30.0)) -> dict:
    return {(knob, value, m): (e, a) for m, e, a in zip(METHODS, errors, accuracies, strict=True)}


def test_the_findings_follow_the_numbers_not_the_thesis():
    errors, accuracies = (120.0, 80.0, 95.0), (20.0, 30.0, 25.0)
    table = _table(dict(zip(METHODS, errors, strict=True)), dict(zip(METHODS, accuracies, strict=True)))
    sweep = _sweep({
        **_at("flip_rate", 0.0, (100, 60, 70)),
        **_at("flip_rate", 0.4, (140, 110, 75)),
        **_at("scale_drift", 0.0, (100, 60, 70)),
        **_at("scale_drift", 0.5, (150, 100, 130), (30.0, 27.0, 30.0)),
        **_at("flip_depth", 1.0, (120, 100, 70)),
        **_at("flip_depth", 0.1, (80, 60, 66)),
        **_at("flip_gain", 1.3, (120, 100, 70)),
        **_at("flip_gain", 10.0, (120, 100, 110), (28.0, 28.0, 28.0)),
    })  # fmt: skip
    found = wild_chapter.wild_findings(table, sweep)
    assert found[0].startswith("By pose error: 2D tracking (80 mm) < Viterbi smoothing (95 mm) < top score (120 mm)")
    assert "by accuracy: 2D tracking (30.0 %) > Viterbi smoothing (25.0 %) > top score (20.0 %)" in found[0]
    # smoothing loses here: the sentence must say so, whatever the thesis found on its videos
    assert "behind by 15 mm in pose error, behind by 5.0 points in accuracy" in found[1]
    assert "The Kinect poses score 70.0 %: ahead by 40.0 points of the best method." == found[2]
    assert "2D tracking's grows by 50 mm, Viterbi smoothing's grows by 5 mm" in found[3]
    assert "behind by 10 mm" in found[3]
    assert "top score's pose error grows by 50 mm and its accuracy stays level" in found[4]
    assert "2D tracking's pose error grows by 40 mm and its accuracy falls by 3.0 points" in found[4]
    assert "flip depth 1 then 0.1: ahead by 30 mm in pose error and level in accuracy; behind by 6 mm" in found[5]
    assert "flip gain 1.3 then 10: ahead by 30 mm" in found[6] and "behind by 10 mm in pose error" in found[6]


def test_a_lead_too_small_to_print_reads_as_level():
    assert wild_chapter._lead(0.4, "mm") == "level" and wild_chapter._lead(-0.4, "mm") == "level"
    assert wild_chapter._lead(0.6, "mm") == "ahead by 1 mm" and wild_chapter._lead(-2.2, "mm") == "behind by 2 mm"
    assert wild_chapter._lead(0.04, "points") == "level" and wild_chapter._lead(0.06, "points") == "ahead by 0.1 points"


def test_the_verbs_follow_the_sign_of_the_change():
    table = _table(dict(zip(METHODS, (100.0, 90.0, 80.0), strict=True)), dict.fromkeys(METHODS, 30.0))
    # more flips that make every method's error smaller, a drift that lowers the error and raises accuracy
    sweep = _sweep({
        **_at("flip_rate", 0.0, (100, 60, 70)),
        **_at("flip_rate", 0.4, (90, 60, 72)),
        **_at("scale_drift", 0.0, (100, 60, 70)),
        **_at("scale_drift", 0.5, (95, 60, 70), (31.0, 30.0, 29.0)),
    })  # fmt: skip
    found = wild_chapter.wild_findings(table, sweep)
    assert "top score's shrinks by 10 mm, 2D tracking's stays level, Viterbi smoothing's grows by 2 mm" in found[3]
    assert "grows" not in found[3].split(": ", 1)[1].split(",")[0]
    assert "top score's pose error shrinks by 5 mm and its accuracy rises by 1.0 points" in found[4]
    assert "Viterbi smoothing's pose error stays level and its accuracy falls by 1.0 points" in found[4]


def test_the_second_persons_share_of_trackings_lead_is_computed_not_assumed():
    table = _table(dict(zip(METHODS, (100.0, 90.0, 80.0), strict=True)), dict.fromkeys(METHODS, 30.0))
    sweep = _sweep(_at("flip_rate", 0.0, (100, 60, 70)) | _at("flip_rate", 0.4, (140, 110, 75)))
    made = {"share": 0.5, "with": {"top score": 130.0, "2D tracking": 90.0},
            "without": {"top score": 100.0, "2D tracking": 88.0}}  # fmt: skip
    line = wild_chapter.wild_findings(table, sweep, made)[-1]
    assert line == (
        "2D tracking against the top score: ahead by 40 mm in pose error with a second person in 50% of "
        "the videos, ahead by 12 mm with none: the second person makes 28 mm of tracking's lead."
    )
    none = {**made, "without": {"top score": 135.0, "2D tracking": 90.0}}
    last = wild_chapter.wild_findings(table, sweep, none)[-1]
    assert last.endswith("ahead by 45 mm with none: the second person makes none of it here.")


def test_kinect_poses_below_a_method_read_as_behind():
    table = _table(dict(zip(METHODS, (100.0, 90.0, 80.0), strict=True)), dict(zip(METHODS, (30.0, 40.6, 35.0),
                   strict=True)), kinect=34.4)  # fmt: skip
    sweep = _sweep(_at("flip_rate", 0.0, (100, 60, 70)) | _at("flip_rate", 0.4, (140, 110, 75)))
    line = wild_chapter.wild_findings(table, sweep)[2]
    assert line == "The Kinect poses score 34.4 %: behind by 6.2 points of the best method."
