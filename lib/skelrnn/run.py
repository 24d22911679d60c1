"""Papermill orchestration: execute the chapters with a profile, then build the book.

Each chapter is one MyST Markdown notebook, ``notebooks/NN_name.md`` (jupytext's ``myst``
format): the single source, readable as text and openable in Jupyter through jupytext.
``build_book`` stages a copy of the book sources in ``<output>/_build/src``, converts every
chapter to ``.ipynb`` there (``chapter_notebook``), executes it with papermill (the only
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

__all__ = [
    "chapter_sources",
    "chapter_notebook",
    "execute_chapter",
    "write_notebooks",
    "stage_book",
    "build_book",
    "BookError",
]

# Files and folders of the repository that make up the book's sources.
BOOK_FILES = ("_config.yml", "_toc.yml", "book")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


class BookError(RuntimeError):
    """A chapter failed to execute or the book failed to build."""


def chapter_sources(root: Path) -> list[Path]:
    """The chapter sources of the repository at ``root`` (``notebooks/NN_name.md``), in their numbered order."""
    sources = sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.md"))
    if not sources:
        raise BookError(f"{root}/notebooks: no chapters (expected MyST notebooks named NN_name.md)")
    return sources


def chapter_notebook(src: Path):
    """The chapter ``src`` (a MyST Markdown notebook) as an ``nbformat`` notebook, without outputs.

    A source that jupytext does not read as a notebook (no ``jupytext`` / ``kernelspec`` front
    matter) or that has no cell tagged ``parameters`` is refused with ``BookError``.
    """
    import jupytext

    text = Path(src).read_text(encoding="utf-8")
    if not text.startswith("---\n") or "kernelspec:" not in text.split("\n---", 1)[0]:
        raise BookError(f"{src}: line 1: expected jupytext front matter with a kernelspec (a MyST notebook)")
    nb = jupytext.reads(text, fmt="md:myst")
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"):
        raise BookError(f"{src}: no code cell tagged 'parameters' (papermill injects the profile after it)")
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:03d}"  # stable ids: the same source gives the same notebook
    nb.metadata.setdefault("language_info", {"name": "python"})  # papermill needs the language
    return nb


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


def write_notebooks(root: Path, out_dir: Path) -> list[Path]:
    """Write every chapter of ``root`` as ``out_dir/NN_name.ipynb`` (unexecuted); returns the paths.

    The book stages chapters this way; ``make test`` lints these copies' code cells with ruff.
    """
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in chapter_sources(root):
        dst = out_dir / f"{src.stem}.ipynb"
        nbformat.write(chapter_notebook(src), dst)
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
    for nb in write_notebooks(root, stage / "notebooks"):
        log(f"[skelrnn] executing {nb.name} (profile {profile})", flush=True)
        times[nb.name] = execute_chapter(nb, nb, profile, results_dir, cwd=root)
        log(f"[skelrnn] {nb.name}: {times[nb.name]:.1f} s", flush=True)
    return times


def build_book(root: Path, profile: str, output: Path, results_dir: Path | None = None, log=print) -> Path:
    """Execute the chapters with ``profile`` and build the HTML; returns the folder of the site.

    ``output`` receives ``_build/src`` (the staged, executed sources) and ``_build/html`` (the site).
    """
    root, output = Path(root).resolve(), Path(output).resolve()
    results_dir = Path(results_dir or root / "results").resolve()
    toc = (root / "_toc.yml").read_text()
    missing = [src.stem for src in chapter_sources(root) if f"notebooks/{src.stem}" not in toc]
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
