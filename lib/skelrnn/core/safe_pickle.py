"""Reading pickled data files without running anything a file contains.

Some of the files this project reads hold Python pickles: the NTU toolkits' pickles, PYSKL's and
MMAction2's skeleton annotations (``ntu60_3danno.pkl``: a dict of splits and one dict per sample,
its keypoints a NumPy array), ST-GCN's label files (``train_label.pkl``: names and labels), and
``.npy`` files that hold an object array, such as the dicts that the NTU authors' ``txt2npy``
writes with ``np.save``. ``pickle.load`` on such a file calls whatever the file names, with the
arguments it chooses: a downloaded file can run a shell command. ``load``, ``loads`` and
``load_npy`` read them with an unpickler that admits an exact list of globals and refuses any
other with ``UnsafePickleError``, before importing anything.

What a pickle may name (``_ALLOWED``), each resolved to an object of this module or a builtin,
none imported on demand:

- ``set``, ``frozenset``, ``complex``, ``slice`` and ``collections.OrderedDict``: the builtin
  containers and scalars that pickle reaches through a global (``set`` and ``frozenset`` before
  protocol 4; ``complex`` and ``slice`` in all). They only build a value from their arguments,
  which can themselves only be admitted objects. ``bytes``, ``bytearray`` and ``_codecs.encode``
  (how Python 3 writes bytes in protocols 0-2) go through checks: bytes, or a str with the
  latin-1 codec, nothing else (the builtins also take a codec name, which looks a codec up and
  may import it, and a count, which allocates that many bytes). ``range`` is refused: no data file
  holds one, and ``set(range(10**12))`` would make a few bytes into hours of work.
- NumPy's array, dtype and scalar reconstruction, under NumPy 2's module names
  (``numpy._core.multiarray._reconstruct`` and ``.scalar``, ``numpy._core.numeric._frombuffer``
  for protocol 5) and NumPy 1's (``numpy.core...``, which Python 2 wrote too), with ``numpy.dtype``
  and ``numpy.ndarray``. These are not NumPy's functions but reimplementations that check what
  NumPy does not: NumPy's ``dtype.__setstate__`` takes a pickled dtype's flags, field offsets
  and item size on trust (an object dtype whose flags say "no objects" turns eight bytes of the
  file into a pointer that is then followed: a crash, or worse), and ``numpy.ndarray`` called
  with an object dtype and a buffer does the same. So a dtype is built here from its pickled
  description by NumPy's own validating constructor (``np.dtype``: it computes the flags and
  refuses overlapping or out-of-range fields), an array is made by ``ndarray.__setstate__`` only
  with such a dtype and a payload of the declared size, and ``numpy.ndarray`` is admitted only as
  the marker that ``_reconstruct`` takes.

An object array's elements are unpickled by the same restricted unpickler as the rest of the file,
so an array of dicts is as safe as a dict. Arrays and dtypes are unpickled as placeholders that
the unpickler's opcodes cannot alter; once the file has been read, one pass over the result puts
the real arrays and dtypes in their place (in dicts, lists, tuples, sets, slices and object
arrays), keeping shared references shared.

Not read: out-of-band buffers (protocol 5), persistent ids, NumPy records holding Python objects
(structured scalars), a dtype's metadata dict (dropped), NumPy's ``StringDType``, and anything
nested deeper than Python's recursion limit. A file read here can still be large: what a file
declares, it may allocate.
"""

from __future__ import annotations

import _compat_pickle
import collections
import gc
import io
import math
import operator
import os
import pickle
import re
import struct

import numpy as np
import numpy.lib.format as npy_format

__all__ = ["UnsafePickleError", "PickleFormatError", "loads", "load", "load_npy"]


class UnsafePickleError(ValueError):
    """A pickle names a global outside the allow-list: nothing was called, nothing imported."""

    def __init__(self, source: str, module: str, name: str):
        self.source, self.module, self.name = str(source), module, name
        super().__init__(
            f"{source}: refused to load: the pickle names the global {module}.{name}; a data file may hold "
            "only builtin containers and scalars and NumPy arrays (nothing in it may run as code)"
        )

    def __reduce__(self):  # the exception crosses process boundaries (worker pools)
        return type(self), (self.source, self.module, self.name)


