"""The skeleton transformer and skeleton motion layers (thesis 3.3.1-3.3.2): constraints, penalties,
invariances, masks, identity start and save/load."""

import keras
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from skelrnn.core.backend import set_seed
from skelrnn.data.skeleton import NTU_PARENTS
from skelrnn.networks import layers, models

J = len(NTU_PARENTS)


def to_np(x):
    """A tensor of any backend (torch ones may carry gradients) as a NumPy array."""
    return keras.ops.convert_to_numpy(keras.ops.stop_gradient(x)) if not isinstance(x, np.ndarray) else x


def skeletons(rng, lengths, t_max, joints=J):
    """Zero-padded batch ``(B, t_max, joints*3)`` of random poses (metres)."""
    x = np.zeros((len(lengths), t_max, joints * 3), dtype="float32")
    for i, n in enumerate(lengths):
        x[i, :n] = rng.normal(scale=0.5, size=(n, joints * 3))
    return x


def random_transformer(variant, seed, sparsity=0.0, joints=J, spread=0.3):
    """A transformer whose W is the identity times 3 plus mixed-sign weights up to ``spread``."""
    layer = layers.SkeletonTransformer(joints, variant=variant, sparsity=sparsity)
    layer.build((None, None, 3 * joints))
    w = np.random.default_rng(seed).uniform(0.0, spread, size=(joints, joints)).astype("float32")
    w *= np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=w.shape)  # mixed signs
    # Rows away from summing to 0, where eq. 9 divides by nearly nothing (W starts at I for that reason).
    w[np.arange(joints), np.arange(joints)] = 3.0
    layer.w.assign(w)
    return layer


@pytest.mark.parametrize("variant", ["affine", "convex"])
@given(seed=st.integers(0, 2**16), spread=st.sampled_from([0.05, 0.3, 1.0]))
@example(seed=1543, spread=1.0)  # torch: a translation error of 2e-4 on a W 10 times from well conditioned
@settings(max_examples=20, deadline=None)
def test_affine_and_convex_virtual_joints_are_affine_combinations(variant, seed, spread):
    layer = random_transformer(variant, seed, spread=spread)
    mixing = to_np(layer.mixing()).astype(np.float64)  # the float32 weights, summed exactly
    # Float32 division by a float32 row sum: the error grows with sum |W_ij| / |sum W_ij| (about 1.5
    # for a W near the identity, as training leaves it; up to about 10 here for spread 1).
    w = to_np(layer.w).astype(np.float64)
    conditioning = (np.abs(w).sum(1) / np.abs(w.sum(1))).max()
    np.testing.assert_allclose(mixing.sum(axis=1), 1.0, atol=1e-6 * max(1.0, conditioning / 2))
    # An affine combination commutes with translations: moving every joint by c moves every virtual joint by c.
    x = skeletons(np.random.default_rng(seed), [4], 4)
    shift = np.tile(np.array([0.3, -1.2, 2.0], "float32"), J)
    loose = max(1.0, conditioning)  # the same float32 rounding, carried by every virtual joint
    np.testing.assert_allclose(to_np(layer(x + shift)), to_np(layer(x)) + shift, rtol=1e-5 * loose, atol=1e-4 * loose)


def test_linear_and_positive_weights_are_used_as_they_are():
    for variant in ("linear", "positive"):
        layer = random_transformer(variant, 3)
        np.testing.assert_array_equal(to_np(layer.mixing()), to_np(layer.w))


def test_the_positivity_penalty_is_zero_for_nonnegative_weights_and_grows_with_the_most_negative():
    penalty = layers.TransformerPenalty(positivity=layers.POSITIVITY_WEIGHT)
    w = np.abs(np.random.default_rng(0).normal(size=(5, 5))).astype("float32")
    assert float(penalty(w)) == 0.0
    for most_negative in (-0.1, -0.5, -2.0):
        w2 = w.copy()
        w2[1, 3], w2[0, 0] = most_negative, most_negative / 2  # only the minimum counts
        assert float(penalty(w2)) == pytest.approx(-layers.POSITIVITY_WEIGHT * most_negative, rel=1e-6)


