"""Helpers of the notebook writers in tools/: chapters are kept as Python so that diffs stay readable."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# The parameters cell of the training chapters (03, 04): papermill needs literals in the notebook.
TRAINING_PARAMETERS = """
profile = "quick"  # smoke | quick | full (values in skelrnn.profiles)
seed = 0  # added to every seed of the profile
results_dir = "results"  # result records are written under results_dir/profile/
data_dir = None  # a folder of NTU RGB+D .skeleton files; None: the embedded synthetic dataset
runs_dir = "_build/runs"  # checkpoints of unfinished runs (resumable)
"""


class Chapter:
    """Collects the cells of one chapter notebook, then writes it (without outputs)."""

    def __init__(self):
        self.cells = []

    def md(self, text: str) -> None:
        self.cells.append(new_markdown_cell(text.strip("\n")))

    def code(self, text: str, tags=()) -> None:
        cell = new_code_cell(text.strip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)

    def write(self, name: str) -> Path:
        for k, cell in enumerate(self.cells):
            cell["id"] = f"cell-{k:03d}"  # stable ids: regenerating a chapter changes only what changed
        nb = new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nb.metadata["language_info"] = {"name": "python"}
        out = Path(__file__).resolve().parents[1] / "notebooks" / name
        nbformat.write(nb, out)
        print(f"wrote {out}")
        return out
