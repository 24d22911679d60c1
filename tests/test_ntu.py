"""The NTU .skeleton reader and writer: round trips, sample names, and clear errors on bad input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skelrnn import ntu, skeleton
from skelrnn.ntu import SkeletonFormatError


def random_sequence(rng, n_frames=5, n_bodies=2, absent=0.3):
    joints = np.round(rng.normal(size=(n_frames, n_bodies, 25, 12)), 7)
    info = np.round(rng.normal(size=(n_frames, n_bodies, 9)), 7)
    present = rng.random((n_frames, n_bodies)) > absent
    present[0] = True  # every track appears at least once, in slot order
    joints[~present] = 0
    info[~present] = 0
    ids = rng.integers(7 * 10**16, 8 * 10**16, size=n_bodies)
    return ntu.SkeletonSequence("mem", joints, info, present, ids)


def assert_same(a, b):
    np.testing.assert_array_equal(a.joints, b.joints)
    np.testing.assert_array_equal(a.body_info, b.body_info)
    np.testing.assert_array_equal(a.present, b.present)
    np.testing.assert_array_equal(a.body_ids, b.body_ids)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_write_then_read_gives_the_same_arrays(tmp_path, newline):
    seq = random_sequence(np.random.default_rng(0))
    path = ntu.write_skeleton(tmp_path / "S001C002P003R002A013.skeleton", seq, newline=newline)
    back = ntu.read_skeleton(path)
    assert_same(seq, back)
    assert back.joints.shape == (5, 2, 25, 12)


def test_any_whitespace_is_accepted():
    seq = random_sequence(np.random.default_rng(1), n_frames=2, n_bodies=1, absent=0)
    text = ntu.format_skeleton(seq).replace(" ", " \t  ").replace("\n", "  \n\n")
    assert_same(ntu.parse_skeleton(text), seq)


def test_body_tracks_follow_ids_not_positions():
    rng = np.random.default_rng(2)
    seq = random_sequence(rng, n_frames=2, n_bodies=2, absent=0)
    lines = ntu.format_skeleton(seq).splitlines()
    # Swap the two bodies of frame 2 in the text: the arrays must not change.
    start = 1 + 1 + 2 * 27 + 1
    swapped = lines[:start] + lines[start + 27 : start + 54] + lines[start : start + 27]
    assert_same(ntu.parse_skeleton("\n".join(swapped)), seq)


def test_failed_frames_are_detected():
    seq = random_sequence(np.random.default_rng(3), n_frames=4, n_bodies=1, absent=0)
    seq.joints[1] = 0  # all joints at 0
    seq.present[3] = False  # no body
    seq.joints[3] = 0
    np.testing.assert_array_equal(seq.failed_frames(), [False, True, False, True])


def test_sample_names():
    name = ntu.parse_sample_name("some/dir/S017C003P020R002A060.skeleton")
    assert name == (17, 3, 20, 2, 60) and str(name) == "S017C003P020R002A060"
    for bad in ["S01C002P003R002A013", "S001C002P003R002A013x", "s001c002p003r002a013", "A013"]:
        with pytest.raises(ValueError, match="SsssCcccPpppRrrrAaaa"):
            ntu.parse_sample_name(bad)


@pytest.mark.parametrize(
    "mutate, line, expected",
    [
        (lambda ls: ls[:40], 41, "joint"),  # truncated
        (lambda ls: ["-3"] + ls[1:], 1, "frame count"),
        (lambda ls: ["x"] + ls[1:], 1, "frame count"),
        (lambda ls: ls[:3] + ["24"] + ls[4:], 4, "joint count 25"),
        (lambda ls: ls[:10] + [ls[10].replace(ls[10].split()[2], "abc", 1)] + ls[11:], 11, "12 values"),
        (lambda ls: ls[:10] + [ls[10].replace(ls[10].split()[0], "nan", 1)] + ls[11:], 11, "finite"),
        (lambda ls: ls[:10] + [ls[10] + " 1.0"] + ls[11:], 11, "12 values"),
        (lambda ls: ls + ["0"], None, "end of the file"),
        (lambda ls: [], 1, "frame count"),
    ],
    ids=[
        "truncated",
        "negative-frames",
        "text-frames",
        "joint-count",
        "non-numeric",
        "nan",
        "extra-field",
        "trailing",
        "empty",
    ],
)
def test_corrupt_files_name_file_line_and_expectation(tmp_path, mutate, line, expected):
    seq = random_sequence(np.random.default_rng(4), n_frames=2, n_bodies=1, absent=0)
    lines = ntu.format_skeleton(seq).splitlines()
    path = tmp_path / "bad.skeleton"
    path.write_text("\n".join(mutate(lines)))
    with pytest.raises(SkeletonFormatError, match="expected") as err:
        ntu.read_skeleton(path)
    assert err.value.path == str(path) and str(path) in str(err.value)
    assert expected in str(err.value)
    if line is not None:
        assert err.value.line == line, str(err.value)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "b.skeleton"
    path.write_bytes(b"1\n1\n\x00\x01\x02")
    with pytest.raises(SkeletonFormatError, match="text file"):
        ntu.read_skeleton(path)
    path.write_bytes("1\n1\n\u00e9".encode())
    with pytest.raises(SkeletonFormatError, match="line 3: expected ASCII"):
        ntu.read_skeleton(path)


VALID = ntu.format_skeleton(random_sequence(np.random.default_rng(5), n_frames=2, n_bodies=2, absent=0))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 40)), max_size=3),
    inserts=st.lists(st.tuples(st.integers(0, len(VALID)), st.text(max_size=8)), max_size=3),
)
def test_fuzz_mutated_files_parse_or_raise_format_error(tmp_path_factory, cuts, inserts):
    text = VALID
    for pos, n in cuts:
        text = text[:pos] + text[pos + n :]
    for pos, s in inserts:
        text = text[:pos] + s + text[pos:]
    path = tmp_path_factory.mktemp("fuzz") / "f.skeleton"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        seq = ntu.read_skeleton(path)
    except SkeletonFormatError as err:
        assert err.path == str(path) and "expected" in str(err)
    else:
        # Whatever parses is a well-formed sequence.
        assert seq.joints.shape[2:] == (25, 12) and np.isfinite(seq.joints).all()
        assert seq.present.shape == seq.joints.shape[:2]


def test_skeleton_tree_and_detector_subset():
    assert len(skeleton.NTU_JOINTS) == 25 and len(skeleton.NTU_BONES) == 24
    # Every joint reaches the root (base of spine) through its parents.
    for j in range(25):
        seen = 0
        while skeleton.NTU_PARENTS[j] >= 0 and seen < 25:
            j, seen = skeleton.NTU_PARENTS[j], seen + 1
        assert j == 0
    x = np.arange(2 * 25 * 3).reshape(2, 25, 3)
    sub = skeleton.to_detector_joints(x)
    assert sub.shape == (2, 13, 3)
    assert sub[0, 0].tolist() == x[0, 3].tolist()  # head is NTU joint 4
    with pytest.raises(ValueError, match="25"):
        skeleton.to_detector_joints(np.zeros((3, 13, 3)))


def test_duplicate_body_id_in_a_frame_names_the_body_line():
    seq = random_sequence(np.random.default_rng(6), n_frames=1, n_bodies=2, absent=0)
    seq.body_ids[1] = seq.body_ids[0]
    with pytest.raises(SkeletonFormatError, match="distinct body IDs") as err:
        ntu.parse_skeleton(ntu.format_skeleton(seq), "dup.skeleton")
    assert err.value.line == 1 + 1 + 27 + 1  # frame count, body count, first body, second body line


def test_atomic_skeleton_write_leaves_no_temporary_file(tmp_path):
    seq = random_sequence(np.random.default_rng(7), n_frames=2, n_bodies=1)
    ntu.write_skeleton(tmp_path / "a.skeleton", seq, newline="\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.skeleton"]
    assert (tmp_path / "a.skeleton").read_bytes().count(b"\r\n") == 1 + 2 * (1 + 1 + 1 + 25)
