"""The quick profile on a small folder: the engine against a plain Keras script on the same split.

    .venv/bin/python benchmarks/small_dataset.py [--seeds 3] [--data-dir FOLDER] [--out RECORD.json]

The folder is ``generator.write_small_folder``, shaped like a small real Kinect dataset: 560
sequences of NTU's first 20 actions, one camera at 15 fps, 13 to 76 frames, a cross-subject
split of 7 and 7 subjects (200 training, 80 validation and 280 test sequences); ``--data-dir``
points it at a reader's folder instead.

* **engine**: ``chapters.TrainingChapter("03_baselines", profile="quick", ...)`` pointed at the folder, as
  a user would run the chapter: the quick profile fitted to the data (frames, batch, evaluation
  interval), the improved baseline (3 GRU layers, dropout, L2, early stopping).
* **what more would buy**: the same set-up with one thing changed at a time, to measure what the
  profile leaves on the table: frames thinned to 10 fps (the quick profile before this
  benchmark), the thesis's widths (3 x 100, not 3 x 50), an update budget four times larger
  (early stopping decides before it is spent), and the last two together.
* **reference**: written here, with nothing from ``skelrnn.training.engine``: the same features, every
  frame, padded to the longest sequence, a Keras model of 3 GRU layers of 100 units (the thesis's
  improved baseline without its regularisation: masking, last step, softmax), Adam at 1e-3,
  batches of 32, ``EarlyStopping(patience=20, restore_best_weights=True)`` on the validation
  loss, at most 300 epochs.

Goal (issue 25): the engine's mean (quick profile) within 3 points of the reference's mean, or above.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

import numpy as np

from skelrnn.core.backend import describe, set_seed
from skelrnn.core.io import write_json_atomic
from skelrnn.data.batches import pad_sequences
from skelrnn.data.splits import featurise_splits, frame_step_for
from skelrnn.data.synthetic import generator
from skelrnn.experiments import chapters, thesis_tables
from skelrnn.runs import planning
from skelrnn.training import engine
from skelrnn.training.settings import TrainConfig


def reference_accuracy(splits: dict, n_classes: int, seed: int) -> tuple[float, int]:
    """Test accuracy and epochs of the plain Keras script."""
    import keras

    set_seed(seed)
    (xt, yt), (xv, yv), (xs, ys) = (splits[p] for p in ("train", "validation", "test"))
    longest = max(len(f) for part in (xt, xv, xs) for f in part)
    pad = [pad_sequences(part, length=longest)[0] for part in (xt, xv, xs)]
    model = keras.Sequential([
        keras.Input((None, pad[0].shape[2])), keras.layers.Masking(0.0),
        keras.layers.GRU(100, return_sequences=True), keras.layers.GRU(100, return_sequences=True),
        keras.layers.GRU(100), keras.layers.Dense(n_classes, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True)
    history = model.fit(pad[0], yt, batch_size=32, epochs=300, validation_data=(pad[1], yv), callbacks=[stop],
                        verbose=0)  # fmt: skip
    accuracy = float(np.mean(np.argmax(model.predict(pad[2], verbose=0), axis=1) == ys))
    return accuracy, len(history.history["loss"])


def variant(chapter, seeds, folder: Path, frame_step=None, width_scale=None, update_factor=1) -> dict:
    """The improved baseline of ``chapter`` trained with one set-up value changed: ``frame_step``,
    ``width_scale``, or the update budget times ``update_factor``; accuracies, updates, seconds."""
    step = chapter.frame_step if frame_step is None else frame_step
    splits = featurise_splits(chapter.data, chapter.indices, step)
    width = chapter.width_scale if width_scale is None else width_scale
    spec = planning.model_spec(chapter.P.baseline_model, splits["train"][0][0].shape[1], chapter.n_classes, None, width)
    settings = {**chapter.train_settings, "max_updates": update_factor * chapter.train_settings["max_updates"]}
    start, runs = time.perf_counter(), []
    for seed in seeds:
        runs.append(engine.train_run(spec, TrainConfig(**settings), splits, folder / f"run-{seed}",
                                    folder / f"record-{seed}.json", seed=seed, log=lambda line: None))  # fmt: skip
    accuracy = [100 * r.test_accuracy for r in runs]
    return {
        "frame_step": step, "units": spec.units, "max_updates": settings["max_updates"],
        "test_accuracy": accuracy, "mean": float(np.mean(accuracy)), "updates": [r.updates for r in runs],
        "stopped": [r.stopped for r in runs], "seconds": time.perf_counter() - start,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None, help="a folder of .skeleton files (default: generated)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "small_dataset.json")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    with tempfile.TemporaryDirectory(prefix="skelrnn-small-") as tmp:
        tmp = Path(tmp)
        folder = args.data_dir or tmp / "small"
        files = generator.write_small_folder(folder) if args.data_dir is None else len(list(folder.glob("*.skeleton")))
        chapter = chapters.TrainingChapter("03_baselines", profile="quick", results_dir=tmp / "results",
                                           data_dir=folder, runs_dir=tmp / "runs")  # fmt: skip
        sizes = {part: len(y) for part, (_x, y) in chapter.splits.items()}
        lengths = [len(f) for f in chapter.splits["train"][0]]
        start = time.perf_counter()
        runs = chapter.run([thesis_tables.improved_baseline_cell()], seeds=seeds, log=print)
        engine_seconds = time.perf_counter() - start
        engine = [100 * r.test_accuracy for _c, _s, r in runs]
        ten_fps = frame_step_for(chapter.data.lengths[chapter.indices["train"]], chapter.data.fps, 10)
        variants = {
            "frames thinned to 10 fps (the quick profile before)": {"frame_step": ten_fps},
            "the thesis's widths": {"width_scale": 1.0},
            "4 x the update budget": {"update_factor": 4},
            "the thesis's widths and 4 x the update budget": {"width_scale": 1.0, "update_factor": 4},
        }
        measured = {}
        for name, change in variants.items():
            measured[name] = variant(chapter, seeds, tmp / f"variant-{len(measured)}", **change)
            print(f"{name}: {measured[name]['mean']:.1f} % ({measured[name]['seconds']:.0f} s)", flush=True)
        every_frame = featurise_splits(chapter.data, chapter.indices, 1)
        start = time.perf_counter()
        reference = [reference_accuracy(every_frame, chapter.n_classes, seed) for seed in seeds]
        reference_seconds = time.perf_counter() - start
    ref = [100 * a for a, _epochs in reference]
    train_frames = chapter.data.lengths[chapter.indices["train"]]
    record = {
        "benchmark": "quick profile on a small folder: engine vs a plain Keras GRU script",
        "folder": {
            "source": str(args.data_dir) if args.data_dir else "generator.write_small_folder",
            "files": files,
            "fps": chapter.data.fps,
            "classes": chapter.n_classes,
            "split_sizes": sizes,
            "frames_of_training_sequences": [int(train_frames.min()), int(train_frames.max())],
            "engine_mean_length_steps": float(np.mean(lengths)),
        },  # fmt: skip
        "set_up_notes": chapter.notes,
        "engine": {
            "test_accuracy": engine,
            "mean": float(np.mean(engine)),
            "min": min(engine),
            "max": max(engine),
            "updates": [r.updates for _c, _s, r in runs],
            "stopped": [r.stopped for _c, _s, r in runs],
            "seconds": engine_seconds,
            "frame_step": chapter.frame_step,
            "units": chapter.model_config().units,
            "settings": chapter.train_settings,
        },  # fmt: skip
        "what_more_would_buy": measured,
        "reference": {
            "test_accuracy": ref,
            "mean": float(np.mean(ref)),
            "min": min(ref),
            "max": max(ref),
            "epochs": [e for _a, e in reference],
            "seconds": reference_seconds,
        },  # fmt: skip
        "goal": "engine mean within 3 points of the reference's mean, or above",
        "goal_met": bool(np.mean(engine) >= np.mean(ref) - 3),
        "environment": describe(),
        "date": datetime.date.today().isoformat(),
    }
    write_json_atomic(args.out, record)
    print(f"engine (quick profile): {record['engine']['mean']:.1f} % [{min(engine):.1f}, {max(engine):.1f}]")
    print(f"reference (plain Keras): {record['reference']['mean']:.1f} % [{min(ref):.1f}, {max(ref):.1f}]")
    print(f"goal met: {record['goal_met']}; record: {args.out}")


if __name__ == "__main__":
    main()
