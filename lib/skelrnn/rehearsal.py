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
same run uninterrupted. From the seconds per update it measured, it writes what the full
profile costs per chapter on this device (``<results>/full/rehearsal/<backend>.json``), which
the reproducing and results pages show.

The cost of a chapter counts the runs it plans that no earlier chapter planned (records are
shared: the improved baseline trains once, in chapter 03), each at its full budget of updates
(``max_epochs`` of NTU's training split: an upper bound, early stopping ends most runs sooner),
plus its evaluations; chapter 01 counts its memory-task grid and chapter 09 the forward passes
of its detector sweep. What the rehearsal does not run at full size: the chapters' other cells
(figures, the detector simulation, Viterbi smoothing), which run on the CPU and take minutes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "NTU_TRAIN_SEQUENCES", "REHEARSAL_PROFILE", "CHAPTER_TABLES", "Network", "PeakMemory", "plan_networks",
    "mean_padded_length", "rehearsal_indices", "chapter_costs", "wild_forward_sequences", "rehearse",
    "read_summaries", "cost_lines",
]  # fmt: skip

# NTU RGB+D's cross-subject training split, the samples with a skeleton (40,320 less those the
# release ships without one): what the full profile's updates are counted on, 156 an epoch.
NTU_TRAIN_SEQUENCES = 40_091
REHEARSAL_PROFILE = "full (rehearsal)"
FORMAT = 1

# What each training chapter trains, in the book's order (the notebooks' ``chapter.run`` calls):
# "baseline" is the improved baseline with the baseline seeds (``TrainingChapter.baseline``),
# "aligned 13" chapter 09's model, table 9's aligned 13-joint cell.
CHAPTER_TABLES = {
    "03_baselines": ("baseline", "table 4", "table 5"),
    "04_regularization": ("baseline", "table 6", "table 7"),
    "05_skeleton_transformer": ("baseline", "table 8"),
    "06_skeleton_motion": ("baseline", "motion"),
    "07_inattention": ("baseline", "table 11", "table 12"),
    "08_pose_alignment": ("baseline", "table 9"),
    "09_in_the_wild": ("aligned 13",),
}
CHAPTERS = ("01_rnn_math", "02_data", *CHAPTER_TABLES)


@dataclass
class Network:
    """One network the full profile trains: ``model`` (``models.ModelConfig`` fields, or for the
    memory task ``cell`` and ``length``), ``train`` (``train.TrainConfig`` changes of its cell),
    ``features`` (``dataset.featurise_splits`` arguments), a name for people, and ``runs``: per
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
    """``[(cell, seeds_kind)]`` of a training chapter: ``seeds_kind`` "baseline" or "cells"."""
    from skelrnn import tables

    out = []
    for table in CHAPTER_TABLES[chapter]:
        if table == "baseline":
            out.append((tables.improved_baseline_cell(), "baseline"))
        elif table == "aligned 13":
            aligned = {"joints": 13, "preprocessing": "pose_alignment"}
            out.append((next(c for c in tables.TABLES["table 9"] if c.features == aligned), "cells"))
        else:
            cells = tables.table_12(frame_step) if table == "table 12" else tables.TABLES[table]
            out += [(c, "cells") for c in cells]
    return out


def plan_networks(chapters, n_features, n_classes: int, frame_step: int = 1) -> list[Network]:
    """The distinct networks of ``chapters`` (names of ``CHAPTERS``), in the book's order, with the
    runs each chapter adds. ``n_features(features)``: the input width for a cell's ``features``;
    the full profile's seeds (its ``claim_seeds`` and ``seeds`` agree)."""
    from skelrnn import memory_task, profiles, sweep

    P = profiles.get("baselines", "full")
    cell_seeds = sorted(set(P.seeds) | set(P.claim_seeds))
    networks: dict[str, Network] = {}
    planned: set = set()  # (network key, seed): runs an earlier chapter plans
    for chapter in CHAPTERS:
        if chapter not in chapters:
            continue
        if chapter == "01_rnn_math":
            full = profiles.get("rnn_math", "full")
            for length in full.memory_lengths:
                for cell in memory_task.CELLS:
                    net = Network("memory task", f"memory task: {cell.upper()}, T = {length}",
                                  {"cell": cell, "length": int(length), **full.memory})  # fmt: skip
                    net.runs[chapter] = int(full.n_seeds)
                    networks[net.key] = net
            continue
        if chapter not in CHAPTER_TABLES:
            continue  # chapter 02 trains no network
        for cell, kind in _cells_of(chapter, frame_step):
            model = sweep.model_spec(P.baseline_model, n_features(cell.features), n_classes, cell.model).to_dict()
            net = Network("training", f"{cell.table}: {cell.row}, {cell.column}", model, dict(cell.train),
                          dict(cell.features))  # fmt: skip
            net = networks.setdefault(net.key, net)
            seeds = P.baseline_seeds if kind == "baseline" else cell_seeds
            new = [s for s in seeds if (net.key, s) not in planned]
            planned.update((net.key, s) for s in seeds)
            net.runs[chapter] = net.runs.get(chapter, 0) + len(new)
    return list(networks.values())


