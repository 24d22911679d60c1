"""The NTU .skeleton reader and writer: round trips, sample names, and clear errors on bad input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skelrnn.data import skeleton
from skelrnn.data.ntu import reader, skeleton_format
from skelrnn.data.ntu.skeleton_format import SkeletonFormatError


def random_sequence(rng, n_frames=5, n_bodies=2, absent=0.3):
    joints = np.round(rng.normal(size=(n_frames, n_bodies, 25, 12)), 7)
    info = np.round(rng.normal(size=(n_frames, n_bodies, 9)), 7)
    present = rng.random((n_frames, n_bodies)) > absent
    present[0] = True  # every track appears at least once, in slot order
    joints[~present] = 0
    info[~present] = 0
    ids = rng.integers(7 * 10**16, 8 * 10**16, size=n_bodies)
    return skeleton_format.SkeletonSequence("mem", joints, info, present, ids)


def assert_same(a, b):
    np.testing.assert_array_equal(a.joints, b.joints)
    np.testing.assert_array_equal(a.body_info, b.body_info)
    np.testing.assert_array_equal(a.present, b.present)
    np.testing.assert_array_equal(a.body_ids, b.body_ids)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_write_then_read_gives_the_same_arrays(tmp_path, newline):
    seq = random_sequence(np.random.default_rng(0))
    path = skeleton_format.write_skeleton(tmp_path / "S001C002P003R002A013.skeleton", seq, newline=newline)
    back = reader.read_skeleton(path)
    assert_same(seq, back)
    assert back.joints.shape == (5, 2, 25, 12)


def test_any_whitespace_is_accepted():
    seq = random_sequence(np.random.default_rng(1), n_frames=2, n_bodies=1, absent=0)
    text = skeleton_format.format_skeleton(seq).replace(" ", " \t  ").replace("\n", "  \n\n")
    assert_same(reader.parse_skeleton(text), seq)


def test_body_tracks_follow_ids_not_positions():
    rng = np.random.default_rng(2)
    seq = random_sequence(rng, n_frames=2, n_bodies=2, absent=0)
    lines = skeleton_format.format_skeleton(seq).splitlines()
    # Swap the two bodies of frame 2 in the text: the arrays must not change.
    start = 1 + 1 + 2 * 27 + 1
    swapped = lines[:start] + lines[start + 27 : start + 54] + lines[start : start + 27]
    assert_same(reader.parse_skeleton("\n".join(swapped)), seq)


def test_failed_frames_are_detected():
    seq = random_sequence(np.random.default_rng(3), n_frames=4, n_bodies=1, absent=0)
    seq.joints[1] = 0  # all joints at 0
    seq.present[3] = False  # no body
    seq.joints[3] = 0
    np.testing.assert_array_equal(seq.failed_frames(), [False, True, False, True])


def test_sample_names():
    name = skeleton_format.parse_sample_name("some/dir/S017C003P020R002A060.skeleton")
    assert name == (17, 3, 20, 2, 60) and str(name) == "S017C003P020R002A060"
    for bad in ["S01C002P003R002A013", "S001C002P003R002A013x", "s001c002p003r002a013", "A013"]:
        with pytest.raises(ValueError, match="SsssCcccPpppRrrrAaaa"):
            skeleton_format.parse_sample_name(bad)


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
    lines = skeleton_format.format_skeleton(seq).splitlines()
    path = tmp_path / "bad.skeleton"
    path.write_text("\n".join(mutate(lines)))
    with pytest.raises(SkeletonFormatError, match="expected") as err:
        reader.read_skeleton(path)
    assert err.value.path == str(path) and str(path) in str(err.value)
    assert expected in str(err.value)
    if line is not None:
        assert err.value.line == line, str(err.value)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "b.skeleton"
    path.write_bytes(b"1\n1\n\x00\x01\x02")
    with pytest.raises(SkeletonFormatError, match="text file"):
        reader.read_skeleton(path)
    path.write_bytes("1\n1\n\u00e9".encode())
    with pytest.raises(SkeletonFormatError, match="line 3: expected ASCII"):
        reader.read_skeleton(path)


VALID = skeleton_format.format_skeleton(random_sequence(np.random.default_rng(5), n_frames=2, n_bodies=2, absent=0))


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
        seq = reader.read_skeleton(path)
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
        reader.parse_skeleton(skeleton_format.format_skeleton(seq), "dup.skeleton")
    assert err.value.line == 1 + 1 + 27 + 1  # frame count, body count, first body, second body line


def test_atomic_skeleton_write_leaves_no_temporary_file(tmp_path):
    seq = random_sequence(np.random.default_rng(7), n_frames=2, n_bodies=1)
    skeleton_format.write_skeleton(tmp_path / "a.skeleton", seq, newline="\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.skeleton"]
    assert (tmp_path / "a.skeleton").read_bytes().count(b"\r\n") == 1 + 2 * (1 + 1 + 1 + 25)


# ---------------------------------------------------------------------------------------------
# The compiled fast path against the careful parser
# ---------------------------------------------------------------------------------------------


def outcome(parse):
    """What a parse gives: the arrays (dtype, shape, bytes: -0.0 differs from 0.0) or the error."""
    try:
        seq = parse()
    except SkeletonFormatError as err:
        return ("error", str(err))
    arrays = (seq.joints, seq.body_info, seq.present, seq.body_ids)
    return ("ok", seq.path, tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays))


def careful_read(path):
    """read_skeleton as it was before the fast path: byte checks, then the careful parser."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise SkeletonFormatError(path, 0, "a text file", "binary data (NUL bytes)")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as err:
        raise SkeletonFormatError(path, data[: err.start].count(b"\n") + 1, "ASCII text", "a non-ASCII byte") from None
    return skeleton_format.parse_careful(text, path)


