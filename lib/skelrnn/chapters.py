"""Chapter set-up: the one place where a profile's values become plain arguments.

Defined for the training chapters (03 on). The engine (``train``), the runner (``sweep``) and
the data layer (``dataset``) take explicit arguments and never read ``profiles``; a chapter
builds a ``TrainingChapter`` in its first code cell and everything below reads from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["TrainingChapter", "InTheWildChapter", "fit_training_to_data"]


def fit_training_to_data(settings: dict, n_train: int, min_evaluations: int = 1, log=print) -> dict:
    """A profile's ``train.TrainConfig`` values made to fit a training split of ``n_train`` sequences:
    the batch never exceeds the split, and the run's budget (``max_epochs`` passes, capped by
    ``max_updates``) holds at least ``min_evaluations`` evaluations (``eval_every`` is lowered when
    it would not: the thesis's 500 updates are over three epochs of NTU, and over seventy of a
    folder of 227 sequences). Each change is logged. A ``pad_multiple`` comes back as ``TrainConfig``
    resolves it (None: the backend's)."""
    from skelrnn.train import TrainConfig, update_budget

    out = dict(settings)
    if "pad_multiple" in out:
        out["pad_multiple"] = TrainConfig(**out).pad_multiple
    if out["batch_size"] > n_train:
        log(f"batch size {out['batch_size']} > the {n_train} training sequences: batches of {n_train}")
        out["batch_size"] = n_train
    per_epoch = n_train // out["batch_size"]  # full batches only
    budget = update_budget(TrainConfig(**out), per_epoch)
    asked = out.get("eval_every", 500)
    if asked * min_evaluations > budget:
        out["eval_every"] = max(1, budget // min_evaluations)
        log(f"evaluation every {out['eval_every']} updates, not {asked}: {min_evaluations} evaluations "
            f"in a budget of {budget} updates ({budget / per_epoch:.3g} epochs of this data)")  # fmt: skip
    return out


class TrainingChapter:
    """What the training chapters set up alike: the profile's values ``P``, the data and its
    cross-subject splits, the folders of records and checkpoints, an executor, and a runner for
    table cells.

    ``records`` (``results_dir/<profile>/training``) is shared by every training chapter, so a
    run that appears in several (the improved baseline) is trained once.
    """

    def __init__(
        self, chapter: str, profile: str, seed: int, results_dir, data_dir=None, runs_dir="_build/runs",
        strict: bool = False, executor: str = "local", ray_options: dict | None = None,
    ):  # fmt: skip
        import keras

        from skelrnn import dataset, profiles, sweep

        self.P = P = profiles.get(chapter, profile)
        self.full_profile = profiles.get(chapter, "full")  # for the chapters' cost arithmetic
        self.profile, self.data_dir = profile, data_dir
        self.records = Path(results_dir) / profile / "training"
        # Each backend keeps its own checkpoints and best weights (a run's name does not say the
        # backend; its record does): a run of one never finishes from, or overwrites, another's.
        self.runs_root = Path(runs_dir) / profile
        self.runs = self.runs_root / keras.backend.backend()
        self.seeds = [seed + s for s in P.seeds]
        self.claim_seeds = [seed + s for s in P.claim_seeds]  # the cells that a thesis claim compares
        self.baseline_seeds = [seed + s for s in P.baseline_seeds]
        self.width_scale = P.width_scale
        self.notes: list[str] = []  # what the set-up adapted to the data, shown in the header
        # ``executor``: where the runs train (sweep.make_executor): this machine, or a Ray cluster.
        self.executor = sweep.make_executor(executor, P.workers, ray_options)
        self.executor.start()  # the workers import the backend while the data loads
        self.data = dataset.load_or_generate(data_dir, P.synthetic, strict=strict, log=self.notes.append)
        self.indices, self.frame_step = dataset.choose_splits(
            self.data, "cross_subject", max_train=P.max_train, max_eval=P.max_eval, seed=P.data_seed, fps=P.fps,
            steps=P.steps, log=self.notes.append,
        )  # fmt: skip
        self._features: dict[str, dict] = {}
        self.splits = self.splits_for()  # the thesis's input: 25 joints, origin at the first frame's torso
        self.train_settings = fit_training_to_data(
            P.train, len(self.splits["train"][1]), P.min_evaluations, self.notes.append
        )
        self.n_classes = len(self.data.actions)
        if self.width_scale != 1:
            hundred = sweep.scaled_units(100, self.width_scale)
            self.notes.append(
                f"widths x {self.width_scale:g}: a cell of 100 units trains {hundred} "
                f"(the profile's compute budget; the full profile trains the thesis's widths)"
            )

    @property
    def records_url(self) -> str:
        """Where the built site serves this profile's run records, from a chapter's page
        (``results_page.write_page`` copies them there)."""
        return f"../_static/records/{self.profile}/training/"

    def header(self) -> str:
        """Two lines for the top of a chapter: library version, profile and seeds, then the environment."""
        import skelrnn
        from skelrnn.backend import describe

        return (
            f"skelrnn {skelrnn.__version__}, profile: {self.profile}, seeds {self.seeds} "
            f"(improved baseline {self.baseline_seeds}), runs trained by: {self.executor.describe()}\n"
            + ", ".join(f"{k} {v}" for k, v in describe().items())
            + "".join(f"\n{note}" for note in self.notes)
        )

    def splits_for(self, features: dict | None = None) -> dict:
        """``{part: (features, labels)}`` of the chapter's sequences and frames with the inputs
        ``features`` (``dataset.featurise_splits`` arguments: ``joints``, ``preprocessing``; default:
        the improved baseline's), made once."""
        from skelrnn import dataset

        key = json.dumps(features or {}, sort_keys=True)
        if key not in self._features:
            self._features[key] = dataset.featurise_splits(self.data, self.indices, self.frame_step, **(features or {}))
        return self._features[key]

    def model_config(self, changes: dict | None = None, features: dict | None = None):
        """The ``models.ModelConfig`` that this profile trains for a cell's model ``changes`` to the
        improved baseline (default: the baseline itself) on the inputs ``features``, widths scaled
        as in its runs (``sweep.model_spec``, as the runs are planned)."""
        from skelrnn import sweep

        n_features = self.splits_for(features)["train"][0][0].shape[1]
        return sweep.model_spec(self.P.baseline_model, n_features, self.n_classes, changes, self.width_scale)

    def run(self, cells, seeds=None, log=print, claims=()) -> list:
        """Train the cells that have no record yet; ``[(cell, seed, RunRecord)]`` for every cell and seed.

        ``claims``: thesis claims ``(text, (row, column), (row, column))``; the cells they compare
        are trained with ``claim_seeds``, the others with ``seeds`` (default: the profile's). Cells
        whose inputs differ (``Cell.features``) are trained on their own splits, one group after
        the other; the result keeps the order of ``cells``."""
        from skelrnn import sweep

        compared = {key for _text, a, b in claims for key in (a, b)}
        plain = self.seeds if seeds is None else seeds

        def seeds_of(cell):
            return self.claim_seeds if (cell.row, cell.column) in compared else plain

        groups: dict[str, list] = {}
        for cell in cells:
            groups.setdefault(json.dumps(cell.features, sort_keys=True), []).append(cell)
        done: dict[int, list] = {}
        for group in groups.values():
            features = group[0].features
            for cell, seed, record in sweep.run_cells(
                group, seeds_of, self.splits_for(features), baseline_model=self.P.baseline_model,
                train_settings=self.train_settings, n_classes=self.n_classes, results_dir=self.records,
                runs_dir=self.runs, profile=self.profile, dataset_name=self.dataset_name(features),
                executor=self.executor, log=log, width_scale=self.width_scale,
            ):  # fmt: skip
                done.setdefault(id(cell), []).append((cell, seed, record))
        order = dict.fromkeys(id(cell) for cell in cells)  # a cell's runs once, where it first appears
        runs = [run for key in order for run in done.get(key, [])]
        self.index_runs(runs)
        return runs

    def index_runs(self, runs) -> None:
        """Say which records make each table cell of ``runs`` (``report.write_table_file`` under the
        profile's results folder): the results page reads the tables through these files."""
        from skelrnn.report import write_table_file

        if runs:
            write_table_file(self.records.parent, runs)

    def dataset_name(self, features: dict | None = None) -> str:
        """The name the records give the training data: the profile's, plus the inputs when they are
        not the improved baseline's."""
        extra = ", ".join(f"{k} {v}" for k, v in sorted((features or {}).items()))
        return self.P.dataset_name + (f" ({extra})" if extra else "")

    def step_costs(self, runs) -> dict:
        """Measured seconds per time step of one training sequence, per cell of ``runs`` (``run``
        results; ``report.seconds_per_step``)."""
        from skelrnn import report

        return report.seconds_per_step(runs, sum(len(f) for f in self.splits["train"][0]))

    def full_profile_cost(self, cost: dict) -> dict:
        """The cost of the full profile for the cells of ``cost`` (``step_costs``) on this machine and
        backend, by arithmetic (``report.full_profile_estimate``): their mean measured seconds per
        time step of one training sequence, times 1 / width_scale squared when the profile trains
        narrower networks (a recurrent layer's matrices grow with the square of its width, so this
        bounds the thesis's widths from above), times the full profile's steps per epoch on this
        data, its epochs and its seeds. Every run is counted at its maximum number of epochs."""
        from skelrnn import report

        full = self.full_profile
        full_steps = int(self.data.lengths[self.data.split("cross_subject")["train"]].sum())
        per_step = float(np.mean(list(cost.values()))) / self.width_scale**2
        estimate = report.full_profile_estimate(
            per_step, full_steps, full.train["max_epochs"], len(cost) * len(full.seeds)
        )
        # kept for the results page and for `skelrnn book --profile full` without a GPU
        report.write_cost_estimate(self.records.parent, self.P.chapter, estimate)
        return estimate

    def trained_model(self, cell, seed: int):
        """The Keras model of ``cell``'s run with ``seed`` (trained by ``run`` before), holding the
        weights its record's test accuracy was measured with (the best evaluation's, from the run's
        folder). A run folder that is gone is made again by training the run once more: the same
        seed on the same machine and backend gives the same weights (tested), so the record still holds
        (on another backend it does not, and the chapter says so). The
        model is built once a chapter: a second call returns the same object, whose traced scoring
        step ``score_poses`` reuses."""
        import tempfile

        import keras

        from skelrnn import models, sweep, train
        from skelrnn.results import read_run_record

        splits = self.splits_for(cell.features)
        plan, _ = sweep.plan_runs(
            [cell], [seed], splits, baseline_model=self.P.baseline_model, train_settings=self.train_settings,
            n_classes=self.n_classes, results_dir=self.records, runs_dir=self.runs, profile=self.profile,
            dataset_name=self.dataset_name(cell.features), width_scale=self.width_scale,
        )  # fmt: skip
        path = Path(plan[0][2])
        built = self.__dict__.setdefault("_trained", {})
        if path in built:
            return built[path]
        record = read_run_record(path)  # a missing record: call run() first
        if record.weights != "best evaluation":
            raise ValueError(f"{path}: the run kept its last weights, not its best evaluation's (no early stopping)")
        backend = record.environment.get("backend", keras.backend.backend())
        run_dir = self.runs_root / backend / path.stem  # the weights of the backend that trained it
        config = models.ModelConfig(**record.model)
        if not (run_dir / "best.weights.h5").is_file():
            if backend != keras.backend.backend():
                run_dir = self.runs / path.stem
                print(f"{path.name}: trained on {backend}, whose weights are gone; trained again on "
                      f"{keras.backend.backend()}, same seed, other weights than its record measured")  # fmt: skip
            with tempfile.TemporaryDirectory() as scratch:
                train.train_run(config, train.TrainConfig(**record.train), splits, run_dir, Path(scratch) / path.name,
                                seed=seed, profile=self.profile, dataset_name=record.dataset["name"],
                                log=lambda line: None)  # fmt: skip
        model = built[path] = models.build_model(config)
        model.load_weights(run_dir / "best.weights.h5")
        return model

    def ntu_labels(self, indices) -> np.ndarray:
        """The 0-based NTU action (A001 is 0) of the samples ``indices``: what a file of pose
        hypotheses calls its label (``hypotheses.FORMAT``); ``model_class`` maps it back."""
        return np.asarray(self.data.actions)[self.data.labels[np.asarray(indices)]] - 1

    def model_class(self, label: int) -> int | None:
        """The model's class index of a 0-based NTU action ``label`` (A001 is 0), or None when the
        model was not trained on it (a profile may learn a subset of the actions) or it is -1."""
        if label < 0:
            return None
        where = np.flatnonzero(np.asarray(self.data.actions) == label + 1)
        return int(where[0]) if where.size else None

    def detector_poses(self, part: str) -> list[np.ndarray]:
        """The sequences of split ``part`` as an image detector would see them: ``(T_i, 13, 3)``
        camera-frame metres, the 13 detector joints, at the chapter's frame rate."""
        from skelrnn.skeleton import to_detector_joints

        step = self.frame_step
        return [to_detector_joints(self.data.sequence(int(i))[::step]) for i in self.indices[part]]

    def reference_lengths(self, joints: int = 13) -> np.ndarray:
        """The training split's mean bone lengths (``dataset.reference_lengths``): pose alignment's scale."""
        from skelrnn import dataset

        cache = self.__dict__.setdefault("_references", {})  # measured once per joint count
        if joints not in cache:
            cache[joints] = dataset.reference_lengths(self.data, self.indices["train"], joints)
        return cache[joints]

    def baseline(self, log=print) -> list:
        """The improved baseline trained with every baseline seed (its spread is the chapters' yardstick)."""
        from skelrnn.tables import improved_baseline_cell

        return self.run([improved_baseline_cell()], self.baseline_seeds, log=log)


class InTheWildChapter(TrainingChapter):
    """Chapter 09's set-up: a ``TrainingChapter`` (the aligned 13-joint model of chapter 08 and its
    data), plus the scoring of 3D poses estimated from detector output (``hypotheses``,
    ``smoothing``) by the accuracy the model gets from them and their error to the truth."""

    def accuracy_on_poses(self, model, poses, videos) -> float:
        """Test accuracy of ``model`` on estimated poses (``score_poses``'s ``accuracy``); NaN when no
        video has a label the model knows."""
        return self.score_poses(model, poses, videos)["accuracy"]

    def score_poses(self, model, poses, videos) -> dict:
        """``train.evaluate`` of ``model`` (trained on aligned 13-joint poses, chapter 08) on estimated
        poses: ``poses[n]`` ``(T_n, 13, 3)`` metres is aligned as the training poses were (the training
        split's bone lengths) and classified; ``videos[n].label`` (0-based NTU action) is its truth.
        Videos without a label the model knows are left out; accuracy NaN when none is left."""
        from skelrnn import models, preprocess, train

        reference = self.reference_lengths(13)
        keep = [(p, self.model_class(v.label)) for p, v in zip(poses, videos, strict=True)]
        keep = [(p, c) for p, c in keep if c is not None]
        if not keep:
            return {"accuracy": float("nan"), "classes_predicted": 0, "score_activity": []}
        features = [preprocess.align_sequence(p, reference).reshape(len(p), -1).astype(np.float32) for p, _ in keep]
        labels = np.array([c for _, c in keep])
        cfg = self.train_settings
        batch = min(cfg["batch_size"], len(labels))
        scoring = self.__dict__.setdefault("_scoring", {})  # one per model: its traced step is reused
        if id(model) not in scoring:
            scoring[id(model)] = (model, models.scoring_model(model))
        return train.evaluate(scoring[id(model)][1], features, labels, batch, cfg["pad_multiple"])

    def select_sigma(self, anchors, detector, seed: int = 0) -> dict:
        """Viterbi smoothing's sigma, chosen among the profile's ``sigmas`` on simulated videos of the
        *training* split (``smoothing.select_sigma``; the test videos never choose it), and written
        as a record, ``<results>/in_the_wild/sigma.json`` (with the detector and the videos' count)."""
        from dataclasses import asdict

        from skelrnn import hypotheses, smoothing
        from skelrnn.io import write_json_atomic

        train_poses = self.detector_poses("train")[: self.P.sweep_sequences]
        fps = self.data.fps / self.frame_step
        videos = hypotheses.simulate_videos(train_poses, anchors, detector, seed, fps)
        choice = smoothing.select_sigma(videos, self.P.sigmas)
        record = {"profile": self.profile, "seed": seed, "split": "train", "detector": asdict(detector), **choice}
        record["mpjpe_mm"] = {f"{s:g}": mm for s, mm in choice["mpjpe_mm"].items()}
        write_json_atomic(self.records.parent / "in_the_wild" / "sigma.json", record)
        return choice

    def second_person_effect(self, poses, anchors, detector, seed: int = 0) -> dict:
        """What the second person costs the top score and 2D tracking: the pooled MPJPE (mm,
        ``smoothing.pooled_mpjpe_mm``) of each method on the sequences ``poses`` (``detector_poses``)
        simulated with ``detector`` and again without a second person (``second_person`` 0), same
        seed: ``{"share": detector.second_person, "with": {method: mm}, "without": {method: mm}}``."""
        from dataclasses import replace

        from skelrnn import hypotheses, smoothing

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
        import pandas as pd

        from skelrnn import hypotheses, smoothing

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
        """Table 10's analogue for ``videos`` (``hypotheses.PoseHypotheses``): a ``report.table_frame``-like
        frame with one row per pose source (chance, the true poses, then each method of
        ``estimates``, ``{method: [poses]}``), the thesis's value where it has one, the accuracy
        over the models of ``runs`` (``run`` results of the aligned 13-joint cell; mean, min, max),
        the most dead class scores of a model on those poses (``train.evaluate``: a class whose score
        is 0 on every video) and the MPJPE (mm) against the videos' true poses where they have them.
        The random row is chance, ``1 / n_classes``. The values go to
        the table file of "table 10" with the records of those models (``report.write_table_file``)."""
        import pandas as pd

        from skelrnn import report, smoothing, tables
        from skelrnn.sweep import record_key

        trained = [self.trained_model(cell, seed) for cell, seed, _record in runs]
        thesis = {c.row: c.thesis for c in tables.TABLES["table 10"]}
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
        cells = [c for c in tables.TABLES["table 10"] if c.row in values]
        measured = {(c.row, c.column): values[c.row] for c in cells}
        report.write_table_file(self.records.parent, [(c, s, r) for c in cells for _c, s, r in runs], measured)
        return pd.DataFrame(rows)


def _lead(gain: float, unit: str) -> str:
    """``gain`` (positive: better) as words: "ahead by 3 mm", "behind by 1.2 points", "level"."""
    digits = 0 if unit == "mm" else 1
    if round(abs(gain), digits) == 0:  # what would print as "by 0 mm"
        return "level"
    return f"{'ahead' if gain > 0 else 'behind'} by {abs(gain):.{digits}f} {unit}"


def _change(delta: float, unit: str = "mm") -> str:
    """A change as words, its verb from its sign: "grows by 3 mm", "shrinks by 2 mm", "stays level"."""
    digits = 0 if unit == "mm" else 1
    if round(abs(delta), digits) == 0:
        return "stays level"
    return f"{'grows' if delta > 0 else 'shrinks'} by {abs(delta):.{digits}f} {unit}"


def _moves(delta: float) -> str:
    """A change of accuracy as words: "rises by 1.2 points", "falls by 0.4 points", "stays level"."""
    if round(abs(delta), 1) == 0:
        return "stays level"
    return f"{'rises' if delta > 0 else 'falls'} by {abs(delta):.1f} points"


def wild_findings(table10, sweep, second_person: dict | None = None) -> list[str]:
    """Chapter 09's measured findings as sentences, computed from ``table10`` (``wild_table``),
    ``sweep`` (``detector_sweep``, with the knobs ``flip_rate``, ``scale_drift``, ``flip_depth`` and
    ``flip_gain`` where swept) and ``second_person`` (``InTheWildChapter.second_person_effect``):
    how the methods rank, smoothing against tracking beside the thesis's order, how each knob
    moves them, and how much of tracking's lead over the top score the second person makes. The
    chapter prints these instead of typing results."""
    from skelrnn import smoothing, tables

    by = table10.set_index("row")
    methods = list(smoothing.METHODS)
    err = {m: float(by.loc[m, "MPJPE (mm)"]) for m in methods}
    acc = {m: float(by.loc[m, "measured (%)"]) for m in methods}
    thesis = {c.row: c.thesis for c in tables.TABLES["table 10"]}
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
