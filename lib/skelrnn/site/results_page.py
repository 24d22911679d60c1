"""The results page: every thesis number of every chapter beside the value measured now, from records.

Defined for the book command (``skelrnn.site.book_command``). The training chapters write, beside their run
records, one *table file* per thesis table (``<results>/<profile>/tables/<table>.json``,
``record_tables.write_table_file``): each cell's place, the thesis's value as printed, and the names of
the records behind it (or, for a table computed in the chapter from trained models, such as the
in-the-wild table 10, its measured values and the records of those models). ``write_page`` turns
them into a MyST page and copies every record it cites into the site (``_static/records``), so
that each entry links to the JSON it was read from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from skelrnn.core.folders import RECORDS_STATIC, records_url
from skelrnn.core.io import read_json, write_text_atomic
from skelrnn.experiments.chapter_map import CHAPTERS, chapter_of_table
from skelrnn.experiments.thesis_tables import NOT_COMPARABLE
from skelrnn.reporting.costs import cost_lines, rehearsal_summaries

__all__ = ["mark", "collect", "write_page"]


def mark(thesis: float, low: float, high: float) -> str:
    """Where the thesis's value lies against the seeds' range of the measured one: "within" the
    range, or the measured value is "above" or "below" it; "–" without a thesis value."""
    if thesis is None or np.isnan(thesis):
        return "–"
    if low <= thesis <= high:
        return "within"
    return "above" if low > thesis else "below"


def collect(results_dir: Path, profile: str) -> list[dict]:
    """Every cell of every table file of ``profile``: ``table``, ``row``, ``column``, ``thesis`` (as
    printed, or None), ``measured`` (mean %), ``min``, ``max``, ``seeds`` and ``records`` (paths),
    in table order. A record a table file names that is gone is left out of its cell."""
    folder = Path(results_dir) / profile
    rows = []
    for path in sorted((folder / "tables").glob("*.json")):
        table = read_json(path)
        for cell in table["cells"]:
            records = [folder / r for r in cell["records"] if (folder / r).is_file()]
            if "measured" in cell:  # a table computed in its chapter: its values are in the file
                values = np.asarray(cell["measured"], dtype=float)
            else:
                values = np.array([100 * read_json(r)["test_accuracy"] for r in records])
            if values.size == 0:
                continue
            rows.append({"table": table["table"], "row": cell["row"], "column": cell["column"],
                         "thesis": cell["thesis"], "measured": float(values.mean()), "min": float(values.min()),
                         "max": float(values.max()), "seeds": int(values.size), "records": records})  # fmt: skip
    return rows


def _record_link(path: Path, folder: Path, profile: str) -> str:
    return f"[{path.stem[:8]}]({records_url(profile, path.relative_to(folder).parent.as_posix())}{path.name})"


COST_TABLE_MARKER = "<!-- the cost table, per chapter: written from the records when the book is built -->"


def cost_table(*summaries) -> list[str]:
    """The full profile's cost per chapter as Markdown lines, from the rehearsals ``summaries``
    (``costs.read_summaries``: one per backend): a sentence saying what was measured, where
    and when, the table (``costs.cost_lines``) and the largest network's memory. No lines
    without a rehearsal."""
    if not summaries:
        return []
    where = "; ".join(f"{s['backend']} on {s['device']}, {s['date'][:10]}, {s['wall seconds'] / 60:.0f} min"
                      + _resumed(s) for s in summaries)  # fmt: skip
    first = summaries[0]
    full, data, n = first["full profile"], first["data"], first["updates"]
    counted = full["sequences"]
    checks = "; ".join(_length_check(s) for s in summaries if s.get("length check"))
    lines = [
        f"Extrapolated from `skelrnn book --profile full --rehearse` ({where}). Every network the full profile "
        f"trains was built at its sizes and trained for {n} updates on one batch of {full['batch size']} sequences "
        f"of {data['data']}: the first update traces, the other {n - 1} are timed. The batch holds the training "
        f"sequences nearest the mean padded length of the full profile's updates ({_padding(summaries)}), "
        "and each time is scaled to that mean. Each run is then counted at its whole budget of "
        f"{full['max epochs']} epochs of {full['updates per epoch']} updates ({counted['train']:,} training "
        f"sequences), with a pass over {counted['validation']:,} validation sequences every {full['eval every']} "
        f"updates and one over {counted['test']:,} test sequences. A chapter counts the runs that no earlier "
        "chapter trains (records are shared: the improved baseline is chapter 03's). The hours are the median "
        "timed update's; in brackets, the fastest and the slowest timed update's. They assume that "
        + "; that ".join(first.get("assumptions", []))
        + ".",
        "",
        *cost_lines(*summaries),
        "",
        *([f"Length check: {checks}.", ""] if checks else []),
    ]
    for s in summaries:
        largest = max(s["networks"], key=lambda n: n["peak memory (MiB)"])
        kind = "the process's resident memory, data included" if s["device"].startswith("CPU") else "device memory"
        lines.append(f"Largest memory on {s['backend']}: {largest['name']}, {largest['peak memory (MiB)']:,.0f} MiB "
                     f"at its peak ({kind}; {largest['memory added (MiB)']:,.0f} MiB above the rehearsal's before "
                     "it).  ")  # fmt: skip
    return lines


def _padding(summaries) -> str:
    """The mean padded length of an update, and the range of an epoch's, on each backend (JAX pads
    to multiples of 16)."""
    return "; ".join(f"{s['data']['mean padded length (steps)']:.0f} steps on {s['backend']}, an epoch's updates "
                     f"padded to {s['data']['padded lengths of an epoch (steps)'][0]}-"
                     f"{s['data']['padded lengths of an epoch (steps)'][1]}" for s in summaries)  # fmt: skip


def _length_check(summary: dict) -> str:
    """The rehearsal's check of the affine assumption, in words."""
    check = summary["length check"]
    times = ", ".join(f"{t:.3f}" for t in check["seconds per update"])
    return (f"on {summary['backend']}, the {check['network']} took {times} s an update at padded lengths "
            f"{', '.join(map(str, check['padded lengths']))}; the mean length's time lies "
            f"{100 * check['deviation']:+.1f} % from the line through the other two")  # fmt: skip


