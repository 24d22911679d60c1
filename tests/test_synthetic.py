"""The synthetic NTU-like dataset: determinism, the NTU file format, and the properties each class must have."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skelrnn.data import actors
from skelrnn.data.ntu import protocols, reader, skeleton_format
from skelrnn.data.ntu.protocols import NTU_ACTIONS
from skelrnn.data.skeleton import LEFT_HAND, LEFT_SHOULDER, NTU_BONES, joint_index
from skelrnn.data.synthetic import body, generator, motion, performances
from skelrnn.data.synthetic.body import SPOTS
from skelrnn.data.synthetic.catalogue import CLASSES, INTERACTIONS
from skelrnn.data.synthetic.config import SyntheticConfig, sample_names

PELVIS = joint_index("base of spine")
LEFT_WRIST, RIGHT_WRIST = joint_index("left wrist"), joint_index("right wrist")
RIGHT_SHOULDER = joint_index("right shoulder")
LEFT_ANKLE, RIGHT_ANKLE = joint_index("left ankle"), joint_index("right ankle")


def main_xyz(seq: skeleton_format.SkeletonSequence) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions (T, 25, 3) of the first track and the frames where it is really seen (T,)."""
    xyz = seq.xyz(0)
    return xyz, seq.present[:, 0] & np.any(xyz != 0, axis=(1, 2))


def wide_fraction(xyz: np.ndarray) -> float:
    """Share of frames where the x-spread exceeds 0.8 of the y-spread (the NTU not-a-person rule)."""
    return float(np.mean(np.ptp(xyz[..., 0], axis=1) > 0.8 * np.ptp(xyz[..., 1], axis=1)))


def kabsch_rms(a: np.ndarray, b: np.ndarray) -> float:
    """RMS distance (metres) left after the best rotation and translation of points a (N, 3) onto b (N, 3)."""
    a0, b0 = a - a.mean(0), b - b.mean(0)
    u, _, vt = np.linalg.svd(a0.T @ b0)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rot = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return float(np.sqrt(np.mean(np.sum((a0 @ rot.T - b0) ** 2, axis=1))))


@pytest.fixture(scope="module")
def population():
    """Every sample of 4 subjects x 60 classes x 1 replication x 3 cameras (720), with default rates."""
    config = SyntheticConfig(n_subjects=4)
    return {name: generator.make_sequence(name, config) for name in sample_names(config)}


# ---------------------------------------------------------------------------------------------
# Configuration, names, files
# ---------------------------------------------------------------------------------------------


def test_default_dataset_size_and_names():
    names = sample_names()
    assert len(names) == 40 * 60 * 1 * 3 == len(set(names))
    assert all(skeleton_format.parse_sample_name(str(n)) == n for n in names)
    assert {n.camera for n in names} == {1, 2, 3} and {n.replication for n in names} == {1}
    assert sorted(CLASSES) == list(range(1, 61)) and SyntheticConfig().actions == tuple(range(1, 61))
    assert all(CLASSES[a].name == NTU_ACTIONS[a] for a in CLASSES), "NTU's official names"
    assert CLASSES[8].code == "A008" and CLASSES[9].name == "standing up (from sitting position)"
    assert INTERACTIONS == tuple(range(50, 61))
    # NTU's protocols on these names: 20 cross-subject training subjects of which 7 validate.
    split = protocols.split_indices(names, "cross_subject")
    assert {k: len(v) for k, v in split.items()} == {"train": 13 * 180, "validation": 7 * 180, "test": 20 * 180}
    view = protocols.split_indices(names, "cross_view", validation=False)
    assert {k: len(v) for k, v in view.items()} == {"test": 2400, "train": 4800}


def test_config_is_validated_and_serialisable():
    config = SyntheticConfig(actions=("A023", 8))
    assert config.actions == (8, 23)
    assert SyntheticConfig(**json.loads(json.dumps(config.to_dict()))) == config
    for bad, field in [
        (dict(n_subjects=0), "n_subjects"),
        (dict(n_cameras=4), "n_cameras"),
        (dict(actions=("A061",)), "actions"),
        (dict(occlusion_prob=2.0), "occlusion_prob"),
        (dict(left_handed=-0.1), "left_handed"),
        (dict(actions=(8, 8)), "actions"),
        (dict(actions=()), "actions"),
        (dict(min_frames=60, max_frames=50), "max_frames"),
        (dict(noise=-0.01), "noise"),
        (dict(failure_prob=1.5), "failure_prob"),
        (dict(seed=-1), "seed"),
        (dict(digits=True), "digits"),
    ]:
        with pytest.raises(ValueError, match=field):
            SyntheticConfig(**bad)


