"""Papermill orchestration: execute the chapters with a profile, then build the book.

Each chapter is one MyST Markdown notebook, ``notebooks/NN_name.md`` (jupytext's ``myst``
format): the single source, readable as text and openable in Jupyter through jupytext.
``build_book`` stages a copy of the book sources in ``<output>/_build/src``, converts every
chapter to ``.ipynb`` there (``chapter_notebook``), executes it with papermill (the only
execution: the Jupyter Book configuration says ``execute_notebooks: "off"``), copies
``plotly.min.js`` into the site's ``_static`` and runs ``jupyter-book build`` with warnings as
errors.

A chapter whose inputs are unchanged since its last successful run is not executed again: its
executed notebook comes from ``<output>/_build/executed`` (``book_cache``). A chapter that fails
(a cell raises, or writes to stderr) does not stop the others: its executed notebook, error
included, is kept in ``<output>/_build/failed``, the site gets a page saying what failed in its
place, and the ``BookReport`` lists it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from skelrnn.core.folders import RESULTS_DIR
from skelrnn.experiments.profiles import check_profile
from skelrnn.reporting.plots import plotly_js_path
from skelrnn.runs.progress import PROGRESS_ENV, read_progress
from skelrnn.site.book_cache import ChapterCache, chapter_key
from skelrnn.site.results_page import write_page

__all__ = [
    "chapter_sources",
    "chapter_notebook",
    "execute_chapter",
    "write_notebooks",
    "select_chapters",
    "stage_book",
    "build_book",
    "ChapterResult",
    "ChapterProgress",
    "BookReport",
    "BookError",
]

# Files and folders of the repository that make up the book's sources.
BOOK_FILES = ("_config.yml", "_toc.yml", "book")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


class BookError(RuntimeError):
    """A chapter failed to execute or the book failed to build."""


@dataclass
class ChapterResult:
    """What became of one chapter in a build: ``status`` is "ran", "reused" (its last successful
    run's notebook), "failed" (``error`` says which cell raised what) or "not selected" (left out
    by ``--chapters`` and never run with these inputs: a page says so)."""

    name: str
    status: str
    seconds: float = 0.0
    trained: int = 0
    reused: int = 0
    error: str | None = None


@dataclass
class BookReport:
    """A build's outcome: the site's folder and one ``ChapterResult`` per chapter, in order."""

    site: Path | None
    chapters: list[ChapterResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ChapterResult]:
        return [c for c in self.chapters if c.status == "failed"]

    def summary(self, backend: str) -> str:
        """A table for the end of the command: chapter, status, minutes, runs trained and reused."""
        lines = [f"{'chapter':<26} {'status':<13} {'minutes':>7} {'trained':>7} {'reused':>6}"]
        for c in self.chapters:
            lines.append(f"{c.name:<26} {c.status:<13} {c.seconds / 60:>7.1f} {c.trained:>7} {c.reused:>6}")
            if c.error:
                lines.append(f"    {c.error}")
        total = sum(c.seconds for c in self.chapters)
        lines.append(f"{len(self.chapters)} chapters, {total / 60:.1f} min, Keras backend {backend}; "
                     f"{len(self.failed)} failed")  # fmt: skip
        return "\n".join(lines)


def chapter_sources(root: Path) -> list[Path]:
    """The chapter sources of the repository at ``root`` (``notebooks/NN_name.md``), in their numbered order."""
    sources = sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.md"))
    if not sources:
        raise BookError(f"{root}/notebooks: no chapters (expected MyST notebooks named NN_name.md)")
    return sources


def select_chapters(root: Path, wanted) -> list[str]:
    """The chapter names (``NN_name``) that ``wanted`` names, by number ("03") or name
    ("03_baselines"); an unknown one is refused with the list of chapters."""
    names = [src.stem for src in chapter_sources(root)]
    chosen = []
    for item in wanted:
        match = [n for n in names if item in (n, n[:2])]
        if not match:
            raise BookError(f"unknown chapter {item!r}; the chapters are: {', '.join(names)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def chapter_notebook(src: Path):
    """The chapter ``src`` (a MyST Markdown notebook) as an ``nbformat`` notebook, without outputs.

    A source that jupytext does not read as a notebook (no ``jupytext`` / ``kernelspec`` front
    matter) or that has no cell tagged ``parameters`` is refused with ``BookError``.
    """
    import jupytext  # the book extra: `skelrnn data` runs without it

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


def _hide_injected_cells(path: Path) -> None:
    """Hide papermill's injected-parameters cell in the site: the chapter prints its profile itself."""
    import nbformat  # the book extra: `skelrnn data` runs without it

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


