"""skelrnn.core.safe_pickle: data pickles and object .npy files read without running anything in them.

Round trips (protocols 2-5, NumPy 1's and Python 2's names), malicious pickles that would create a
marker file if anything in them ran (each refused, nothing imported), NumPy dtype forgeries that
crash ``pickle.load`` (read in a child process), truncated and random bytes, and ``load_npy``.
"""

import collections
import contextlib
import gc
import importlib
import io
import operator
import os
import pickle
import re
import struct
import subprocess
import sys
import uuid
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skelrnn.core.safe_pickle import PickleFormatError, UnsafePickleError, load, load_npy, loads

PROTOCOLS = (2, 3, 4, 5)


def same(a, b) -> bool:
    """``a`` and ``b`` of the same types, equal all the way down (arrays: dtype, shape and bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype and a.dtype.newbyteorder("=") == b.dtype.newbyteorder("="):
            b = b.astype(a.dtype)  # NumPy 2 unpickles a big-endian array in native order (pickle.load too)
        if a.dtype != b.dtype or a.shape != b.shape or a.dtype.isalignedstruct != b.dtype.isalignedstruct:
            return False
        if a.dtype.names is not None and a.dtype.hasobject:
            return all(same(a[name], b[name]) for name in a.dtype.names)
        if a.dtype.hasobject:
            return all(same(x, y) for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True))
        return a.tobytes() == b.tobytes()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, np.dtype):
        return a == b and a.flags == b.flags and a.isalignedstruct == b.isalignedstruct
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def object_array(items, shape=None) -> np.ndarray:
    """An object array holding ``items`` as they are (NumPy would unpack nested sequences)."""
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array.reshape(shape) if shape is not None else array


def structured_with_objects() -> np.ndarray:
    array = np.zeros(3, dtype=[("i", ">i4"), ("o", "O"), ("pair", "O", (2,))])
    array["o"] = object_array([{"k": np.arange(2)}, np.arange(3.0), None])
    array["pair"][0] = object_array([np.ones(2, np.float16), "x"])
    return array


ROUND_TRIPS = {
    "nested builtins": {
        "name": "S001C001P001R001A001",
        "values": [1, -(2**70), 2.5, float("inf"), True, False, None, b"\x00\xffbytes", b"", "é漢"],
        "tuple": (1, ("nested", (None,))),
        "set": {1, 2, "three"},
        "frozenset": frozenset({4, 5}),
        "bytearray": bytearray(b"\x80mutable"),
        "complex": 1 - 2j,
        "slice": slice(1, None, 2),
        "ordered": collections.OrderedDict([("b", 1), ("a", [2])]),
        7: "an int key",
    },
    "float16": np.arange(12, dtype=np.float16).reshape(3, 4) / 7,
    "float32": np.linspace(-1, 1, 10, dtype=np.float32),
    "float64 with nan": np.array([np.nan, -0.0, np.inf, 1e-300]),
    "int64": np.array([-(2**63), 2**63 - 1, 0]),
    "bool": np.array([[True, False], [False, True]]),
    "0-d": np.array(3.5),
    "empty": np.zeros((2, 0, 3), dtype=np.float32),
    "non-contiguous": np.arange(24.0).reshape(4, 6)[::2, 1::3],
    "fortran": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
    "big-endian": np.arange(5, dtype=">f8"),
    "big-endian ints": np.arange(5, dtype=">i4").reshape(5, 1),
    "large (NumPy references its bytes)": np.arange(5000, dtype=np.float32),
    "unicode": np.array(["ab", "é漢", ""]),
    "bytes strings": np.array([b"ab", b"\xff"]),
    "datetime": np.array(["2016-04-01", "NaT"], dtype="M8[D]"),
    "timedelta": np.array([3, 4], dtype="m8[10s]"),
    "structured": np.zeros(3, dtype=[("x", "<f4"), ("n", ">i8"), ("s", "S3")]),
    "aligned structured": np.ones(2, dtype=np.dtype([("a", "i1"), ("b", "<f8")], align=True)),
    "subarray field": np.ones(2, dtype=[("xyz", "<f4", (25, 3))]),
    "structured with objects": structured_with_objects(),
    "object array of dicts of arrays": object_array(
        [{"skel_body0": np.zeros((4, 25, 3)), "nbodys": [1]}, {"rgb": np.ones((2, 2), np.float32)}]
    ),
    "object array of arrays": object_array([np.arange(3), np.arange(2.0), None, "text"], (2, 2)),
    "0-d object array (np.save of a dict)": np.array({"file_name": "S001", "njoints": 25}, dtype=object),
    "scalars": [np.float16(1.5), np.float32(-2.25), np.float64(np.pi), np.int64(-7), np.uint8(200), np.bool_(True)],
    "more scalars": [np.str_("ab"), np.bytes_(b"x"), np.complex64(1 + 2j), np.datetime64("2020-01-01"), np.void(b"ab")],
    "dtypes": [np.dtype("f2"), np.dtype(">U3"), np.dtype("M8[us]"), np.dtype([("a", "O"), ("b", ">f4", (2,))])],
    "titled field": np.zeros(2, dtype=[(("a title", "x"), "<f4")]),
    "numpy scalar keys": {np.int64(3): "three", np.str_("s"): np.float32(1)},
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_round_trips_give_back_the_object(name, protocol):
    obj = ROUND_TRIPS[name]
    data = pickle.dumps(obj, protocol=protocol)
    assert same(loads(data), obj)
    assert same(loads(data), pickle.loads(data))  # what pickle.load gives, writable flags included
    if isinstance(obj, np.ndarray):
        assert loads(data).flags.writeable == pickle.loads(data).flags.writeable


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_shared_and_cyclic_references_stay_so(protocol):
    array, listed = np.arange(3.0), [1]
    cycle = [np.arange(2)]
    cycle.append(cycle)
    obj = {"a": array, "b": [array, (array, listed)], "c": listed, "cycle": cycle, "keys": {np.dtype("f4"): array}}
    out = loads(pickle.dumps(obj, protocol=protocol))
    assert out["a"] is out["b"][0] is out["b"][1][0] and out["c"] is out["b"][1][1]
    assert out["cycle"][1] is out["cycle"] and same(out["cycle"][0], np.arange(2))
    assert list(out["keys"]) == [np.dtype("f4")] and out["keys"][np.dtype("f4")] is out["a"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_protocol_5_out_of_band_buffers_are_not_read(protocol):
    array = np.arange(10.0)
    assert same(loads(pickle.dumps(array, protocol=5)), array)  # in-band
    data = pickle.dumps(array, protocol=5, buffer_callback=lambda buffer: False)  # out-of-band
    with pytest.raises(PickleFormatError, match="out-of-band"):
        loads(data, "oob.pkl")


def numpy1_names(data: bytes, protocol: int) -> bytes:
    """The pickle ``data`` as NumPy 1 writes it: ``numpy.core`` for ``numpy._core``."""
    if protocol >= 4:
        if data[2] == pickle.FRAME[0]:  # a small pickle is one frame: drop it (frames are optional)
            data = data[:2] + data[11:]
        data = data.replace(b"\x8c\x16numpy._core.multiarray", b"\x8c\x15numpy.core.multiarray")
        data = data.replace(b"\x8c\x13numpy._core.numeric", b"\x8c\x12numpy.core.numeric")
    else:
        data = data.replace(b"numpy._core.", b"numpy.core.")
    assert b"numpy._core" not in data and b"numpy.core." in data
    return data


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_numpy_1_pickles_map_to_this_numpys_objects(protocol):
    obj = {
        "keypoint": np.arange(24, dtype=np.float16).reshape(2, 4, 3),
        "scores": object_array([np.float32(0.5), np.arange(2)]),
        "label": np.int64(3),
    }
    data = numpy1_names(pickle.dumps(obj, protocol=protocol), protocol)
    modules = set(sys.modules)
    out = loads(data)
    assert same(out, obj) and type(out["keypoint"]) is np.ndarray
    assert not {m for m in set(sys.modules) - modules if m.startswith("numpy")}  # nothing imported


def py2_string(text: bytes) -> bytes:
    """Python 2's str in a protocol 2 pickle (SHORT_BINSTRING or BINSTRING)."""
    return b"U" + bytes([len(text)]) + text if len(text) < 256 else b"T" + struct.pack("<I", len(text)) + text