def test_names_outside_the_config_are_refused():
    config = SyntheticConfig.small()
    with pytest.raises(ValueError, match="subject"):
        generator.make_sequence("S001C001P004R001A008", config)
    with pytest.raises(ValueError, match="action"):
        generator.make_sequence("S001C001P001R001A010", config)
    with pytest.raises(ValueError, match="NTU sample name"):
        generator.make_sequence("P001", config)


def test_generate_is_deterministic_and_independent_of_workers(tmp_path):
    config = SyntheticConfig.small()
    one = generator.generate(tmp_path / "one", config, workers=1)
    two = generator.generate(tmp_path / "two", config, workers=2)
    assert [p.name for p in one] == [p.name for p in two] == [f"{n}.skeleton" for n in sample_names(config)]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    other = generator.generate(tmp_path / "seed1", SyntheticConfig.small(seed=1), workers=1)
    assert all(a.read_bytes() != b.read_bytes() for a, b in zip(one, other, strict=True))

    for k, path in enumerate(one):
        name = skeleton_format.parse_sample_name(path)
        seq = reader.read_skeleton(path)
        assert config.min_frames <= seq.n_frames <= config.max_frames
        if k % 7:
            continue
        made = generator.make_sequence(name, config)
        np.testing.assert_array_equal(seq.present, made.present)
        np.testing.assert_array_equal(seq.body_ids, made.body_ids)
        np.testing.assert_allclose(seq.joints, made.joints, rtol=1e-4, atol=1e-4)  # 5 digits written


def test_generate_is_idempotent_and_regenerates_on_change(tmp_path):
    config = SyntheticConfig.small(n_subjects=2, actions=(23,))
    paths = generator.generate(tmp_path, config, workers=1)
    record = json.loads((tmp_path / generator.MANIFEST).read_text())
    assert record["config"] == config.to_dict() and record["version"] == generator.VERSION
    assert record["files"] == [p.name for p in paths]
    stamps = [p.stat().st_mtime_ns for p in paths]
    assert generator.generate(tmp_path, config, workers=1) == paths
    assert [p.stat().st_mtime_ns for p in paths] == stamps  # nothing rewritten

    paths[0].unlink()  # a missing file: everything is made again
    assert generator.generate(tmp_path, config, workers=1) == paths and paths[0].exists()

    smaller = SyntheticConfig.small(n_subjects=1, actions=(23,), seed=5)
    new = generator.generate(tmp_path, smaller, workers=1)
    assert sorted(p.name for p in tmp_path.glob("*.skeleton")) == sorted(p.name for p in new)
    assert json.loads((tmp_path / generator.MANIFEST).read_text())["config"]["seed"] == 5


# ---------------------------------------------------------------------------------------------
# Properties over seeds and names
# ---------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    subject=st.integers(1, 40),
    replication=st.integers(1, 1),
    camera=st.integers(1, 3),
    action=st.sampled_from(sorted(CLASSES)),
)
def test_any_sample_is_a_plausible_kinect_recording(seed, subject, replication, camera, action):
    config = SyntheticConfig(seed=seed)
    name = skeleton_format.SampleName((subject - 1) % config.n_setups + 1, camera, subject, replication, action)
    seq = generator.make_sequence(name, config)
    again = generator.make_sequence(str(name), config)
    np.testing.assert_array_equal(seq.joints, again.joints)
    assert config.min_frames <= seq.n_frames <= config.max_frames
    assert seq.joints.shape == (seq.n_frames, seq.n_bodies, 25, 12) and seq.n_bodies in (1, 2)
    assert np.isfinite(seq.joints).all() and seq.present[0, 0]
    xyz, seen = main_xyz(seq)
    assert (~seen).sum() <= 10  # at most two failures of at most 5 frames
    assert np.all((xyz[seen, :, 2] > 0.5) & (xyz[seen, :, 2] < 6.0))  # in the Kinect's range
    assert wide_fraction(xyz[seen]) < 0.5  # the main actor passes the NTU person test
    joints = seq.joints[:, 0][seen]
    inside = (joints[..., 3] >= 0) & (joints[..., 3] < 512) & (joints[..., 4] >= 0) & (joints[..., 4] < 424)
    assert inside.mean() > 0.9
    norms = np.linalg.norm(joints[..., 7:11], axis=-1)
    leaves = [j for j in range(25) if j not in {p for p, _ in NTU_BONES}]
    np.testing.assert_allclose(norms[:, [j for j in range(25) if j not in leaves]], 1.0, atol=1e-9)
    assert np.all(norms[:, leaves] == 0)
    assert set(np.unique(joints[..., 11])) <= {1.0, 2.0}
    assert np.all((seq.body_ids > 72057594037927936) & (seq.body_ids < 72057594037927936 + 10**5))
    assert np.all(np.abs(seq.body_info[..., 6:8]) <= 1)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), action=st.sampled_from(sorted(CLASSES)))
