"""Papermill orchestration: execute the chapters with a profile, then build the book.

The notebooks in ``notebooks/`` are stored without outputs. ``build_book`` stages a copy of the
book sources in ``_build/<profile>/src``, executes every chapter there with papermill (the only
execution: the Jupyter Book configuration says ``execute_notebooks: "off"``), copies
``plotly.min.js`` into the site's ``_static`` and runs ``jupyter-book build`` with warnings as
errors. A cell that raises stops papermill, and with it the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from skelrnn.profiles import PROFILES

__all__ = ["chapter_notebooks", "execute_chapter", "parameterize_chapters", "stage_book", "build_book", "BookError"]

# Files and folders of the repository that make up the book's sources.
BOOK_FILES = ("_config.yml", "_toc.yml", "book")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


class BookError(RuntimeError):
    """A chapter failed to execute or the book failed to build."""


def chapter_notebooks(root: Path) -> list[Path]:
    """The chapter notebooks of the repository at ``root``, in their numbered order."""
    notebooks = sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise BookError(f"{root}/notebooks: no chapter notebooks (expected files named NN_name.ipynb)")
    return notebooks


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")


def _hide_injected_cells(path: Path) -> None:
    """Hide papermill's injected-parameters cell in the site: the chapter prints its profile itself."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def execute_chapter(src: Path, dst: Path, profile: str, results_dir: Path, cwd: Path) -> float:
    """Execute one chapter with papermill; returns its wall time in seconds.

    A cell that raises makes papermill raise; it is turned into ``BookError`` naming the
    notebook and the cell, so the build stops there.
    """
    import papermill as pm

    _check_profile(profile)
    os.environ.update({k: v for k, v in QUIET_ENV.items() if k not in os.environ})
    dst.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters={"profile": profile, "results_dir": str(results_dir)},
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
        )
    except pm.PapermillExecutionError as err:
        raise BookError(f"{src}: cell {err.exec_count} raised {err.ename}: {err.evalue}") from err
    _hide_injected_cells(dst)
    return time.perf_counter() - start


def parameterize_chapters(root: Path, profile: str, out_dir: Path, results_dir: Path) -> list[Path]:
    """Write copies of the chapters with the ``profile`` parameters injected, without executing them.

    Used by the notebook tests: nbval then executes these copies with the smoke profile.
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    _check_profile(profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in chapter_notebooks(root):
        nb = load_notebook_node(str(src))  # papermill's loader fills in the metadata it relies on
        nb = parameterize_notebook(nb, {"profile": profile, "results_dir": str(results_dir)})
        dst = out_dir / src.name
        nbformat.write(nb, dst)
        written.append(dst)
    return written


def stage_book(root: Path, profile: str, stage: Path, results_dir: Path, log=print) -> dict[str, float]:
    """Copy the book sources to ``stage`` and execute every chapter there. Returns seconds per chapter."""
    root, stage = Path(root).resolve(), Path(stage).resolve()
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in BOOK_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, stage / name)
        else:
            shutil.copy2(src, stage / name)
    static = stage / "_static"
    static.mkdir(exist_ok=True)
    from skelrnn.plots import plotly_js_path

    shutil.copy2(plotly_js_path(), static / "plotly.min.js")
    times = {}
    for src in chapter_notebooks(root):
        log(f"[skelrnn] executing {src.name} (profile {profile})", flush=True)
        times[src.name] = execute_chapter(src, stage / "notebooks" / src.name, profile, results_dir, cwd=root)
        log(f"[skelrnn] {src.name}: {times[src.name]:.1f} s", flush=True)
    return times


def build_book(root: Path, profile: str, output: Path, results_dir: Path | None = None, log=print) -> Path:
    """Execute the chapters with ``profile`` and build the HTML; returns the folder of the site.

    ``output`` receives ``_build/src`` (the staged, executed sources) and ``_build/html`` (the site).
    """
    root, output = Path(root).resolve(), Path(output).resolve()
    results_dir = Path(results_dir or root / "results").resolve()
    toc = (root / "_toc.yml").read_text()
    missing = [nb.stem for nb in chapter_notebooks(root) if f"notebooks/{nb.stem}" not in toc]
    if missing:  # only_build_toc_files would drop them from the site without a word
        raise BookError(f"{root / '_toc.yml'}: chapters not in the table of contents: {', '.join(missing)}")
    stage = output / "_build" / "src"
    stage_book(root, profile, stage, results_dir, log=log)
    site = output / "_build" / "html"
    if site.exists():
        shutil.rmtree(site)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage),
        "--path-output", str(output), "--builder", "html", "-W", "-n", "--keep-going",
    ]  # fmt: skip
    log("[skelrnn] " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, check=False)
    if proc.returncode != 0:
        raise BookError(f"jupyter-book build failed with exit code {proc.returncode} (warnings are errors)")
    if not (site / "index.html").is_file():
        raise BookError(f"{site}: jupyter-book reported success but wrote no index.html")
    return site