def test_the_sparsity_penalty_is_mu_times_the_squared_row_l1_norms():
    w = np.array([[1.0, -2.0, 0.0], [0.5, 0.5, 0.5]], "float32")
    for mu in (0.001, 0.01):
        assert float(layers.TransformerPenalty(sparsity=mu)(w)) == pytest.approx(mu * (3.0**2 + 1.5**2), rel=1e-6)


@pytest.mark.parametrize("variant", sorted(layers.TRANSFORMER_VARIANTS))
def test_the_transformer_commutes_with_a_rigid_rotation(variant):
    layer = random_transformer(variant, 7)
    rng = np.random.default_rng(1)
    x = skeletons(rng, [6, 6], 6)
    r = Rotation.from_rotvec([0.4, -1.1, 0.7]).as_matrix().astype("float32")
    rotate = lambda a: (a.reshape(*a.shape[:2], -1, 3) @ r.T).reshape(a.shape)  # noqa: E731
    np.testing.assert_allclose(to_np(layer(rotate(x))), rotate(to_np(layer(x))), atol=1e-4)


def test_the_penalties_reach_the_model_loss_only_for_their_variants():
    x = skeletons(np.random.default_rng(0), [5], 5)
    for variant, sparsity, expect in (("linear", 0.0, 0), ("affine", 0.0, 0), ("positive", 0.0, 1),
                                      ("convex", 0.01, 1), ("linear", 0.001, 1)):  # fmt: skip
        cfg = models.ModelConfig(n_features=75, n_classes=4, units=4, layers=1, front_end="skeleton_transformer",
                                 transformer=variant, sparsity=sparsity)  # fmt: skip
        model = models.build_model(cfg)
        model(x)
        assert len(model.losses) == expect, (variant, sparsity)


def test_the_transformer_starts_at_the_identity_and_then_predicts_as_the_baseline():
    set_seed(0)
    base = models.build_model(models.ModelConfig(n_features=75, n_classes=6, units=8, layers=2))
    cfg = models.ModelConfig(n_features=75, n_classes=6, units=8, layers=2, front_end="skeleton_transformer",
                             transformer="convex")  # fmt: skip
    with_front = models.build_model(cfg)
    np.testing.assert_array_equal(to_np(with_front.get_layer("skeleton_transformer").w), np.eye(J))
    for layer in base.layers:
        if layer.weights:
            with_front.get_layer(layer.name).set_weights(layer.get_weights())
    x = skeletons(np.random.default_rng(2), [9, 4, 7], 9)
    np.testing.assert_array_equal(with_front.predict_on_batch(x), base.predict_on_batch(x))


def test_transformer_keeps_padding_and_masks():
    layer = random_transformer("affine", 1)
    x = skeletons(np.random.default_rng(0), [3, 5], 5)
    out = to_np(layer(x))
    assert np.all(out[0, 3:] == 0) and np.all(out[0, :3] != 0)
    masking = keras.layers.Masking(0.0)
    mask = masking.compute_mask(keras.ops.convert_to_tensor(x))  # a tensor of the backend in use
    np.testing.assert_array_equal(to_np(mask), [[True] * 3 + [False] * 2, [True] * 5])
    np.testing.assert_array_equal(to_np(layer.compute_mask(x, mask)), to_np(mask))
    np.testing.assert_array_equal(to_np(masking.compute_mask(layer(x))), to_np(mask)), "padding stays padding"


def test_motion_of_a_constant_sequence_is_zero_and_one_step_shorter():
    pose = np.random.default_rng(0).normal(size=(J * 3,)).astype("float32")
    x = np.zeros((2, 8, J * 3), "float32")
    x[0, :8], x[1, :5] = pose, pose
    motion = layers.SkeletonMotion()
    np.testing.assert_array_equal(to_np(motion(x)), 0.0)
    mask = to_np(motion.compute_mask(x))
    assert mask.sum(axis=1).tolist() == [7, 4], "the motion of T frames has T - 1 steps"