class PickleFormatError(ValueError):
    """A truncated or corrupt pickle, or one holding what this module does not read."""

    def __init__(self, source: str, reason: str):
        self.source, self.reason = str(source), reason
        super().__init__(f"{source}: not a readable pickle ({reason})")

    def __reduce__(self):
        return type(self), (self.source, self.reason)


# What a broken pickle raises while it is read (the C unpickler's and NumPy's errors, ours).
_FORMAT_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    MemoryError,
    OverflowError,
    RecursionError,
    SystemError,  # NumPy's ndarray.__setstate__ on some corrupt records
)
_ALIGNED_STRUCT = 0x80  # NPY_ALIGNED_STRUCT among a pickled dtype's flags
_DTYPE_SPEC = re.compile(r"[A-Za-z]\d{1,19}")  # how NumPy pickles a dtype's kind: "f8", "O8", "U3", "V12", "M8"
_NUMPY_SCALAR = np.float64(0).__reduce__()[0]  # NumPy's own ``multiarray.scalar``, found without an import


class _Constructor:
    """What a pickle gets in place of an admitted global: a callable with no ``__dict__`` and no
    slots, so that no opcode (BUILD sets attributes) can alter it for this file or the next."""

    __slots__ = ()


class _Dtype:
    """A pickled ``numpy.dtype``: its ``value`` is built, checked, when the BUILD opcode gives the state."""

    __slots__ = ("spec", "value")

    def __init__(self, spec):
        self.spec, self.value = spec, None

    def __setstate__(self, state):
        self.value = _dtype_from_state(self.spec, state)


class _Array:
    """A pickled array (``_reconstruct``): its ``value`` is made when the BUILD opcode gives the state."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = None

    def __setstate__(self, state):
        if type(state) is not tuple or len(state) not in (4, 5):
            raise pickle.UnpicklingError("an array's state is not NumPy's (version, shape, dtype, order, data)")
        version, shape, dtype, fortran, data = state if len(state) == 5 else (1, *state)
        dtype = _dtype_of(dtype)
        if dtype.hasobject:  # the elements, themselves unpickled here, never raw bytes
            shape = tuple(operator.index(n) for n in shape)
            size = math.prod(shape) if all(n >= 0 for n in shape) else -1
            if type(data) is not list or len(data) != size:  # (NumPy would allocate the shape first)
                raise ValueError(f"an object array of shape {shape} pickled with other than a list of its elements")
            if dtype.names is not None:  # records: NumPy unpacks their fields, placeholders must be values
                data = [_unpacked(record) for record in data]
        elif type(data) is str:  # a Python 2 pickle's str, read as latin-1 (as NumPy does)
            data = data.encode("latin-1")
        # NumPy checks the rest: the shape, and that the bytes are the array's size before it allocates.
        array = np.empty(0, np.uint8)
        array.__setstate__((version, shape, dtype, fortran, data))
        self.value = array


def _unpacked(item):
    """A record's fields (nested tuples) with the placeholders among them replaced by their values."""
    kind = type(item)
    if kind is tuple:
        return tuple(_unpacked(field) for field in item)
    if kind is _Array or kind is _Dtype:
        if item.value is None:
            raise pickle.UnpicklingError("a record holds an array or dtype whose state is not read yet")
        return item.value
    return item


def _dtype_of(obj) -> np.dtype:
    if type(obj) is not _Dtype or obj.value is None:
        raise TypeError(f"expected a NumPy dtype pickled with its state, got {type(obj).__name__}")
    return obj.value


