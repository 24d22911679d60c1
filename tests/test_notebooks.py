"""The chapters as sources: MyST notebooks that lint clean, with thin cells and literal parameters."""

import ast
import subprocess
import sys

import pytest

from skelrnn.site import book_command

MAX_CELL_LINES = 15  # longer code belongs in lib/skelrnn


@pytest.fixture(scope="module")
def notebooks(repo_root):
    return {src.stem: book_command.chapter_notebook(src) for src in book_command.chapter_sources(repo_root)}


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_chapters_code_cells_pass_ruff(repo_root, tmp_path):
    book_command.write_notebooks(repo_root, tmp_path)
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
    assert all(f"notebooks/{src.stem}" in toc for src in book_command.chapter_sources(repo_root))
    assert sorted(p.suffix for p in (repo_root / "notebooks").iterdir()) == [".md"] * len(
        book_command.chapter_sources(repo_root)
    )


def test_every_chapter_ends_with_exercises_whose_solutions_check_their_answer(repo_root):
    """2 to 4 exercises (sphinx-exercise) after the last section; each has a solution whose code runs
    in the build and asserts its answer, so that the smoke build of ``make test`` checks them all."""
    import re

    for src in sorted((repo_root / "notebooks").glob("[0-9][0-9]_*.md")):
        text = src.read_text()
        assert "\n## Exercises\n" in text, f"{src.name}: no Exercises section"
        tail = text.split("\n## Exercises\n", 1)[1]
        assert "\n## " not in tail, f"{src.name}: the exercises are not the chapter's end"
        labels = re.findall(r"```\{exercise\}\n:label: (\S+)", tail)
        assert 2 <= len(labels) <= 4, f"{src.name}: {len(labels)} exercises"
        for label in labels:
            solution = re.search(
                r"```\{solution-start\} " + re.escape(label) + r"\n(.*?)```\{solution-end\}", tail, re.S
            )
            assert solution, f"{src.name}: exercise {label} has no solution"
            assert ":class: dropdown" in solution[1], f"{src.name}: {label}'s solution is not collapsed"
            code = "".join(re.findall(r"```\{code-cell\}\n(.*?)```", solution[1], re.S))
            assert "assert " in code, f"{src.name}: {label}'s solution does not check its answer"