def test_different_seeds_give_different_motion(seed, action):
    name = skeleton_format.SampleName(1, 1, 1, 1, action)
    a = generator.make_sequence(name, SyntheticConfig(seed=seed)).xyz(0)
    b = generator.make_sequence(name, SyntheticConfig(seed=seed + 1)).xyz(0)
    assert a.shape != b.shape or not np.allclose(a, b, atol=0.01)


# ---------------------------------------------------------------------------------------------
# The body, the cameras
# ---------------------------------------------------------------------------------------------


def bone_lengths(xyz: np.ndarray) -> np.ndarray:
    parents, children = np.array(NTU_BONES).T
    return np.linalg.norm(xyz[:, children] - xyz[:, parents], axis=-1)


def test_bones_keep_their_length_and_differ_between_subjects():
    exact = SyntheticConfig.small(noise=0.0)
    noisy = SyntheticConfig.small()
    means = []
    for subject in (1, 2, 3):
        name = skeleton_format.SampleName((subject - 1) % exact.n_setups + 1, 1, subject, 1, 23)
        xyz, seen = main_xyz(generator.make_sequence(name, exact))
        lengths = bone_lengths(xyz[seen])
        assert lengths.std(axis=0).max() < 1e-6  # forward kinematics: rigid bones
        xyz, seen = main_xyz(generator.make_sequence(name, noisy))
        assert np.median(bone_lengths(xyz[seen]).std(axis=0)) < 0.015  # up to the sensor noise
        means.append(lengths.mean(axis=0))
    for i in range(3):
        for j in range(i):
            assert np.max(np.abs(means[i] / means[j] - 1)) > 0.03


@pytest.mark.parametrize("noise, tolerance", [(0.0, 1e-6), (0.004, 0.04)])
def test_the_three_cameras_see_one_motion(noise, tolerance):
    config = SyntheticConfig.small(
        noise=noise, failure_prob=0.0, second_body_prob=0.0, occlusion_prob=0.0, actions=(22,)
    )
    views = [generator.make_sequence(skeleton_format.SampleName(1, c, 1, 2, 22), config).xyz(0) for c in (1, 2, 3)]
    assert views[0].shape == views[1].shape == views[2].shape
    points = [v.reshape(-1, 3) for v in views]
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert kabsch_rms(points[a], points[b]) < tolerance
        assert np.sqrt(np.mean(np.sum((points[a] - points[b]) ** 2, axis=1))) > 0.15  # not the same coordinates
    other = generator.make_sequence(skeleton_format.SampleName(1, 1, 1, 1, 22), config).xyz(0)
    n = min(len(other), len(views[0]))
    assert kabsch_rms(other[:n].reshape(-1, 3), views[0][:n].reshape(-1, 3)) > 0.1  # another performance


# ---------------------------------------------------------------------------------------------
# Classes that differ by time order, by one limb, by speed
# ---------------------------------------------------------------------------------------------


def test_stand_up_is_sit_down_reversed():
    p = np.arange(65) / 64  # exact in binary: reversed, it is exactly 1 - p
    up = CLASSES[9].generator(p, 1.1, np.random.default_rng(0))
    down = CLASSES[8].generator(p[::-1], 1.1, np.random.default_rng(0))
    np.testing.assert_array_equal(up.angles, down.angles)


