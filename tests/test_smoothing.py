"""Viterbi decoding, 2D tracking and Viterbi smoothing (skelrnn.wild.smoothing)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skelrnn.wild import hypotheses, smoothing


def _brute_force(log_obs, log_trans, log_init):
    t_max, k = log_obs.shape
    paths = list(itertools.product(range(k), repeat=t_max))
    scores = [smoothing.path_log_probability(p, log_obs, log_trans, log_init) for p in paths]
    order = np.argsort(scores)[::-1]
    return np.array(paths[order[0]]), scores[order[0]], scores[order[1]] if len(paths) > 1 else -np.inf


@settings(max_examples=60, deadline=None)
@given(t_max=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 2**31 - 1), impossible=st.booleans())
def test_viterbi_finds_the_best_of_every_path(t_max, k, seed, impossible):
    rng = np.random.default_rng(seed)
    log_obs, log_trans, log_init = np.log(rng.random((t_max, k))), np.log(rng.random((k, k))), np.log(rng.random(k))
    if impossible and k > 1:  # forbidden moves (-inf) must never be taken
        log_trans[rng.random((k, k)) < 0.3] = -np.inf
        log_trans[np.arange(k), np.arange(k)] = 0.0  # staying put stays possible
    path, score = smoothing.viterbi(log_obs, log_trans, log_init)
    best, best_score, runner_up = _brute_force(log_obs, log_trans, log_init)
    assert score == pytest.approx(best_score, rel=1e-12, abs=1e-12)
    assert smoothing.path_log_probability(path, log_obs, log_trans, log_init) == pytest.approx(best_score, abs=1e-12)
    if best_score - runner_up > 1e-9:  # a unique optimum is found exactly
        assert path.tolist() == best.tolist()


def test_viterbi_gives_librosas_paths_on_large_models():
    import librosa  # a test dependency (pyproject's test extra)

    rng = np.random.default_rng(1)
    for k in (16, 128, 300):
        obs = rng.random((200, k))
        trans = rng.random((k, k))
        trans /= trans.sum(axis=1, keepdims=True)
        init = np.full(k, 1 / k)
        ours, _ = smoothing.viterbi(np.log(obs), np.log(trans), np.log(init))
        assert np.array_equal(ours, librosa.sequence.viterbi((obs / obs.sum(1, keepdims=True)).T, trans, p_init=init))


def test_a_batch_decodes_as_its_sequences_do_one_by_one():
    rng = np.random.default_rng(2)
    log_obs = np.log(rng.random((5, 40, 7)))
    shared = np.log(rng.random((7, 7)))
    own = np.log(rng.random((5, 7, 7)))
    lengths = np.array([40, 1, 17, 33, 2])
    for trans in (shared, own):
        paths, scores = smoothing.viterbi(log_obs, trans, lengths=lengths)
        for b, n in enumerate(lengths):
            one, score = smoothing.viterbi(log_obs[b, :n], trans if trans.ndim == 2 else trans[b])
            assert paths[b, :n].tolist() == one.tolist() and np.all(paths[b, n:] == -1)
            assert scores[b] == pytest.approx(score)


def test_viterbi_refuses_bad_input_with_the_argument_named():
    obs, trans = np.zeros((4, 3)), np.zeros((3, 3))
    with pytest.raises(ValueError, match="log_trans: expected shape"):
        smoothing.viterbi(obs, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="log_obs: expected log probabilities"):
        smoothing.viterbi(np.full((4, 3), np.nan), trans)
    with pytest.raises(ValueError, match="log_init: expected shape"):
        smoothing.viterbi(obs, trans, np.zeros(4))
    with pytest.raises(ValueError, match=r"lengths: expected 2 integers in \[1, 4\]"):
        smoothing.viterbi(np.zeros((2, 4, 3)), trans, lengths=[5, 1])


# ---------------------------------------------------------------------------------------------
# Tracking and smoothing on simulated proposals
# ---------------------------------------------------------------------------------------------


def _walk(t_max: int = 40, seed: int = 0) -> np.ndarray:
    """A 13-joint body 3 m from the camera, arms swinging: (T, 13, 3) metres."""
    from skelrnn.data.skeleton import DETECTOR_JOINTS

    rng = np.random.default_rng(seed)
    base = {"head": (0, 0.7, 0), "left shoulder": (0.18, 0.45, 0), "right shoulder": (-0.18, 0.45, 0),
            "left elbow": (0.22, 0.2, 0), "right elbow": (-0.22, 0.2, 0), "left wrist": (0.24, 0.0, 0.05),
            "right wrist": (-0.24, 0.0, 0.05), "left hip": (0.1, -0.05, 0), "right hip": (-0.1, -0.05, 0),
            "left knee": (0.1, -0.5, 0.02), "right knee": (-0.1, -0.5, 0.02), "left ankle": (0.1, -0.9, 0),
            "right ankle": (-0.1, -0.9, 0)}  # fmt: skip
    pose = np.array([base[n] for n in DETECTOR_JOINTS], float)
    t = np.arange(t_max)[:, None]
    out = np.repeat(pose[None], t_max, axis=0)
    for j, name in enumerate(DETECTOR_JOINTS):
        if "wrist" in name or "elbow" in name:
            sign = 1 if name.startswith("left") else -1
            out[:, j, 2] += sign * 0.25 * np.sin(2 * np.pi * t[:, 0] / 20) * (1.5 if "wrist" in name else 0.8)
            out[:, j, 1] += 0.3 * np.sin(2 * np.pi * t[:, 0] / 13 + j) * ("wrist" in name)
    return out + [0.1, 0.0, 3.0] + rng.normal(0, 0.002, out.shape)


@pytest.fixture(scope="module")
def anchors():
    return hypotheses.pose_anchors([_walk(200, s) for s in range(4)], n_classes=24, seed=0)


def test_tracking_follows_the_actor_and_not_the_person_beside(anchors):
    from skelrnn.data.skeleton import DETECTOR_JOINTS

    actor, other = _walk(40, 0), _walk(40, 1)
    other[:, [DETECTOR_JOINTS.index("left wrist"), DETECTOR_JOINTS.index("right wrist")], 1] += 0.8  # hands up
    config = hypotheses.DetectorConfig(flip_rate=0, second_person=0.99, near_misses=0, miss_rate=0, scale_drift=0)
    hyp = hypotheses.simulate(actor, anchors, config, seed=3, other=other)
    assert hyp.count.min() == 3  # the actor, the flip and the other person in every frame
    top = smoothing.mpjpe(smoothing.top_score(hyp)[1], hyp.truth)
    tracked = smoothing.mpjpe(smoothing.track_2d(hyp)[1], hyp.truth)
    assert tracked.max() < 0.06, "tracking never leaves the actor"
    assert (top > 0.06).any(), "the other person outscores the actor somewhere, so this test can fail"


def test_smoothing_undoes_flips_that_tracking_keeps(anchors):
    config = hypotheses.DetectorConfig(flip_rate=0.3, second_person=0, near_misses=0, miss_rate=0, scale_drift=0)
    tracked_err, smoothed_err = [], []
    for seed in range(6):
        hyp = hypotheses.simulate(_walk(40, seed), anchors, config, seed=seed)
        tracked_err.append(smoothing.mpjpe(smoothing.track_2d(hyp)[1], hyp.truth).mean())
        smoothed_err.append(smoothing.mpjpe(smoothing.viterbi_smooth(hyp)[1], hyp.truth).mean())
    # a flipped pose is a mirrored body: tens of centimetres per joint
    assert np.mean(smoothed_err) < 0.5 * np.mean(tracked_err), (smoothed_err, tracked_err)


def test_without_failures_every_method_gives_the_true_pose(anchors):
    clean = hypotheses.DetectorConfig(joint_noise=0, flip_rate=0, second_person=0, near_misses=0, miss_rate=0,
                                      scale_drift=0)  # fmt: skip
    hyp = hypotheses.simulate(_walk(30), anchors, clean, seed=0)
    for method in smoothing.METHODS:
        assert np.allclose(smoothing.estimate_poses(hyp, method), hyp.truth, atol=1e-5), method


def test_a_missed_frame_keeps_the_last_pose_and_smoothing_fills_it_from_its_class(anchors):
    config = hypotheses.DetectorConfig(flip_rate=0, second_person=0, near_misses=0, miss_rate=0.3, scale_drift=0)
    hyp = hypotheses.simulate(_walk(40), anchors, config, seed=5)
    missed = np.flatnonzero(hyp.count == 0)
    assert missed.size > 0 and missed[0] > 0
    chosen, poses = smoothing.track_2d(hyp)
    assert np.all(chosen[missed] == -1) and np.allclose(poses[missed], poses[missed - 1])
    states, smoothed = smoothing.viterbi_smooth(hyp)
    classes, means, _ = smoothing.viterbi_states(hyp)
    for t in missed:
        assert np.allclose(smoothed[t], means[np.searchsorted(classes, states[t])])


def test_transitions_fall_with_the_distance_between_state_poses():
    poses = np.zeros((3, 13, 3))
    poses[1] += 0.05
    poses[2] += 0.3
    log_p = smoothing.transition_log_probs(poses, sigma=0.1)
    assert np.allclose(np.exp(log_p).sum(axis=1), 1)
    assert log_p[0, 0] > log_p[0, 1] > log_p[0, 2]


def test_sigma_is_chosen_as_the_lowest_error_of_its_candidates(anchors):
    config = hypotheses.DetectorConfig(flip_rate=0.3, second_person=0, near_misses=1, miss_rate=0, scale_drift=0)
    videos = [hypotheses.simulate(_walk(40, s), anchors, config, seed=s) for s in range(4)]
    sigmas = (0.01, 0.03, 0.3)
    choice = smoothing.select_sigma(videos, sigmas)
    expected = {s: 1000 * np.mean(np.concatenate([smoothing.mpjpe(smoothing.viterbi_smooth(v, sigma=s)[1], v.truth)
                                                  for v in videos])) for s in sigmas}  # fmt: skip
    assert choice["mpjpe_mm"] == pytest.approx(expected) and choice["videos"] == 4
    assert choice["sigma"] == min(expected, key=expected.get)
    assert len(set(np.round(list(expected.values()), 3))) > 1, "the candidates differ, so the choice can be wrong"
    assert np.allclose(smoothing.estimate_poses(videos[0], "Viterbi smoothing", 0.3),
                       smoothing.viterbi_smooth(videos[0], sigma=0.3)[1])  # fmt: skip
    with pytest.raises(ValueError, match="true poses"):
        smoothing.select_sigma([], sigmas)


def test_the_flip_lands_as_far_from_the_truth_as_its_depth_says(anchors):
    walk = _walk(30, 0)
    base = dict(joint_noise=0, pixel_noise=0, second_person=0, near_misses=0, miss_rate=0, scale_drift=0)
    flip_mm = {}
    for depth in (1.0, 0.5, 0.0):
        hyp = hypotheses.simulate(walk, anchors, hypotheses.DetectorConfig(flip_depth=depth, **base), seed=1)
        # the proposal that is not the truth in each frame: the flip
        gap = [np.linalg.norm(hyp.pose_3d[t, :2] - hyp.truth[t], axis=-1).mean(-1).max() for t in range(30)]
        flip_mm[depth] = 1000 * float(np.mean(gap))
    full = 1000 * smoothing.mpjpe(hypotheses.flip_front_back(hyp.truth), hyp.truth).mean()
    assert flip_mm[1.0] == pytest.approx(full, rel=1e-9) and flip_mm[0.0] == pytest.approx(0, abs=1e-9)
    assert flip_mm[0.5] == pytest.approx(full / 2, rel=1e-9), "the blend is linear in the depth"
    for bad in ({"flip_depth": 1.5}, {"flip_gain": 1.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            hypotheses.DetectorConfig(**bad)


def test_the_flip_gain_bounds_how_far_a_flip_outscores_the_truth(anchors):
    config = hypotheses.DetectorConfig(flip_rate=0.5, flip_gain=3.0, second_person=0, near_misses=0, miss_rate=0)
    hyp = hypotheses.simulate(_walk(200, 0), anchors, config, seed=2)
    distance = np.linalg.norm(hyp.pose_3d[:, :2] - hyp.truth[:, None], axis=-1).mean(-1)  # (T, 2)
    truth_slot = np.argmin(distance, axis=1)
    ratio = np.array([hyp.score[t, 1 - k] / hyp.score[t, k] for t, k in enumerate(truth_slot)])
    flipped = ratio > 1
    assert ratio.max() <= 3.0 and ratio[flipped].min() >= 1.05
    assert ratio.max() > 2.5, "a gain of 3 is used, not the default 1.3"


def test_the_pooled_error_weighs_every_frame_and_skips_videos_without_truth():
    truth = [np.zeros((3, 13, 3)), np.zeros((1, 13, 3)), np.zeros((2, 13, 3))]
    videos = [SimpleNamespace(truth=truth[0]), SimpleNamespace(truth=truth[1]), SimpleNamespace(truth=None)]
    poses = [truth[0] + [0.01, 0, 0], truth[1] + [0, 0.05, 0], truth[2] + 1.0]  # 10 mm x 3 frames, 50 mm x 1
    assert smoothing.pooled_mpjpe_mm(poses, videos) == pytest.approx((3 * 10 + 50) / 4)
    assert np.isnan(smoothing.pooled_mpjpe_mm(poses[2:], videos[2:]))
