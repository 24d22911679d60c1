"""The build is strict: a cell that raises, or a cell that writes to stderr, fails it."""

import shutil

import nbformat
import pytest

from skelrnn import run

TOC = "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_tiny\n"
FRONT = (
    "---\njupytext:\n  text_representation:\n    format_name: myst\n"
    "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n"
)
PARAMS = '```{code-cell}\n:tags: [parameters]\n\nprofile = "quick"\nresults_dir = "results"\n```\n'


def make_book(root, repo_root, body):
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(repo_root / "_config.yml", root)
    for name in ("references.bib", "favicon.svg"):  # files that _config.yml names
        shutil.copy(repo_root / "book" / name, root / "book")
    (root / "_toc.yml").write_text(TOC)
    (root / "book" / "intro.md").write_text("# Tiny book\n\nA test of the build.\n")
    chapter = f"{FRONT}\n# Tiny chapter\n\n{PARAMS}\n```{{code-cell}}\n{body}\n```\n"
    (root / "notebooks" / "01_tiny.md").write_text(chapter)
    return root


def test_good_book_builds_and_hides_the_injected_cell(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "print(f'profile is {profile}')")
    site = run.build_book(src, "smoke", tmp_path / "out")
    page = (site / "notebooks" / "01_tiny.html").read_text()
    assert "profile is smoke" in page
    assert (site / "_static" / "plotly.min.js").is_file()
    executed = nbformat.read(tmp_path / "out" / "_build" / "src" / "notebooks" / "01_tiny.ipynb", 4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata["tags"]


@pytest.mark.parametrize(
    "body, match",
    [
        ("raise RuntimeError('boom')", r"01_tiny\.ipynb: cell 3 raised RuntimeError: boom"),
        ("import warnings\nwarnings.warn('careful')", "jupyter-book build failed"),
    ],
    ids=["exception", "stderr-warning"],
)
def test_bad_cell_fails_the_build(tmp_path, repo_root, body, match):
    src = make_book(tmp_path / "src", repo_root, body)
    with pytest.raises(run.BookError, match=match):
        run.build_book(src, "smoke", tmp_path / "out")


def test_every_chapter_converts_to_a_notebook_with_stable_cell_ids(tmp_path, repo_root):
    out = run.write_notebooks(repo_root, tmp_path)
    assert [p.stem for p in out] == [p.stem for p in run.chapter_sources(repo_root)]
    nb = nbformat.read(out[0], 4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert [c.id for c in nb.cells] == [f"cell-{k:03d}" for k in range(len(nb.cells))]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert run.write_notebooks(repo_root, tmp_path / "again")[0].read_text() == out[0].read_text()


@pytest.mark.parametrize(
    "text, match",
    [("# No front matter\n", "line 1: expected jupytext front matter"),
     (FRONT + "\n# No parameters\n\n```{code-cell}\nx = 1\n```\n", "no code cell tagged 'parameters'")],
)  # fmt: skip
def test_a_chapter_that_is_not_a_myst_notebook_is_refused(tmp_path, text, match):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_bad.md").write_text(text)
    with pytest.raises(run.BookError, match=match):
        run.write_notebooks(tmp_path, tmp_path / "out")


def test_a_chapter_missing_from_the_toc_fails_the_build(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "x = 1")
    shutil.copy(src / "notebooks" / "01_tiny.md", src / "notebooks" / "02_forgotten.md")
    with pytest.raises(run.BookError, match="not in the table of contents: 02_forgotten"):
        run.build_book(src, "smoke", tmp_path / "out")