def mean_padded_length(lengths, batch_size: int, multiple: int, seed: int = 0) -> float:
    """The mean padded length of an update when ``lengths`` (time steps) are batched by length
    (``dataset.bucket_batches``, full batches only, lengths rounded up to ``multiple``)."""
    from skelrnn.dataset import bucket_batches

    lengths = np.asarray(lengths)
    batches = [b for b in bucket_batches(lengths, batch_size, np.random.default_rng(seed)) if len(b) == batch_size]
    if not batches:
        raise ValueError(f"mean_padded_length: fewer than {batch_size} sequences ({len(lengths)})")
    return float(np.mean([-(-int(lengths[b].max()) // multiple) * multiple for b in batches]))


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
    from skelrnn import smoothing

    P = profile_values
    points = sum(len(getattr(P, k)) for k in ("flip_rates", "scale_drifts", "flip_depths", "flip_gains"))
    methods = len(smoothing.METHODS)
    return P.sweep_sequences * (points * methods + len(P.claim_seeds) * (1 + methods))


class PeakMemory:
    """The peak memory of a block (``with PeakMemory() as peak: ...``, then ``peak.mib`` and
    ``peak.added_mib``): on a GPU the backend allocator's bytes in use, else this process's
    resident set; sampled every ``interval`` seconds by a thread (and at both ends)."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self._read = _memory_reader()
        self.start = self.peak = 0

    def __enter__(self):
        self.start = self.peak = self._read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._read())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._read())
        return False

    @property
    def mib(self) -> float:
        return self.peak / 2**20

    @property
    def added_mib(self) -> float:
        return (self.peak - self.start) / 2**20


def _memory_reader():
    """A function returning bytes in use: the GPU's (JAX, torch, TensorFlow) if the backend has one,
    else the resident set of this process (Linux's /proc, else the peak from ``resource``)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpu = next((d for d in jax.devices() if d.platform == "gpu"), None)
        if gpu is not None:
            return lambda: int(gpu.memory_stats().get("bytes_in_use", 0))
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.memory_allocated
    elif backend == "tensorflow":
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            return lambda: int(tf.config.experimental.get_memory_info("GPU:0")["current"])
    if Path("/proc/self/statm").is_file():
        page = os.sysconf("SC_PAGE_SIZE")
        return lambda: int(Path("/proc/self/statm").read_text().split()[1]) * page
    import resource

    return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def device_name() -> str:
    """The device the backend computes on, for people: the GPU's name, else the CPU's model and cores."""
    from skelrnn.backend import describe

    device = describe()["device"]
    if device != "CPU":
        return device
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                      if ln.startswith("model name")), "")  # fmt: skip
    return f"CPU ({model + ', ' if model else ''}{os.cpu_count()} cores)"


def _steady(times: list[tuple[float, int]]) -> tuple[float, float, int]:
    """``(seconds per update, trace seconds, padded length)`` from the updates' ``(seconds, length)``:
    the median of every update after the first (same batch, nothing traced), and what the first
    took beyond it."""
    if len(times) < 2:
        raise ValueError("the rehearsal needs at least 2 updates: the first traces, the others are timed")
    per_update = float(np.median([s for s, _ in times[1:]]))
    return per_update, max(0.0, times[0][0] - per_update), int(times[1][1])


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
    import keras

    from skelrnn import memory_task
    from skelrnn.backend import set_seed

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
    per_update, trace, padded = _steady(times)
    per_run = -(-cfg.n_train // cfg.batch_size) * cfg.epochs
    return {"seconds per update": per_update, "trace seconds": trace, "padded length": padded,
            "batch size": cfg.batch_size, "evaluation seconds per sequence": evaluation / cfg.batch_size,
            "updates per run": per_run, "evaluated sequences per run": cfg.n_test,
            "peak memory (MiB)": peak.mib, "memory added (MiB)": peak.added_mib,
            "traced again": traced_again(times, keras.backend.backend())}  # fmt: skip


class _Interrupt(Exception):
    """Raised by the rehearsal's update hook to stop a run as a kill would."""


@dataclass
class _Data:
    """The full profile's data as the rehearsal uses it (``_load``)."""

    name: str
    n_classes: int
    data: object  # dataset.SkeletonSet
    chosen: dict  # the rehearsal's samples per split (rehearsal_indices)
    frame_step: int
    batch_size: int
    mean_padded: float
    train_sequences: int  # what the full profile's updates are counted on
    sizes: dict  # sequences of each split of the data
    facts: dict  # for the summary
    _splits: dict = field(default_factory=dict)

    def splits_for(self, features: dict) -> dict:
        """``{part: (features, labels)}`` of the rehearsal's samples with the inputs ``features``, made once."""
        from skelrnn import dataset

        key = json.dumps(features, sort_keys=True)
        if key not in self._splits:
            self._splits[key] = dataset.featurise_splits(self.data, self.chosen, self.frame_step, **features)
        return self._splits[key]

    def n_features(self, features: dict) -> int:
        return self.splits_for(features)["train"][0][0].shape[1]


def _load(data_dir, pad_multiple: int, log) -> _Data:
    from skelrnn import dataset, profiles

    P = profiles.get("baselines", "full")
    notes = []
    data = dataset.load_or_generate(data_dir, P.synthetic, log=notes.append)
    indices, step = dataset.choose_splits(data, "cross_subject", max_train=P.max_train, max_eval=P.max_eval,
                                          seed=P.data_seed, fps=P.fps, steps=P.steps, log=notes.append)  # fmt: skip
    for note in notes:
        log(note)
    steps = -(-data.lengths // step)  # time steps of every sample at the profile's frame step
    batch = min(P.train["batch_size"], len(indices["train"]))
    target = mean_padded_length(steps[indices["train"]], batch, pad_multiple)
    chosen = rehearsal_indices(indices, steps, target, batch, P.data_seed)
    sizes = {part: len(idx) for part, idx in indices.items()}
    on_ntu = data_dir is not None
    train_sequences = sizes["train"] if on_ntu else NTU_TRAIN_SEQUENCES
    name = str(Path(data_dir).name) if on_ntu else "the embedded data (NTU RGB+D's sizes: 40,091 training sequences)"
    facts = {"data": name, "frame step": int(step), "training sequences counted": int(train_sequences),
             "data's split sizes": sizes, "mean padded length (steps)": round(target, 2),
             "rehearsal sequences": {p: len(i) for p, i in chosen.items()}}  # fmt: skip
    return _Data(name, len(data.actions), data, chosen, int(step), batch, target, train_sequences, sizes, facts)


def _train_settings(cell_train: dict, batch: int, updates: int, eval_every: int | None = None) -> dict:
    """The full profile's training settings for a cell, cut to ``updates`` updates and one evaluation."""
    from skelrnn import profiles, train

    P = profiles.get("baselines", "full")
    values = {**P.train, **cell_train, "batch_size": batch, "max_updates": updates, "eval_every": eval_every or updates}
    return train.TrainConfig(**values).to_dict()


def _measure_training(net: Network, data: _Data, folder: Path, runs_dir: Path, updates: int) -> dict:
    """Train ``net`` for ``updates`` updates and one evaluation with ``train.train_run`` (a record
    under ``folder``), timing each update, then time a second, traced, evaluation pass."""
    import keras

    from skelrnn import models, sweep, train

    splits = data.splits_for(net.features)
    config = models.ModelConfig(**net.model)
    cfg = train.TrainConfig(**_train_settings(net.train, data.batch_size, updates))
    key = sweep.run_key(config.to_dict(), cfg.to_dict(), 0, "rehearsal")
    record_path, run_dir = folder / f"{key}.json", runs_dir / key
    record_path.unlink(missing_ok=True)  # a rehearsal measures again
    _remove_tree(run_dir)
    pool, times = train.ModelPool(1), []
    with PeakMemory() as peak:
        record = train.train_run(
            config, cfg, splits, run_dir, record_path, seed=0, profile=REHEARSAL_PROFILE,
            dataset_name=_dataset_name(data, net.features), log=lambda line: None, checkpoint_seconds=0, pool=pool,
            place={"executor": "rehearsal", "node": sweep.this_node()},
            update_hook=lambda update, seconds, length: times.append((seconds, length)),
        )  # fmt: skip
        _model, scoring = pool.get(config, cfg)  # the traced scoring step, weights reset: timing only
        start = time.perf_counter()
        train.evaluate(scoring, *splits["validation"], cfg.batch_size, cfg.pad_multiple)
        evaluation = time.perf_counter() - start
    per_update, trace, padded = _steady(times)
    if record.updates != updates:
        raise RuntimeError(f"{net.name}: the rehearsal run made {record.updates} updates, not {updates}")
    # The full profile's run of this network on NTU's sizes: its budget of updates, an evaluation of
    # the validation split every eval_every updates and one of the test split.
    full = train.TrainConfig(**{**cfg.to_dict(), "max_updates": None, "eval_every": _full_eval_every()})
    full_budget = train.update_budget(full, data.train_sequences // cfg.batch_size)
    evaluations = -(-full_budget // full.eval_every)
    val_share = data.sizes["validation"] / data.sizes["train"]
    test_share = data.sizes["test"] / data.sizes["train"]
    evaluated = round(data.train_sequences * (val_share * evaluations + test_share))
    n_val = len(splits["validation"][1])
    return {"seconds per update": per_update * data.mean_padded / padded, "seconds per update (measured)": per_update,
            "trace seconds": trace, "padded length": padded, "batch size": cfg.batch_size,
            "evaluation seconds per sequence": evaluation / n_val, "updates per run": full_budget,
            "evaluated sequences per run": evaluated, "peak memory (MiB)": peak.mib,
            "memory added (MiB)": peak.added_mib, "record": record_path.name,
            "traced again": traced_again(times, keras.backend.backend())}  # fmt: skip


def _full_eval_every() -> int:
    from skelrnn import profiles

    return int(profiles.get("baselines", "full").train["eval_every"])


def _dataset_name(data: _Data, features: dict) -> str:
    extra = ", ".join(f"{k} {v}" for k, v in sorted(features.items()))
    return f"{data.name}, rehearsal sequences" + (f" ({extra})" if extra else "")


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def resume_check(data: _Data, folder: Path, runs_dir: Path, log=print) -> dict:
    """The improved baseline for 4 updates with a checkpoint at every evaluation (every 2 updates),
    stopped by an exception after update 3 and started again: the run must resume from update 2
    and end with the record of the same run left alone (timings aside), else ``RuntimeError``."""
    from skelrnn import profiles, results, sweep, tables, train

    cell = tables.improved_baseline_cell()
    splits = data.splits_for(cell.features)
    P = profiles.get("baselines", "full")
    config = sweep.model_spec(P.baseline_model, data.n_features(cell.features), data.n_classes)
    cfg = train.TrainConfig(**_train_settings(cell.train, data.batch_size, 4, eval_every=2))
    name = _dataset_name(data, cell.features)
    out = {}
    for label in ("left alone", "interrupted"):
        record_path, run_dir = folder / "resume-check" / f"{label.replace(' ', '-')}.json", runs_dir / "resume-check"
        record_path.unlink(missing_ok=True)
        _remove_tree(run_dir / label)
        run = dict(seed=0, profile=REHEARSAL_PROFILE, dataset_name=name, log=lambda line: None, checkpoint_seconds=0,
                   place={"executor": "rehearsal", "node": sweep.this_node()})  # fmt: skip

        def stop_after_3(update, _seconds, _length):
            if update == 3:
                raise _Interrupt

        if label == "interrupted":
            try:
                train.train_run(config, cfg, splits, run_dir / label, record_path, update_hook=stop_after_3, **run)
            except _Interrupt:
                pass
            else:
                raise RuntimeError("the interrupted run was not interrupted")
            if record_path.is_file():
                raise RuntimeError(f"{record_path}: a record was written by a run stopped after update 3")
        out[label] = train.train_run(config, cfg, splits, run_dir / label, record_path, **run)
    done, alone = out["interrupted"], out["left alone"]
    same = results.outcome(done.to_dict()) == results.outcome(alone.to_dict())
    resumed_from = max((h["update"] for h in done.history if h["update"] < 3), default=None)
    if done.resumed != 1 or not same:
        raise RuntimeError(f"resume check failed: resumed {done.resumed} times, record equal to the run left alone: "
                           f"{same} ({folder / 'resume-check'})")  # fmt: skip
    log(f"[rehearse] resume: the improved baseline stopped after update 3, resumed from its checkpoint after update "
        f"{resumed_from}, and ended with the record of the run left alone (4 updates, timings aside)")  # fmt: skip
    return {"network": cell.row, "stopped after update": 3, "resumed from update": resumed_from,
            "resumed": done.resumed, "record equal to the run left alone": same}  # fmt: skip


def chapter_costs(networks: list[dict], wild_sequences: int = 0) -> dict:
    """Hours of the full profile per chapter from the rehearsal's ``networks`` (summary entries:
    ``runs`` per chapter, ``seconds per update``, ``updates per run``, ``evaluation seconds per
    sequence``, ``evaluated sequences per run``): each run at its full budget of updates plus its
    evaluations. Chapter 09 adds ``wild_sequences`` forward passes of its model."""
    costs: dict[str, dict] = {}
    for net in networks:
        per_run = (net["seconds per update"] * net["updates per run"]
                   + net["evaluation seconds per sequence"] * net["evaluated sequences per run"])  # fmt: skip
        for chapter, runs in net["runs"].items():
            cost = costs.setdefault(chapter, {"networks": 0, "runs": 0, "hours": 0.0})
            cost["networks"] += runs > 0
            cost["runs"] += runs
            cost["hours"] += runs * per_run / 3600
            if chapter == "09_in_the_wild":
                cost["hours"] += wild_sequences * net["evaluation seconds per sequence"] / 3600
    return dict(sorted(costs.items()))


def _summary_path(results_dir: Path, backend: str) -> Path:
    return Path(results_dir) / "full" / "rehearsal" / f"{backend}.json"


def rehearse(results_dir, runs_dir="_build/runs", data_dir=None, chapters=None, updates: int = 3, force: bool = False,
             log=print) -> dict:  # fmt: skip
    """Rehearse the full profile on this machine and backend (the module's docstring says what);
    returns the summary written to ``<results_dir>/full/rehearsal/<backend>.json``. ``chapters``:
    names of ``CHAPTERS`` (default all). Networks already measured in that summary, on this
    device, are not measured again unless ``force``: an interrupted rehearsal goes on where it
    stopped."""
    import keras

    from skelrnn import profiles, train
    from skelrnn.backend import describe, ignore_retracing_warnings
    from skelrnn.io import read_json, write_json_atomic

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
    pad = train.TrainConfig(pad_multiple=None).pad_multiple
    data = _load(data_dir, pad, log)
    networks = plan_networks(chapters, data.n_features, data.n_classes, data.frame_step)
    old = read_json(path) if path.is_file() and not force else {}
    same_setting = old.get("device") == device and old.get("data", {}).get("data") == data.facts["data"]
    measured = {n["key"]: n for n in old.get("networks", [])} if same_setting else {}
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    summary = {"format": FORMAT, "kind": "full-profile rehearsal", "date": date, "backend": backend, "device": device,
               "environment": describe(), "updates": int(updates), "data": data.facts,
               "full profile": {"batch size": data.batch_size, "max epochs": profiles.get("baselines", "full").train[
                   "max_epochs"], "updates per epoch": data.train_sequences // data.batch_size},
               "networks": [n for n in measured.values()]}  # fmt: skip
    log(f"[rehearse] {len(networks)} networks of chapters {', '.join(c[:2] for c in chapters)} at the full profile's "
        f"sizes, {updates} updates each, on {backend} ({device}); data: {data.name}, batches of {data.batch_size} "
        f"padded to {data.mean_padded:.0f} steps (the mean update of the full profile)")  # fmt: skip
    fresh = 0
    for k, net in enumerate(networks, start=1):
        if net.key in measured:
            entry = measured[net.key]
            entry["runs"] = net.runs
        else:
            if net.kind == "memory task":
                entry = _measure_memory_task(net, updates)
            else:
                entry = _measure_training(net, data, folder, runs, updates)
            entry = {"key": net.key, "name": net.name, "kind": net.kind, "model": net.model, "train": net.train,
                     "features": net.features, "runs": net.runs, **entry}  # fmt: skip
            measured[net.key] = entry
            fresh += 1
            summary["networks"] = list(measured.values())
            write_json_atomic(path, summary)  # a rehearsal interrupted keeps what it measured
        if entry.get("traced again"):
            log(f"[rehearse] warning: {net.name}: its second update took far longer than the next ones; its step "
                "was traced twice (on every padded length of a real run)")  # fmt: skip
        log(f"[rehearse] {k:>3}/{len(networks)}  {net.chapter[:2]}  {net.name:<70.70} "
            f"{entry['seconds per update']:8.3f} s/update  trace {entry['trace seconds']:6.1f} s  "
            f"peak {entry['peak memory (MiB)']:7.0f} MiB")  # fmt: skip
    wanted = {n.key for n in networks}
    summary["networks"] = [n for n in measured.values() if n["key"] in wanted]
    if any(n.kind == "training" for n in networks):
        summary["resume check"] = resume_check(data, folder, runs, log)
    wild = wild_forward_sequences(profiles.get("in_the_wild", "full")) if "09_in_the_wild" in chapters else 0
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


def read_summaries(*folders) -> list[dict]:
    """The rehearsal summaries (``<folder>/full/rehearsal/<backend>.json``) of the first of ``folders``
    (results folders) that has any, one per backend."""
    for folder in folders:
        paths = sorted((Path(folder) / "full" / "rehearsal").glob("*.json"))
        if paths:
            from skelrnn.io import read_json

            return [read_json(p) for p in paths]
    return []


def cost_lines(*summaries) -> list[str]:
    """A Markdown table of the full profile's hours per chapter, one column per summary (backend and
    device named in the header)."""
    if not summaries:
        return []
    chapters = sorted({c for s in summaries for c in s.get("chapters", {})})
    head = " | ".join(f"hours, {s['backend']} on {s['device']}" for s in summaries)
    lines = [f"| chapter | networks | runs | {head} |", "|---|---:|---:|" + "---:|" * len(summaries)]
    for chapter in chapters:
        first = next(s["chapters"][chapter] for s in summaries if chapter in s.get("chapters", {}))
        hours = " | ".join(_hours(s["chapters"][chapter]["hours"]) if chapter in s.get("chapters", {}) else "–"
                           for s in summaries)  # fmt: skip
        lines.append(f"| {chapter} | {first['networks']} | {first['runs']} | {hours} |")
    total = " | ".join(f"**{_hours(sum(c['hours'] for c in s.get('chapters', {}).values()))}**" for s in summaries)
    lines.append(f"| all | | | {total} |")
    return lines


def _hours(hours: float) -> str:
    """Hours as the cost table prints them: one decimal, two below one hour (chapter 09's minutes)."""
    return f"{hours:,.1f}" if hours >= 1 else f"{hours:.2f}"
