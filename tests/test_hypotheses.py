"""Pose hypotheses: the file format and its reader (fuzzed), the geometry, the simulator (skelrnn.wild.hypotheses)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_smoothing import _walk

from skelrnn.data import preprocess
from skelrnn.data.skeleton import DETECTOR_JOINTS
from skelrnn.wild import hypotheses


@pytest.fixture(scope="module")
def anchors():
    return hypotheses.pose_anchors([_walk(200, s) for s in range(4)], n_classes=24, seed=0)


@pytest.fixture(scope="module")
def video(anchors):
    return hypotheses.simulate(_walk(30), anchors, hypotheses.DetectorConfig(miss_rate=0.2), seed=1, other=_walk(25, 2),
                               label=7)  # fmt: skip


def test_a_written_file_reads_back_the_same(tmp_path, video):
    path = hypotheses.write(tmp_path / "v.npz", video)
    back = hypotheses.read(path)
    mask = video.proposal_mask()
    assert back.name == "v.npz" and back.actor == video.actor and back.label == 7 and back.fps == video.fps
    assert np.array_equal(back.count, video.count) and np.array_equal(back.pose_class[mask], video.pose_class[mask])
    for name in ("pose_2d", "pose_3d", "score"):  # float32 on disk
        assert np.allclose(getattr(back, name)[mask], getattr(video, name)[mask], atol=1e-4), name
    assert np.allclose(back.truth, video.truth, atol=1e-6)


def _arrays(video) -> dict:
    """The arrays of ``video`` as the writer stores them."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        with np.load(hypotheses.write(Path(folder) / "v.npz", video)) as z:
            return {k: z[k] for k in z.files}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("score"), "field 'score' is missing"),
        (lambda a: a.update(format=np.array("other/1")), "field 'format': expected 'skelrnn-pose-hypotheses/1'"),
        (lambda a: a.update(count=a["count"] + 100), "field 'count': frame 0 has"),
        (lambda a: a.update(pose_3d=a["pose_3d"][..., :2]), r"field 'pose_3d': expected numbers of shape"),
        (lambda a: a.update(actor=np.array(99)), "field 'actor': expected a proposal of frame 0"),
        (lambda a: a.update(fps=np.array(-1.0)), "field 'fps': expected a positive number"),
        (lambda a: a["score"].__setitem__((3, 0), np.nan), "field 'score': frame 3, proposal 0: expected a finite"),
        (lambda a: a["pose_class"].__setitem__((2, 0), -4), "field 'pose_class': frame 2, proposal 0"),
        (lambda a: a.update(label=np.array(-7)), "field 'label': expected a class index"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_field(tmp_path, video, change, message):
    arrays = _arrays(video)
    arrays["count"] = np.maximum(arrays["count"], 1)  # frames 2 and 3 hold a proposal
    change(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message) as err:
        hypotheses.read(path)
    assert str(path) in str(err.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_reader_never_fails_but_with_a_clear_error(tmp_path_factory, video, data):
    """Fuzzing: truncated files, flipped bytes, random bytes and random field values are either read
    as a valid video or refused with a ValueError naming the file."""
    path = tmp_path_factory.mktemp("fuzz") / "v.npz"
    hypotheses.write(path, video)
    raw = bytearray(path.read_bytes())
    kind = data.draw(st.sampled_from(["truncate", "flip", "random", "field"]))
    if kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif kind == "random":
        raw = bytearray(data.draw(st.binary(max_size=2000)))
    else:
        arrays = _arrays(video)
        name = data.draw(st.sampled_from(sorted(arrays)))
        value = data.draw(st.sampled_from([np.array(3), np.zeros((2, 2)), np.array("x"), np.full(5, np.inf),
                                           np.array([-1, 2]), arrays[name].reshape(-1)[:1]]))  # fmt: skip
        arrays[name] = value
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        raw = bytearray(buffer.getvalue())
    path.write_bytes(bytes(raw))
    try:
        back = hypotheses.read(path)
    except ValueError as e:
        assert str(path) in str(e)
    else:
        assert back.count.shape[0] == back.score.shape[0] and 0 <= back.actor < back.count[0]


def test_a_folder_names_every_bad_file(tmp_path, video):
    hypotheses.write(tmp_path / "a.npz", video)
    (tmp_path / "b.npz").write_bytes(b"not a zip")
    with zipfile.ZipFile(tmp_path / "c.npz", "w") as z:
        z.writestr("count.npy", b"junk")
    with pytest.raises(ValueError, match=r"2 of 3 files rejected") as err:
        hypotheses.read_folder(tmp_path)
    assert "b.npz" in str(err.value) and "c.npz" in str(err.value)
    with pytest.raises(ValueError, match="no .npz file"):
        hypotheses.read_folder(tmp_path / "empty")


def test_the_flip_keeps_the_image_and_turns_the_body():
    pose = _walk(1)[0]
    offsets = pose - hypotheses.centre(pose)
    flipped = hypotheses.flip_front_back(offsets)
    assert np.allclose(hypotheses.flip_front_back(flipped), offsets), "flipping twice is the identity"
    # The pairs written out by name: the head keeps its name, each left joint takes its right twin's place.
    parts = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    sides = (("left", "right"), ("right", "left"))
    pairs = [("head", "head")] + [(f"{a} {p}", f"{b} {p}") for p in parts for a, b in sides]
    assert sorted(a for a, _ in pairs) == sorted(DETECTOR_JOINTS), "every detector joint is paired once"
    for name, twin in pairs:
        i, j = DETECTOR_JOINTS.index(name), DETECTOR_JOINTS.index(twin)
        assert np.allclose(flipped[i, :2], offsets[j, :2]), f"{name} is seen where {twin} was"
        assert np.isclose(flipped[i, 2], -offsets[j, 2]), f"{name} has {twin}'s depth, mirrored"
    lengths = [np.sort(preprocess.bone_lengths(p[None])) for p in (flipped, offsets)]
    assert np.allclose(*lengths), "the same body (left and right limbs trade names)"
    frame = preprocess.body_frame(offsets)
    assert np.dot(preprocess.body_frame(flipped)[2], frame[2]) < -0.9, "the body faces the other way"


def test_the_simulator_is_deterministic_and_its_rates_hold(anchors):
    config = hypotheses.DetectorConfig(flip_rate=0.3, miss_rate=0.2, second_person=0.0, scale_drift=0.0)
    a = hypotheses.simulate(_walk(400), anchors, config, seed=4)
    b = hypotheses.simulate(_walk(400), anchors, config, seed=4)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("count", "pose_2d", "pose_3d", "score"))
    assert 0.12 < np.mean(a.count == 0) < 0.28  # missed frames, +-4 standard deviations
    present = a.count > 0
    true_slot = np.array([np.argmin(np.abs(a.pose_3d[t, : max(a.count[t], 1)] - a.truth[t]).sum(axis=(1, 2)))
                          for t in range(a.n_frames)])  # fmt: skip
    top = np.argmax(np.where(a.proposal_mask(), a.score, -1), axis=1)
    flipped_on_top = np.mean((top != true_slot)[present])
    assert 0.18 < flipped_on_top < 0.42, flipped_on_top
    assert a.actor == true_slot[0] and a.count[0] > 0


def test_scale_drift_scales_the_3d_poses_and_not_the_image(anchors):
    config = hypotheses.DetectorConfig(joint_noise=0, pixel_noise=0, flip_rate=0, second_person=0, near_misses=0,
                                       miss_rate=0, scale_drift=0.5)  # fmt: skip
    hyp = hypotheses.simulate(_walk(60), anchors, config, seed=2)
    still = hypotheses.project(_walk(60), config.focal, (640, 360))
    true_slot = np.argmin(np.abs(hyp.pose_2d - still[:, None]).sum(axis=(2, 3)), axis=1)
    frames = np.arange(hyp.n_frames)
    assert np.allclose(hyp.pose_2d[frames, true_slot], still), "the image does not drift"
    sizes = np.linalg.norm(hyp.pose_3d[frames, true_slot], axis=-1).sum(1) / np.linalg.norm(hyp.truth, axis=-1).sum(1)
    assert sizes[0] == pytest.approx(1) and np.ptp(np.log(sizes)) > 0.1, "the 3D pose's size does"


def test_bad_knobs_are_refused():
    with pytest.raises(ValueError, match=r"flip_rate: expected a share in \[0, 1\)"):
        hypotheses.DetectorConfig(flip_rate=1.5)
    with pytest.raises(ValueError, match="joint_noise"):
        hypotheses.DetectorConfig(joint_noise=-1)
    with pytest.raises(ValueError, match="a second person needs"):
        hypotheses.simulate(_walk(5), np.zeros((2, 13, 3)), hypotheses.DetectorConfig(second_person=0.999), seed=0)
