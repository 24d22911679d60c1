"""Profiles: the one place where a chapter's sizes are set (papermill parameter ``profile``).

A profile is a set of values, never a code path: every cell of every chapter runs in every
profile. ``smoke`` is for tests (seconds), ``quick`` is the default book on a 2-core CPU with
the embedded data (minutes), ``full`` follows the thesis's settings and is meant for a GPU.
"""

from __future__ import annotations

from types import SimpleNamespace

from skelrnn.data.ntu.protocols import NTU_FPS
from skelrnn.experiments import chapter_map

__all__ = ["PROFILES", "CHAPTERS", "check_profile", "get"]

PROFILES = ("smoke", "quick", "full")

_GALLERY = (1, 3, 28, 11, 30, 14, 15, 58)
# The quick training chapters learn NTU's first twenty actions: they hold NTU's confusable
# groups in small (drink water, eat, brush teeth, brush hair at the head; drop, pick up, throw;
# sit down / stand up; clapping, reading, writing, tearing paper at the chest; the wear / take
# off pairs as time reversals), so that 2 cores can train every table at 10 fps with 3 seeds.
_QUICK_ACTIONS = tuple(range(1, 21))

CHAPTERS: dict[str, dict[str, dict]] = {
    # notebooks/01_rnn_math.md
    "rnn_math": {
        "smoke": {
            "check_shape": (4, 12, 6, 8),  # (N, T, D, H) of the NumPy-vs-Keras check
            "probe_shape": (32, 60, 75, 100),  # (N, T, D, H): 25 joints x 3 coordinates, 100 units
            "memory_lengths": (10, 40),
            "memory": {"units": 16, "n_train": 256, "n_test": 128, "epochs": 2},
            "n_seeds": 1,
            "workers": 1,  # memory-task runs side by side (seconds here: not worth two processes)
        },
        "quick": {
            "check_shape": (8, 30, 6, 16),
            "probe_shape": (64, 100, 75, 100),
            "memory_lengths": (10, 25, 50, 75),
            "memory": {"units": 32, "n_train": 1024, "n_test": 256, "epochs": 20},
            "n_seeds": 2,
            "workers": 2,  # two small networks keep both cores busy
        },
        "full": {
            "check_shape": (32, 100, 75, 100),
            "probe_shape": (256, 300, 75, 100),
            "memory_lengths": (10, 25, 50, 75, 100, 150, 200),
            "memory": {"units": 100, "n_train": 8192, "n_test": 2048, "epochs": 60},
            "n_seeds": 5,
            "workers": 1,  # one GPU
        },
    },
    # notebooks/02_data.md: overrides of synthetic.SyntheticConfig (used when data_dir is None)
    "data": {
        "smoke": {
            "synthetic": {"actions": (8, 9, 23, 43)},
            "gallery": (8, 9, 23, 43),  # actions shown in the 3D viewer
            "gallery_stride": 4,  # keep every 4th frame in the viewer
            "batch_size": 32,  # for the padding comparison (the thesis trains with 256)
        },
        # The viewer shows two confusable groups (hand to head; hands at the chest), a wear / take
        # off pair and an interaction.
        "quick": {"synthetic": {}, "gallery": _GALLERY, "gallery_stride": 3, "batch_size": 256},
        "full": {"synthetic": {}, "gallery": _GALLERY, "gallery_stride": 2, "batch_size": 256},
    },
}