def kinect_like(rng, n_frames, n_bodies, absent=0.0):
    """Values like the Kinect SDK's: metres around z = 3, pixels, quaternions (some tiny), states."""
    seq = random_sequence(rng, n_frames, n_bodies, absent)
    seq.joints[..., :3] = rng.normal([0, 0, 3], 0.5, size=(n_frames, n_bodies, 25, 3))
    seq.joints[..., 3:7] = rng.uniform(0, 1900, size=(n_frames, n_bodies, 25, 4))
    seq.joints[..., 7:11] = rng.normal(size=(n_frames, n_bodies, 25, 4)) * 10.0 ** rng.integers(-7, 1, (1, 1, 25, 4))
    seq.joints[..., 11] = 2
    seq.joints[~seq.present] = 0
    seq.body_ids[:] = 72057594037927936 + rng.choice(9999, size=n_bodies, replace=False)
    return seq


_rng = np.random.default_rng(8)
BASES = [
    skeleton_format.format_skeleton(kinect_like(_rng, 2, 1), digits=7),
    skeleton_format.format_skeleton(kinect_like(_rng, 2, 2), newline="\r\n", digits=7),
    skeleton_format.format_skeleton(kinect_like(_rng, 3, 2, absent=0.4), digits=7),
    skeleton_format.format_skeleton(random_sequence(_rng, 2, 1, absent=0)),  # full precision: 17 digits
    skeleton_format.format_skeleton(kinect_like(_rng, 1, 1), digits=12),  # more digits than one lane
]
TOKENS = ["25", "025", "25.0", "+5", "1e3", "1E-5", "nan", "inf", "1e400", "-1", "1_0", "0", "-0", "-0.0", ".5", "5.",
          "-.5", "-", ".", "1.2.3", "--1", "1-", "e5", "0x10", "6", "7", "12345678901234567", "9007199254740993",
          "123456789.25", "0.000000000001", "72057594037927936", "99999999999999999999", "\uff11",
          "1.2345678901234567", "3e-7", "1E5", "-0e5", "+.5", "5e", "1e+", "0.12345678", "1234567.12345678",
          "00000000000000000001", "1e-400", "0e999"]  # fmt: skip
