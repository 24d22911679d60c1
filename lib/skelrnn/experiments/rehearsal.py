"""The full profile, rehearsed: every network of every chapter at the thesis's sizes, a few updates each.

Defined for ``skelrnn book --profile full --rehearse`` and the reproducing page ("What it costs").
The full profile (thesis settings: batches of 256, every frame, widths up to 800 units, 8
layers, two streams, bidirectional every-step networks) is meant for NTU RGB+D on a GPU, where
a shape, memory or checkpoint error would show hours into a run. The rehearsal builds each
network the full profile trains, on the full profile's data (the embedded data unless a folder
is given), trains it for ``updates`` updates (the first traces, the others are timed), evaluates
it once, and writes a real result record, marked as a rehearsal (profile ``full (rehearsal)``,
under ``<results>/full/rehearsal/<backend>/``: never a table's, never reused by a full run). One
run is interrupted after its first checkpoint and resumed; its record must equal that of the
same run uninterrupted. From the seconds per update it measured, it extrapolates what the full
profile costs per chapter on this device (``<results>/full/rehearsal/<backend>.json``, with
every update's time, so that each hour can be derived again), which the reproducing and results
pages show.

The cost of a chapter counts the runs it plans that no earlier chapter planned (records are
shared: the improved baseline trains once, in chapter 03), each at its full budget of updates,
plus its evaluations; chapter 01 counts its memory-task grid and chapter 09 the forward passes
of its detector sweep. The counts are NTU RGB+D's own (``protocols.ntu_protocol_sizes``: the
cross-subject training subjects less the thesis's validation subjects, 31,908 sequences, 124
updates of 256 an epoch; 8,183 validation and 16,487 test sequences), or a folder's own when one
is given. The extrapolation assumes (``ASSUMPTIONS``, shown with the hours) that an update's
time is affine in its padded length (checked on the improved baseline: ``length_check``) and
that every run spends its whole budget (early stopping ends most runs sooner: an upper bound).
What the rehearsal does not run at full size: the chapters' other cells (figures, the detector
simulation, Viterbi smoothing), which run on the CPU and take minutes.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from skelrnn.core.backend import describe, ignore_retracing_warnings, set_seed
from skelrnn.core.folders import RUNS_DIR
from skelrnn.core.identity import run_key
from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.core.probes import PeakMemory, device_name
from skelrnn.data.batches import bucket_batches
from skelrnn.data.ntu.protocols import ntu_protocol_sizes
from skelrnn.data.splits import featurise_splits
from skelrnn.experiments import chapter_map, profiles
from skelrnn.experiments.setup import dataset_name, fit_training_to_data, load_chapter_data
from skelrnn.networks import models
from skelrnn.reporting.costs import SUMMARY_FORMAT, chapter_costs, cost_lines
from skelrnn.runs.planning import model_spec
from skelrnn.runs.scheduling import this_node
from skelrnn.training import engine, memory_task, records
from skelrnn.training.settings import TrainConfig, update_budget
from skelrnn.wild import smoothing

__all__ = [
    "REHEARSAL_PROFILE", "CHAPTERS", "ASSUMPTIONS", "Network", "plan_networks", "padded_lengths",
    "rehearsal_indices", "steady_update", "run_budget", "wild_forward_sequences", "rehearse",
]  # fmt: skip

REHEARSAL_PROFILE = "full (rehearsal)"
# What the extrapolated hours assume, as the summaries and the pages state it.
ASSUMPTIONS = (
    "an update's time is affine in its padded length, so the mean update costs what an update of the mean "
    "padded length costs (checked on the improved baseline at the shortest and longest padded lengths of an "
    "epoch: the length check)",
    "every run spends its whole budget of updates (early stopping ends most runs sooner: an upper bound)",
    "evaluations cost what the timed validation pass costs per sequence",
    "a run's traces and compilations (one per padded length on JAX) are left out: seconds against hours",
)

CHAPTERS = tuple(c.name for c in chapter_map.CHAPTERS)  # what --chapters names; 02 trains nothing


@dataclass
class Network:
    """One network the full profile trains: ``model`` (``models.ModelConfig`` fields, or for the
    memory task ``cell`` and ``length``), ``train`` (``settings.TrainConfig`` changes of its cell),
    ``features`` (``splits.featurise_splits`` arguments), a name for people, and ``runs``: per
    chapter, the runs of it the full profile plans there that no earlier chapter plans."""

    kind: str  # "training" or "memory task"
    name: str
    model: dict
    train: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps([self.kind, self.model, self.train, self.features], sort_keys=True)

    @property
    def chapter(self) -> str:
        """The first chapter that trains it."""
        return next(iter(self.runs))


def _cells_of(chapter: str, frame_step: int) -> list[tuple]:
    """``[(cell, seeds_kind)]`` of a training chapter (``chapter_map``): ``seeds_kind`` "baseline" or "cells"."""
    return [
        (cell, "baseline" if table == "baseline" else "cells")
        for table in chapter_map.chapter(chapter).trains
        for cell in chapter_map.table_cells(table, frame_step)
    ]


def plan_networks(chapters, n_features, n_classes: int, frame_step: int = 1, P=None, memory=None) -> list[Network]:
    """The distinct networks of ``chapters`` (names of ``CHAPTERS``), in the book's order, with the
    runs each chapter adds. ``n_features(features)``: the input width for a cell's ``features``;
    ``P`` and ``memory``: the full profile's values of the training chapters and of chapter 01
    (default: read from ``profiles``), whose seeds count the runs (``claim_seeds`` and ``seeds`` agree)."""
    P = P or profiles.get("03_baselines", "full")
    full = memory or profiles.get("01_rnn_math", "full")
    cell_seeds = sorted(set(P.seeds) | set(P.claim_seeds))
    networks: dict[str, Network] = {}
    planned: set = set()  # (network key, seed): runs an earlier chapter plans
    for chapter in CHAPTERS:
        if chapter not in chapters:
            continue
        if chapter == "01_rnn_math":
            for length in full.memory_lengths:
                for cell in memory_task.CELLS:
                    net = Network("memory task", f"memory task: {cell.upper()}, T = {length}",
                                  {"cell": cell, "length": int(length), **full.memory})  # fmt: skip
                    net.runs[chapter] = int(full.n_seeds)
                    networks[net.key] = net
            continue
        if not chapter_map.chapter(chapter).trains:
            continue  # chapter 02 trains no network
        for cell, kind in _cells_of(chapter, frame_step):
            model = model_spec(P.baseline_model, n_features(cell.features), n_classes, cell.model).to_dict()
            net = Network("training", f"{cell.table}: {cell.row}, {cell.column}", model, dict(cell.train),
                          dict(cell.features))  # fmt: skip
            net = networks.setdefault(net.key, net)
            seeds = P.baseline_seeds if kind == "baseline" else cell_seeds
            new = [s for s in seeds if (net.key, s) not in planned]
            planned.update((net.key, s) for s in seeds)
            net.runs[chapter] = net.runs.get(chapter, 0) + len(new)
    return list(networks.values())


def padded_lengths(lengths, batch_size: int, multiple: int, seed: int = 0) -> np.ndarray:
    """The padded length of every update of an epoch when ``lengths`` (time steps) are batched by
    length (``batches.bucket_batches``, full batches only, lengths rounded up to ``multiple``)."""
    lengths = np.asarray(lengths)
    batches = [b for b in bucket_batches(lengths, batch_size, np.random.default_rng(seed)) if len(b) == batch_size]
    if not batches:
        raise ValueError(f"padded_lengths: fewer than {batch_size} sequences ({len(lengths)})")
    return np.array([-(-int(lengths[b].max()) // multiple) * multiple for b in batches])


def mean_padded_length(lengths, batch_size: int, multiple: int, seed: int = 0) -> float:
    """The mean padded length of an update (``padded_lengths``)."""
    return float(np.mean(padded_lengths(lengths, batch_size, multiple, seed)))


def rehearsal_indices(indices: dict, lengths, target: float, batch_size: int, seed: int = 0) -> dict:
    """The rehearsal's samples: ``batch_size`` training sequences whose ``lengths`` (time steps,
    indexed like the data) are nearest ``target`` (an update of the full profile's mean padded
    length: one batch, the same every update, so nothing is traced twice), and ``batch_size``
    validation and test sequences drawn at random with ``seed``."""
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths)
    train = np.asarray(indices["train"])
    nearest = train[np.argsort(np.abs(lengths[train] - target), kind="stable")[:batch_size]]
    out = {"train": np.sort(nearest)}
    for part in ("validation", "test"):
        idx = np.asarray(indices[part])
        out[part] = np.sort(rng.choice(idx, size=min(batch_size, len(idx)), replace=False))
    return out


def wild_forward_sequences(profile_values) -> int:
    """Sequences chapter 09 passes through its model (``InTheWildChapter``): the detector sweep
    (every value of every knob, each method, ``sweep_sequences`` videos, the first model) and
    table 10 (the true poses and each method's, each seed's model)."""
    P = profile_values
    points = sum(len(getattr(P, k)) for k in ("flip_rates", "scale_drifts", "flip_depths", "flip_gains"))
    methods = len(smoothing.METHODS)
    return P.sweep_sequences * (points * methods + len(P.claim_seeds) * (1 + methods))


def steady_update(seconds) -> dict:
    """What the rehearsal reads from one network's update times ``seconds`` (the first traces; the
    same batch every update): ``median``, ``min`` and ``max`` of the updates after the first, and
    ``trace``, what the first took beyond the median."""
    seconds = [float(s) for s in seconds]
    if len(seconds) < 2:
        raise ValueError("the rehearsal needs at least 2 updates: the first traces, the others are timed")
    timed = seconds[1:]
    median = float(np.median(timed))
    return {"median": median, "min": min(timed), "max": max(timed), "trace": max(0.0, seconds[0] - median)}


def _timing(times: list[tuple[float, int]], scale: float = 1.0) -> dict:
    """A network's summary entry from its updates' ``(seconds, padded length)``: every update's time
    as measured, and the seconds per update (median, range) times ``scale`` (the mean padded length
    over the timed one: the affine assumption)."""
    steady = steady_update([s for s, _ in times])
    return {"update seconds": [round(s, 6) for s, _ in times], "padded length": int(times[1][1]),
            "length scale": scale, "seconds per update": steady["median"] * scale,
            "seconds per update (range)": [steady["min"] * scale, steady["max"] * scale],
            "seconds per update (measured)": steady["median"], "trace seconds": steady["trace"]}  # fmt: skip


def traced_again(times: list[tuple[float, int]], backend: str = "jax") -> bool:
    """Whether the second update of one repeated batch paid a second trace or compilation, which a
    real run would pay on every padded length (a defect, reported by the rehearsal): it took over
    twice as long as the later ones, by over half a second and by over half of what the first
    update's trace cost. The last condition tells a second compilation (as long as the first)
    from a slow update on a busy machine. torch runs eagerly: nothing is traced."""
    if len(times) < 3 or backend == "torch":
        return False
    later = float(np.median([s for s, _ in times[2:]]))
    extra = times[1][0] - later
    return times[1][0] > 2 * later and extra > 0.5 and extra > 0.5 * (times[0][0] - later)


def _measure_memory_task(net: Network, updates: int) -> dict:
    """Build the memory-task classifier of ``net`` at its length and train it for ``updates``
    updates of its batch (``train_on_batch``) and one prediction pass over a test batch."""
    spec = dict(net.model)
    cell, length = spec.pop("cell"), spec.pop("length")
    cfg = memory_task.MemoryTaskConfig(**spec)
    set_seed(0)
    x, y = memory_task.make_memory_task(cfg.batch_size, length, cfg, np.random.default_rng(0))
    with PeakMemory() as peak:
        model = memory_task.build_classifier(cell, length, cfg)
        times = []
        for _ in range(updates):
            start = time.perf_counter()
            logs = model.train_on_batch(x, y, return_dict=True)
            float(logs["loss"])
            times.append((time.perf_counter() - start, length))
        model.predict(x, batch_size=cfg.batch_size, verbose=0)  # traces the prediction step
        start = time.perf_counter()
        model.predict(x, batch_size=cfg.batch_size, verbose=0)
        evaluation = time.perf_counter() - start
    per_run = -(-cfg.n_train // cfg.batch_size) * cfg.epochs
    return {**_timing(times), "batch size": cfg.batch_size,
            "evaluation seconds per sequence": evaluation / cfg.batch_size, "updates per run": per_run,
            "evaluated sequences per run": cfg.n_test, "peak memory (MiB)": peak.mib,
            "memory added (MiB)": peak.added_mib,
            "traced again": traced_again(times, keras.backend.backend())}  # fmt: skip


class _Interrupt(Exception):
    """Raised by the rehearsal's update hook to stop a run as a kill would."""


