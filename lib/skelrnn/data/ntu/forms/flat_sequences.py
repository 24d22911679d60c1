"""The flat padded arrays of CTR-GCN / InfoGCN (``NTU60_CS.npz``) and of SGN (``NTU_CS.h5``).

Defined for the data chapter (thesis 3.1.1). Both come from a ``seq_transformation.py`` that
centres every sequence on the middle of the spine of its first frame and pads it with zeros to
300 frames of 150 values (2 bodies x 25 joints x xyz; the second body 0 when there is one)::

    NTU60_CS.npz  x_train (N, 300, 150), y_train one-hot (N, 60), x_test, y_test        (CTR-GCN)
    NTU_CS.h5     x, y, valid_x, valid_y, test_x, test_y (SGN: valid is 5 % of training)

Neither keeps the sample names: no subjects, cameras or setups. The file's name says the
protocol (``CS``/``CSub`` cross-subject, ``CV`` cross-view, ``CSet`` cross-setup).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from skelrnn.core.io import write_atomic
from skelrnn.data.ntu.forms.samples import MAX_LABEL, FormError, FormSamples, check_bodies

__all__ = [
    "read_npz",
    "write_npz",
    "read_h5",
    "write_h5",
    "protocol_of_file",
    "NPZ_PARTS",
    "H5_PARTS",
    "FRAMES",
]

FRAMES = 300
NPZ_PARTS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
H5_PARTS = {"train": ("x", "y"), "validation": ("valid_x", "valid_y"), "test": ("test_x", "test_y")}
LOST = (
    "keeps no sample names: the subjects, cameras, setups and replications are gone, so the protocol is "
    "the one the file was written for",
    "keeps x, y, z of at most two bodies, zero-padded to 300 frames (longer sequences cut there)",
)
_PROTOCOL = (("CSet", "cross_setup"), ("CSub", "cross_subject"), ("CS", "cross_subject"), ("CV", "cross_view"))


def protocol_of_file(path) -> str | None:
    """The protocol a file's name says (``NTU60_CS.npz``: cross_subject), or None."""
    stem = Path(path).stem
    for tag, protocol in _PROTOCOL:
        if re.search(rf"(^|[_\-.]){tag}($|[_\-.])", stem, flags=re.IGNORECASE):
            return protocol
    return None


