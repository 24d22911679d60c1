"""Command line: ``python -m skelrnn book|parameterize``.

python -m skelrnn book --profile quick            # execute every chapter, build _build/html
python -m skelrnn book --profile smoke --output _build/smoke
python -m skelrnn parameterize --profile smoke --output _build/nbval
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from skelrnn.profiles import PROFILES


def _repo_root() -> Path:
    """The repository holding notebooks/ and _config.yml: the current folder or one above it."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise SystemExit(f"{here}: not inside the book's repository (no _config.yml with notebooks/ beside it)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skelrnn", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    book = sub.add_parser("book", help="execute every chapter with papermill, then build the HTML")
    book.add_argument("--profile", choices=PROFILES, default="quick")
    book.add_argument("--output", type=Path, default=Path("."), help="site goes to OUTPUT/_build/html")
    book.add_argument("--results-dir", type=Path, default=None, help="default: the repository's results/")
    par = sub.add_parser("parameterize", help="write chapter copies with a profile injected (for nbval)")
    par.add_argument("--profile", choices=PROFILES, default="smoke")
    par.add_argument("--output", type=Path, required=True)
    par.add_argument("--results-dir", type=Path, default=None, help="default: OUTPUT/results")
    args = parser.parse_args(argv)

    from skelrnn import run

    root = _repo_root()
    try:
        if args.command == "book":
            start = time.perf_counter()
            site = run.build_book(root, args.profile, args.output, args.results_dir)
            print(f"[skelrnn] site: {site}/index.html ({time.perf_counter() - start:.0f} s)")
        else:
            out = args.output.resolve()
            results = (args.results_dir or out / "results").resolve()
            for path in run.parameterize_chapters(root, args.profile, out, results):
                print(path)
    except run.BookError as err:
        print(f"[skelrnn] error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