INSERTS = ["\r", "\n", "\r\n", "\t", " ", "  ", "\n\n", " \n", "\x0b", "\x0c", "\x1c", "\x85", "\x00", "\u00e9"]
_index = st.integers(0, 10**6)
MUTATIONS = st.one_of(
    st.tuples(st.just("delete"), _index),
    st.tuples(st.just("duplicate"), _index),
    st.tuples(st.just("swap"), _index, _index),
    st.tuples(st.just("token"), _index, _index, st.sampled_from(TOKENS)),
    st.tuples(st.just("split"), _index),
    st.tuples(st.just("join"), _index),
    st.tuples(st.just("insert"), _index, st.sampled_from(INSERTS)),
    st.tuples(st.just("truncate"), _index),
)


def mutate(text: str, mutation) -> str:
    kind, *args = mutation
    lines = text.split("\n")
    pick = lambda i, seq: i % len(seq)  # noqa: E731
    if kind == "delete":
        del lines[pick(args[0], lines)]
    elif kind == "duplicate":
        i = pick(args[0], lines)
        lines.insert(i, lines[i])
    elif kind == "swap":
        i, j = pick(args[0], lines), pick(args[1], lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "token":
        i = pick(args[0], lines)
        tokens = lines[i].split(" ")
        tokens[pick(args[1], tokens)] = args[2]
        lines[i] = " ".join(tokens)
    elif kind in ("split", "join"):
        old, new = (" ", "\n") if kind == "split" else ("\n", " ")
        at = text.find(old, args[0] % (len(text) + 1))
        return text if at < 0 else text[:at] + new + text[at + 1 :]
    elif kind == "insert":
        at = args[0] % (len(text) + 1)
        return text[:at] + args[1] + text[at:]
    else:
        return text[: args[0] % (len(text) + 1)]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), mutations=st.lists(MUTATIONS, max_size=4))
def test_fuzz_fast_path_agrees_with_careful_parser(base, mutations):
    text = base
    for mutation in mutations:
        text = mutate(text, mutation)
    assert outcome(lambda: reader.parse_skeleton(text, "fuzz.skeleton")) == outcome(
        lambda: skeleton_format.parse_careful(text, "fuzz.skeleton")
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), mutations=st.lists(MUTATIONS, max_size=3))
def test_fuzz_read_skeleton_agrees_with_careful_read(tmp_path_factory, base, mutations):
    text = base
    for mutation in mutations:
        text = mutate(text, mutation)
    path = tmp_path_factory.mktemp("fuzz") / "f.skeleton"
    path.write_bytes(text.encode("utf-8"))
    assert outcome(lambda: reader.read_skeleton(path)) == outcome(lambda: careful_read(path))


@pytest.mark.parametrize(
    "newline, spaces",
    [("\n", " "), ("\r\n", " "), ("\n", "  \t"), ("\n\n", " ")],
    ids=["lf", "crlf", "tabs-and-spaces", "blank-lines"],
)
def test_fast_path_is_taken_for_normal_files(tmp_path, monkeypatch, newline, spaces):
    seq = kinect_like(np.random.default_rng(9), 40, 2)
    text = skeleton_format.format_skeleton(seq, newline=newline, digits=7).replace(" ", spaces)
    path = tmp_path / "S001C001P001R001A001.skeleton"
    path.write_bytes(text.encode("ascii"))
    expected = outcome(lambda: careful_read(path))

    def refuse(*args):
        raise AssertionError("the careful parser ran")

    monkeypatch.setattr(skeleton_format, "parse_careful", refuse)
    assert outcome(lambda: reader.read_skeleton(path)) == expected
    assert outcome(lambda: reader.parse_skeleton(text, path)) == expected


def test_fast_path_handles_bodies_that_come_and_go(monkeypatch):
    seq = kinect_like(np.random.default_rng(10), 12, 3, absent=0.5)
    seq.present[5] = False  # a frame without bodies
    seq.joints[5] = 0
    seq.body_info[5] = 0
    text = skeleton_format.format_skeleton(seq, digits=7)
    expected = outcome(lambda: skeleton_format.parse_careful(text, "mem"))
    monkeypatch.setattr(skeleton_format, "parse_careful", None)  # must not be needed
    assert outcome(lambda: reader.parse_skeleton(text, "mem")) == expected