def _dtype_from_state(spec, state) -> np.dtype:
    """The dtype that NumPy's ``np.dtype(spec, False, True).__setstate__(state)`` describes, built
    with ``np.dtype`` from the description (its flags are never taken from the file)."""
    if not (isinstance(spec, str) and _DTYPE_SPEC.fullmatch(spec) and isinstance(state, tuple)) or (
        len(state) not in (8, 9) or state[0] not in (3, 4)
    ):
        raise pickle.UnpicklingError(f"a NumPy dtype pickled as {spec!r} with a state of another form than NumPy's")
    _version, endian, subarray, names, fields, elsize, _alignment, flags = state[:8]
    if subarray is not None:
        base, shape = subarray
        return np.dtype((_dtype_of(base), shape))
    if names is not None:
        entries = [fields[name] for name in names]
        description = {
            "names": list(names),
            "formats": [_dtype_of(entry[0]) for entry in entries],
            "offsets": [operator.index(entry[1]) for entry in entries],
            "itemsize": operator.index(elsize),
        }
        titles = [entry[2] if len(entry) > 2 else None for entry in entries]
        if not all(title is None or isinstance(title, str) for title in titles):
            raise pickle.UnpicklingError("a NumPy field's title is read as a str only")
        if any(title is not None for title in titles):
            description["titles"] = titles
        return np.dtype(description, align=bool(operator.index(flags) & _ALIGNED_STRUCT))
    dtype = np.dtype(spec)
    if dtype.kind in "SV":
        dtype = np.dtype(f"{dtype.kind}{operator.index(elsize)}")
    elif dtype.kind == "U":
        dtype = np.dtype(f"U{operator.index(elsize) // 4}")
    elif dtype.kind in "mM" and len(state) == 9 and state[8] is not None:
        unit, count = state[8][1][:2]  # (metadata, (unit, count, 1, 1))
        unit = unit.decode("ascii") if isinstance(unit, bytes) else unit
        if unit != "generic":
            dtype = np.dtype(f"{dtype.kind}8[{operator.index(count)}{unit}]")
    if endian in ("<", ">"):
        dtype = dtype.newbyteorder(endian)
    return dtype