@dataclass
class _Data:
    """The full profile's data as the rehearsal uses it (``_load``)."""

    name: str
    n_classes: int
    data: object  # loading.SkeletonSet
    chosen: dict  # the rehearsal's samples per split (rehearsal_indices)
    frame_step: int
    batch_size: int
    mean_padded: float
    counted: dict  # sequences of each split that the full profile's cost is counted on
    settings: dict  # the full profile's training settings fitted to counted["train"]
    epoch_lengths: np.ndarray  # the padded length of every update of an epoch of the data
    indices: dict  # the data's splits
    steps: np.ndarray  # time steps of every sample at the frame step
    facts: dict  # for the summary
    _splits: dict = field(default_factory=dict)

    def splits_for(self, features: dict, target: float | None = None) -> dict:
        """``{part: (features, labels)}`` of the rehearsal's samples with the inputs ``features``, made
        once; ``target``: training sequences nearest that length instead of the mean update's."""
        key = json.dumps([features, target], sort_keys=True)
        if key not in self._splits:
            chosen = dict(self.chosen)
            if target is not None:
                chosen["train"] = rehearsal_indices(self.indices, self.steps, target, self.batch_size)["train"]
            self._splits[key] = featurise_splits(self.data, chosen, self.frame_step, **features)
        return self._splits[key]

    def n_features(self, features: dict) -> int:
        return self.splits_for(features)["train"][0][0].shape[1]