def test_numbers_convert_exactly_as_float(monkeypatch):
    # Every usual token shape: the SWAR path (up to 7 + 8 digits), byte by byte (more digits,
    # exponents), and float() for long tokens; -0 must stay -0.0.
    rng = np.random.default_rng(11)
    values = (rng.normal(size=3000) * 10.0 ** rng.integers(-9, 9, 3000)).tolist()
    formats = ["%.7g", "%.8g", "%.9g", "%.12g", "%.15g", "%.3f", "%.10f", "%r", "%.0f"]
    tokens = [fmt % v for fmt in formats for v in values]
    tokens += ["-0", "-0.0", "0.", ".5", "-.5", "007.50", "0.000000000000001", "123456789012345.6", "99999999.9"]
    tokens += ["9007199254740993", "900719925474099.3", "1e-05", "-1.5E+03", "0000000000000001.5"]
    tokens += ["0"] * (-len(tokens) % 300)
    lines = [" ".join(tokens[i : i + 12]) for i in range(0, len(tokens), 12)]
    blocks = [lines[i : i + 25] for i in range(0, len(lines), 25)]
    text = f"{len(blocks)}\n" + "".join("1\n7 0 0 0 0 0 0 0 0 2\n25\n" + "\n".join(b) + "\n" for b in blocks)
    monkeypatch.setattr(skeleton_format, "parse_careful", None)  # the fast path must take it all
    seq = reader.parse_skeleton(text)
    got = seq.joints.reshape(-1)[: len(tokens)]
    want = np.array([float(t) for t in tokens])
    assert got.tobytes() == want.tobytes()


def joint_file(tokens: list[str], pad_front: bool = False) -> str:
    """A valid file holding ``tokens`` as joint values (zeros after them, or before), one body per frame."""
    pad = ["0"] * (-len(tokens) % 300)
    tokens = pad + tokens if pad_front else tokens + pad
    lines = [" ".join(tokens[i : i + 12]) for i in range(0, len(tokens), 12)]
    blocks = [lines[i : i + 25] for i in range(0, len(lines), 25)]
    return f"{len(blocks)}\n" + "".join("1\n7 0 0 0 0 0 0 0 0 2\n25\n" + "\n".join(b) + "\n" for b in blocks)


def test_long_tokens_and_exponents_read_exactly_as_float(monkeypatch):
    tokens = ["1.2345678901234567", "3e-7", "1E5", "-1.2345678901234567", "12345678901234567890", "1e22", "1e23"]
    tokens += ["9007199254740993", "0.1e-22", "4.9e-324", "1.7976931348623157e308", "-3E-007", "2.5e+3", "+1e0"]
    tokens += ["123456789012345678", "0.000000000000000000000000001", "-0e-5", "1.e5", ".5E1", "7.0000000000000001"]
    text = joint_file(tokens)
    monkeypatch.setattr(skeleton_format, "parse_careful", None)  # the fast path must take it all
    for seq in (reader.parse_skeleton(text), reader.parse_skeleton(text.replace("\n", "\r\n"))):
        got = seq.joints.reshape(-1)[: len(tokens)]
        assert got.tobytes() == np.array([float(t) for t in tokens]).tobytes()
    # The shortest tokens left to float(), everywhere: the kernel's list of them must hold them all.
    seq = reader.parse_skeleton(joint_file(["1e23", "-9e99"] * 600))
    assert seq.joints.tobytes() == np.array([1e23, -9e99] * 600).tobytes()


