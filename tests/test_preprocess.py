"""Preprocessing: gap filling, translation, alignment invariances, motion."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from skelrnn.data import preprocess, skeleton


def walking_sequence(t_len=60, seed=0):
    """A smooth synthetic sequence: a rest pose translated and swaying slowly, (T, 25, 3) metres."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(scale=0.3, size=(25, 3))
    rest[skeleton.LEFT_SHOULDER] = [0.2, 0.5, 0]
    rest[skeleton.RIGHT_SHOULDER] = [-0.2, 0.5, 0]
    rest[skeleton.LEFT_HIP] = [0.1, 0, 0]
    rest[skeleton.RIGHT_HIP] = [-0.1, 0, 0]
    t = np.linspace(0, 1, t_len)[:, None, None]
    wave = 0.05 * np.sin(2 * np.pi * t + np.arange(25)[None, :, None] / 5)
    return rest[None] + wave + np.array([0.3, 0.0, 2.5]) * t + np.array([0.0, 0.0, 3.0])


def test_filling_recovers_a_smooth_trajectory():
    xyz = walking_sequence()
    broken = xyz.copy()
    gap = np.zeros(len(xyz), bool)
    gap[[10, 11, 12, 30, 31, 45]] = True
    broken[gap] = 0  # Kinect failure: every joint at 0
    np.testing.assert_array_equal(preprocess.failed_frames(broken), gap)
    filled = preprocess.fill_gaps_cubic(broken)
    np.testing.assert_array_equal(filled[~gap], xyz[~gap])
    assert np.abs(filled[gap] - xyz[gap]).max() < 1e-3  # metres: 1 mm on a smooth path


def test_filling_holds_the_ends():
    xyz = walking_sequence(20)
    xyz[:3] = 0
    xyz[-2:] = 0
    filled = preprocess.fill_gaps_cubic(xyz)
    np.testing.assert_array_equal(filled[:3], np.broadcast_to(xyz[3], (3, 25, 3)))
    np.testing.assert_array_equal(filled[-2:], np.broadcast_to(xyz[-3], (2, 25, 3)))


def test_translations():
    xyz = walking_sequence()
    first = preprocess.translate_first_frame(xyz)
    np.testing.assert_allclose(first[0, preprocess.TORSO], 0, atol=1e-12)
    per = preprocess.translate_per_frame(xyz)
    np.testing.assert_allclose(per[:, preprocess.TORSO], 0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    quat=st.tuples(*[st.floats(-1, 1) for _ in range(4)]).filter(lambda q: np.linalg.norm(q) > 0.1),
    shift=st.tuples(*[st.floats(-5, 5) for _ in range(3)]),
    scale=st.floats(0.3, 3.0),
    n_joints=st.sampled_from([25, 13]),
)
def test_alignment_is_invariant_to_rigid_motion_and_scale(quat, shift, scale, n_joints):
    xyz = walking_sequence()
    if n_joints == 13:
        xyz = preprocess.drop_to_detector_joints(xyz)
    rot = Rotation.from_quat(quat).as_matrix()
    moved = scale * xyz @ rot.T + np.array(shift)
    np.testing.assert_allclose(preprocess.align_sequence(moved), preprocess.align_sequence(xyz), atol=1e-9)


@pytest.mark.parametrize("n_joints", [25, 13])
def test_alignment_puts_the_body_in_a_canonical_frame(n_joints):
    xyz = walking_sequence()
    if n_joints == 13:
        xyz = preprocess.drop_to_detector_joints(xyz)
    aligned = preprocess.align_sequence(xyz, reference=0.25)
    ls, rs, lh, rh = preprocess.TORSO_CORNERS[n_joints]
    across = aligned[0, ls] - aligned[0, rs]
    assert across[0] > 0 and abs(across[1]) < 1e-9 and abs(across[2]) < 1e-9
    up = (aligned[0, ls] + aligned[0, rs] - aligned[0, lh] - aligned[0, rh]) / 2
    assert up[1] > 0 and abs(up[2]) < 1e-9  # y in the plane of the shoulders and the hip centre
    np.testing.assert_allclose(preprocess.torso(aligned), 0, atol=1e-12)  # torso of every frame
    assert abs(preprocess.mean_bone_length(aligned) - 0.25) < 1e-12


def test_scaling_fits_the_reference_bone_lengths():
    small, tall = walking_sequence(seed=3), 1.7 * walking_sequence(seed=3)
    reference = preprocess.reference_bone_lengths([small, tall])
    np.testing.assert_allclose(reference, 1.35 * preprocess.bone_lengths(small).mean(axis=0))
    for xyz in (small, tall):  # both end at the reference size
        aligned = preprocess.align_sequence(xyz, reference)
        np.testing.assert_allclose(preprocess.bone_lengths(aligned).mean(axis=0), reference, rtol=1e-12)
    with pytest.raises(ValueError, match="empty"):
        preprocess.reference_bone_lengths([])


def test_motion_and_shapes():
    xyz = walking_sequence(5)
    m = preprocess.motion(xyz)
    assert m.shape == (4, 25, 3)
    np.testing.assert_allclose(xyz[0] + m.cumsum(axis=0)[-1], xyz[-1])
    with pytest.raises(ValueError, match=r"\(T, 25, 3\) or \(T, 13, 3\)"):
        preprocess.translate_first_frame(np.zeros((4, 12, 3)))
    assert preprocess.drop_to_detector_joints(xyz).shape == (5, 13, 3)


def test_rigid_residual_is_zero_for_a_moved_copy_and_measures_noise():
    xyz = walking_sequence()
    rot = Rotation.from_euler("xyz", [0.3, -1.2, 2.0]).as_matrix()
    assert preprocess.rigid_residual(xyz, xyz @ rot.T + [1.0, -2.0, 0.5]) < 1e-9
    noisy = xyz + np.random.default_rng(0).normal(scale=0.01, size=xyz.shape)
    # The mean length of 3-D Gaussian noise is 0.01 * sqrt(8 / pi) = 0.016 m; the fit removes a little.
    assert 0.012 < preprocess.rigid_residual(xyz, noisy) < 0.0165