# notebooks/03_baselines.md and 04_regularization.md train the same improved baseline
# (thesis 3.1.2) on the same data; only the cells of their tables differ.
_IMPROVED_BASELINE = {"cell": "gru", "units": 100, "layers": 3, "bidirectional": False, "keep_prob": 0.5, "l2": 1e-4}
_TRAINING = {
    "smoke": {
        "synthetic": {"actions": (8, 9, 23, 43)},
        "dataset_name": "synthetic (smoke)",
        "max_train": 64,  # sequences, drawn at random with data_seed
        "max_eval": 64,
        # Frames: at most `fps` per second and `steps` time steps per pass over the training split
        # (splits.frame_step_for): a small folder keeps its frames, a large one is thinned. On the
        # embedded data both budgets below keep 1 frame in 10.
        "fps": None,
        "steps": 540,
        "data_seed": 0,
        "baseline_model": _IMPROVED_BASELINE,
        # eval_every counts updates (thesis: 500), patience counts evaluations; the chapter set-up
        # caps the batch at the training split and lowers eval_every until the run's budget of
        # max_epochs holds min_evaluations evaluations (chapters.fit_training_to_data).
        "train": {
            "batch_size": 32,
            "max_epochs": 2,
            "eval_every": 500,
            "patience": 1,
            "min_learning_rate": 5e-5,
            "pad_multiple": None,  # the backend's (backend.default_pad_multiple)
        },  # fmt: skip
        "min_evaluations": 2,
        "seeds": (0,),  # seeds of every cell
        "claim_seeds": (0,),  # seeds of the cells that a thesis claim compares
        "baseline_seeds": (0, 1),  # seeds of the improved baseline (its spread)
        "width_scale": 0.25,  # times every network's units (planning.scaled_units): seconds, not accuracy
        "workers": 2,  # training processes side by side (local.LocalProcesses)
    },
    "quick": {
        "synthetic": {"actions": _QUICK_ACTIONS},
        "dataset_name": "synthetic (actions 1-20)",
        "max_train": 360,  # 18 sequences an action, from the 20 training subjects
        "max_eval": 300,
        # Frames: at most 10,800 time steps a pass over the training split (360 sequences of 30
        # steps). The embedded data keeps 1 frame in 3 (10 fps, 28.6 steps on average, enough
        # for time order to matter); a small folder keeps every frame (200 training sequences at
        # 15 fps: 71.4 % against 67.7 % at 7.5 fps, benchmarks/results/small_dataset.json).
        "fps": None,
        "steps": 10_800,
        "data_seed": 0,
        "baseline_model": _IMPROVED_BASELINE,
        # A budget of updates, not epochs: 240 updates of 32 sequences cost about the same on any
        # folder (22 epochs of the 360 sequences here, 40 of a folder of 200). Runs spend it before
        # early stopping decides: on the small folder of the benchmark, a budget four times larger
        # lets it decide and adds 0.6 points (72.0 %), the thesis's widths 1.9 (73.3 %), both 5.1
        # (76.5 %), for 72, 77 and 90 s where three seeds at 10 fps took 38 s; the tables' 800-unit
        # cells rule the widths out on 2 cores. With 360 sequences the thesis's batch of 256 would
        # give 1 update an epoch.
        "train": {
            "batch_size": 32,
            "max_epochs": 100,
            "max_updates": 240,
            "eval_every": 500,
            "patience": 2,
            "min_learning_rate": 5e-5,
            "pad_multiple": None,
        },  # fmt: skip
        "min_evaluations": 10,  # an evaluation every 24 updates
        "seeds": (0,),
        "claim_seeds": (0, 1, 2),  # every cell that a claim compares has a spread
        "baseline_seeds": (0, 1, 2),
        # Half the thesis's widths (800 units train 400, the improved baseline 3 x 50): the wide
        # cells of table 4 are most of the chapters' cost (benchmarks/results/cell_costs.json).
        "width_scale": 0.5,
        "workers": 2,
    },
    "full": {
        "synthetic": {},
        "dataset_name": "NTU RGB+D or synthetic (data_dir)",
        "max_train": None,
        "max_eval": None,
        "fps": NTU_FPS,  # every frame of NTU
        "steps": None,
        "data_seed": 0,
        "baseline_model": _IMPROVED_BASELINE,
        "train": {
            "batch_size": 256,
            "max_epochs": 100,
            "eval_every": 500,
            "patience": 5,
            "min_learning_rate": 5e-6,
            "pad_multiple": None,
        },  # fmt: skip
        # NTU (protocols.ntu_protocol_sizes): 124 updates an epoch, 12,400 in 100 epochs, so the thesis's
        # evaluation every 500 updates is kept
        "min_evaluations": 20,
        "seeds": (0, 1, 2),
        "claim_seeds": (0, 1, 2),
        "baseline_seeds": (0, 1, 2, 3, 4),
        "width_scale": 1.0,
        "workers": 1,  # one GPU
    },
}
# Every training chapter (03-07) trains on the same data with the same budget, so the improved
# baseline's records and seed spread are shared by all of them.
for _chapter in (
    "baselines",
    "regularization",
    "skeleton_transformer",
    "skeleton_motion",
    "inattention",
    "pose_alignment",
):
    CHAPTERS[_chapter] = _TRAINING

# notebooks/09_in_the_wild.md: the aligned 13-joint model of chapter 08 (same data and budget),
# applied to simulated detector output (hypotheses.DetectorConfig) of the test sequences.
_WILD = {
    # pose classes (k-means anchors, as LCR-Net's), the sweeps of the figure, sequences per point;
    # sigmas: Viterbi smoothing's candidates (metres), chosen among on simulated training videos
    "smoke": {"pose_classes": 16, "flip_rates": (0.0, 0.3), "scale_drifts": (0.0, 0.3), "flip_depths": (1.0, 0.25),
              "flip_gains": (1.3, 4.0), "sweep_sequences": 32, "sigmas": (0.02, 0.03, 0.05)},
    "quick": {"pose_classes": 64, "flip_rates": (0.0, 0.1, 0.2, 0.3, 0.4), "scale_drifts": (0.0, 0.15, 0.3, 0.5),
              "flip_depths": (1.0, 0.5, 0.25, 0.1), "flip_gains": (1.3, 2.0, 4.0, 10.0), "sweep_sequences": 300,
              "sigmas": (0.02, 0.03, 0.04, 0.06, 0.08)},
    "full": {"pose_classes": 100, "flip_rates": (0.0, 0.1, 0.2, 0.3, 0.4), "scale_drifts": (0.0, 0.15, 0.3, 0.5),
             "flip_depths": (1.0, 0.5, 0.25, 0.1), "flip_gains": (1.3, 2.0, 4.0, 10.0), "sweep_sequences": 2000,
             "sigmas": (0.02, 0.03, 0.04, 0.06, 0.08)},
}  # fmt: skip
CHAPTERS["in_the_wild"] = {profile: {**_TRAINING[profile], **_WILD[profile]} for profile in PROFILES}


def check_profile(profile: str) -> None:
    """``ValueError`` unless ``profile`` is one of ``PROFILES`` (every entry point checks with this)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")


def get(chapter: str, profile: str) -> SimpleNamespace:
    """The values of ``profile`` for ``chapter`` (its notebook's name, ``chapter_map.chapter``), as
    attributes, plus ``profile`` and ``chapter`` (its ``key``: the name without its number)."""
    key = chapter_map.chapter(chapter).key
    check_profile(profile)
    return SimpleNamespace(chapter=key, profile=profile, **CHAPTERS[key][profile])
