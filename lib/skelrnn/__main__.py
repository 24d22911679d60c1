"""Command line: ``python -m skelrnn book|notebooks``.

python -m skelrnn book --profile quick            # execute every chapter, build _build/html
python -m skelrnn book --profile smoke --output _build/smoke
python -m skelrnn notebooks --output _build/notebooks   # the chapters as .ipynb, unexecuted
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
    nbs = sub.add_parser("notebooks", help="write the chapters (notebooks/*.md) as unexecuted .ipynb files")
    nbs.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)

    from skelrnn import run

    root = _repo_root()
    try:
        if args.command == "book":
            start = time.perf_counter()
            site = run.build_book(root, args.profile, args.output, args.results_dir)
            print(f"[skelrnn] site: {site}/index.html ({time.perf_counter() - start:.0f} s)")
        else:
            for path in run.write_notebooks(root, args.output.resolve()):
                print(path)
    except run.BookError as err:
        print(f"[skelrnn] error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
