"""Helpers of the notebook writers in tools/: chapters are kept as Python so that diffs stay readable."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


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