class ChapterProgress:
    """A chapter's training runs as they end: the events its runs report (``runs.progress``) to the
    file ``path``, which ``execute_chapter`` names to the chapter's kernel. Each event's line is
    passed to ``log`` with the chapter's name; the runs trained and reused are counted. It is also
    the file papermill writes the cells' output to: that output is not read, only taken as the
    moment to look for new events."""

    def __init__(self, name: str, log, path: Path):
        self.name, self.log, self.path, self._offset = name, log, Path(path), 0
        self.trained = self.reused = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)

    def poll(self) -> None:
        """Pass on and count the events reported since the last poll."""
        events, self._offset = read_progress(self.path, self._offset)
        for event in events:
            if event["kind"] == "runs":
                self.trained += int(event["trained"])
                self.reused += int(event["reused"])
            self.log(f"[skelrnn] {self.name}: {event['line']}", flush=True)

    def write(self, text: str) -> int:
        self.poll()
        return len(text)

    def flush(self) -> None:
        pass


def _first_stderr(path: Path) -> str | None:
    """The first cell of an executed notebook that wrote to stderr, as "cell N wrote to stderr: ..."
    (the build treats such output as an error), or None."""
    import nbformat  # the book extra: `skelrnn data` runs without it

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", "")).strip().splitlines()
                return f"cell {cell.get('execution_count')} wrote to stderr: {text[0] if text else ''}"
    return None


def execute_chapter(
    src: Path, dst: Path, profile: str, results_dir: Path, cwd: Path, parameters: dict | None = None, progress=None
) -> float:
    """Execute one chapter with papermill; returns its wall time in seconds.

    ``parameters`` are papermill parameters beside ``profile`` and ``results_dir`` (``seed``,
    ``data_dir``). ``progress``: a ``ChapterProgress``, polled as the cells' output comes. A cell
    that raises makes papermill raise; it is turned into ``BookError`` naming the notebook and the
    cell (``dst`` keeps the notebook with the error).
    """
    import papermill as pm  # the book extra: `skelrnn data` runs without it

    check_profile(profile)
    os.environ.update({k: v for k, v in QUIET_ENV.items() if k not in os.environ})
    dst.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if progress is not None:  # the kernel papermill starts inherits it
        os.environ[PROGRESS_ENV] = str(progress.path)
    try:
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters={"profile": profile, "results_dir": str(results_dir), **(parameters or {})},
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
            stdout_file=progress,
        )
    except pm.PapermillExecutionError as err:
        raise BookError(f"{src}: cell {err.exec_count} raised {err.ename}: {err.evalue}") from err
    finally:
        os.environ.pop(PROGRESS_ENV, None)
        if progress is not None:
            progress.poll()
    _hide_injected_cells(dst)
    return time.perf_counter() - start


def write_notebooks(root: Path, out_dir: Path) -> list[Path]:
    """Write every chapter of ``root`` as ``out_dir/NN_name.ipynb`` (unexecuted); returns the paths.

    The book stages chapters this way; ``make test`` lints these copies' code cells with ruff.
    """
    import nbformat  # the book extra: `skelrnn data` runs without it

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in chapter_sources(root):
        dst = out_dir / f"{src.stem}.ipynb"
        nbformat.write(chapter_notebook(src), dst)
        written.append(dst)
    return written


def _title(src: Path) -> str:
    """A chapter's title: the first level-1 heading of its source."""
    for line in Path(src).read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return src.stem


def _placeholder(dst: Path, src: Path, heading: str, body: str) -> None:
    """A page standing in for a chapter that has no executed notebook to show."""
    import nbformat  # the book extra: `skelrnn data` runs without it

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {_title(src)}\n\n```{{{heading}}}\n{body}\n```\n")]
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, dst)