def _one_hot_labels(path, field_name: str, y: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """Class indices of the rows of ``y`` (one-hot, or already indices ``(N,)``) and ``{row: why}`` for
    the rows that are not one-hot."""
    if y.ndim == 1 and y.dtype.kind in "iu":
        bad = {i: f"{path}: {field_name}[{i}]: expected a class index in 0..{MAX_LABEL}, found {v}"
               for i, v in enumerate(y) if not 0 <= v <= MAX_LABEL}  # fmt: skip
        return y.astype(np.int64), bad
    if y.ndim != 2 or y.dtype.kind not in "fiub" or y.shape[1] > MAX_LABEL + 1:
        raise FormError(path, field_name, f"one-hot rows (N, classes <= {MAX_LABEL + 1})", f"{y.dtype} {y.shape}")
    ones, zeros = (y == 1).sum(axis=1), (y == 0).sum(axis=1)
    good = (ones == 1) & (zeros == y.shape[1] - 1)
    bad = {
        int(i): f"{path}: {field_name}[{i}]: expected a one-hot row (one 1, the rest 0)" for i in np.flatnonzero(~good)
    }
    return np.argmax(y, axis=1).astype(np.int64), bad


def _samples_of(path, x_field: str, x: np.ndarray, labels: np.ndarray, bad: dict[int, str], ids, bodies, out_labels,
                quarantine) -> list[int]:  # fmt: skip
    """Append the usable rows of ``x`` (N, T, 150) to ``bodies``; return their positions."""
    members = []
    for i in range(len(x)):
        sample_id = f"{x_field}[{i}]"
        seq = np.asarray(x[i], dtype=np.float32).reshape(x.shape[1], 2, 25, 3).transpose(1, 0, 2, 3)
        holds = np.any(seq != 0, axis=(2, 3))
        frames = np.flatnonzero(holds.any(axis=0))
        fault = bad.get(i)
        if fault is None and not len(frames):
            fault = f"{path}: {sample_id}: no joint in any frame"
        if fault is None:
            seq = seq[[0, 1] if holds[1].any() else [0], : frames[-1] + 1]
            fault = check_bodies(path, sample_id, seq)
        if fault:
            quarantine[sample_id] = fault
            continue
        members.append(len(bodies))
        ids.append(sample_id)
        bodies.append(seq)
        out_labels.append(int(labels[i]))
    return members


def _check_x(path, field_name: str, x) -> None:
    if x.dtype.kind not in "fiu" or x.ndim != 3 or x.shape[2] != 150:
        raise FormError(path, field_name, "a numeric array (N, frames, 150): 2 bodies x 25 joints x xyz",
                        f"{x.dtype} {x.shape}")  # fmt: skip


def _read_parts(path, form: str, parts: dict, arrays) -> FormSamples:
    """``FormSamples`` of ``{part: (x field, y field)}`` read by ``arrays(field)``."""
    protocol = protocol_of_file(path) or "cross_subject"
    ids, bodies, labels, quarantine, members = [], [], [], {}, {}
    loaded = {}
    for part, (x_field, y_field) in parts.items():
        x, y = arrays(x_field), arrays(y_field)
        _check_x(path, x_field, x)
        if len(x) != len(y):
            raise FormError(path, y_field, f"one label for each of the {len(x)} rows of {x_field}", f"{len(y)}")
        loaded[part] = (x_field, x, *_one_hot_labels(path, y_field, y))
    for part, (x_field, x, part_labels, bad) in loaded.items():
        members[part] = np.array(_samples_of(path, x_field, x, part_labels, bad, ids, bodies, labels, quarantine),
                                 dtype=np.int64)  # fmt: skip
    lost = list(LOST)
    if protocol_of_file(path) is None:
        name = Path(path).name
        lost.append(f"has a name ({name}) that does not say its protocol: its parts are taken as cross-subject")
    first_x = next(iter(loaded.values()))[1]
    return FormSamples(form=form, source=str(path), bodies=bodies, labels=np.array(labels, dtype=np.int64),
                       names=None, ids=ids, splits={protocol: members}, quarantine=quarantine, lost=lost,
                       precision=str(first_x.dtype))  # fmt: skip


def read_npz(path) -> FormSamples:
    """Read a CTR-GCN ``.npz`` into ``FormSamples``. A missing array, an ``x`` not of shape (N, T, 150),
    ``x`` and ``y`` of different lengths, an object array or a damaged file stops the read (naming
    the file and the array); a row that is not one-hot or holds a coordinate that is not finite
    is quarantined."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for pair in NPZ_PARTS.values() for k in pair if k not in z.files]
            if missing:
                raise FormError(path, missing[0], f"the arrays {[k for p in NPZ_PARTS.values() for k in p]}",
                                f"{sorted(z.files)}")  # fmt: skip

            def arrays(name):
                try:
                    return z[name]
                except ValueError as err:  # an object array: NumPy refuses it without pickles
                    raise FormError(path, name, "a numeric array; an object array is not read", str(err)) from None

            return _read_parts(path, "npz", NPZ_PARTS, arrays)
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise FormError(path, None, "a NumPy .npz archive", f"{type(err).__name__}: {err}") from None


def read_h5(path) -> FormSamples:
    """Read an SGN ``.h5`` into ``FormSamples`` (its datasets: ``H5_PARTS``); the same faults as
    ``read_npz``. Needs h5py (a dependency of the project)."""
    import h5py  # imported here: only this form needs it, and it costs a quarter of a second

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            missing = [k for pair in H5_PARTS.values() for k in pair if k not in f]
            if missing:
                raise FormError(path, missing[0], f"the datasets {[k for p in H5_PARTS.values() for k in p]}",
                                f"{sorted(f)}")  # fmt: skip

            def arrays(name):
                if not isinstance(f[name], h5py.Dataset) or f[name].dtype.kind not in "fiub":
                    raise FormError(path, name, "a numeric dataset", str(getattr(f[name], "dtype", type(f[name]))))
                return f[name][()]

            return _read_parts(path, "h5", H5_PARTS, arrays)
    except FormError:
        raise
    # A damaged file: HDF5's errors reach Python as these (h5py's translation of the library's).
    except (OSError, KeyError, RuntimeError, ValueError, TypeError, IndexError) as err:
        raise FormError(path, None, "a readable HDF5 file", f"{type(err).__name__}: {err}") from None


def _flat(samples: FormSamples, idx, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x (n, frames, 150) float32, y one-hot (n, 60 or 120))`` of the samples ``idx``."""
    x = np.zeros((len(idx), frames, 2, 25, 3), dtype=np.float32)
    for k, i in enumerate(idx):
        b = samples.bodies[i][:2, :frames]
        x[k, : b.shape[1], : b.shape[0]] = b.transpose(1, 0, 2, 3)
    width = 60 if samples.labels.max(initial=0) < 60 else 120
    y = np.zeros((len(idx), width), dtype=np.float32)
    y[np.arange(len(idx)), samples.labels[np.asarray(idx, dtype=np.int64)]] = 1
    return x.reshape(len(idx), frames, 150), y


def _parts_for(samples: FormSamples, protocol: str, keep_validation: bool) -> dict[str, np.ndarray]:
    parts = samples.splits[protocol]
    if keep_validation:
        return {p: np.asarray(parts.get(p, []), dtype=np.int64) for p in ("train", "validation", "test")}
    train = np.sort(np.concatenate([parts.get("train", []), parts.get("validation", [])]).astype(np.int64))
    return {"train": train, "test": np.asarray(parts.get("test", []), dtype=np.int64)}


def write_npz(path, samples: FormSamples, protocol: str = "cross_subject", frames: int = FRAMES) -> Path:
    """Write ``samples`` as CTR-GCN's ``.npz`` for ``protocol`` (validation merged into training),
    compressed, atomically."""
    parts = _parts_for(samples, protocol, keep_validation=False)
    arrays = {}
    for part, (x_field, y_field) in NPZ_PARTS.items():
        arrays[x_field], arrays[y_field] = _flat(samples, parts[part], frames)
    return write_atomic(path, lambda f: np.savez_compressed(f, **arrays))


def write_h5(path, samples: FormSamples, protocol: str = "cross_subject", frames: int = FRAMES) -> Path:
    """Write ``samples`` as SGN's ``.h5`` for ``protocol`` (its validation part as ``valid_*``), gzip
    compressed, atomically."""
    import h5py  # imported here: only this form needs it

    parts = _parts_for(samples, protocol, keep_validation=True)

    def write(f):
        with h5py.File(f, "w") as h5:
            for part, (x_field, y_field) in H5_PARTS.items():
                x, y = _flat(samples, parts[part], frames)
                h5.create_dataset(x_field, data=x, compression="gzip")
                h5.create_dataset(y_field, data=y)

    return write_atomic(path, write)