class _NDArrayMarker(_Constructor):
    """``numpy.ndarray``: only the type argument of ``_reconstruct``; calling it is refused."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        raise pickle.UnpicklingError(
            "numpy.ndarray is admitted only as the type given to _reconstruct: called, it makes an array over "
            "raw bytes of the file"
        )


class _Reconstruct(_Constructor):
    __slots__ = ()

    def __call__(self, subtype, shape=None, code=None):
        if subtype is not _NDARRAY:
            raise pickle.UnpicklingError("_reconstruct makes a numpy.ndarray, no other type")
        return _Array()


class _DtypeConstructor(_Constructor):
    __slots__ = ()

    def __call__(self, spec, align=False, copy=False):
        return _Dtype(spec)


class _Scalar(_Constructor):
    __slots__ = ()

    def __call__(self, dtype, data=None):
        dtype = _dtype_of(dtype)
        if dtype.hasobject:
            if dtype.kind != "O":
                raise pickle.UnpicklingError("a NumPy record holding Python objects is not read")
            return data  # NumPy's scalar() of an object dtype is the object itself
        if isinstance(data, str):  # Python 2
            data = data.encode("latin-1")
        if not isinstance(data, bytes) or len(data) != dtype.itemsize:
            raise ValueError(f"a NumPy scalar of {dtype.itemsize} bytes pickled with other data")
        return _NUMPY_SCALAR(dtype, data)


class _FromBuffer(_Constructor):
    __slots__ = ()

    def __call__(self, buffer, dtype, shape, order):
        dtype = _dtype_of(dtype)
        if dtype.hasobject or not isinstance(buffer, bytes | bytearray) or order not in ("C", "F"):
            raise pickle.UnpicklingError("_frombuffer is read for bytes of a plain dtype, in C or F order")
        return np.frombuffer(buffer, dtype).reshape(shape, order=order)


class _Bytes(_Constructor):
    __slots__ = ()

    def __call__(self, data=b""):
        if not isinstance(data, bytes | bytearray):
            raise pickle.UnpicklingError("bytes() is read with bytes only")
        return bytes(data)


class _ByteArray(_Constructor):
    __slots__ = ()

    def __call__(self, data=b"", encoding=None):
        if encoding is not None:
            data = _LATIN1(data, encoding)
        if not isinstance(data, bytes | bytearray):
            raise pickle.UnpicklingError("bytearray() is read with bytes, or a str and the latin-1 codec")
        return bytearray(data)


class _Latin1(_Constructor):
    """``_codecs.encode(text, "latin1")``: how Python 3 pickles bytes in protocols 0-2."""

    __slots__ = ()

    def __call__(self, text, encoding="utf-8"):
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise pickle.UnpicklingError("_codecs.encode is read for a str and the latin-1 codec only")
        return text.encode("latin-1")


_NDARRAY = _NDArrayMarker()
_LATIN1 = _Latin1()
_ALLOWED = {
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "bytes"): _Bytes(),
    ("builtins", "bytearray"): _ByteArray(),
    ("_codecs", "encode"): _LATIN1,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DtypeConstructor(),
}
for _numpy_core in ("numpy.core", "numpy._core"):  # NumPy 1 (and Python 2), NumPy 2
    _ALLOWED[_numpy_core + ".multiarray", "_reconstruct"] = _Reconstruct()
    _ALLOWED[_numpy_core + ".multiarray", "scalar"] = _Scalar()
    _ALLOWED[_numpy_core + ".numeric", "_frombuffer"] = _FromBuffer()
del _numpy_core


class _Unpickler(pickle.Unpickler):
    """The C unpickler, with the allow-list in place of imports and no persistent ids."""

    def __init__(self, file, source: str, encoding: str):
        super().__init__(file, encoding=encoding)
        self.source = source
        self.placeholders = False  # whether the result may hold _Array / _Dtype placeholders

    def find_class(self, module, name):
        # Protocols 0-2 name Python 2's modules (``__builtin__.set``); map them as pickle does.
        key = _compat_pickle.NAME_MAPPING.get((module, name))
        key = key or (_compat_pickle.IMPORT_MAPPING.get(module, module), name)
        try:
            found = _ALLOWED[key]
        except KeyError:
            raise UnsafePickleError(self.source, module, name) from None
        self.placeholders = self.placeholders or key[0].startswith("numpy")
        return found

    def persistent_load(self, pid):
        raise pickle.UnpicklingError(f"the persistent id {str(pid)[:80]!r} names an object outside the file")


_PLAIN = frozenset({str, bytes, bytearray, int, float, bool, complex, type(None), memoryview})


class _Resolve:
    """Replaces the placeholders in an unpickled object by their arrays and dtypes, in place where
    the container is mutable; shared and cyclic references stay so."""

    def __init__(self):
        self.seen: dict[int, object] = {}  # id -> a container walked (alive: the result holds it)
        self.rebuilt: dict[int, tuple[object, object]] = {}  # id -> (a tuple, frozenset or slice, its copy)

    def __call__(self, obj):
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is _Array or kind is _Dtype:
            value = obj.value
            if value is None:
                raise pickle.UnpicklingError(f"a pickled {'array' if kind is _Array else 'dtype'} without its state")
            if kind is _Dtype or not value.dtype.hasobject:
                return value
            obj, kind = value, np.ndarray
        key = id(obj)
        if key in self.seen:
            return self.rebuilt[key][1] if key in self.rebuilt else obj
        self.seen[key] = obj  # before the contents: a cycle comes back to it
        if kind is dict or kind is collections.OrderedDict:
            self._dict(obj, in_loop=kind is dict)
            if kind is not dict and vars(obj):  # a BUILD may have given the OrderedDict attributes
                self._dict(vars(obj), in_loop=True)
        elif kind is list:
            for i, item in enumerate(obj):
                if type(item) not in _PLAIN:
                    resolved = self(item)
                    if resolved is not item:
                        obj[i] = resolved
        elif kind is tuple or kind is frozenset or kind is slice:
            items = (obj.start, obj.stop, obj.step) if kind is slice else obj
            resolved = [self(item) for item in items]
            if any(a is not b for a, b in zip(resolved, items, strict=True)):
                new = slice(*resolved) if kind is slice else kind(resolved)
                self.rebuilt[key] = (obj, new)
                return new
        elif kind is set:
            resolved = [self(item) for item in obj]
            obj.clear()
            obj.update(resolved)
        elif kind is np.ndarray and obj.dtype.hasobject:
            self._array(obj)
        return obj

    def _dict(self, mapping: dict, in_loop: bool) -> None:
        """Resolves ``mapping``'s keys and values; its values are replaced as they are read where
        ``in_loop`` (a dict allows it: its size does not change), after the loop otherwise."""
        later, rekeyed = [], False
        for key, value in mapping.items():
            if type(key) not in _PLAIN and self(key) is not key:
                rekeyed = True
            kind = type(value)
            if kind in _PLAIN:
                continue
            new = value.value if kind is _Array else None  # the common case, without a call
            if new is None or new.dtype.hasobject:
                new = self(value)
            if new is not value:
                if in_loop:
                    mapping[key] = new
                else:
                    later.append((key, new))
        if rekeyed:
            items = [(self(key), self(value)) for key, value in mapping.items()]
            mapping.clear()
            mapping.update(items)
        for key, new in later:
            mapping[key] = new

    def _array(self, array: np.ndarray) -> None:
        if array.dtype.names is not None:  # a structured array: its fields that hold objects
            for name in array.dtype.names:
                if array.dtype.fields[name][0].hasobject:
                    self._array(array[name])
            return
        for index in np.ndindex(array.shape):
            item = array[index]
            new = self(item)
            if new is not item:
                array[index] = new


def _load(file, source: str, encoding: str):
    unpickler = _Unpickler(file, source, encoding)
    # The cyclic garbage collector is paused while a file is read: each placeholder is a tracked
    # object, and with one per array the full collections that the growing heap sets off (each of
    # them a pass over everything read so far) would double the time of an annotation pickle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        obj = unpickler.load()
        return _Resolve()(obj) if unpickler.placeholders else obj
    except UnsafePickleError:
        raise
    except _FORMAT_ERRORS as err:
        raise PickleFormatError(source, f"{type(err).__name__}: {err}") from err
    finally:
        if collecting:
            gc.enable()


def loads(data: bytes, source: str = "<bytes>", *, encoding: str = "latin1"):
    """The object pickled in ``data``, read without running anything ``data`` names.

    ``source`` names the data in error messages. ``encoding`` decodes Python 2's 8-bit strings:
    latin-1 (the default) gives back NumPy arrays pickled by Python 2 (their data is such a string)
    and cannot fail. Raises ``UnsafePickleError`` for a global outside the allow-list (see the
    module's docstring) and ``PickleFormatError`` for anything else that stops the reading.
    """
    return _load(io.BytesIO(data), source, encoding)


def load(path: str | os.PathLike, *, encoding: str = "latin1"):
    """The object pickled in the file ``path``, read as ``loads`` reads bytes (errors name the file)."""
    with open(path, "rb") as fh:
        return _load(fh, str(path), encoding)


def _npy_header(fh, source: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype in a ``.npy`` file's header, ``fh`` left at the data."""
    try:
        version = npy_format.read_magic(fh)
        if version == (1, 0):
            shape, _fortran, dtype = npy_format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _fortran, dtype = npy_format.read_array_header_2_0(fh)
        elif version == (3, 0):  # version 2.0 with a UTF-8 header: escape it to ASCII, the same literal
            (length,) = struct.unpack("<I", _read_exactly(fh, 4, "the header's length"))
            header = _read_exactly(fh, length, "the header").decode("utf-8")
            ascii_header = header.encode("ascii", "backslashreplace")
            stream = io.BytesIO(struct.pack("<I", len(ascii_header)) + ascii_header)
            shape, _fortran, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"format version {version[0]}.{version[1]}; expected 1.0, 2.0 or 3.0")
    except (ValueError, EOFError, SyntaxError, UnicodeDecodeError) as err:
        raise ValueError(f"{source}: not a NumPy .npy file: {err}") from err
    return shape, dtype


