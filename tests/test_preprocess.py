"""Preprocessing: gap filling, translation, alignment invariances, motion."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from skelrnn import preprocess


def walking_sequence(t_len=60, seed=0):
    """A smooth synthetic sequence: a rest pose translated and swaying slowly, (T, 25, 3) metres."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(scale=0.3, size=(25, 3))
    rest[preprocess.LEFT_SHOULDER] = [0.2, 0.5, 0]
    rest[preprocess.RIGHT_SHOULDER] = [-0.2, 0.5, 0]
    rest[preprocess.LEFT_HIP] = [0.1, 0, 0]
    rest[preprocess.RIGHT_HIP] = [-0.1, 0, 0]
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
)
def test_alignment_is_invariant_to_rigid_motion_and_scale(quat, shift, scale):
    xyz = walking_sequence()
    rot = Rotation.from_quat(quat).as_matrix()
    moved = scale * xyz @ rot.T + np.array(shift)
    np.testing.assert_allclose(preprocess.align_sequence(moved), preprocess.align_sequence(xyz), atol=1e-9)


def test_alignment_puts_the_body_in_a_canonical_frame():
    aligned = preprocess.align_sequence(walking_sequence(), reference_bone_length=0.25)
    first = aligned[0]
    across = first[preprocess.LEFT_SHOULDER] - first[preprocess.RIGHT_SHOULDER]
    assert across[0] > 0 and abs(across[1]) < 1e-9 and abs(across[2]) < 1e-9
    assert abs(preprocess.mean_bone_length(aligned) - 0.25) < 1e-12


def test_motion_and_shapes():
    xyz = walking_sequence(5)
    m = preprocess.motion(xyz)
    assert m.shape == (4, 25, 3)
    np.testing.assert_allclose(xyz[0] + m.cumsum(axis=0)[-1], xyz[-1])
    with pytest.raises(ValueError, match=r"\(T, 25, 3\)"):
        preprocess.translate_first_frame(np.zeros((4, 13, 3)))