def test_sitting_down_lowers_the_pelvis_and_standing_up_raises_it(population):
    for name, seq in population.items():
        if name.action in (8, 9):
            xyz, seen = main_xyz(seq)
            height = xyz[seen, PELVIS, 1]
            change = np.median(height[-5:]) - np.median(height[:5])
            assert (change < -0.25) if name.action == 8 else (change > 0.25), (name, change)


def travel(xyz: np.ndarray, joint: int) -> float:
    """How far a joint moves relative to the pelvis: the largest range over its three coordinates, metres."""
    rel = xyz[:, joint] - xyz[:, PELVIS]
    return float(np.ptp(rel, axis=0).max())


def test_waving_moves_one_arm_and_cheering_both(population):
    for name, seq in population.items():
        xyz, seen = main_xyz(seq)
        left, right = travel(xyz[seen], LEFT_WRIST), travel(xyz[seen], RIGHT_WRIST)
        if name.action == 23:
            assert right > 0.5 and right > 4 * left, (name, left, right)
        elif name.action == 22:
            assert left > 0.5 and right > 0.5, (name, left, right)


def test_hopping_lifts_one_leg_and_jumping_both(population):
    for name, seq in population.items():
        if name.action in (26, 27):
            xyz, seen = main_xyz(seq)
            gap = np.abs(xyz[seen, LEFT_ANKLE, 1] - xyz[seen, RIGHT_ANKLE, 1])
            rise = np.ptp(xyz[seen, PELVIS, 1])  # both move the whole body up and down
            if name.action == 26:
                assert np.percentile(gap, 60) > 0.15 and rise > 0.08, (name, gap, rise)
            else:
                assert np.percentile(gap, 90) < 0.08 and rise > 0.2, (name, gap, rise)


def test_punching_follows_the_pointing_path_faster():
    # The classes' paths, without the performers' variations (handedness, partial, hesitant).
    plain = dict(left_handed=0.0, partial_prob=0.0, hesitant_prob=0.0, occlusion_prob=0.0)
    config = SyntheticConfig.small(noise=0.0, failure_prob=0.0, second_body_prob=0.0, actions=(31, 50), **plain)
    peak = {31: [], 50: []}
    for name in sample_names(config):
        xyz = generator.make_sequence(name, config).xyz(0)
        arm = xyz[:, RIGHT_WRIST] - xyz[:, RIGHT_SHOULDER]
        trunk = xyz[:, joint_index("spine at the shoulders")] - xyz[:, PELVIS]
        cos = np.sum(arm * trunk, axis=1) / np.linalg.norm(arm, axis=1) / np.linalg.norm(trunk, axis=1)
        # Both raise the arm from hanging (180 degrees from the trunk's upward axis) to about horizontal.
        assert 75 < np.degrees(np.arccos(cos)).min() < 100, name
        peak[name.action].append(np.linalg.norm(np.diff(arm, axis=0), axis=1).max())
    assert np.median(peak[50]) > 1.5 * np.median(peak[31])


def test_falling_down_ends_lying_for_a_minority_of_frames(population):
    for name, seq in population.items():
        if name.action == 43:
            xyz, seen = main_xyz(seq)
            wide = np.ptp(xyz[seen][..., 0], axis=1) > 0.8 * np.ptp(xyz[seen][..., 1], axis=1)
            head_drop = xyz[seen][-1, joint_index("head"), 1] - xyz[seen][0, joint_index("head"), 1]
            assert head_drop < -0.9 and wide.mean() < 0.5, (name, head_drop, wide.mean())


# ---------------------------------------------------------------------------------------------
# Kinect failures and spurious bodies
# ---------------------------------------------------------------------------------------------


def test_failures_of_both_kinds_occur_and_are_short(population):
    missing = zeros = 0
    for seq in population.values():
        xyz = seq.xyz(0)
        gone = ~seq.present[:, 0]
        blank = seq.present[:, 0] & ~np.any(xyz != 0, axis=(1, 2))
        missing += gone.any()
        zeros += blank.any()
        others = seq.present[:, 1:].any(axis=1)
        assert not (gone & others).any()  # a frame without the actor has no body at all (body count 0)
        bad = np.concatenate([[0], (gone | blank).astype(int), [0]])
        runs = np.flatnonzero(np.diff(bad) == -1) - np.flatnonzero(np.diff(bad) == 1)
        assert runs.size == 0 or runs.max() <= 10  # stretches of 1-5 frames (two may touch)
        assert not (gone | blank)[0]
        assert seq.failed_frames()[gone | (blank & ~others)].all()  # what the reader calls a failure
    assert missing >= 5 and zeros >= 5