def test_every_token_shape_converts_exactly(monkeypatch):
    # Random [sign] digits [. digits] [e sign digits], up to 20 + 20 digits, at every offset
    # (the SWAR path needs 16 bytes, so the last tokens of the file are read byte by byte).
    rng = np.random.default_rng(14)
    tokens = []
    for _ in range(6000):
        sign = str(rng.choice(["", "-", "+"]))
        longest = 21 if rng.random() < 0.3 else 10  # mostly the lengths around the SWAR path's limits
        whole = "".join(map(str, rng.integers(0, 10, rng.integers(0, longest))))
        frac = "".join(map(str, rng.integers(0, 10, rng.integers(0, longest))))
        mantissa = whole + ("." + frac if rng.random() < 0.7 else "")
        if rng.random() < 0.2:
            mantissa += str(rng.choice(["e", "E"])) + str(rng.choice(["", "-", "+"])) + str(rng.integers(0, 30))
        if mantissa[:1].isdigit() or (mantissa[:1] == "." and mantissa[1:2].isdigit()):
            tokens.append(sign + mantissa)
    monkeypatch.setattr(skeleton_format, "parse_careful", None)
    for cut in range(8):  # the random tokens end the file, each time with other lengths
        part = tokens[: len(tokens) - cut]
        seq = reader.parse_skeleton(joint_file(part, pad_front=True).rstrip("\n"))
        got = seq.joints.reshape(-1)[-len(part) :]
        assert got.tobytes() == np.array([float(t) for t in part]).tobytes()


GLUED = ["1.5.3", "1.5-2", "-0.25+1", "12.5e", "3.25,1", "1.5!1", "7.5#1", "2-1", "5..5", "1e5e5"]


@pytest.mark.parametrize("glued", GLUED)
@pytest.mark.parametrize("line", [10, 20, -1], ids=["first-joint", "later-joint", "last-line"])
def test_a_malformed_number_is_one_token_not_two(glued, line):
    # 11 tokens where 12 are expected, one of them two numbers glued by an odd byte: an error,
    # whether the token is read 8 bytes at a time or byte by byte (the end of the file).
    lines = skeleton_format.format_skeleton(kinect_like(np.random.default_rng(17), 1, 1), digits=7).splitlines()
    tokens = lines[line].split()
    lines[line] = " ".join(tokens[:3] + [glued] + tokens[5:])
    text = "\n".join(lines)
    expected = outcome(lambda: skeleton_format.parse_careful(text, "mem"))
    assert expected[0] == "error"
    assert outcome(lambda: reader.parse_skeleton(text, "mem")) == expected


def test_without_numba_the_careful_parser_reads_everything(monkeypatch):
    text = skeleton_format.format_skeleton(kinect_like(np.random.default_rng(15), 6, 2, absent=0.3), digits=7)
    expected = outcome(lambda: reader.parse_skeleton(text, "mem"))
    monkeypatch.setattr(reader, "compile_reader", lambda: ())
    assert reader.parse_fast(text.encode(), "mem") is None
    assert outcome(lambda: reader.parse_skeleton(text, "mem")) == expected


def test_many_body_ids_keep_the_order_of_first_appearance(monkeypatch):
    # More tracks than any frame holds: IDs come and go; the order is that of first appearance.
    rng = np.random.default_rng(16)
    seq = kinect_like(rng, 60, 40)
    seq.present[:] = False
    for b in range(40):
        seq.present[b + 5 : b + 5 + rng.integers(1, 4), b] = True  # track b first appears in frame b + 5
    seq.joints[~seq.present] = 0
    seq.body_info[~seq.present] = 0
    seq.body_ids[:] = rng.permutation(10**17 + np.arange(40))  # not sorted: order is not by value
    text = skeleton_format.format_skeleton(seq, digits=7)
    expected = outcome(lambda: skeleton_format.parse_careful(text, "mem"))
    assert expected[0] == "ok"
    monkeypatch.setattr(skeleton_format, "parse_careful", None)
    got = reader.parse_skeleton(text, "mem")
    assert outcome(lambda: got) == expected
    np.testing.assert_array_equal(got.body_ids, seq.body_ids)


def test_results_do_not_share_the_work_arrays(tmp_path):
    first = reader.parse_skeleton(
        skeleton_format.format_skeleton(kinect_like(np.random.default_rng(12), 5, 1), digits=7)
    )
    kept = first.joints.copy(), first.body_info.copy()
    reader.parse_skeleton(skeleton_format.format_skeleton(kinect_like(np.random.default_rng(13), 7, 2), digits=7))
    assert first.joints.tobytes() == kept[0].tobytes() and first.body_info.tobytes() == kept[1].tobytes()
