"""The chapters as sources: MyST notebooks that lint clean, with thin cells and literal parameters."""

import ast
import subprocess
import sys

import pytest

from skelrnn import run

MAX_CELL_LINES = 15  # longer code belongs in lib/skelrnn


@pytest.fixture(scope="module")
def notebooks(repo_root):
    return {src.stem: run.chapter_notebook(src) for src in run.chapter_sources(repo_root)}


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_chapters_code_cells_pass_ruff(repo_root, tmp_path):
    run.write_notebooks(repo_root, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(repo_root / "pyproject.toml"),
         *sorted(str(p) for p in tmp_path.glob("*.ipynb"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_code_cells_are_thin(notebooks):
    long = {
        f"{name}: cell {k} ({n} lines)": cell.source.splitlines()[0]
        for name, nb in notebooks.items()
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        if (n := sum(1 for line in cell.source.splitlines() if line.strip())) > MAX_CELL_LINES
    }
    assert not long, long


def test_the_parameters_cell_holds_literals_only(notebooks):
    for name, nb in notebooks.items():
        (params,) = [c for c in code_cells(nb) if "parameters" in c.metadata.get("tags", [])]
        for node in ast.parse(params.source).body:
            assert isinstance(node, ast.Assign), f"{name}: {ast.unparse(node)}"
            ast.literal_eval(node.value)  # raises on anything papermill could not re-inject
        assert "profile" in params.source, name


def test_every_chapter_is_in_the_toc_and_nothing_else_is_in_notebooks(repo_root):
    toc = (repo_root / "_toc.yml").read_text()
    assert all(f"notebooks/{src.stem}" in toc for src in run.chapter_sources(repo_root))
    assert sorted(p.suffix for p in (repo_root / "notebooks").iterdir()) == [".md"] * len(
        run.chapter_sources(repo_root)
    )