def stage_book(
    root: Path, profile: str, stage: Path, results_dir: Path, log=print, *, parameters: dict | None = None,
    chapters: list[str] | None = None, cache_dir: Path | None = None, force: bool = False,
    failed_dir: Path | None = None,
) -> list[ChapterResult]:  # fmt: skip
    """Copy the book sources to ``stage`` and execute the ``chapters`` (names; default all) there,
    with ``parameters`` (``seed``, ``data_dir``) beside the profile. With ``cache_dir`` a chapter
    whose inputs are unchanged reuses its last successful run (``book_cache``) unless ``force``;
    a chapter left out of ``chapters`` shows its last successful run with these inputs, or a page
    saying it was not run. A failing chapter gets a page saying so; its executed notebook goes to
    ``failed_dir``. Returns one ``ChapterResult`` per chapter."""
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
    shutil.copy2(plotly_js_path(), static / "plotly.min.js")
    parameters = dict(parameters or {})
    cache = ChapterCache(cache_dir) if cache_dir is not None else None
    sources = {src.stem: src for src in chapter_sources(root)}
    results = []
    for nb in write_notebooks(root, stage / "notebooks"):
        name, src = nb.stem, sources[nb.stem]
        key = chapter_key(src, {"profile": profile, "results_dir": str(results_dir), **parameters},
                          parameters.get("data_dir"))  # fmt: skip
        entry = cache.lookup(name, key) if cache is not None else None
        if entry is not None and (not force or (chapters is not None and name not in chapters)):
            shutil.copy2(entry["notebook"], nb)
            runs = entry.get("runs", {})
            results.append(ChapterResult(name, "reused", 0.0, 0, runs.get("trained", 0) + runs.get("reused", 0)))
            log(f"[skelrnn] {name}: unchanged since its last run, reused", flush=True)
            continue
        if chapters is not None and name not in chapters:
            _placeholder(nb, src, "note", f"This chapter was not run in this build (profile {profile}). Build it "
                                          f"with `skelrnn book --chapters {name[:2]}`.")  # fmt: skip
            results.append(ChapterResult(name, "not selected"))
            continue
        log(f"[skelrnn] executing {nb.name} (profile {profile})", flush=True)
        progress = ChapterProgress(name, log, stage.parent / "progress" / f"{name}.jsonl")
        start = time.perf_counter()
        try:
            seconds = execute_chapter(nb, nb, profile, results_dir, cwd=root, parameters=parameters, progress=progress)
            error = _first_stderr(nb)
        except BookError as err:
            seconds, error = time.perf_counter() - start, str(err).split(": ", 1)[-1]
        if error is None:
            if cache is not None:
                cache.store(name, key, nb, seconds, {"trained": progress.trained, "reused": progress.reused})
            results.append(ChapterResult(name, "ran", seconds, progress.trained, progress.reused))
            log(f"[skelrnn] {nb.name}: {seconds:.1f} s", flush=True)
            continue
        kept = None
        if failed_dir is not None:
            Path(failed_dir).mkdir(parents=True, exist_ok=True)
            kept = Path(failed_dir) / nb.name
            shutil.copy2(nb, kept)
        where = f" The executed notebook, with the error, is kept at `{kept}`." if kept else ""
        _placeholder(nb, src, "error", f"This chapter failed (profile {profile}): {error}.{where} Every run it "
                                       "finished before the error kept its result record.")  # fmt: skip
        results.append(ChapterResult(name, "failed", seconds, progress.trained, progress.reused, error))
        log(f"[skelrnn] {nb.name}: FAILED after {seconds:.1f} s: {error}", flush=True)
    write_page(stage, results_dir, profile, root)  # from the records the chapters left, failed ones included
    return results


_SOLUTION_START = re.compile(r"^(```|:::)\{solution-start\}.*?^\1[ \t]*$\n?", re.M | re.S)
_SOLUTION_END = re.compile(r"^(```|:::)\{solution-end\}.*?^\1[ \t]*$\n?", re.M | re.S)


def _strip_solutions(notebook: Path) -> None:
    """Remove the exercises' solutions from an executed notebook: everything from a
    ``{solution-start}`` directive to its ``{solution-end}`` (sphinx-exercise's gated solutions,
    whose code cells ran with the chapter; its own ``hide_solutions`` fails on gated solutions).
    Markdown around the two directives, in the same cells, stays."""
    import nbformat  # the book extra: `skelrnn data` runs without it

    nb = nbformat.read(notebook, as_version=4)
    kept, inside = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if not inside:
                kept.append(cell)
            continue
        text, out = cell.source, ""
        while text:
            pattern = _SOLUTION_END if inside else _SOLUTION_START
            found = pattern.search(text)
            if found is None:
                out += "" if inside else text
                break
            out += "" if inside else text[: found.start()]
            text, inside = text[found.end() :], not inside
        if out.strip():
            cell.source = out
            kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, notebook)


def build_book(
    root: Path, profile: str, output: Path, results_dir: Path | None = None, log=print, *,
    parameters: dict | None = None, chapters: list[str] | None = None, force: bool = False, cache: bool = True,
    solutions: bool = True,
) -> BookReport:  # fmt: skip
    """Execute the chapters with ``profile`` and build the HTML (``stage_book`` for the arguments).

    ``output`` receives ``_build/src`` (the staged, executed sources), ``_build/executed`` (the
    cache of successful runs; ``cache=False``: none), ``_build/failed`` and ``_build/html`` (the
    site). ``solutions=False`` leaves the exercises' solutions out of the site (they still run: a
    teacher's build checks them too). A failed chapter does not raise (see ``BookReport.failed``);
    a failed site build does.
    """
    root, output = Path(root).resolve(), Path(output).resolve()
    results_dir = Path(results_dir or root / RESULTS_DIR).resolve()
    toc = (root / "_toc.yml").read_text()
    missing = [src.stem for src in chapter_sources(root) if f"notebooks/{src.stem}" not in toc]
    if missing:  # only_build_toc_files would drop them from the site without a word
        raise BookError(f"{root / '_toc.yml'}: chapters not in the table of contents: {', '.join(missing)}")
    stage = output / "_build" / "src"
    shutil.rmtree(output / "_build" / "failed", ignore_errors=True)
    results = stage_book(
        root, profile, stage, results_dir, log=log, parameters=parameters, chapters=chapters, force=force,
        cache_dir=output / "_build" / "executed" if cache else None, failed_dir=output / "_build" / "failed",
    )  # fmt: skip
    if not solutions:
        for notebook in sorted((stage / "notebooks").glob("*.ipynb")):
            _strip_solutions(notebook)
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
    return BookReport(site, results)
