"""The full profile's cost in hours, from the rehearsal's summaries: each network's hours per run,
each chapter's, and the Markdown table the pages and the command line show.

Defined for the rehearsal (``skelrnn.experiments.rehearsal``, which measures and writes the
summaries) and the pages that show its hours (reproducing, cluster, results).
"""

from __future__ import annotations

from pathlib import Path

from skelrnn.core.io import read_json

__all__ = [
    "SUMMARY_FORMAT", "network_hours", "chapter_costs", "read_summaries", "rehearsal_summaries", "cost_lines",
    "total_hours", "hours_cell",
]  # fmt: skip

SUMMARY_FORMAT = 2  # 2: NTU's protocol sizes, every update's time kept, hours with their range


def network_hours(net: dict) -> dict:
    """Hours of one full-profile run of a network from its summary entry: ``seconds per update``
    (its range: ``seconds per update (range)``) times ``updates per run``, plus ``evaluation
    seconds per sequence`` times ``evaluated sequences per run``; ``{"hours", "low", "high"}``."""
    evaluations = net["evaluation seconds per sequence"] * net["evaluated sequences per run"]
    low, high = net.get("seconds per update (range)", [net["seconds per update"]] * 2)
    return {name: (seconds * net["updates per run"] + evaluations) / 3600
            for name, seconds in (("hours", net["seconds per update"]), ("low", low), ("high", high))}  # fmt: skip


def chapter_costs(networks: list[dict], wild_sequences: int = 0) -> dict:
    """Hours of the full profile per chapter from the rehearsal's ``networks`` (summary entries:
    ``runs`` per chapter and what ``network_hours`` reads): each run at its full budget of updates
    plus its evaluations, at the median update (``hours``) and at the fastest and slowest timed
    update (``hours range``). Chapter 09 adds ``wild_sequences`` forward passes of its model."""
    costs: dict[str, dict] = {}
    for net in networks:
        per_run = network_hours(net)
        for chapter, runs in net["runs"].items():
            cost = costs.setdefault(chapter, {"networks": 0, "runs": 0, "hours": 0.0, "hours range": [0.0, 0.0]})
            cost["networks"] += runs > 0
            cost["runs"] += runs
            extra = wild_sequences * net["evaluation seconds per sequence"] / 3600 if chapter == "09_in_the_wild" else 0
            cost["hours"] += runs * per_run["hours"] + extra
            cost["hours range"][0] += runs * per_run["low"] + extra
            cost["hours range"][1] += runs * per_run["high"] + extra
    return dict(sorted(costs.items()))


def read_summaries(*folders) -> list[dict]:
    """The finished rehearsal summaries (``<folder>/full/rehearsal/<backend>.json``, of this
    ``SUMMARY_FORMAT``) of the first of ``folders`` (results folders) that has any, one per backend. A
    rehearsal still running, or stopped, has written its networks but no chapter costs yet: it is
    left out until it ends."""
    for folder in folders:
        summaries = [read_json(p) for p in sorted((Path(folder) / "full" / "rehearsal").glob("*.json"))]
        finished = [s for s in summaries if s.get("format") == SUMMARY_FORMAT and "chapters" in s]
        if finished:
            return finished
    return []


def rehearsal_summaries(results_dir, root=None) -> list[dict]:
    """The finished summaries of ``results_dir`` (``read_summaries``), else those committed in the
    repository at ``root`` (``root/results``): what the pages and the command line show."""
    return read_summaries(results_dir, *([Path(root) / "results"] if root else []))


def cost_lines(*summaries) -> list[str]:
    """A Markdown table of the full profile's extrapolated hours per chapter, one column per summary
    (backend and device named in the header): the hours at the median update, and in brackets at
    the fastest and the slowest timed update."""
    if not summaries:
        return []
    chapters = sorted({c for s in summaries for c in s.get("chapters", {})})
    head = " | ".join(f"hours extrapolated, {s['backend']} on {s['device']}" for s in summaries)
    lines = [f"| chapter | networks | runs | {head} |", "|---|---:|---:|" + "---:|" * len(summaries)]
    for chapter in chapters:
        first = next(s["chapters"][chapter] for s in summaries if chapter in s.get("chapters", {}))
        hours = " | ".join(hours_cell(s["chapters"][chapter]) if chapter in s.get("chapters", {}) else "–"
                           for s in summaries)  # fmt: skip
        lines.append(f"| {chapter} | {first['networks']} | {first['runs']} | {hours} |")
    total = " | ".join(f"**{hours_cell(total_hours(s))}**" for s in summaries)
    lines.append(f"| all | | | {total} |")
    return lines


def total_hours(summary: dict) -> dict:
    """The hours of every chapter of ``summary`` added up, with their range."""
    costs = summary.get("chapters", {}).values()
    return {"hours": sum(c["hours"] for c in costs),
            "hours range": [sum(c["hours range"][k] for c in costs) for k in (0, 1)]}  # fmt: skip


def hours_cell(cost: dict) -> str:
    low, high = cost["hours range"]
    return f"{_hours(cost['hours'])} [{_hours(low)}, {_hours(high)}]"


def _hours(hours: float) -> str:
    """Hours as the cost table prints them: one decimal, two below one hour (chapter 09's minutes)."""
    return f"{hours:,.1f}" if hours >= 1 else f"{hours:.2f}"
