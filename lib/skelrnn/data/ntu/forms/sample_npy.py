"""The NTU authors' per-sample ``.npy`` files (``txt2npy.py`` of the NTU RGB+D repository).

Defined for the data chapter (thesis 3.1.1). A folder holds one ``S001C001P001R001A001.skeleton.npy``
a sample, each a pickled dict in a 0-d object array::

    file_name   "S001C001P001R001A001"
    nbodys      bodies in each frame that has one
    njoints     25
    skel_body{i}   (T, 25, 3) float64 metres, 0 where body slot i is empty (i < 4)
    rgb_body{i}, depth_body{i}   (T, 25, 2) pixel positions (kept by the script, unused here)

Body slots follow the order of the bodies within each frame, not the Kinect's body IDs. The
pickles are read with the restricted unpickler (``core.safe_pickle.load_npy``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skelrnn.core import safe_pickle
from skelrnn.core.io import write_atomic
from skelrnn.data.ntu.forms.samples import FormError, FormSamples, check_bodies
from skelrnn.data.ntu.skeleton_format import parse_sample_name

__all__ = ["read_sample_npy_folder", "write_sample_npy_folder", "sample_npy_files", "MAX_SLOTS"]

MAX_SLOTS = 4  # txt2npy keeps at most four body slots
LOST = (
    "keeps x, y, z and the pixel positions: orientations, tracking states and body IDs are gone; a body's "
    "slot is its place in each frame, so two people can swap slots where the Kinect reorders them",
)


def sample_npy_files(folder) -> list[Path]:
    """The ``*.skeleton.npy`` files of ``folder`` whose name starts with an NTU sample name, sorted."""
    return sorted(p for p in Path(folder).glob("*.npy") if p.name.endswith(".skeleton.npy"))


def _read_one(path: Path) -> tuple[str, np.ndarray]:
    """``(name, bodies (M, T, 25, 3))`` of one file; ``ValueError`` naming the file and the field when it is
    not txt2npy's dict. A pickle that names a forbidden global raises ``safe_pickle.UnsafePickleError``."""
    content = safe_pickle.load_npy(path)
    mat = content.item() if content.dtype == object and content.shape == () else None
    if not isinstance(mat, dict):
        raise FormError(path, None, "a 0-d object array holding txt2npy's dict", f"{content.dtype} {content.shape}")
    if "skel_body0" not in mat:
        raise FormError(path, "skel_body0", "the first body's (T, 25, 3) joints", f"keys {sorted(map(str, mat))}")
    name = str(mat.get("file_name", path.name[: -len(".skeleton.npy")]))
    slots = [mat[f"skel_body{i}"] for i in range(MAX_SLOTS) if f"skel_body{i}" in mat]
    shapes = {s.shape if isinstance(s, np.ndarray) else type(s).__name__ for s in slots}
    if len(shapes) != 1:
        raise FormError(path, "skel_body*", "body slots of one shape (T, 25, 3)", str(sorted(map(str, shapes))))
    bodies = np.stack(slots)
    fault = check_bodies(path, "skel_body*", bodies)
    if fault:
        raise ValueError(fault)
    return name, bodies


def read_sample_npy_folder(folder) -> FormSamples:
    """Read a folder of txt2npy files into ``FormSamples``: a file that cannot be read (not a dict, no
    ``skel_body0``, a coordinate that is not finite, a name that is not an NTU sample name) is
    quarantined with its error; one whose pickle names a forbidden global stops the read."""
    folder = Path(folder)
    files = sample_npy_files(folder)
    if not files:
        raise FormError(folder, None, "files named like S001C001P001R001A001.skeleton.npy (txt2npy.py)")
    names, ids, bodies, quarantine = [], [], [], {}
    for path in files:
        try:
            name, sample = _read_one(path)
            parsed = parse_sample_name(name)
        except safe_pickle.UnsafePickleError:
            raise
        except ValueError as err:
            quarantine[path.name] = str(err) if str(path) in str(err) else f"{path}: {err}"
            continue
        names.append(parsed)
        ids.append(str(parsed))
        bodies.append(sample.astype(np.float32))
    labels = np.array([n.action - 1 for n in names], dtype=np.int64)
    return FormSamples(form="sample_npy", source=str(folder), bodies=bodies, labels=labels, names=names, ids=ids,
                       quarantine=quarantine, lost=list(LOST), precision="float64")  # fmt: skip


def _sample_dict(name: str, bodies: np.ndarray) -> dict:
    holds = np.any(bodies != 0, axis=(2, 3))  # (M, T)
    counts = holds.sum(axis=0)
    mat = {"file_name": name, "nbodys": [int(c) for c in counts if c > 0], "njoints": 25}
    for i, body in enumerate(bodies[:MAX_SLOTS]):
        mat[f"skel_body{i}"] = body.astype(np.float64)
    return mat


def write_sample_npy_folder(folder, samples: FormSamples) -> list[Path]:
    """Write ``samples`` (with names) as txt2npy's files, one ``<name>.skeleton.npy`` each, atomically."""
    if samples.names is None:
        raise ValueError("txt2npy's files are named by NTU sample names; these samples have none")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, bodies in zip(samples.ids, samples.bodies, strict=True):
        mat = _sample_dict(name, bodies)
        # Saving a dict pickles it, as txt2npy does; reading it back goes through the restricted unpickler.
        out.append(write_atomic(folder / f"{name}.skeleton.npy", lambda f, m=mat: np.save(f, m, allow_pickle=True),
                                fsync=False))  # fmt: skip
    return out
