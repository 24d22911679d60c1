"""Chapter 09's set-up (thesis sections 4.1.2, 4.2.3, table 10): the aligned 13-joint model of
chapter 08 scored on 3D poses estimated from simulated detector output, and the chapter's findings
as sentences computed from its tables.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from skelrnn.core.identity import record_key
from skelrnn.core.io import write_json_atomic
from skelrnn.data import preprocess
from skelrnn.experiments import thesis_tables
from skelrnn.experiments.chapters import TrainingChapter
from skelrnn.networks import models
from skelrnn.reporting import record_tables
from skelrnn.training import engine
from skelrnn.wild import hypotheses, smoothing

__all__ = ["InTheWildChapter", "wild_findings"]


class InTheWildChapter(TrainingChapter):
    """Chapter 09's set-up: a ``TrainingChapter`` (the aligned 13-joint model of chapter 08 and its
    data), plus the scoring of 3D poses estimated from detector output (``hypotheses``,
    ``smoothing``) by the accuracy the model gets from them and their error to the truth."""

    def __init__(self, chapter: str = "09_in_the_wild", **kwargs):
        super().__init__(chapter, **kwargs)
        self._scoring: dict[int, tuple] = {}  # per model: the model (kept alive) and its scoring model

    @property
    def hypotheses_folder(self) -> Path:
        """Where the simulated pose hypotheses of this chapter's data go: one folder per dataset (the
        key of its files, ``loading.load``), so that the videos read back are this data's only."""
        return Path(self.runs_root) / "hypotheses" / str(self.data.manifest.get("key", "data"))[:16]

    def accuracy_on_poses(self, model, poses, videos) -> float:
        """Test accuracy of ``model`` on estimated poses (``score_poses``'s ``accuracy``); NaN when no
        video has a label the model knows."""
        return self.score_poses(model, poses, videos)["accuracy"]

    def score_poses(self, model, poses, videos) -> dict:
        """``engine.evaluate`` of ``model`` (trained on aligned 13-joint poses, chapter 08) on estimated
        poses: ``poses[n]`` ``(T_n, 13, 3)`` metres is aligned as the training poses were (the training
        split's bone lengths) and classified; ``videos[n].label`` (0-based NTU action) is its truth.
        Videos without a label the model knows are left out; accuracy NaN when none is left."""
        reference = self.reference_lengths(13)
        keep = [(p, self.model_class(v.label)) for p, v in zip(poses, videos, strict=True)]
        keep = [(p, c) for p, c in keep if c is not None]
        if not keep:
            return {"accuracy": float("nan"), "classes_predicted": 0, "score_activity": []}
        features = [preprocess.network_input(p, "pose_alignment", 13, reference) for p, _ in keep]  # as in training
        labels = np.array([c for _, c in keep])
        cfg = self.train_settings
        batch = min(cfg["batch_size"], len(labels))
        if id(model) not in self._scoring:  # one per model: its traced step is reused
            self._scoring[id(model)] = (model, models.scoring_model(model))
        return engine.evaluate(self._scoring[id(model)][1], features, labels, batch, cfg["pad_multiple"])

    def select_sigma(self, anchors, detector, seed: int = 0) -> dict:
        """Viterbi smoothing's sigma, chosen among the profile's ``sigmas`` on simulated videos of the
        *training* split (``smoothing.select_sigma``; the test videos never choose it), and written
        as a record, ``<results>/in_the_wild/sigma.json`` (with the detector and the videos' count)."""
        train_poses = self.detector_poses("train")[: self.P.sweep_sequences]
        fps = self.data.fps / self.frame_step
        videos = hypotheses.simulate_videos(train_poses, anchors, detector, seed, fps)
        choice = smoothing.select_sigma(videos, self.P.sigmas)
        record = {"profile": self.profile, "seed": seed, "split": "train", "detector": asdict(detector), **choice}
        record["mpjpe_mm"] = {f"{s:g}": mm for s, mm in choice["mpjpe_mm"].items()}
        write_json_atomic(self.records.parent / self.P.chapter / "sigma.json", record)
        return choice

    def second_person_effect(self, poses, anchors, detector, seed: int = 0) -> dict:
        """What the second person costs the top score and 2D tracking: the pooled MPJPE (mm,
        ``smoothing.pooled_mpjpe_mm``) of each method on the sequences ``poses`` (``detector_poses``)
        simulated with ``detector`` and again without a second person (``second_person`` 0), same
        seed: ``{"share": detector.second_person, "with": {method: mm}, "without": {method: mm}}``."""
        fps = self.data.fps / self.frame_step
        out = {"share": detector.second_person}
        for label, config in (("with", detector), ("without", replace(detector, second_person=0.0))):
            videos = hypotheses.simulate_videos(poses, anchors, config, seed, fps)
            out[label] = {m: smoothing.pooled_mpjpe_mm([smoothing.estimate_poses(v, m) for v in videos], videos)
                          for m in ("top score", "2D tracking")}  # fmt: skip
        return out

    def detector_sweep(self, model, poses, indices, anchors, detector, knobs: dict, seed: int = 0, sigma=None):
        """How each method of ``smoothing.METHODS`` fares as one knob of the simulated detector turns
        at a time from ``detector`` (``hypotheses.DetectorConfig``): ``knobs`` maps a knob's name to its
        values. For each value the sequences ``poses`` (``detector_poses``; ``indices``, their samples,
        give the labels) are simulated afresh with ``seed`` and each method's poses are scored. A
        pandas frame: ``knob``, ``value``, ``method``, ``MPJPE (mm)``, ``accuracy (%)`` (``model``'s).
        ``sigma``: Viterbi smoothing's (metres; None, its default), the same for every value."""
        fps = self.data.fps / self.frame_step
        rows = []
        for knob, values in knobs.items():
            for value in values:
                config = detector.replace(**{knob: value})
                videos = hypotheses.simulate_videos(poses, anchors, config, seed, fps, self.ntu_labels(indices))
                for method in smoothing.METHODS:
                    estimates = [smoothing.estimate_poses(v, method, sigma) for v in videos]
                    rows.append({"knob": knob, "value": value, "method": method,
                                 "MPJPE (mm)": smoothing.pooled_mpjpe_mm(estimates, videos),
                                 "accuracy (%)": 100 * self.accuracy_on_poses(model, estimates, videos)})  # fmt: skip
        return pd.DataFrame(rows)

    def wild_table(self, runs, videos, estimates: dict):
        """Table 10's analogue for ``videos`` (``hypotheses.PoseHypotheses``): a ``record_tables.table_frame``-like
        frame with one row per pose source (chance, the true poses, then each method of
        ``estimates``, ``{method: [poses]}``), the thesis's value where it has one, the accuracy
        over the models of ``runs`` (``run`` results of the aligned 13-joint cell; mean, min, max),
        the most dead class scores of a model on those poses (``engine.evaluate``: a class whose score
        is 0 on every video) and the MPJPE (mm) against the videos' true poses where they have them.
        The random row is chance, ``1 / n_classes``. The values go to
        the table file of "table 10" with the records of those models (``record_tables.write_table_file``)."""
        trained = [self.trained_model(cell, seed) for cell, seed, _record in runs]
        thesis = {c.row: c.thesis for c in thesis_tables.TABLES["table 10"]}
        sources = {"Kinect poses": [v.truth for v in videos], **estimates}
        chance = 100 / self.n_classes
        values = {"random": np.array([chance])}
        errors_mm, dead = {"random": float("nan")}, {"random": 0}
        for name, poses in sources.items():
            usable = [(p, v) for p, v in zip(poses, videos, strict=True) if p is not None]
            scored = [self.score_poses(m, *zip(*usable, strict=True)) for m in trained]
            values[name] = 100 * np.array([s["accuracy"] for s in scored])
            dead[name] = max(sum(a == 0 for a in s["score_activity"]) for s in scored)
            errors_mm[name] = smoothing.pooled_mpjpe_mm(*zip(*usable, strict=True))
        keys = [record_key(r) for _c, _s, r in runs]  # the models every row was measured with
        rows = [{"row": name, "column": "accuracy", "thesis": thesis.get(name), "measured (%)": v.mean(),
                 "min": v.min(), "max": v.max(), "seeds": len(v), "dead scores": dead[name],
                 "MPJPE (mm)": errors_mm[name], "records": keys}
                for name, v in values.items()]  # fmt: skip
        cells = [c for c in thesis_tables.TABLES["table 10"] if c.row in values]
        measured = {(c.row, c.column): values[c.row] for c in cells}
        record_tables.write_table_file(self.records.parent, [(c, s, r) for c in cells for _c, s, r in runs], measured)
        return pd.DataFrame(rows)