def test_second_bodies_are_rejected_by_the_ntu_rules_and_the_actor_is_not(population):
    extra = alone = 0
    for name, seq in population.items():
        xyz, seen = main_xyz(seq)
        assert wide_fraction(xyz[seen]) < 0.5, name
        if name.action in INTERACTIONS:
            continue
        alone += 1
        if seq.n_bodies == 2:
            extra += 1
            other = seq.xyz(1)[seq.present[:, 1]]
            assert len(other) <= 11 or wide_fraction(other) > 0.7, name
            assert seq.body_ids[1] != seq.body_ids[0]
    assert 0.03 * alone < extra < 0.25 * alone


def test_two_person_files_carry_two_real_people(population):
    for name, seq in population.items():
        if name.action not in INTERACTIONS:
            continue
        assert seq.n_bodies == 2 and seq.body_ids[0] != seq.body_ids[1], name
        np.testing.assert_array_equal(seq.present[:, 0], seq.present[:, 1])  # tracked together, all along
        both = seq.present[:, 0] & np.any(seq.xyz(0) != 0, axis=(1, 2))
        a, b = seq.xyz(0)[both], seq.xyz(1)[both]
        assert wide_fraction(b) < 0.5, name  # the partner passes the NTU person test too
        apart = np.linalg.norm(a[:, PELVIS] - b[:, PELVIS], axis=1)
        assert 0.3 < np.median(apart) < 3.5, (name, np.median(apart))
        assert abs(bone_lengths(a).mean() - bone_lengths(b).mean()) > 1e-4, "two different bodies"
    # The main-actor rule keeps both: the one that moves most is the actor, the other the second body.
    choices = [actors.choose_actors(seq) for n, seq in population.items() if n.action in INTERACTIONS]
    assert all(c.second is not None and not c.rejected for c in choices)


# ---------------------------------------------------------------------------------------------
# The sixty actions: reaching, mirrors, confusable groups
# ---------------------------------------------------------------------------------------------


def test_every_spot_is_reached_and_the_kinematics_agree():
    for spot, target in SPOTS.items():
        angles = body.reach(target)
        assert np.linalg.norm(body.hand_position(angles) - np.array(target)) < 0.02, spot
    # hand_position is the forward kinematics of the motion that move_arm writes.
    m = motion.Motion.rest(1)
    motion.move_arm(m, "L", x=-40, y=20, z=30, elbow=70)
    pos, _ = body.forward_kinematics(body.euler_matrices(np.radians(m.angles)), body.REST_OFFSETS)
    hand = pos[0, LEFT_HAND] - pos[0, PELVIS] + body.REST_POSITIONS[PELVIS]
    np.testing.assert_allclose(hand, body.hand_position((-40, 20, 30, 70)), atol=1e-12)
    with pytest.raises(ValueError, match="cannot get within 2 cm"):
        body.reach((0.0, 2.5, 0.0))


@settings(max_examples=20, deadline=None)
@given(action=st.sampled_from(sorted(CLASSES)), seed=st.integers(0, 2**16))
def test_mirroring_twice_is_the_identity_and_swaps_the_sides(action, seed):
    p = np.linspace(0.0, 1.0, 50)
    m = CLASSES[action].generator(p, 1.0, np.random.default_rng(seed))
    twice = motion.mirror(motion.mirror(m))
    np.testing.assert_array_equal(twice.angles, m.angles)
    once = motion.mirror(m)
    np.testing.assert_array_equal(once.angles[:, RIGHT_SHOULDER, 0], m.angles[:, LEFT_SHOULDER, 0])
    np.testing.assert_array_equal(once.angles[:, RIGHT_SHOULDER, 1:], -m.angles[:, LEFT_SHOULDER, 1:])