def _load(P, data_dir, pad_multiple: int, log) -> _Data:
    """The full profile's data (``P``: its values) and what its cost is counted on: NTU RGB+D's own
    protocol sizes for the embedded data (which stands in for NTU's sequence lengths), a folder's
    own splits otherwise. The data is the training chapters' (``setup.load_chapter_data``)."""
    loaded = load_chapter_data(P, data_dir)
    data, indices, step = loaded.data, loaded.indices, loaded.frame_step
    for note in loaded.notes:
        log(note)
    steps = -(-data.lengths // step)  # time steps of every sample at the profile's frame step
    batch = min(P.train["batch_size"], len(indices["train"]))
    epoch = padded_lengths(steps[indices["train"]], batch, pad_multiple)
    target = float(epoch.mean())
    chosen = rehearsal_indices(indices, steps, target, batch, P.data_seed)
    sizes = {part: len(idx) for part, idx in indices.items()}
    if data_dir is None:
        counted = ntu_protocol_sizes("cross_subject")
        name = ("the embedded data (its lengths stand in for NTU's; the sequences are counted at NTU RGB+D's "
                "cross-subject sizes, the thesis's validation subjects taken out of training)")  # fmt: skip
    else:
        counted, name = sizes, str(Path(data_dir).name)
    settings = fit_training_to_data(P.train, counted["train"], P.min_evaluations, log=lambda line: None)
    facts = {"data": name, "frame step": int(step), "split sizes counted": counted, "data's split sizes": sizes,
             "mean padded length (steps)": round(target, 2),
             "padded lengths of an epoch (steps)": [int(epoch.min()), int(epoch.max())],
             "rehearsal sequences": {p: len(i) for p, i in chosen.items()}}  # fmt: skip
    return _Data(name, len(data.actions), data, chosen, int(step), batch, target, counted, settings, epoch, indices,
                 steps, facts)  # fmt: skip


def _train_settings(P, cell_train: dict, batch: int, updates: int, eval_every: int | None = None) -> dict:
    """The full profile's training settings (``P``: its values) for a cell, cut to ``updates``
    updates and one evaluation."""
    values = {**P.train, **cell_train, "batch_size": batch, "max_updates": updates, "eval_every": eval_every or updates}
    return TrainConfig(**values).to_dict()


def run_budget(settings: dict, cell_train: dict, counted: dict) -> dict:
    """A full-profile run of a cell on splits of ``counted`` sequences (``{"train", "validation",
    "test"}``): its ``updates`` (``max_epochs`` of full batches, ``settings.update_budget``) and the
    ``evaluated sequences`` (the validation split at every evaluation, every ``eval_every``
    updates, and the test split once). ``settings``: the profile's training settings fitted to the
    training split (``setup.fit_training_to_data``); ``cell_train``: the cell's changes."""
    full = TrainConfig(**{**settings, **cell_train, "max_updates": None})
    updates = update_budget(full, counted["train"] // full.batch_size)
    evaluations = -(-updates // full.eval_every)
    return {"updates": updates, "evaluations": evaluations,
            "evaluated sequences": counted["validation"] * evaluations + counted["test"]}  # fmt: skip


def _measure_training(P, net: Network, data: _Data, folder: Path, runs_dir: Path, updates: int,
                      target: float | None = None) -> dict:  # fmt: skip
    """Train ``net`` for ``updates`` updates and one evaluation with ``engine.train_run`` (a record
    under ``folder``), timing each update, then time a second, traced, evaluation pass. The batch:
    the training sequences nearest the mean update's padded length, or ``target``."""
    splits = data.splits_for(net.features, target)
    config = models.ModelConfig(**net.model)
    cfg = TrainConfig(**_train_settings(P, net.train, data.batch_size, updates))
    key = run_key(config.to_dict(), cfg.to_dict(), 0, "rehearsal") + ("" if target is None else f"-{target:g}")
    record_path, run_dir = folder / f"{key}.json", runs_dir / key
    record_path.unlink(missing_ok=True)  # a rehearsal measures again
    shutil.rmtree(run_dir, ignore_errors=True)
    pool, times = engine.ModelPool(1), []
    with PeakMemory() as peak:
        record = engine.train_run(
            config, cfg, splits, run_dir, record_path, seed=0, profile=REHEARSAL_PROFILE,
            dataset_name=_dataset_name(data, net.features), log=lambda line: None, checkpoint_seconds=0, pool=pool,
            place={"executor": "rehearsal", "node": this_node()},
            update_hook=lambda update, seconds, length: times.append((seconds, length)),
        )  # fmt: skip
        _model, scoring = pool.get(config, cfg)  # the traced scoring step, weights reset: timing only
        start = time.perf_counter()
        engine.evaluate(scoring, *splits["validation"], cfg.batch_size, cfg.pad_multiple)
        evaluation = time.perf_counter() - start
    if record.updates != updates:
        raise RuntimeError(f"{net.name}: the rehearsal run made {record.updates} updates, not {updates}")
    budget = run_budget(data.settings, net.train, data.counted)  # the full profile's run on the counted sizes
    n_val = len(splits["validation"][1])
    return {**_timing(times, data.mean_padded / times[1][1]), "batch size": cfg.batch_size,
            "evaluation seconds per sequence": evaluation / n_val, "updates per run": budget["updates"],
            "evaluations per run": budget["evaluations"], "evaluated sequences per run": budget["evaluated sequences"],
            "peak memory (MiB)": peak.mib, "memory added (MiB)": peak.added_mib, "record": record_path.name,
            "traced again": traced_again(times, keras.backend.backend())}  # fmt: skip


def length_check(P, data: _Data, folder: Path, runs_dir: Path, updates: int) -> dict:
    """The affine assumption, measured: the improved baseline's seconds per update (``_measure_training``)
    on batches of the shortest, the mean and the longest padded length of an epoch of the data,
    and how far the mean's time lies from the line through the other two (``deviation``, a
    fraction of the mean's time: the error of timing the mean length for every length)."""
    (cell,) = chapter_map.table_cells("baseline")
    model = model_spec(P.baseline_model, data.n_features(cell.features), data.n_classes, cell.model).to_dict()
    net = Network("training", "length check", model, dict(cell.train), dict(cell.features))
    lengths, seconds = [], []
    for target in (float(data.epoch_lengths.min()), data.mean_padded, float(data.epoch_lengths.max())):
        entry = _measure_training(P, net, data, folder / "length-check", runs_dir / "length-check", updates, target)
        lengths.append(entry["padded length"])
        seconds.append(entry["seconds per update (measured)"])
    line = seconds[0] + (seconds[2] - seconds[0]) * (lengths[1] - lengths[0]) / max(1, lengths[2] - lengths[0])
    return {"network": cell.row, "padded lengths": lengths, "seconds per update": seconds,
            "deviation": (seconds[1] - line) / seconds[1]}  # fmt: skip


def _dataset_name(data: _Data, features: dict) -> str:
    return dataset_name(f"{data.name}, rehearsal sequences", features)


def resume_check(P, data: _Data, folder: Path, runs_dir: Path, log=print) -> dict:
    """The improved baseline for 4 updates with a checkpoint at every evaluation (every 2 updates),
    stopped by an exception after update 3 and started again: the run must resume from update 2
    and end with the record of the same run left alone (timings aside), else ``RuntimeError``.
    ``P``: the full profile's values."""
    (cell,) = chapter_map.table_cells("baseline")
    splits = data.splits_for(cell.features)
    config = model_spec(P.baseline_model, data.n_features(cell.features), data.n_classes)
    cfg = TrainConfig(**_train_settings(P, cell.train, data.batch_size, 4, eval_every=2))
    name = _dataset_name(data, cell.features)
    out = {}
    for label in ("left alone", "interrupted"):
        record_path, run_dir = folder / "resume-check" / f"{label.replace(' ', '-')}.json", runs_dir / "resume-check"
        record_path.unlink(missing_ok=True)
        shutil.rmtree(run_dir / label, ignore_errors=True)
        run = dict(seed=0, profile=REHEARSAL_PROFILE, dataset_name=name, log=lambda line: None, checkpoint_seconds=0,
                   place={"executor": "rehearsal", "node": this_node()})  # fmt: skip

        def stop_after_3(update, _seconds, _length):
            if update == 3:
                raise _Interrupt

        if label == "interrupted":
            try:
                engine.train_run(config, cfg, splits, run_dir / label, record_path, update_hook=stop_after_3, **run)
            except _Interrupt:
                pass
            else:
                raise RuntimeError("the interrupted run was not interrupted")
            if record_path.is_file():
                raise RuntimeError(f"{record_path}: a record was written by a run stopped after update 3")
        out[label] = engine.train_run(config, cfg, splits, run_dir / label, record_path, **run)
    done, alone = out["interrupted"], out["left alone"]
    same = records.outcome(done.to_dict()) == records.outcome(alone.to_dict())
    resumed_from = max((h["update"] for h in done.history if h["update"] < 3), default=None)
    if done.resumed != 1 or not same:
        raise RuntimeError(f"resume check failed: resumed {done.resumed} times, record equal to the run left alone: "
                           f"{same} ({folder / 'resume-check'})")  # fmt: skip
    log(f"[rehearse] resume: the improved baseline stopped after update 3, resumed from its checkpoint after update "
        f"{resumed_from}, and ended with the record of the run left alone (4 updates, timings aside)")  # fmt: skip
    return {"network": cell.row, "stopped after update": 3, "resumed from update": resumed_from,
            "resumed": done.resumed, "record equal to the run left alone": same}  # fmt: skip


def _summary_path(results_dir: Path, backend: str) -> Path:
    return Path(results_dir) / "full" / "rehearsal" / f"{backend}.json"


def rehearse(results_dir, runs_dir=RUNS_DIR, data_dir=None, chapters=None, updates: int = 5, force: bool = False,
             log=print) -> dict:  # fmt: skip
    """Rehearse the full profile on this machine and backend (the module's docstring says what);
    returns the summary written to ``<results_dir>/full/rehearsal/<backend>.json``. ``chapters``:
    names of ``CHAPTERS`` (default all); ``updates``: per network, the first traces and the others
    are timed (their median and range give the hours and their range). Networks already measured
    in that summary, on this device and data, are not measured again unless ``force``: an
    interrupted rehearsal goes on where it stopped."""
    if int(updates) < 2:
        raise ValueError(f"updates: expected at least 2 (the first traces), got {updates}")
    chapters = list(CHAPTERS if chapters is None else chapters)
    unknown = sorted(set(chapters) - set(CHAPTERS))
    if unknown:
        raise ValueError(f"chapters {unknown}: expected names among {list(CHAPTERS)}")
    ignore_retracing_warnings()
    backend, device = keras.backend.backend(), device_name()
    path = _summary_path(results_dir, backend)
    folder = path.parent / backend
    runs = Path(runs_dir) / "full-rehearsal" / backend
    started = time.perf_counter()
    P = profiles.get("03_baselines", "full")  # the profile's values, read once: every chapter's below
    memory, wild_values = profiles.get("01_rnn_math", "full"), profiles.get("09_in_the_wild", "full")
    pad = TrainConfig(pad_multiple=None).pad_multiple
    data = _load(P, data_dir, pad, log)
    networks = plan_networks(chapters, data.n_features, data.n_classes, data.frame_step, P, memory)
    old = read_json(path) if path.is_file() and not force else {}
    same_setting = (old.get("format") == SUMMARY_FORMAT and old.get("device") == device
                    and old.get("updates") == updates
                    and old.get("data", {}).get("data") == data.facts["data"])  # fmt: skip
    measured = {n["key"]: n for n in old.get("networks", [])} if same_setting else {}
    summary = _new_summary(backend, device, updates, data, list(measured.values()))
    counted = data.counted
    log(f"[rehearse] {len(networks)} networks of chapters {', '.join(c[:2] for c in chapters)} at the full profile's "
        f"sizes, {updates} updates each (the first traces), on {backend} ({device}); data: {data.name}, batches of "
        f"{data.batch_size} padded to about {data.mean_padded:.0f} steps (the mean update of the full profile); "
        f"costs counted on {counted['train']:,} training, {counted['validation']:,} validation and "
        f"{counted['test']:,} test sequences")  # fmt: skip
    fresh = _measure_networks(P, networks, data, measured, summary, path, runs, updates, log)
    wanted = {n.key for n in networks}
    summary["networks"] = [n for n in measured.values() if n["key"] in wanted]
    if any(n.kind == "training" for n in networks):
        summary["length check"] = check = old.get("length check") if measured else None
        if not check:
            summary["length check"] = check = length_check(P, data, folder, runs, updates)
        log(f"[rehearse] length check: the improved baseline at padded lengths "
            f"{', '.join(map(str, check['padded lengths']))}: "
            f"{', '.join(f'{s:.3f}' for s in check['seconds per update'])} s/update; the mean length lies "
            f"{100 * check['deviation']:+.1f} % from the line through the other two")  # fmt: skip
        summary["resume check"] = resume_check(P, data, folder, runs, log)
    wild = wild_forward_sequences(wild_values) if "09_in_the_wild" in chapters else 0
    summary["chapters"] = chapter_costs(summary["networks"], wild)
    summary["wall seconds"] = round(time.perf_counter() - started, 1)
    summary["networks measured"] = fresh  # in this invocation; the others were kept from an earlier one
    write_json_atomic(path, summary)
    for line in cost_lines(summary):
        log(line)
    largest = max(summary["networks"], key=lambda n: n["peak memory (MiB)"])
    log(f"[rehearse] largest memory: {largest['name']}, {largest['peak memory (MiB)']:.0f} MiB; "
        f"{summary['wall seconds'] / 60:.1f} min; summary: {path}")  # fmt: skip
    return summary


def _new_summary(backend: str, device: str, updates: int, data: _Data, networks: list[dict]) -> dict:
    """A rehearsal summary before its checks and costs: what was measured, where, on what data,
    the full profile's budget on the counted sizes, the assumptions, and the ``networks`` measured."""
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    counted, settings = data.counted, data.settings
    return {"format": SUMMARY_FORMAT, "kind": "full-profile rehearsal", "date": date, "backend": backend,
            "device": device, "environment": describe(), "updates": int(updates), "data": data.facts,
            "full profile": {"batch size": settings["batch_size"], "max epochs": settings["max_epochs"],
                             "updates per epoch": counted["train"] // settings["batch_size"],
                             "eval every": settings["eval_every"], "sequences": counted},
            "assumptions": list(ASSUMPTIONS), "networks": networks}  # fmt: skip


def _measure_networks(P, networks, data: _Data, measured: dict, summary: dict, path: Path, runs: Path, updates: int,
                      log) -> int:  # fmt: skip
    """Measure every network of ``networks`` not in ``measured`` (by key; updated in place), writing
    ``summary`` to ``path`` after each (a rehearsal interrupted keeps what it measured) and logging a
    line per network; returns how many were measured now."""
    folder = path.parent / keras.backend.backend()
    fresh = 0
    for k, net in enumerate(networks, start=1):
        if net.key in measured:
            entry = measured[net.key]
            entry["runs"] = net.runs
        else:
            if net.kind == "memory task":
                entry = _measure_memory_task(net, updates)
            else:
                entry = _measure_training(P, net, data, folder, runs, updates)
            entry = {"key": net.key, "name": net.name, "kind": net.kind, "model": net.model, "train": net.train,
                     "features": net.features, "runs": net.runs, **entry}  # fmt: skip
            measured[net.key] = entry
            fresh += 1
            summary["networks"] = list(measured.values())
            write_json_atomic(path, summary)
        if entry.get("traced again"):
            log(f"[rehearse] warning: {net.name}: its second update took far longer than the next ones; its step "
                "was traced twice (on every padded length of a real run)")  # fmt: skip
        low, high = entry["seconds per update (range)"]
        log(f"[rehearse] {k:>3}/{len(networks)}  {net.chapter[:2]}  {net.name:<64.64} "
            f"{entry['seconds per update']:8.3f} s/update [{low:.3f}, {high:.3f}]  "
            f"trace {entry['trace seconds']:6.1f} s  "
            f"peak {entry['peak memory (MiB)']:7.0f} MiB")  # fmt: skip
    return fresh
