"""Write benchmarks/README.md from its template and the records: every figure on the page is read from
a record under benchmarks/results/, none is typed.

The template, ``benchmarks/README.template.md``, is the page with each figure written as a
placeholder ``{{ EXPRESSION | FORMAT }}``. EXPRESSION is Python over the records, each a name
(``bucketing`` is ``results/bucketing.json``) whose keys read as attributes
(``train.lengths.median``) or, where a key is not a name, as items
(``viterbi.seconds[4]["hmmlearn"]``); ``median``, ``mean``, ``min``, ``max`` and ``sum`` are at
hand, and ``derived`` holds what the function ``derived`` computes from several values. FORMAT is
a format specification (``.2f``, ``,.0f``), or ``%`` for a fraction printed as a percentage with
as many decimals as follow it (``%1``). The template's own text may hold no figure (a decimal
number, a number with a unit or thousands separators, a date): ``tests/test_benchmark_readme.py``
checks that, and that the README is what this script writes.

    .venv/bin/python benchmarks/readme.py           # write benchmarks/README.md
    .venv/bin/python benchmarks/readme.py --check   # exit 1 when the README differs from the records
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "README.template.md"
README = HERE / "README.md"
RESULTS = HERE / "results"

PLACEHOLDER = re.compile(r"\{\{(.+?)\}\}", re.S)
SPEC = re.compile(r"^[,.%0-9a-z]+$")
# What the template's own text may not hold: every measured figure goes through a placeholder.
FIGURE = re.compile(
    r"\d+\.\d+"  # a decimal number
    r"|\d{1,3}(?:,\d{3})+"  # a number with thousands separators
    r"|\d+x\b"  # a ratio
    r"|\d+\s?(?:%|ms\b|µs\b|s\b|min\b|h\b|MB\b|MiB\b|GB\b|mm\b|points?\b)"  # a number with a unit
    r"|\d{4}-\d{2}-\d{2}"  # a date
)


_BUILTINS = {f.__name__: f for f in (len, round, abs, min, max, sum, sorted, next, map, set, str)}


class Record(dict):
    """A record's JSON object whose keys also read as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _wrap(value):
    if isinstance(value, dict):
        return Record({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def records(folder: Path = RESULTS) -> dict:
    """Every record of ``folder``, by the stem of its file name."""
    return {path.stem: _wrap(json.loads(path.read_text())) for path in sorted(Path(folder).glob("*.json"))}


def derived(recs: dict) -> Record:
    """Figures the page computes from several values of a record (ratios, sums, ranges), named."""
    cells = recs["cell_costs"].rows

    def at_half_width(row):
        twin = {**row.model, "units": row.model.units // 2}
        return next(q.update_seconds for q in cells if q.model == twin)

    widest = [r for r in cells if r.model.units == 800]
    seconds = recs["viterbi"].seconds
    large = [r for r in seconds if r.states >= 256]
    batched = [r for r in seconds if r.batch > 1]
    small = recs["small_dataset"]
    trace = recs["trace_costs"].rows
    return _wrap({
        "widest_seconds": sum(r.update_seconds for r in widest),
        "widest_count": len(widest),
        "width_ratios": [r.update_seconds / at_half_width(r) for r in widest],
        "width_ratio_overall": sum(r.update_seconds for r in widest) / sum(at_half_width(r) for r in widest),
        "torbi_shares": [r["torbi: share of steps as ours"] for r in seconds],
        "torbi_gap": max(seconds, key=lambda r: r["torbi: largest log-probability gap to ours (nats)"]),
        "like_for_like_large": [r["speed-up, one thread, same inputs"] for r in large],
        "two_cores_batched": [r["skelrnn from logs, 1 thread"] / r["skelrnn from logs, 2 threads"] for r in batched],
        "small_steps_a_pass": small.folder.engine_mean_length_steps * small.folder.split_sizes.train,
        "small_epochs": small.engine.settings.max_updates
        // (small.folder.split_sizes.train // small.engine.settings.batch_size),
        "engine_padding_saved": 1 - trace[1].padded_steps_per_epoch / trace[0].padded_steps_per_epoch,
    })  # fmt: skip


def _format(value, spec: str) -> str:
    if spec.startswith("%"):
        digits = int(spec[1:] or 0)
        return f"{100 * value:.{digits}f} %"
    return format(value, spec)


def render(template: str, recs: dict) -> str:
    """``template`` with each placeholder replaced by its value, formatted."""
    names = {**recs, "derived": derived(recs), "median": statistics.median, "mean": statistics.fmean}

    def value(match: re.Match) -> str:
        expression, _, spec = match.group(1).rpartition(" | ")
        if not expression or not SPEC.match(spec.strip()):  # the last " | " is the expression's own
            expression, spec = match.group(1), ""
        try:
            result = eval(expression.strip(), {"__builtins__": _BUILTINS}, names)  # noqa: S307 (the project's own template)
        except Exception as err:
            line = template.count("\n", 0, match.start()) + 1
            raise ValueError(f"{TEMPLATE.name}, line {line}: {{{{{match.group(1)}}}}}: {err!r}") from None
        return _format(result, spec.strip()) if spec.strip() else str(result)

    return PLACEHOLDER.sub(value, template)


def literal_figures(template: str) -> list[tuple[int, str]]:
    """Figures written into ``template``'s own text, outside placeholders, code spans and code blocks:
    ``[(line, figure)]``. None may be there."""
    found = []
    fenced = False
    for number, line in enumerate(template.splitlines(), start=1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            continue
        text = re.sub(r"`[^`]*`", "", PLACEHOLDER.sub("", line))
        found += [(number, m.group(0)) for m in FIGURE.finditer(text)]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md is not what the records give")
    args = parser.parse_args(argv)
    template = TEMPLATE.read_text()
    typed = literal_figures(template)
    if typed:
        print("\n".join(f"{TEMPLATE.name}, line {n}: a figure typed in: {f!r}" for n, f in typed), file=sys.stderr)
        return 1
    text = render(template, records())
    if args.check:
        if README.read_text() != text:
            print(f"{README} differs from its template and the records: run benchmarks/readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(text)
    print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