def _resumed(summary: dict) -> str:
    """What a rehearsal's time leaves out when it went on from an earlier, stopped one."""
    kept = len(summary["networks"]) - summary.get("networks measured", len(summary["networks"]))
    return f" (resumed: {kept} networks measured before)" if kept else ""


def fill_cost_table(page: Path, table: list[str]) -> None:
    """Put ``table`` (``cost_table``) where ``page`` has ``COST_TABLE_MARKER`` (a page without it is left alone)."""
    if not page.is_file() or COST_TABLE_MARKER not in (text := page.read_text()):
        return
    none = "No rehearsal has been recorded yet: `skelrnn book --profile full --rehearse` measures one on your machine."
    filled = "\n".join(table) if table else none
    write_text_atomic(page, text.replace(COST_TABLE_MARKER, filled))


def write_page(stage: Path, results_dir: Path, profile: str, root: Path | None = None) -> Path:
    """Write ``stage/book/results.md`` for ``profile`` and copy the records it cites to
    ``stage/_static/records/<profile>/``; fill the cost tables of ``stage/book/reproducing.md`` and
    ``cluster.md`` from the full profile's rehearsal (``results_dir``'s, else the one committed in
    ``root/results``). Returns the results page's path."""
    folder = Path(results_dir) / profile
    static = Path(stage) / RECORDS_STATIC / profile
    rows = collect(results_dir, profile)
    lines = [
        "# Results: the thesis against this build",
        "",
        f"Every number the thesis reports that a chapter measures, beside the value this build measured "
        f"(profile **{profile}**). Tables 4-9 and the motion table are read from the result records of "
        "their runs; table 10 is computed in its chapter from trained models, so its values come from the "
        "chapter's table file, and its links are the records of the models that made them. *Measured* "
        "is the mean over seeds, with the seeds' range; *mark* says whether the thesis's value lies "
        "**within** that range, or whether the measured value is **above** or **below** it, or that the "
        "two are **not comparable** (the notes under the table say why). Each record is the JSON file "
        "its run wrote (settings, data hash, history, test accuracy, environment and commit), served by "
        "this site.",
        "",
    ]
    if not rows:
        lines.append(f"No table file under `{folder / 'tables'}` yet: run the training chapters first.")
    by_table: dict[str, list[dict]] = {}
    for row in rows:
        by_table.setdefault(row["table"], []).append(row)
    order = ["baseline", *(table for c in CHAPTERS for table in c.tables)]  # the book's order: chapter 3's first
    for table, cells in sorted(by_table.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
        chapter = chapter_of_table(table)
        source = f" ({{doc}}`chapter <../notebooks/{chapter}>`)" if chapter else ""
        notes: dict[str, list[str]] = {}
        lines += [f"## {table[0].upper()}{table[1:]}{source}", "",
                  "| row | column | thesis (%) | measured (%) | seeds | mark | records |",
                  "|---|---|---:|---:|---:|---|---|"]  # fmt: skip
        for c in cells:
            thesis = c["thesis"] if c["thesis"] is not None else "–"
            spread = f" [{c['min']:.1f}, {c['max']:.1f}]" if c["seeds"] > 1 else ""
            value = float("nan") if c["thesis"] is None else float(c["thesis"])
            links = ", ".join(_record_link(r, folder, profile) for r in c["records"])
            why = NOT_COMPARABLE.get((table, c["row"]))
            if why:
                notes.setdefault(why, []).append(c["row"])
            verdict = "not comparable" if why else mark(value, c["min"], c["max"])
            lines.append(f"| {c['row']} | {c['column']} | {thesis} | {c['measured']:.1f}{spread} | {c['seeds']} | "
                         f"{verdict} | {links} |")  # fmt: skip
            for r in c["records"]:
                target = static / r.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(r, target)
        lines.append("")
        lines += [f"Not comparable: {', '.join(rows_)}: {why}." for why, rows_ in notes.items()]
        lines += [""] if notes else []
    costs = cost_table(*rehearsal_summaries(results_dir, root))
    if costs:
        lines += ["## The full profile's cost", "", *costs, "", "How it is measured: {doc}`reproducing`.", ""]
    for name in ("reproducing.md", "cluster.md"):
        fill_cost_table(Path(stage) / "book" / name, costs)
    page = Path(stage) / "book" / "results.md"
    return write_text_atomic(page, "\n".join(lines) + "\n")
