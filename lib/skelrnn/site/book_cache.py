"""Executed chapters kept between builds: a chapter whose inputs have not changed is not run again.

Defined for the book command (``skelrnn book``, ``skelrnn.site.book_command``). A chapter's *inputs* are its
source (``notebooks/NN_name.md``), the library's code (every ``.py`` file of ``skelrnn``: profiles,
engine, chapters' helpers), its papermill parameters, the identity of its data (a folder's file
names, sizes and modification times; the embedded synthetic data is library code), the Keras
backend and the version of the installed packages that compute (numpy, keras, the backend). Their
SHA-256 is the chapter's key. After a successful run, ``<cache>/NN_name.ipynb`` keeps the executed
notebook and ``<cache>/NN_name.json`` its key, time and counts of runs; a later build with the same
key copies the notebook instead of executing it. A failed run is never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import skelrnn
from skelrnn.core.io import read_json, write_json_atomic
from skelrnn.data import loading

__all__ = ["library_digest", "data_identity", "chapter_key", "ChapterCache"]

_PACKAGES = ("numpy", "scipy", "keras", "tensorflow", "tensorflow-cpu", "jax", "torch", "numba", "pandas", "plotly")


def library_digest() -> str:
    """SHA-256 of the library's code: every ``.py`` file of the installed ``skelrnn`` package, by name."""
    digest = hashlib.sha256()
    package = Path(skelrnn.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def data_identity(data_dir) -> str:
    """What identifies a chapter's data: ``"embedded synthetic data"`` for None (its generator and
    settings are library code), else a hash of the path and of its files' names, sizes and
    modification times (``loading.source_files``: the ``.skeleton`` files, or a toolkit's form),
    and of a ``dataset.json`` beside them, as the dataset cache keys them."""
    if data_dir is None:
        return "embedded synthetic data"
    source = Path(data_dir)
    folder = source if source.is_dir() else source.parent
    digest = hashlib.sha256(str(source.resolve()).encode())
    for path in sorted([*loading.source_files(source), *folder.glob("dataset.json")]):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _package_versions() -> dict:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def chapter_key(source: Path, parameters: dict, data_dir=None) -> str:
    """The key of one execution of chapter ``source`` with ``parameters`` (see the module docstring)."""
    inputs = {
        "source": Path(source).read_text(encoding="utf-8"),
        "library": library_digest(),
        "parameters": parameters,
        "data": data_identity(data_dir),
        "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "packages": _package_versions(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


class ChapterCache:
    """Executed chapters in ``folder``, by chapter name (``NN_name``)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def lookup(self, name: str, key: str) -> dict | None:
        """The entry of the last successful run of ``name`` with ``key`` (``seconds``, ``runs``...)
        and its notebook (``entry["notebook"]``), or None."""
        meta, notebook = self.folder / f"{name}.json", self.folder / f"{name}.ipynb"
        if not (meta.is_file() and notebook.is_file()):
            return None
        try:
            entry = read_json(meta)
        except ValueError:  # damaged: run again
            return None
        if entry.get("key") != key:
            return None
        return {**entry, "notebook": str(notebook)}

    def store(self, name: str, key: str, executed: Path, seconds: float, runs: dict) -> None:
        """Keep the executed notebook of a successful run and its key (notebook first, then the
        entry that names it: a kill in between leaves no entry for a notebook of another key)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.json").unlink(missing_ok=True)
        tmp = self.folder / f".{name}.ipynb"
        shutil.copy2(executed, tmp)
        os.replace(tmp, self.folder / f"{name}.ipynb")
        write_json_atomic(self.folder / f"{name}.json", {"key": key, "seconds": round(seconds, 1), "runs": runs})