@pytest.mark.parametrize("wear, take_off", [(14, 15), (16, 17), (18, 19), (20, 21), (8, 9)])
def test_wear_and_take_off_are_one_path_in_opposite_time_orders(wear, take_off):
    p = np.arange(65) / 64  # exact in binary: reversed, it is exactly 1 - p
    on = CLASSES[wear].generator(p[::-1], 1.0, np.random.default_rng(3))
    off = CLASSES[take_off].generator(p, 1.0, np.random.default_rng(3))
    np.testing.assert_array_equal(on.angles, off.angles)


HAND_TO_HEAD = (1, 3, 4, 18, 20, 28, 37, 41, 44)
HAND_AT_CHEST = (11, 12, 29, 30, 33, 34, 39)


def test_confusable_groups_bring_a_hand_to_the_same_places(population):
    # Per class, over its 12 performances (partial ones stop short, so medians): how close a hand
    # comes to the head, and how high the highest hand rises above the neck.
    head, neck = joint_index("head"), joint_index("neck")
    hands = [joint_index("left hand"), joint_index("right hand")]
    near, height = {}, {}
    for name, seq in population.items():
        xyz, seen = main_xyz(seq)
        xyz = xyz[seen]
        near.setdefault(name.action, []).append(np.linalg.norm(xyz[:, hands] - xyz[:, [head]], axis=-1).min())
        height.setdefault(name.action, []).append((xyz[:, hands, 1] - xyz[:, [neck], 1]).max())
    for action in HAND_TO_HEAD:
        assert np.median(near[action]) < 0.22, (action, near[action])
    for action in HAND_AT_CHEST:
        assert np.median(near[action]) > 0.3 and np.max(height[action]) < 0.05, (action, near[action], height[action])


def test_subjects_differ_in_style_and_some_views_lose_a_limb(population):
    config = SyntheticConfig(n_subjects=4)
    styles = [performances.subject_style(s, config) for s in range(1, 41)]
    assert 2 <= sum(s.left_handed for s in styles) <= 12  # about 15 % of 40
    assert np.std([s.tempo for s in styles]) > 0.05 and np.std([s.amplitude for s in styles]) > 0.05
    occluded = 0
    for seq in population.values():
        inferred = seq.joints[:, 0, :, 11] == 1.0
        occluded += bool((inferred.mean(axis=0) > 0.18).any())  # one joint inferred in >= 18 % of frames
    assert 0.1 * len(population) < occluded < 0.4 * len(population)


def test_seated_variants_sit_for_the_whole_performance():
    config = SyntheticConfig(n_subjects=12, n_cameras=1, actions=(30,), failure_prob=0.0)
    heights = []
    for name in sample_names(config):
        xyz, seen = main_xyz(generator.make_sequence(name, config))
        floor = np.median(xyz[seen][:, [LEFT_ANKLE, RIGHT_ANKLE], 1])  # camera frame: heights from the ankles
        heights.append(np.median(xyz[seen][:, PELVIS, 1]) - floor)
    heights = np.array(heights)
    assert (heights < 0.65).any() and (heights > 0.75).any(), heights  # typing: seated and standing


def test_interactions_meet_approach_and_part():
    # Right-handed, complete performances: the partner's right hand meets the actor's in a
    # handshake; walking towards each other closes the gap by over a metre, walking apart opens it.
    config = SyntheticConfig(n_subjects=4, left_handed=0.0, partial_prob=0.0, hesitant_prob=0.0)
    right_hand = joint_index("right hand")
    for subject in range(1, 5):
        setup = (subject - 1) % config.n_setups + 1
        shake = generator.make_sequence(skeleton_format.SampleName(setup, 1, subject, 1, 58), config)
        a, b = shake.xyz(0), shake.xyz(1)
        middle = slice(int(0.4 * len(a)), int(0.6 * len(a)))
        assert np.linalg.norm(a[middle, right_hand] - b[middle, right_hand], axis=1).min() < 0.25, subject
        for action, sign in ((59, -1), (60, 1)):
            seq = generator.make_sequence(skeleton_format.SampleName(setup, 1, subject, 1, action), config)
            gap = np.linalg.norm(seq.xyz(0)[:, PELVIS] - seq.xyz(1)[:, PELVIS], axis=1)
            assert sign * (np.median(gap[-5:]) - np.median(gap[:5])) > 1.0, (subject, action, gap[[0, -1]])