def _read_exactly(fh, size: int, what: str) -> bytes:
    data = fh.read(size)
    if len(data) != size:
        raise ValueError(f"the file ends in {what}: expected {size} bytes, got {len(data)}")
    return data


def load_npy(path: str | os.PathLike) -> np.ndarray:
    """The array in the ``.npy`` file ``path``, an object array included, read without running code.

    The header is read by ``numpy.lib.format`` (versions 1.0, 2.0 and 3.0). An array of a plain
    dtype is ``np.load(path, allow_pickle=False)``'s; an object array (``np.save`` pickles it after
    the header: ``np.save(p, some_dict)`` stores a 0-d object array, so ``load_npy(p).item()`` is
    the dict) is unpickled with ``load``'s restrictions and must be an array of the header's shape
    and dtype. A bad magic string or header raises ``ValueError`` naming the file and what was
    expected; the pickle's errors are ``load``'s.
    """
    source = str(path)
    with open(path, "rb") as fh:
        shape, dtype = _npy_header(fh, source)
        if dtype.hasobject:
            array = _load(fh, source, "latin1")
            if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype != dtype:
                found = f"an array of {array.dtype} of shape {array.shape}" if isinstance(array, np.ndarray) else None
                raise PickleFormatError(
                    source,
                    f"the header declares an array of {dtype} of shape {shape}; "
                    f"the pickle holds {found or 'a ' + type(array).__name__}",
                )
            return array
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, EOFError) as err:
        raise ValueError(f"{source}: not a readable .npy file: {err}") from err