def test_motion_is_the_difference_of_consecutive_frames():
    x = skeletons(np.random.default_rng(3), [6, 2], 6)
    out = to_np(layers.SkeletonMotion()(x))
    np.testing.assert_allclose(out[0, :5], x[0, 1:6] - x[0, :5], atol=1e-6)
    np.testing.assert_allclose(out[1, :1], x[1, 1:2] - x[1, :1], atol=1e-6)
    assert np.all(out[0, 5:] == 0) and np.all(out[1, 1:] == 0), "the step after the last frame is padding"


@given(shift=st.lists(st.floats(-2, 2), min_size=3, max_size=3), seed=st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_parent_relative_motion_of_a_rigid_translation_is_zero_but_at_the_root(shift, seed):
    pose = np.random.default_rng(seed).normal(size=(J, 3)).astype("float32")
    frames = np.stack([pose + k * np.asarray(shift, "float32") for k in range(4)]).reshape(1, 4, J * 3)
    out = to_np(layers.SkeletonMotion(relative_to_parent=True)(frames)).reshape(1, 4, J, 3)
    root = NTU_PARENTS.index(-1)
    np.testing.assert_allclose(out[0, :3, root], np.tile(shift, (3, 1)), atol=1e-5)
    others = [j for j in range(J) if j != root]
    np.testing.assert_allclose(out[0, :3, others], 0.0, atol=1e-5)


def test_parent_relative_motion_is_the_joint_motion_minus_its_parents():
    x = skeletons(np.random.default_rng(5), [5], 5)
    plain = to_np(layers.SkeletonMotion()(x)).reshape(1, 5, J, 3)
    chains = to_np(layers.SkeletonMotion(relative_to_parent=True)(x)).reshape(1, 5, J, 3)
    for j, parent in enumerate(NTU_PARENTS):
        expected = plain[0, :, j] - (plain[0, :, parent] if parent >= 0 else 0.0)
        np.testing.assert_allclose(chains[0, :, j], expected, atol=1e-5)


def test_two_stream_masks_line_up():
    set_seed(0)
    cfg = models.ModelConfig(n_features=75, n_classes=4, units=6, layers=1, front_end="two_stream")
    model = models.build_model(cfg)
    x = skeletons(np.random.default_rng(0), [6, 3], 8)
    # The streams' masks: poses T steps, motion T - 1, both from the same padding.
    pose_mask = np.any(x != 0, axis=-1)
    motion_mask = to_np(layers.SkeletonMotion().compute_mask(x))
    assert (pose_mask.sum(1) - motion_mask.sum(1)).tolist() == [1, 1]
    assert np.all(motion_mask <= pose_mask)
    p = model.predict_on_batch(x)
    longer = np.concatenate([x, np.zeros((2, 5, 75), "float32")], axis=1)
    np.testing.assert_allclose(model.predict_on_batch(longer), p, atol=1e-6)  # padding never read
    changed = x.copy()
    changed[1, 2] += 0.5  # the last real frame reaches the output through both streams
    assert np.abs(model.predict_on_batch(changed)[1] - p[1]).max() > 1e-5


@pytest.mark.parametrize("front_end", ["skeleton_transformer", "motion", "chain_motion", "two_stream"])
def test_models_with_each_front_end_save_and_load(tmp_path, front_end):
    set_seed(0)
    cfg = models.ModelConfig(n_features=75, n_classes=4, units=6, layers=1, front_end=front_end,
                             transformer="convex", sparsity=0.001)  # fmt: skip
    model = models.build_model(cfg)
    x = skeletons(np.random.default_rng(0), [5, 3], 5)
    model.save(tmp_path / "m.keras")
    again = models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict_on_batch(x), model.predict_on_batch(x), atol=1e-6)


def test_layer_configs_round_trip():
    layer = layers.SkeletonTransformer(25, variant="positive", sparsity=0.01, name="st")
    again = layers.SkeletonTransformer.from_config(layer.get_config())
    assert (again.variant, again.sparsity, again.virtual_joints) == ("positive", 0.01, 25)
    assert layers.SkeletonMotion.from_config(layers.SkeletonMotion(True).get_config()).relative_to_parent
    with pytest.raises(ValueError, match="variant"):
        layers.SkeletonTransformer(25, variant="concave")
