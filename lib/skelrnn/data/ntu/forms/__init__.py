"""The forms in which researchers hold NTU RGB+D (60 and 120): which one a path is, and its reader and writer.

Defined for the data chapter (thesis 3.1.1). Besides the release's folder of ``.skeleton``
files (``skelrnn.data.ntu.reader``), the field's toolkits publish or generate:

==================  ==========================================  ======================================
form                made by                                     what to point ``--data-dir`` at
==================  ==========================================  ======================================
annotation_pickle   PYSKL, MMAction2 (``ntu60_3danno.pkl``)     the ``.pkl`` file
sample_npy          the NTU authors' ``txt2npy.py``             the folder of ``*.skeleton.npy``
nctvm               ST-GCN, 2s-AGCN (``train_data_joint.npy``)  the protocol's folder (``xsub/``)
npz                 CTR-GCN, InfoGCN (``NTU60_CS.npz``)         the ``.npz`` file
h5                  SGN (``NTU_CS.h5``)                         the ``.h5`` file
==================  ==========================================  ======================================

``detect_form`` names the form of a path, ``read_form`` reads it into ``samples.FormSamples``
(pickles through the restricted unpickler, ``core.safe_pickle``), ``write_form`` writes one
(``skelrnn data export``, and the tests' fixtures).
"""

from __future__ import annotations

from pathlib import Path

from skelrnn.data.ntu.forms import annotation_pickle, flat_sequences, nctvm, sample_npy
from skelrnn.data.ntu.forms.samples import FormError, FormSamples

__all__ = ["FORMS", "SKELETON_FOLDER", "detect_form", "read_form", "write_form", "FormError", "FormSamples"]

SKELETON_FOLDER = "skeleton_folder"
# Each form: what it is, which toolkit makes it, and what the book reads.
FORMS = {
    SKELETON_FOLDER: "a folder of NTU RGB+D .skeleton files (the release)",
    "annotation_pickle": "a 3D annotation pickle of PYSKL / MMAction2 (ntu60_3danno.pkl)",
    "sample_npy": "a folder of the NTU authors' txt2npy files (S001C001P001R001A001.skeleton.npy)",
    "nctvm": "an ST-GCN / 2s-AGCN folder ({train,val}_data_joint.npy and {train,val}_label.pkl)",
    "npz": "a CTR-GCN / InfoGCN .npz (x_train, y_train, x_test, y_test)",
    "h5": "an SGN .h5 (x, y, valid_x, valid_y, test_x, test_y)",
}
_READERS = {
    "annotation_pickle": annotation_pickle.read_annotation_pickle,
    "sample_npy": sample_npy.read_sample_npy_folder,
    "nctvm": nctvm.read_nctvm_folder,
    "npz": flat_sequences.read_npz,
    "h5": flat_sequences.read_h5,
}
_WRITERS = {
    "annotation_pickle": lambda path, samples, protocol: annotation_pickle.write_annotation_pickle(path, samples),
    "sample_npy": lambda path, samples, protocol: sample_npy.write_sample_npy_folder(path, samples),
    "nctvm": nctvm.write_nctvm_folder,
    "npz": flat_sequences.write_npz,
    "h5": flat_sequences.write_h5,
}
_MAGIC = {b"\x80": "annotation_pickle", b"PK": "npz", b"\x89HDF": "h5"}
_EXPECTED = "; or ".join(FORMS.values())


def detect_form(path) -> str:
    """The form of ``path`` (a key of ``FORMS``), from the folder's files or the file's first bytes.
    ``FileNotFoundError`` naming the path and listing the forms read when it is none of them."""
    path = Path(path)
    if path.is_dir():
        if next(path.glob("*.skeleton"), None) is not None:
            return SKELETON_FOLDER
        if nctvm.nctvm_parts(path):
            return "nctvm"
        if sample_npy.sample_npy_files(path):
            return "sample_npy"
        raise FileNotFoundError(f"{path}: no form of NTU RGB+D in this folder; expected {_EXPECTED}")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or folder (expected {_EXPECTED})")
    if path.suffix == ".skeleton":
        raise FileNotFoundError(f"{path}: one .skeleton file; point at the folder that holds them")
    with open(path, "rb") as f:
        head = f.read(8)
    for magic, form in _MAGIC.items():
        if head.startswith(magic):
            return form
    if path.name.endswith("_data_joint.npy") or path.name.endswith("_data.npy"):
        raise FileNotFoundError(f"{path}: one array of an ST-GCN folder; point at the folder ({path.parent})")
    raise FileNotFoundError(f"{path}: not a form of NTU RGB+D that the book reads (first bytes {head[:4]!r}); "
                            f"expected {_EXPECTED}")  # fmt: skip


def read_form(path, form: str | None = None) -> FormSamples:
    """``FormSamples`` of ``path`` in ``form`` (default: ``detect_form``); not for ``.skeleton`` folders,
    which ``loading.load`` parses file by file."""
    form = form or detect_form(path)
    if form not in _READERS:
        raise ValueError(f"{path}: {form!r}: expected one of the forms {sorted(_READERS)}")
    return _READERS[form](path)


def write_form(form: str, path, samples: FormSamples, protocol: str = "cross_subject"):
    """Write ``samples`` at ``path`` in ``form``; the forms that hold one protocol hold ``protocol``."""
    if form not in _WRITERS:
        raise ValueError(f"form {form!r}: expected one of {sorted(_WRITERS)}")
    if form in ("nctvm", "npz", "h5") and protocol not in samples.splits:
        raise ValueError(f"form {form}: holds one protocol's parts; {protocol!r} is not among {sorted(samples.splits)}")
    return _WRITERS[form](path, samples, protocol)