def test_a_python_2_pickle_of_numpy_arrays_reads():
    keypoint = np.array([[-1.5, 2.25, 1e100], [0.0, -0.0, 3.0]])
    dtype_f8 = b"cnumpy\ndtype\n" + py2_string(b"f8") + b"K\x00K\x01\x87R"
    dtype_f8 += b"(K\x03" + py2_string(b"<") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    array = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + py2_string(b"b") + b"\x87R"
    array += b"(K\x01K\x02K\x03\x86" + dtype_f8 + b"\x89" + py2_string(keypoint.tobytes()) + b"tb"
    data = b"\x80\x02}(" + py2_string(b"frame_dir") + py2_string(b"S001C001P001R001A001")
    data += py2_string(b"keypoint") + array
    data += py2_string(b"labels") + b"c__builtin__\nset\n](K\x01K\x02e\x85R"
    data += (
        py2_string(b"label")
        + b"cnumpy.core.multiarray\nscalar\n"
        + dtype_f8
        + py2_string(b"\x00" * 7 + b"\xc0")
        + b"\x86R"
    )
    data += b"u."
    expected = {"frame_dir": "S001C001P001R001A001", "keypoint": keypoint, "labels": {1, 2}, "label": np.float64(-2.0)}
    with warnings.catch_warnings():  # pickle.loads imports numpy.core: deprecated in NumPy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        assert same(pickle.loads(data, encoding="latin1"), expected)  # a valid Python 2 pickle
    assert same(loads(data), expected)