def _signed(value: float, unit: str, words: tuple[str, str, str]) -> str:
    """``value`` as words chosen by its sign, ``words`` (positive, negative, zero): "ahead by 3 mm",
    "falls by 0.4 points", "level". Millimetres print whole, points with one decimal; a value
    that would print as 0 is the zero word."""
    digits = 0 if unit == "mm" else 1
    if round(abs(value), digits) == 0:
        return words[2]
    return f"{words[0] if value > 0 else words[1]} by {abs(value):.{digits}f} {unit}"


def _lead(gain: float, unit: str) -> str:
    """``gain`` (positive: better): "ahead by 3 mm", "behind by 1.2 points", "level"."""
    return _signed(gain, unit, ("ahead", "behind", "level"))


def _change(delta: float, unit: str = "mm") -> str:
    """A change of pose error: "grows by 3 mm", "shrinks by 2 mm", "stays level"."""
    return _signed(delta, unit, ("grows", "shrinks", "stays level"))


def _moves(delta: float) -> str:
    """A change of accuracy: "rises by 1.2 points", "falls by 0.4 points", "stays level"."""
    return _signed(delta, "points", ("rises", "falls", "stays level"))


def wild_findings(table10, sweep, second_person: dict | None = None) -> list[str]:
    """Chapter 09's measured findings as sentences, computed from ``table10`` (``wild_table``),
    ``sweep`` (``detector_sweep``, with the knobs ``flip_rate``, ``scale_drift``, ``flip_depth`` and
    ``flip_gain`` where swept) and ``second_person`` (``InTheWildChapter.second_person_effect``):
    how the methods rank, smoothing against tracking beside the thesis's order, how each knob
    moves them, and how much of tracking's lead over the top score the second person makes. The
    chapter prints these instead of typing results."""
    by = table10.set_index("row")
    methods = list(smoothing.METHODS)
    err = {m: float(by.loc[m, "MPJPE (mm)"]) for m in methods}
    acc = {m: float(by.loc[m, "measured (%)"]) for m in methods}
    thesis = {c.row: c.thesis for c in thesis_tables.TABLES["table 10"]}
    found = [
        "By pose error: "
        + " < ".join(f"{m} ({err[m]:.0f} mm)" for m in sorted(methods, key=err.get))
        + "; by accuracy: "
        + " > ".join(f"{m} ({acc[m]:.1f} %)" for m in sorted(methods, key=lambda m: -acc[m]))
        + ".",
        f"Viterbi smoothing against 2D tracking: {_lead(err['2D tracking'] - err['Viterbi smoothing'], 'mm')} in "
        f"pose error, {_lead(acc['Viterbi smoothing'] - acc['2D tracking'], 'points')} in accuracy (the thesis's "
        f"real videos: {thesis['Viterbi smoothing']} % against {thesis['2D tracking']} %, not comparable).",
        f"The Kinect poses score {by.loc['Kinect poses', 'measured (%)']:.1f} %: "
        f"{_lead(by.loc['Kinect poses', 'measured (%)'] - max(acc.values()), 'points')} of the best method.",
    ]

    def at(knob, value, method, metric="MPJPE (mm)"):
        part = sweep[(sweep["knob"] == knob) & (sweep["value"] == value) & (sweep["method"] == method)]
        return float(part[metric].iloc[0])

    knobs = list(dict.fromkeys(sweep["knob"]))
    for knob in knobs:
        values = sorted(set(sweep.loc[sweep["knob"] == knob, "value"]))
        lo, hi = values[0], values[-1]
        name = knob.replace("_", " ")
        if knob == "flip_rate":
            changes = ", ".join(f"{m}'s {_change(at(knob, hi, m) - at(knob, lo, m))}" for m in methods)
            gap = at(knob, lo, "2D tracking") - at(knob, lo, "Viterbi smoothing")
            found.append(f"From flip rate {lo:g} to {hi:g}, the pose error: {changes}. Without flips "
                         f"(flip rate {lo:g}), smoothing against tracking: {_lead(gap, 'mm')}.")  # fmt: skip
        elif knob == "scale_drift":
            changes = "; ".join(
                f"{m}'s pose error {_change(at(knob, hi, m) - at(knob, lo, m))} and its accuracy "
                f"{_moves(at(knob, hi, m, 'accuracy (%)') - at(knob, lo, m, 'accuracy (%)'))}" for m in methods
            )  # fmt: skip
            found.append(f"From scale drift {lo:g} to {hi:g}: {changes}.")
        else:  # a knob of the flip's nature: smoothing's lead over tracking at each value
            ends = (values[-1], values[0]) if knob == "flip_depth" else (values[0], values[-1])
            leads = [(v, at(knob, v, "2D tracking") - at(knob, v, "Viterbi smoothing"),
                      at(knob, v, "Viterbi smoothing", "accuracy (%)") - at(knob, v, "2D tracking", "accuracy (%)"))
                     for v in ends]  # fmt: skip
            found.append(f"Smoothing against tracking, {name} {ends[0]:g} then {ends[1]:g}: "
                         + "; ".join(f"{_lead(e, 'mm')} in pose error and {_lead(a, 'points')} in accuracy"
                                     for _v, e, a in leads) + ".")  # fmt: skip
    if second_person:
        lead = {k: second_person[k]["top score"] - second_person[k]["2D tracking"] for k in ("with", "without")}
        made = lead["with"] - lead["without"]
        found.append(
            f"2D tracking against the top score: {_lead(lead['with'], 'mm')} in pose error with a second person in "
            f"{second_person['share']:.0%} of the videos, {_lead(lead['without'], 'mm')} with none: the second person "
            + (f"makes {made:.0f} mm of tracking's lead." if round(made) > 0 else "makes none of it here.")
        )
    return found
