"""The book's chapters and what each trains: the one map from chapters to the thesis's tables.

Defined for the notebooks (``TrainingChapter.cells`` gives a chapter the cells of its own tables
only), the results page (which chapter explains a table) and the full-profile rehearsal (which
networks each chapter trains). A chapter is named as its notebook is, ``notebooks/<name>.md``;
its profile values and results folder use the name without its number (``Chapter.key``).
"""

from __future__ import annotations

from dataclasses import dataclass

from skelrnn.experiments.thesis_tables import TABLES, Cell, improved_baseline_cell, table_12

__all__ = ["Chapter", "CHAPTERS", "TRAINING_CHAPTERS", "chapter", "chapter_of_table", "table_cells"]

# "baseline": the improved baseline with the baseline seeds (``TrainingChapter.baseline``);
# "aligned 13": table 9's aligned 13-joint cell, chapter 09's model.
ALIGNED_13 = {"joints": 13, "preprocessing": "pose_alignment"}


@dataclass(frozen=True)
class Chapter:
    """One chapter: ``name`` (its notebook's), the thesis tables it reports (``tables``), and what it
    trains, in its order (``trains``: tables, "baseline", "aligned 13")."""

    name: str
    tables: tuple[str, ...] = ()
    trains: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The name without its number: its profile values (``profiles.CHAPTERS``) and results folder."""
        return self.name[3:]


def _training(name: str, *tables: str) -> Chapter:
    return Chapter(name, tables, ("baseline", *tables))


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("01_rnn_math"),
    Chapter("02_data"),
    _training("03_baselines", "table 4", "table 5"),
    _training("04_regularization", "table 6", "table 7"),
    _training("05_skeleton_transformer", "table 8"),
    _training("06_skeleton_motion", "motion"),
    _training("07_inattention", "table 11", "table 12"),
    _training("08_pose_alignment", "table 9"),
    Chapter("09_in_the_wild", ("table 10",), ("aligned 13",)),
)
TRAINING_CHAPTERS = tuple(c.name for c in CHAPTERS if c.trains)


def chapter(name: str) -> Chapter:
    """The chapter called ``name`` (its notebook's name, ``06_skeleton_motion``, or its ``key``)."""
    for c in CHAPTERS:
        if name in (c.name, c.key):
            return c
    raise KeyError(f"unknown chapter {name!r}; known: {[c.name for c in CHAPTERS]}")


def chapter_of_table(table: str) -> str | None:
    """The chapter that explains ``table`` (the first that reports it; "baseline": chapter 03's)."""
    return next((c.name for c in CHAPTERS if table in c.tables or table in c.trains), None)


def table_cells(table: str, frame_step: int = 1) -> list[Cell]:
    """The cells of a table a chapter trains (``Chapter.trains``). Table 12 counts its steps at the
    chapter's ``frame_step`` (``thesis_tables.table_12``)."""
    if table == "baseline":
        return [improved_baseline_cell()]
    if table == "aligned 13":
        return [next(c for c in TABLES["table 9"] if c.features == ALIGNED_13)]
    if table == "table 12":
        return table_12(frame_step)
    return list(TABLES[table])