nested = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.binary(max_size=6)
    | hnp.arrays(
        st.sampled_from(["f2", "f4", "f8", "i8", "?", ">f8", "<U2"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    )
    | hnp.from_dtype(np.dtype("f4"))
    | hnp.from_dtype(np.dtype("i8")),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=4) | st.integers(), children, max_size=3)
        | st.sets(st.integers() | st.text(max_size=3), max_size=3)
        | st.lists(children, max_size=3).map(object_array)
    ),
    max_leaves=12,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=nested, protocol=st.sampled_from(PROTOCOLS))
def test_nested_structures_round_trip(obj, protocol):
    assert same(loads(pickle.dumps(obj, protocol=protocol)), obj)


# --- Malicious pickles: each would create the marker file if anything in it ran. ---


class Call:
    """Pickles as ``function(*args)``: how a malicious file makes the unpickler call something."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args

    def __call__(self, *args):  # pickle wants a callable here; only the unpickled call matters
        raise NotImplementedError


def raw_string(text: str) -> bytes:
    return text.encode("raw-unicode-escape")


def short_unicode(text: str) -> bytes:
    encoded = text.encode()
    return b"\x8c" + bytes([len(encoded)]) + encoded


@pytest.fixture
def crafted(tmp_path, monkeypatch):
    """A module in ``tmp_path`` (on ``sys.path``) that creates the marker when it is imported."""
    marker = tmp_path / "ran.npy"
    name = f"skelrnn_crafted_{uuid.uuid4().hex[:12]}"
    (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n\ndef touch():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, marker
    sys.modules.pop(name, None)


PAYLOAD_NAMES = [
    "os.system",
    "subprocess.Popen",
    "subprocess.check_call",
    "builtins.eval",
    "builtins.exec",
    "builtins.__import__",
    "importlib.import_module",
    "a global of the crafted module",
    "numpy.save (numpy admitted, not this name)",
    "numpy.savetxt",
    "numpy.load of a pickled .npy",
    "numpy.fromfile",
    "getattr chain",
    "operator.attrgetter",
    "a dotted name in an admitted module (STACK_GLOBAL)",
    "STACK_GLOBAL by hand",
    "INST by hand",
    "OBJ by hand",
    "range (refused: a few bytes into unbounded work)",
]


def payloads(tmp_path, module: str) -> dict[str, tuple[bytes, tuple[str, str]]]:
    """``{name: (pickle, (module, name) of the global it must be refused for)}``, each of them
    creating ``tmp_path / "ran.npy"`` when ``pickle.load`` reads it."""
    marker = str(tmp_path / "ran.npy")
    command = f"touch {marker}"
    python = f"open({marker!r}, 'w').close()"
    evil_npy = tmp_path / "evil.npy"  # np.load(allow_pickle=True) of it runs os.system
    np.save(evil_npy, object_array([Call(os.system, command)]), allow_pickle=True)
    system = (os.system.__module__, "system")
    out = {
        "os.system": (pickle.dumps(Call(os.system, command), 2), system),
        "subprocess.Popen": (pickle.dumps(Call(subprocess.Popen, ["touch", marker]), 4), ("subprocess", "Popen")),
        "subprocess.check_call": (
            pickle.dumps(Call(subprocess.check_call, ["touch", marker]), 3),
            ("subprocess", "check_call"),
        ),
        "builtins.eval": (pickle.dumps(Call(eval, python), 4), ("builtins", "eval")),
        "builtins.exec": (pickle.dumps(Call(exec, python), 0), ("__builtin__", "exec")),
        "builtins.__import__": (pickle.dumps(Call(__import__, module), 4), ("builtins", "__import__")),
        "importlib.import_module": (
            pickle.dumps(Call(importlib.import_module, module), 2),
            ("importlib", "import_module"),
        ),
        "a global of the crafted module": (b"c" + module.encode() + b"\ntouch\n.", (module, "touch")),
        "numpy.save (numpy admitted, not this name)": (pickle.dumps(Call(np.save, marker, [0]), 4), ("numpy", "save")),
        "numpy.savetxt": (pickle.dumps(Call(np.savetxt, marker, [0]), 2), ("numpy", "savetxt")),
        "numpy.load of a pickled .npy": (pickle.dumps(Call(np.load, str(evil_npy), None, True), 4), ("numpy", "load")),
        "numpy.fromfile": (pickle.dumps(Call(np.fromfile, marker), 5), ("numpy", "fromfile")),
        "getattr chain": (
            pickle.dumps(Call(Call(getattr, Call(__import__, "os"), "system"), command), 4),
            ("builtins", "getattr"),
        ),
        "operator.attrgetter": (
            pickle.dumps(Call(Call(operator.attrgetter("system"), Call(importlib.import_module, "os")), command), 2),
            ("operator", "attrgetter"),
        ),
        "a dotted name in an admitted module (STACK_GLOBAL)": (
            b"\x80\x04" + short_unicode("numpy") + short_unicode("dtype.__reduce__") + b"\x93)R.",
            ("numpy", "dtype.__reduce__"),
        ),
        "STACK_GLOBAL by hand": (
            b"\x80\x04" + short_unicode("os") + short_unicode("system") + b"\x93" + short_unicode(command) + b"\x85R.",
            ("os", "system"),
        ),
        "INST by hand": (b"(V" + raw_string(command) + b"\nios\nsystem\n.", ("os", "system")),
        "OBJ by hand": (b"(cos\nsystem\nV" + raw_string(command) + b"\no.", ("os", "system")),
        "range (refused: a few bytes into unbounded work)": (
            b"\x80\x02c__builtin__\nset\nc__builtin__\nxrange\n\x8a\x06"
            + (10**12).to_bytes(6, "little")
            + b"\x85R\x85R.",
            ("__builtin__", "xrange"),
        ),
    }
    assert list(out) == PAYLOAD_NAMES
    return out


def npy_holding(data: bytes) -> bytes:
    """A ``.npy`` file of a 0-d object array whose pickle is ``data`` (np.save's layout)."""
    fh = io.BytesIO()
    np.lib.format.write_array_header_1_0(fh, {"descr": "|O", "fortran_order": False, "shape": ()})
    return fh.getvalue() + data


@pytest.mark.parametrize("container", ["pickle", "npy"])
@pytest.mark.parametrize("name", PAYLOAD_NAMES)
def test_malicious_pickles_are_refused_and_nothing_runs(name, container, tmp_path, crafted):
    module, marker = crafted
    data, (global_module, global_name) = payloads(tmp_path, module)[name]
    path = tmp_path / ("payload.pkl" if container == "pickle" else "payload.npy")
    path.write_bytes(data if container == "pickle" else npy_holding(data))
    with pytest.raises(UnsafePickleError) as refused:
        load(path) if container == "pickle" else load_npy(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: refused to load") and f"{global_module}.{global_name}" in message
    assert (refused.value.source, refused.value.module, refused.value.name) == (str(path), global_module, global_name)
    assert not marker.exists() and module not in sys.modules


@pytest.mark.parametrize(
    "name", [n for n in PAYLOAD_NAMES if "fromfile" not in n and "dotted" not in n and "range" not in n]
)
def test_the_malicious_pickles_do_run_under_pickle_load(name, tmp_path, crafted):
    """The control: ``pickle.loads`` of each payload creates the marker (the test above is not vacuous)."""
    module, marker = crafted
    result = pickle.loads(payloads(tmp_path, module)[name][0])
    if isinstance(result, subprocess.Popen):
        result.wait()
    assert marker.exists()


def test_a_persistent_id_is_refused(tmp_path):
    class Persistent(pickle.Pickler):
        def persistent_id(self, obj):
            return "outside the file" if obj == "secret" else None

    fh = io.BytesIO()
    Persistent(fh, protocol=2).dump({"x": "secret"})
    path = tmp_path / "persistent.pkl"
    path.write_bytes(fh.getvalue())
    with pytest.raises(PickleFormatError, match=r"persistent id 'outside the file'") as refused:
        load(path)
    assert str(refused.value).startswith(f"{path}: not a readable pickle (UnpicklingError: ")


def test_class_instances_are_refused():
    from fractions import Fraction

    with pytest.raises(UnsafePickleError, match=r"the global fractions\.Fraction"):
        loads(pickle.dumps({"x": Fraction(1, 3)}, 4), "fraction.pkl")


# NumPy's own unpickling takes a dtype's flags, offsets and size from the file: with them a file
# makes bytes into object pointers (pickle.load of these crashes). Read in a child process, so that
# a regression is a failed test, not a crashed session.
_FORGERIES = """
import pickle, sys
import numpy as np
from skelrnn.core.safe_pickle import PickleFormatError, loads

_reconstruct = np.empty(0).__reduce__()[0]

class Call:
    def __init__(self, function, *args, state=None):
        self.function, self.args, self.state = function, args, state
    def __reduce__(self):
        return (self.function, self.args) if self.state is None else (self.function, self.args, self.state)

def dtype(spec, state):
    return Call(np.dtype, spec, False, True, state=state)

def array(shape, descr, data):
    return Call(_reconstruct, np.ndarray, (0,), b"b", state=(1, shape, descr, False, data))

plain = lambda spec, flags=0: dtype(spec, (3, "<", None, None, None, -1, -1, flags))
obj = lambda flags: dtype("O8", (3, "|", None, None, None, -1, -1, flags))
forgeries = {
    "object dtype flagged as holding no objects": array((1,), obj(0), b"A" * 8),
    "object dtype flagged as not pickled as a list": array((1,), obj(61), b"A" * 8),
    "float dtype flagged as holding objects": array((1,), plain("f8", 63), b"A" * 8),
    "overlapping object field": array(
        (1,), dtype("V8", (3, "|", None, ("a", "b"), {"a": (obj(63), 0), "b": (plain("i8"), 0)}, 8, 1, 27)), [(None, 5)]
    ),
    "field beyond the item size": array(
        (1,), dtype("V8", (3, "|", None, ("a",), {"a": (plain("f8"), 1000)}, 8, 1, 0)), b"A" * 8
    ),
    "unicode item size beyond the data": array((1,), dtype("U3", (3, "<", None, None, None, 10**9, 4, 8)), b"A" * 12),
    "an object array of a trillion elements": array((10**12,), obj(63), []),
    "numpy.ndarray called over raw bytes": Call(np.ndarray, (1,), "O", b"A" * 8),
    "a dtype spec NumPy would parse as a comma string": array(
        (1,), dtype("f8,O", (3, "|", None, None, None, -1, -1, 63)), b"A" * 8
    ),
}
for name, forgery in forgeries.items():
    try:
        result = loads(pickle.dumps(forgery, protocol=2), name)
    except PickleFormatError as err:
        print("refused:", err)
    else:  # read, then: its dtype is NumPy's own, so its elements can be used
        print("read:", name, result.dtype, result.dtype.flags, repr(result.tolist())[:40])
print("survived")
"""


def test_numpy_dtype_forgeries_are_rebuilt_or_refused_without_a_crash():
    run = subprocess.run([sys.executable, "-c", _FORGERIES], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "survived"
    assert sum(line.startswith("refused: ") for line in lines) == 8, run.stdout
    assert "read: float dtype flagged as holding objects float64 0 " in run.stdout  # its flags are NumPy's: 0


# --- Truncated and random bytes. ---


def test_every_truncation_names_the_file(tmp_path):
    obj = {"keypoint": np.arange(6, dtype=np.float16).reshape(1, 2, 3), "label": 4, "names": ["a", "b"], "s": {1}}
    path = tmp_path / "cut.pkl"
    for protocol in PROTOCOLS:
        data = pickle.dumps(obj, protocol=protocol)
        for end in range(len(data)):
            path.write_bytes(data[:end])
            with pytest.raises(PickleFormatError) as broken:
                load(path)
            assert str(broken.value).startswith(f"{path}: not a readable pickle (")
            assert isinstance(broken.value.__cause__, Exception)


@contextlib.contextmanager
def memory_cap():
    """An address-space cap (the present use + 1 GiB) where the platform has one: a 5-byte pickle can
    ask CPython's unpickler for a memo of billions of entries (of pickle.load as much as of this module)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + (1 << 30) if hard == resource.RLIM_INFINITY else min(used + (1 << 30), hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def read_or_refuse(data: bytes) -> None:
    try:
        with memory_cap():
            loads(data, "random.pkl")
    except (PickleFormatError, UnsafePickleError) as err:
        assert str(err).startswith("random.pkl: ")


VALID = [
    pickle.dumps(ROUND_TRIPS[name], protocol=p)
    for name in ("structured with objects", "scalars", "dtypes")
    for p in PROTOCOLS
]


@settings(deadline=None, max_examples=300)
@given(data=st.binary(max_size=120) | st.binary(max_size=120).map(lambda b: b"\x80\x04" + b))
def test_random_bytes_are_read_or_refused(data):
    read_or_refuse(data)


@settings(deadline=None, max_examples=300)
@given(
    which=st.integers(0, len(VALID) - 1),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.booleans()), min_size=1, max_size=4),
)
def test_corrupted_pickles_are_read_or_refused(which, edits):
    data = bytearray(VALID[which])
    for at, byte, insert in edits:
        at %= len(data)
        if insert:
            data.insert(at, byte)
        else:
            data[at] = byte
    read_or_refuse(bytes(data))


def test_errors_survive_pickling_between_processes():
    for err in (UnsafePickleError("a.pkl", "os", "system"), PickleFormatError("b.pkl", "EOFError: Ran out of input")):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == str(err) and vars(copy) == vars(err)


def test_the_garbage_collector_is_left_as_it_was():
    data = pickle.dumps([np.arange(3)] * 3)
    assert gc.isenabled()
    loads(data)
    assert gc.isenabled()
    gc.disable()
    try:
        loads(data)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(PickleFormatError):
        loads(data[:-3])
    assert gc.isenabled()


# --- .npy files. ---


@pytest.mark.parametrize(
    "array",
    [np.arange(12.0).reshape(3, 4), np.asfortranarray(np.ones((2, 3), ">f4")), np.array(2.5), np.zeros((0, 3))],
    ids=["float64", "fortran big-endian", "0-d", "empty"],
)
def test_load_npy_reads_plain_arrays(array, tmp_path):
    path = tmp_path / "plain.npy"
    np.save(path, array)
    assert same(load_npy(path), array) and same(load_npy(path), np.load(path))


def test_load_npy_gives_back_a_txt2npy_dict(tmp_path):
    body = dict(
        file_name="S001C001P001R001A001",
        nbodys=[1],
        njoints=25,
        skel_body0=np.random.default_rng(0).random((70, 25, 3)),
    )
    path = tmp_path / "S001C001P001R001A001.skeleton.npy"
    np.save(path, body)
    out = load_npy(path)
    assert out.shape == () and out.dtype == object
    assert same(out.item(), body)


def test_load_npy_reads_object_arrays_and_version_3_headers(tmp_path):
    path = tmp_path / "objects.npy"
    array = object_array([{"a": np.arange(2)}, [1, 2], None])
    np.save(path, array)
    assert same(load_npy(path), array)
    structured = np.array([(1.5, {"x": 1})], dtype=[("漢", "f8"), ("o", "O")])  # a non-Latin-1 name: version 3.0
    with pytest.warns(UserWarning, match="format 3.0"):
        np.save(path, structured)
    assert path.read_bytes()[6:8] == b"\x03\x00"
    assert same(load_npy(path), structured)


def test_load_npy_names_the_file_for_a_bad_magic_string_or_header(tmp_path):
    path = tmp_path / "bad.npy"
    path.write_bytes(b"not an npy file at all")
    with pytest.raises(
        ValueError, match=r"bad\.npy: not a NumPy \.npy file: the magic string is not correct; expected"
    ):
        load_npy(path)
    fh = io.BytesIO()
    np.save(fh, np.zeros(3))
    for end in (3, 8, 9, 20):
        path.write_bytes(fh.getvalue()[:end])
        with pytest.raises(ValueError, match="^" + re.escape(f"{path}: not a NumPy .npy file: ")):
            load_npy(path)
    path.write_bytes(fh.getvalue()[:-4])  # the header read, the data short
    with pytest.raises(ValueError, match=r"bad\.npy: not a readable \.npy file"):
        load_npy(path)


def test_load_npy_checks_the_pickle_against_the_header(tmp_path):
    path = tmp_path / "mismatch.npy"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (2,)})
    path.write_bytes(header.getvalue() + pickle.dumps(np.array({"a": 1}, dtype=object), protocol=4))
    with pytest.raises(
        PickleFormatError,
        match=r"mismatch\.npy: .*declares an array of object of shape \(2,\); the pickle holds an array .* \(\)",
    ):
        load_npy(path)
    path.write_bytes(header.getvalue() + pickle.dumps({"a": 1}, protocol=4))
    with pytest.raises(PickleFormatError, match=r"holds a dict"):
        load_npy(path)
    path.write_bytes(header.getvalue() + pickle.dumps(object_array([1, 2]), protocol=4)[:-5])
    with pytest.raises(PickleFormatError, match=r"mismatch\.npy: not a readable pickle"):
        load_npy(path)
