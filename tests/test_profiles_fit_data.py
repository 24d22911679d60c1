"""Profiles fit the data: frames by rate and budget, batches capped, evaluations at least once an epoch,
truncation said aloud, and splits that cannot be trained on refused with what is missing."""

import json
from pathlib import Path

import numpy as np
import pytest

from skelrnn.data import loading, splits
from skelrnn.data.ntu import protocols, reader
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig
from skelrnn.experiments import chapters, profiles, setup

SMALL = {"n_replications": 1, "n_cameras": 1, "actions": (8, 9), "max_frames": 40}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    generator.generate(tmp / "data", SyntheticConfig(**SMALL), workers=1)
    return loading.load(tmp / "data", cache_dir=tmp / "cache", workers=1, log=lambda line: None)


def test_the_frame_step_keeps_a_small_folder_and_thins_a_large_one():
    assert splits.frame_step_for([40] * 200, steps=3500) == 3  # 8,000 frames -> ceil(8000 / 3500)
    assert splits.frame_step_for([40] * 20, steps=3500) == 1  # 800 frames fit the budget
    assert splits.frame_step_for([90] * 384, steps=3500) == 10  # 34,560 frames
    assert splits.frame_step_for([90] * 384, fps=10) == 3  # 30 fps to 10 fps
    assert splits.frame_step_for([90] * 384, source_fps=15, fps=10) == 2  # round(1.5)
    assert splits.frame_step_for([90] * 384, fps=30, steps=None) == 1
    assert splits.frame_step_for([40] * 200, fps=10, steps=100_000) == 3, "the stricter limit wins"


def test_truncation_and_the_chosen_stride_are_said(small):
    logs = []
    full = splits.prepare_splits(small, fps=30, log=logs.append)
    assert logs == [f"frames: 1 in 1 kept (30 fps from 30; mean training length "
                    f"{np.mean([len(f) for f in full['train'][0]]):.1f} steps)"]  # fmt: skip
    logs.clear()
    n_test = len(full["test"][1])
    capped = splits.prepare_splits(small, max_eval=5, frame_step=2, log=logs.append)
    assert len(capped["test"][1]) == 5
    assert f"test: 5 of the {n_test} sequences used ({n_test - 5} left out by the profile's cap)" in logs
    assert not any(line.startswith("frames") for line in logs), "a given frame_step is not derived"


def test_a_declared_frame_rate_is_read_and_a_bad_one_refused(tmp_path):
    assert loading.declared_fps(tmp_path) == 30.0
    (tmp_path / "dataset.json").write_text(json.dumps({"fps": 15}))
    assert loading.declared_fps(tmp_path) == 15.0
    (tmp_path / "dataset.json").write_text(json.dumps({"fps": "fast"}))
    with pytest.raises(ValueError, match=r"dataset\.json: field 'fps': expected a positive number"):
        loading.declared_fps(tmp_path)


def test_a_frame_rate_given_by_the_user_is_used_and_said(small, tmp_path):
    folder = Path(small.manifest["source"])
    cache = tmp_path / "cache"
    assumed = loading.load(folder, cache_dir=cache, workers=1, log=lambda line: None)
    assert assumed.fps == 30 and assumed.manifest["fps_source"].startswith("assumed: NTU's rate")
    given = loading.load(folder, cache_dir=cache, workers=1, log=lambda line: None, fps=7.5)
    assert given.fps == 7.5 and given.manifest["fps_source"] == "given"
    step_30, step_7 = (splits.frame_step_for([300], data.fps, fps=7.5) for data in (assumed, given))
    assert (step_30, step_7) == (4, 1), "frames are counted at the rate given"
    for bad in (0, -3, float("nan"), float("inf"), True, "7.5"):
        with pytest.raises(ValueError, match="fps: expected a positive number"):
            loading.load(folder, cache_dir=cache, workers=1, log=lambda line: None, fps=bad)
    P = profiles.get("03_baselines", "smoke")
    notes = setup.load_chapter_data(P, folder, fps=7.5).notes
    assert "frame rate: 7.5 fps (given)" in notes
    embedded = setup.load_chapter_data(P).notes
    assert "frame rate: 30 fps (the embedded data's, NTU's rate)" in embedded


def test_splits_that_cannot_be_trained_on_say_what_is_missing(small):
    keep = [i for i, n in enumerate(small.names) if n.subject not in protocols.VALIDATION_SUBJECTS]
    no_validation = loading.SkeletonSet(
        names=[small.names[i] for i in keep], xyz=np.concatenate([small.sequence(i) for i in keep]),
        failed=np.concatenate([small.failed_frames(i) for i in keep]),
        offsets=np.concatenate([[0], np.cumsum(small.lengths[keep])]),
        second=np.zeros((sum(small.lengths[keep]), 25, 3)),
        has_second=np.zeros(len(keep), bool), manifest={"source": "folder X"},
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"folder X: the cross_subject validation split is empty: .*25, 27, 28"):
        splits.prepare_splits(no_validation)
    split = small.split("cross_subject")
    only_one_class = {**split, "train": split["train"][small.labels[split["train"]] == 0]}
    with pytest.raises(ValueError, match=r"1 class\(es\) have no training sequence"):
        splits.check_splits(small, only_one_class, "cross_subject")


