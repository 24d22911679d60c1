"""The build is strict: a cell that raises, or a cell that writes to stderr, fails it."""

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from skelrnn import run

TOC = "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_tiny\n"
PARAMS = 'profile = "quick"\nresults_dir = "results"'


def make_book(root, repo_root, body):
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(repo_root / "_config.yml", root)
    for name in ("references.bib", "favicon.svg"):  # files that _config.yml names
        shutil.copy(repo_root / "book" / name, root / "book")
    (root / "_toc.yml").write_text(TOC)
    (root / "book" / "intro.md").write_text("# Tiny book\n\nA test of the build.\n")
    params = new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# Tiny chapter"), params, new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "notebooks" / "01_tiny.ipynb")
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


def test_parameterize_injects_the_profile_without_executing(tmp_path, repo_root):
    out = run.parameterize_chapters(repo_root, "smoke", tmp_path, tmp_path / "results")
    assert [p.name for p in out] == [p.name for p in run.chapter_notebooks(repo_root)]
    nb = nbformat.read(out[0], 4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'profile = "smoke"' in injected[0].source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_a_chapter_missing_from_the_toc_fails_the_build(tmp_path, repo_root):
    src = make_book(tmp_path / "src", repo_root, "x = 1")
    shutil.copy(src / "notebooks" / "01_tiny.ipynb", src / "notebooks" / "02_forgotten.ipynb")
    with pytest.raises(run.BookError, match="not in the table of contents: 02_forgotten"):
        run.build_book(src, "smoke", tmp_path / "out")
