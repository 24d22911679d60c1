"""Chapter set-up: the one place where a profile's values become plain arguments.

Defined for the training chapters (03 on). The engine (``training.engine``), the runs
(``skelrnn.runs``) and the data layer take explicit arguments and never read ``profiles``; a
chapter builds a ``TrainingChapter`` in its first code cell and everything below reads from it.
The set-up it shares with the full-profile rehearsal is ``setup``; chapter 09's own is
``wild_chapter``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import keras
import numpy as np

import skelrnn
from skelrnn.core.backend import describe
from skelrnn.core.folders import RESULTS_DIR, RUNS_DIR, checkpoint_folder, records_url
from skelrnn.data.ntu.protocols import protocol_name
from skelrnn.data.skeleton import to_detector_joints
from skelrnn.data.splits import featurise_splits, reference_lengths
from skelrnn.experiments import chapter_map, profiles
from skelrnn.experiments.chapter_map import table_cells
from skelrnn.experiments.setup import dataset_name, fit_training_to_data, load_chapter_data
from skelrnn.networks import models
from skelrnn.reporting import record_tables
from skelrnn.reporting.record_tables import write_table_file
from skelrnn.runs.executors import make_executor, run_cells
from skelrnn.runs.planning import model_spec, plan_runs, scaled_units
from skelrnn.training import engine
from skelrnn.training.records import read_run_record
from skelrnn.training.settings import TrainConfig

__all__ = ["TrainingChapter"]


class TrainingChapter:
    """What the training chapters set up alike: the profile's values ``P``, the data and its
    cross-subject splits, the folders of records and checkpoints, an executor, and a runner for
    table cells.

    ``records`` (``results_dir/<profile>/training``) is shared by every training chapter, so a
    run that appears in several (the improved baseline) is trained once.
    """

    def __init__(
        self, chapter: str, *, profile: str, seed: int = 0, results_dir=RESULTS_DIR, data_dir=None,
        runs_dir=None, strict: bool = False, executor: str = "local", ray_options: dict | None = None,
        protocol: str = "cross_subject", data_fps: float | None = None,
    ):  # fmt: skip
        self.chapter = chapter_map.chapter(chapter)
        self.P = P = profiles.get(chapter, profile)
        self.full_profile = profiles.get(chapter, "full")  # for the chapters' cost arithmetic
        self.profile, self.data_dir = profile, data_dir
        self.protocol = protocol_name(protocol)  # the splits' protocol: the thesis's cross-subject by default
        self.records = Path(results_dir) / profile / "training"
        # Each backend keeps its own checkpoints and best weights (a run's name does not say the
        # backend; its record does): a run of one never finishes from, or overwrites, another's.
        self.runs_root = Path(runs_dir or RUNS_DIR) / profile
        self.runs = checkpoint_folder(runs_dir or RUNS_DIR, profile, keras.backend.backend())
        self.seeds = [seed + s for s in P.seeds]
        self.claim_seeds = [seed + s for s in P.claim_seeds]  # the cells that a thesis claim compares
        self.baseline_seeds = [seed + s for s in P.baseline_seeds]
        self.width_scale = P.width_scale
        self.notes: list[str] = []  # what the set-up adapted to the data, shown in the header
        # ``executor``: where the runs train (executors.make_executor): this machine, or a Ray cluster.
        # It starts with the first run that has no record: a chapter whose records all exist starts none.
        self.executor = make_executor(executor, P.workers, ray_options)
        loaded = load_chapter_data(P, data_dir, strict, self.protocol, data_fps)
        self.data, self.indices, self.frame_step = loaded.data, loaded.indices, loaded.frame_step
        self.notes += loaded.notes
        self._features: dict[str, dict] = {}
        self._trained: dict[Path, object] = {}  # trained_model's models, by record path
        self._references: dict[int, np.ndarray] = {}  # reference_lengths, by joint count
        self.splits = self.splits_for()  # the thesis's input: 25 joints, origin at the first frame's torso
        self.train_settings = fit_training_to_data(
            P.train, len(self.splits["train"][1]), P.min_evaluations, self.notes.append
        )
        self.n_classes = len(self.data.actions)
        if self.width_scale != 1:
            hundred = scaled_units(100, self.width_scale)
            self.notes.append(
                f"widths x {self.width_scale:g}: a cell of 100 units trains {hundred} "
                f"(the profile's compute budget; the full profile trains the thesis's widths)"
            )

    @property
    def records_url(self) -> str:
        """Where the built site serves this profile's run records, from a chapter's page
        (``results_page.write_page`` copies them there)."""
        return records_url(self.profile)

    def header(self) -> str:
        """Two lines for the top of a chapter: library version, profile and seeds, then the environment."""
        return (
            f"skelrnn {skelrnn.__version__}, profile: {self.profile}, seeds {self.seeds} "
            f"(improved baseline {self.baseline_seeds}), runs trained by: {self.executor.describe()}\n"
            + ", ".join(f"{k} {v}" for k, v in describe().items())
            + "".join(f"\n{note}" for note in self.notes)
        )

    def splits_for(self, features: dict | None = None) -> dict:
        """``{part: (features, labels)}`` of the chapter's sequences and frames with the inputs
        ``features`` (``splits.featurise_splits`` arguments: ``joints``, ``preprocessing``; default:
        the improved baseline's), made once."""
        key = json.dumps(features or {}, sort_keys=True)
        if key not in self._features:
            self._features[key] = featurise_splits(self.data, self.indices, self.frame_step, **(features or {}))
        return self._features[key]

    def model_config(self, changes: dict | None = None, features: dict | None = None):
        """The ``models.ModelConfig`` that this profile trains for a cell's model ``changes`` to the
        improved baseline (default: the baseline itself) on the inputs ``features``, widths scaled
        as in its runs (``planning.model_spec``, as the runs are planned)."""
        n_features = self.splits_for(features)["train"][0][0].shape[1]
        return model_spec(self.P.baseline_model, n_features, self.n_classes, changes, self.width_scale)

    def run(self, cells, seeds=None, log=print, claims=()) -> list:
        """Train the cells that have no record yet; ``[(cell, seed, RunRecord)]`` for every cell and seed.

        ``claims``: thesis claims ``(text, (row, column), (row, column))``; the cells they compare
        are trained with ``claim_seeds``, the others with ``seeds`` (default: the profile's). Cells
        whose inputs differ (``Cell.features``) are trained on their own splits, one group after
        the other; the result keeps the order of ``cells``."""
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
            for cell, seed, record in run_cells(
                group, seeds_of, self.splits_for(features), baseline_model=self.P.baseline_model,
                train_settings=self.train_settings, n_classes=self.n_classes, results_dir=self.records,
                runs_dir=self.runs, profile=self.profile, dataset_name=self.dataset_name(features),
                executor=self.executor, log=log, width_scale=self.width_scale,
            ):  # fmt: skip
                done.setdefault(id(cell), []).append((cell, seed, record))
        order = dict.fromkeys(id(cell) for cell in cells)  # a cell's runs once, where it first appears
        runs = [run for key in order for run in done.get(key, [])]
        self.index_runs(runs)
        if runs:
            log(record_tables.run_endings(runs))
        return runs

    def index_runs(self, runs) -> None:
        """Say which records make each table cell of ``runs`` (``record_tables.write_table_file`` under the
        profile's results folder): the results page reads the tables through these files."""
        if runs:
            write_table_file(self.records.parent, runs)

    def dataset_name(self, features: dict | None = None) -> str:
        """The name the records give the training data (``setup.dataset_name`` of the profile's)."""
        base = self.P.dataset_name + ("" if self.protocol == "cross_subject" else f", {self.protocol}")
        return dataset_name(base, features)

    def step_costs(self, runs) -> dict:
        """Measured seconds per time step of one training sequence, per cell of ``runs`` (``run``
        results; ``record_tables.seconds_per_step``)."""
        return record_tables.seconds_per_step(runs, sum(len(f) for f in self.splits["train"][0]))

    def full_profile_cost(self, cost: dict) -> dict:
        """The cost of the full profile for the cells of ``cost`` (``step_costs``) on this machine and
        backend, by arithmetic (``record_tables.full_profile_estimate``): their mean measured seconds per
        time step of one training sequence, times 1 / width_scale squared when the profile trains
        narrower networks (a recurrent layer's matrices grow with the square of its width, so this
        bounds the thesis's widths from above), times the full profile's steps per epoch on this
        data, its epochs and its seeds. Every run is counted at its maximum number of epochs."""
        full = self.full_profile
        full_steps = int(self.data.lengths[self.data.split(self.protocol)["train"]].sum())
        per_step = float(np.mean(list(cost.values()))) / self.width_scale**2
        estimate = record_tables.full_profile_estimate(
            per_step, full_steps, full.train["max_epochs"], len(cost) * len(full.seeds)
        )
        # kept for the results page and for `skelrnn book --profile full` without a GPU
        record_tables.write_cost_estimate(self.records.parent, self.P.chapter, estimate)
        return estimate

    def trained_model(self, cell, seed: int):
        """The Keras model of ``cell``'s run with ``seed`` (trained by ``run`` before), holding the
        weights its record's test accuracy was measured with (the best evaluation's, from the run's
        folder). A run folder that is gone is made again by training the run once more: the same
        seed on the same machine and backend gives the same weights (tested), so the record still holds
        (on another backend it does not, and the chapter says so). The
        model is built once a chapter: a second call returns the same object, whose traced scoring
        step ``score_poses`` reuses."""
        splits = self.splits_for(cell.features)
        plan, _ = plan_runs(
            [cell], [seed], splits, baseline_model=self.P.baseline_model, train_settings=self.train_settings,
            n_classes=self.n_classes, results_dir=self.records, runs_dir=self.runs, profile=self.profile,
            dataset_name=self.dataset_name(cell.features), width_scale=self.width_scale,
        )  # fmt: skip
        path = Path(plan[0][2])
        if path in self._trained:
            return self._trained[path]
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
                engine.train_run(config, TrainConfig(**record.train), splits, run_dir, Path(scratch) / path.name,
                                 seed=seed, profile=self.profile, dataset_name=record.dataset["name"],
                                 log=lambda line: None)  # fmt: skip
        model = self._trained[path] = models.build_model(config)
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
        step = self.frame_step
        return [to_detector_joints(self.data.sequence(int(i))[::step]) for i in self.indices[part]]

    def reference_lengths(self, joints: int = 13) -> np.ndarray:
        """The training split's mean bone lengths (``splits.reference_lengths``): pose alignment's
        scale, measured once per joint count."""
        if joints not in self._references:
            self._references[joints] = reference_lengths(self.data, self.indices["train"], joints)
        return self._references[joints]

    def cells(self, table: str) -> list:
        """The cells of ``table``, one of those this chapter trains (``chapter_map``: ``Chapter.trains``);
        table 12's steps at the chapter's frame rate."""
        if table not in self.chapter.trains:
            raise ValueError(f"{self.chapter.name} trains {list(self.chapter.trains)}, not {table!r} (chapter_map)")
        return table_cells(table, self.frame_step)

    def baseline(self, log=print) -> list:
        """The improved baseline trained with every baseline seed (its spread is the chapters' yardstick)."""
        return self.run(self.cells("baseline"), self.baseline_seeds, log=log)