def test_training_settings_fit_the_training_split():
    logs = []
    full = {"batch_size": 256, "max_epochs": 100, "eval_every": 500}
    assert setup.fit_training_to_data(full, 40_000, 20, logs.append) == full, "NTU's scale: the thesis's values"
    assert not logs
    fitted = setup.fit_training_to_data(full, 227, 20, logs.append)
    assert fitted == {"batch_size": 227, "max_epochs": 100, "eval_every": 5}  # 100 updates / 20
    assert logs == [
        "batch size 256 > the 227 training sequences: batches of 227",
        "evaluation every 5 updates, not 500: 20 evaluations in a budget of 100 updates (100 epochs of this data)",
    ]
    quick = {"batch_size": 32, "max_epochs": 100, "max_updates": 200, "eval_every": 500}
    # A budget of updates: the same evaluation interval on a large and a small folder.
    assert setup.fit_training_to_data(quick, 384, 8, logs.append)["eval_every"] == 25
    assert setup.fit_training_to_data(quick, 210, 8, logs.append)["eval_every"] == 25
    assert logs[-1] == (
        "evaluation every 25 updates, not 500: 8 evaluations in a budget of 200 updates (33.3 epochs of this data)"
    )
    # 3 sequences: batches of 3, 1 update an epoch, the 100 epochs come before the 200 updates.
    assert setup.fit_training_to_data(quick, 3, 8, logs.append) == {**quick, "batch_size": 3, "eval_every": 12}


def test_the_quick_profile_fits_a_small_folder(tmp_path):
    files = generator.write_small_folder(tmp_path / "small", workers=1)
    assert files == 20 * 14 * 2  # actions x subjects x performances, one camera
    chapter = chapters.TrainingChapter(
        "03_baselines", profile="quick", results_dir=tmp_path / "r", data_dir=tmp_path / "small"
    )
    assert chapter.data.fps == 15, "the folder declares its rate (dataset.json)"
    assert 13 <= chapter.data.lengths.min() and chapter.data.lengths.max() <= 76
    sizes = {part: len(y) for part, (_x, y) in chapter.splits.items()}
    assert sizes == {"train": 20 * 5 * 2, "validation": 20 * 2 * 2, "test": 20 * 7 * 2}, "no split truncated"
    # One pass over its training split is under the profile's 10,800 steps: every frame is kept.
    train = chapter.data.split("cross_subject")["train"]
    assert chapter.data.lengths[train].sum() <= chapter.P.steps
    (frames,) = [note for note in chapter.notes if note.startswith("frames: 1 in ")]
    assert chapter.frame_step == 1 and frames.startswith("frames: 1 in 1 kept (15 fps from 15"), frames
    assert [len(f) for f in chapter.splits["train"][0]] == chapter.data.lengths[train].tolist()
    assert chapter.train_settings["eval_every"] == 24, "10 evaluations in the quick profile's 240 updates"
    assert "left out" not in " ".join(chapter.notes)
    chapter.executor.close()  # its workers started with the set-up


def test_the_quick_profile_thins_the_embedded_data_to_its_step_budget():
    # 360 training sequences at 30 fps (30,587 frames): 1 frame in 3, 10 fps, as before the budget
    # was counted in steps; a pass then fits the profile's 10,800 steps, and 1 in 2 would not.
    P = profiles.get("baselines", "quick")
    lengths = np.full(360, 85)  # 30,600 frames
    assert splits.frame_step_for(lengths, 30, P.fps, P.steps) == 3
    assert splits.frame_step_for(lengths[:120], 30, P.fps, P.steps) == 1
    assert splits.frame_step_for(np.full(200, 44), 15, P.fps, P.steps) == 1


def test_a_folder_written_at_a_slower_rate_keeps_one_frame_in_the_ratio_and_declares_it(tmp_path):
    config = SyntheticConfig.small(actions=(8,), n_cameras=1, n_replications=1, min_frames=30, max_frames=30)
    assert generator.write_folder(tmp_path / "a", config, [1], workers=1) == 1
    assert generator.write_folder(tmp_path / "b", config, [1], workers=1, fps=10) == 1
    full, slow = (reader.read_skeleton(next((tmp_path / d).glob("*.skeleton"))) for d in ("a", "b"))
    assert full.n_frames == 30 and slow.n_frames == 10
    np.testing.assert_allclose(slow.joints, full.joints[::3])
    assert loading.declared_fps(tmp_path / "b") == 10 and loading.declared_fps(tmp_path / "a") == 30
    for fps in (7, 0, -15, 60, True):
        with pytest.raises(ValueError, match="fps: expected 30 divided by a whole number"):
            generator.write_folder(tmp_path / "c", config, [1], workers=1, fps=fps)


def test_pose_alignment_scales_every_split_to_the_training_splits_bones(small):
    from skelrnn.data import preprocess

    indices, step = splits.choose_splits(small, log=lambda line: None, frame_step=2)
    aligned = splits.featurise_splits(small, indices, step, "pose_alignment", joints=13)
    reference = preprocess.reference_bone_lengths(
        preprocess.drop_to_detector_joints(small.sequence(int(i))) for i in indices["train"]
    )
    for part, (features, labels) in aligned.items():
        assert len(features) == len(labels) == len(indices[part]) and features[0].shape[1] == 39
        for f, i in zip(features, indices[part], strict=True):
            assert len(f) == -(-small.lengths[i] // 2)
            xyz = f.reshape(len(f), 13, 3).astype(float)
            assert preprocess.scale_factor(xyz, reference) == pytest.approx(1.0, abs=0.05)  # thinned frames
            assert np.allclose(preprocess.torso(xyz), 0, atol=1e-5)  # every frame centred on its torso
