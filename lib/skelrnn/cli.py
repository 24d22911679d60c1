"""Command line: ``skelrnn book|data|notebooks`` (also ``python -m skelrnn``).

skelrnn book --profile quick                         # execute every chapter, build _build/html
skelrnn book --profile full --data-dir /data/ntu     # the thesis's settings on your NTU RGB+D copy
skelrnn book --chapters 03,05 --force                # run these chapters again, reuse the others
skelrnn book --no-solutions                          # a teacher's site: exercises without solutions
skelrnn book --profile full --executor ray --ray-address HEAD:6379 --gpus-per-run 0.25   # on a Ray cluster
skelrnn book --profile full --rehearse               # every network at the full sizes, a few updates: cost
skelrnn book --data-dir ntu120_3danno.pkl --protocol xset   # a toolkit's form of NTU RGB+D 120
skelrnn data inspect /data/ntu                       # which form a path is, and what it holds
skelrnn data export --form npz --output NTU60_CS.npz # the embedded data in a toolkit's form
skelrnn data synth /tmp/synthetic                    # write the embedded dataset as .skeleton files
skelrnn data synth /tmp/odd --cameras 1 --subjects 1,3,25 --actions 1-4   # a folder shaped unlike NTU
skelrnn notebooks --output _build/notebooks          # the chapters as .ipynb, unexecuted

``KERAS_BACKEND`` (tensorflow, jax or torch) chooses the backend of every chapter.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from skelrnn.core.backend import describe
from skelrnn.core.folders import RESULTS_DIR, RUNS_DIR
from skelrnn.data import loading
from skelrnn.data.ntu import forms
from skelrnn.data.ntu.protocols import NTU_FPS, PROTOCOLS
from skelrnn.data.synthetic import generator
from skelrnn.data.synthetic.config import SyntheticConfig
from skelrnn.experiments.profiles import PROFILES
from skelrnn.reporting.costs import rehearsal_summaries, total_hours
from skelrnn.reporting.record_tables import read_cost_estimates
from skelrnn.runs import EXECUTORS
from skelrnn.site import book_command

BACKENDS = ("tensorflow", "jax", "torch")


def _repo_root() -> Path:
    """The repository holding notebooks/ and _config.yml: the current folder or one above it."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise SystemExit(f"{here}: not inside the book's repository (no _config.yml with notebooks/ beside it)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skelrnn", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    book = sub.add_parser("book", help="execute the chapters with papermill, then build the HTML")
    book.add_argument("--profile", choices=PROFILES, default="quick")
    book.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="NTU RGB+D (60 or 120) in a form the book reads: a folder of .skeleton files, a "
        "PYSKL pickle, an ST-GCN or txt2npy folder, a CTR-GCN .npz, an SGN .h5 (skelrnn data inspect)",
    )
    book.add_argument(
        "--data-fps",
        type=float,
        default=None,
        help="the data's frame rate, skeleton rows a second (default: its dataset.json, else NTU's 30)",
    )
    book.add_argument("--protocol", choices=PROTOCOLS, default=None,
                      help="the protocol the chapters train and test on (default xsub, the thesis's)")  # fmt: skip
    book.add_argument("--chapters", nargs="+", default=None, help="numbers or names: 03,05 or 03 05 (default: all)")
    book.add_argument("--seed", type=int, default=0, help="added to every seed of the profile")
    book.add_argument("--force", action="store_true", help="run the chosen chapters even when unchanged")
    book.add_argument("--no-solutions", action="store_true", help="build the site without the exercises' solutions")
    book.add_argument("--output", type=Path, default=Path("."), help="site goes to OUTPUT/_build/html")
    book.add_argument("--results-dir", type=Path, default=None, help="default: the repository's results/")
    book.add_argument(
        "--rehearse",
        action="store_true",
        help="with --profile full: train every network of the chosen chapters at the full profile's sizes for a "
        "few updates, check a resume, and write what the full profile costs on this device (no site is built)",
    )
    book.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="where runs train: this machine (default) or a Ray cluster (pip install -e '.[ray]')",
    )
    book.add_argument(
        "--ray-address",
        default=None,
        help="with --executor ray: the cluster's head, host:port as `ray start --head` printed it "
        "(default: RAY_ADDRESS, or the cluster `ray start` started here, else a new instance; local: a new one)",
    )
    book.add_argument("--cpus-per-run", type=float, default=None, help="with --executor ray: CPUs a run takes (1)")
    book.add_argument(
        "--gpus-per-run",
        type=float,
        default=None,
        help="with --executor ray: the share of a GPU a run takes, e.g. 0.25 for four runs a GPU (0)",
    )
    data = sub.add_parser("data", help="inspect a form of NTU RGB+D, write the synthetic one, or export it")
    data_sub = data.add_subparsers(dest="action", required=True)
    inspect = data_sub.add_parser(
        "inspect", help="the form, counts, classes, subjects, lengths, bad and skipped samples"
    )
    inspect.add_argument("path", type=Path)
    export = data_sub.add_parser("export", help="write a dataset (default: the embedded one) in a toolkit's form")
    export.add_argument("--form", choices=[f for f in forms.FORMS if f != forms.SKELETON_FOLDER], required=True)
    export.add_argument("--output", type=Path, required=True, help="the file (pickle, npz, h5) or folder to write")
    export.add_argument("--data-dir", type=Path, default=None, help="the dataset to export (default: the embedded one)")
    export.add_argument("--protocol", choices=PROTOCOLS, default="xsub",
                        help="for the forms that hold one protocol (nctvm, npz, h5)")  # fmt: skip
    synth = data_sub.add_parser("synth", help="write the embedded synthetic dataset as .skeleton files")
    synth.add_argument("path", type=Path)
    synth.add_argument("--actions", default=None, help="NTU action numbers, e.g. 1-20 or 8,9 (default: all 60)")
    synth.add_argument("--subjects", default=None,
                       help="performers to write, e.g. 1,3,25 (one per split) or 1-40 (default: the 40)")  # fmt: skip
    synth.add_argument("--cameras", type=int, default=None, help="cameras 1..N, N in 1-3 (default: 3)")
    synth.add_argument("--max-frames", type=int, default=None, help="the longest sequence, frames at 30 fps")
    synth.add_argument("--min-frames", type=int, default=None, help="the shortest sequence, frames at 30 fps")
    synth.add_argument("--replications", type=int, default=None, help="performances of each action by each subject")
    synth.add_argument("--ntu120", action="store_true",
                       help="name the files into NTU RGB+D 120's ranges (setups from S018, performers 45-56, even "
                       "actions + 60): data shaped like NTU-120, for trying a reader or a protocol")  # fmt: skip
    synth.add_argument("--fps", type=float, default=NTU_FPS,
                       help="the sensor's rate, 30 / a whole number (15: 1 frame in 2; in dataset.json)")  # fmt: skip
    nbs = sub.add_parser("notebooks", help="write the chapters (notebooks/*.md) as unexecuted .ipynb files")
    nbs.add_argument("--output", type=Path, required=True)
    return parser


def _check_backend() -> str:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend not in BACKENDS:
        raise SystemExit(f"KERAS_BACKEND={backend!r}: unknown backend; expected one of {', '.join(BACKENDS)}")
    return backend


def _check_data_dir(path: Path | None, label: str = "--data-dir") -> None:
    """A clear exit before any chapter starts unless ``path`` is a form the book reads (``forms.detect_form``)."""
    if path is not None:
        try:
            forms.detect_form(path)
        except FileNotFoundError as err:
            raise SystemExit(f"{label} {err}") from None


def _warn_without_gpu(results_dir: Path, root: Path | None = None) -> None:
    """The full profile on a machine without a GPU: a warning with what it costs, from the rehearsal
    of this backend (``results_dir``'s, else the one committed under ``root/results``), else from the
    quick chapters' arithmetic."""
    environment = describe()
    if environment["device"] != "CPU":
        return
    rehearsed = [s for s in rehearsal_summaries(results_dir, root) if s["backend"] == environment["backend"]]
    costs = read_cost_estimates(results_dir / "quick")
    if rehearsed:
        chapters = rehearsed[0]["chapters"]
        each = ", ".join(f"{name[:2]} {cost['hours']:,.0f} h" for name, cost in chapters.items())
        total = total_hours(rehearsed[0])["hours"]
        estimate = (f"its rehearsal on {rehearsed[0]['device']} extrapolates it to at most about {total:,.0f} h "
                    f"({each}; every run to its last epoch)")  # fmt: skip
    elif costs:
        hours = sum(c["hours in all"] for c in costs.values())
        each = ", ".join(f"{name} {cost['hours in all']:.1f} h" for name, cost in sorted(costs.items()))
        estimate = f"the quick profile's records put it at about {hours:.0f} h on this machine ({each}; an upper bound)"
    else:
        estimate = "no estimate yet: `skelrnn book --profile full --rehearse` measures one"
    print(f"[skelrnn] warning: the full profile is meant for a GPU and none is visible; {estimate}", file=sys.stderr)


def _book(args, root: Path) -> int:
    backend = _check_backend()
    _check_data_dir(args.data_dir)
    chapters = None
    if args.chapters:
        chapters = book_command.select_chapters(root, [c for item in args.chapters for c in item.split(",") if c])
    results_dir = Path(args.results_dir or root / RESULTS_DIR).resolve()
    if args.rehearse:
        return _rehearse(args, chapters, results_dir, root)
    parameters = {"seed": args.seed, **_executor_parameters(args)}
    if args.profile == "full" and args.executor == "local":
        _warn_without_gpu(results_dir, root)
    if args.data_dir is not None:
        parameters["data_dir"] = str(args.data_dir.resolve())
    if args.protocol is not None:  # the default stays out of the parameters, so that cached chapters stay valid
        parameters["protocol"] = PROTOCOLS[args.protocol]
    if args.data_fps is not None:
        try:
            parameters["data_fps"] = loading.check_fps(args.data_fps, "--data-fps")
        except ValueError as err:
            raise SystemExit(str(err)) from None
    start = time.perf_counter()
    report = book_command.build_book(root, args.profile, args.output, results_dir, parameters=parameters,
                                     chapters=chapters, force=args.force, solutions=not args.no_solutions)  # fmt: skip
    print(report.summary(backend))
    print(f"[skelrnn] site: {report.site}/index.html ({time.perf_counter() - start:.0f} s)")
    return 1 if report.failed else 0


def _rehearse(args, chapters, results_dir: Path, root: Path) -> int:
    """``skelrnn book --profile full --rehearse``: ``rehearsal.rehearse`` in this process."""
    from skelrnn.experiments import rehearsal  # imports Keras and its backend: only --rehearse needs them here

    if args.profile != "full":
        raise SystemExit(f"--rehearse: rehearses the full profile (add --profile full), not {args.profile!r}")
    if args.executor != "local" or args.ray_address or args.cpus_per_run or args.gpus_per_run:
        raise SystemExit("--rehearse: runs on this machine, one network after the other (no --executor ray)")
    start = time.perf_counter()
    try:
        rehearsal.rehearse(results_dir, root / RUNS_DIR, args.data_dir, chapters, force=args.force,
                           log=lambda line: print(line, flush=True))  # fmt: skip
    except RuntimeError as err:
        print(f"[skelrnn] rehearsal failed: {err}", file=sys.stderr)
        return 1
    print(f"[skelrnn] rehearsal done ({time.perf_counter() - start:.0f} s); `skelrnn book` shows its costs")
    return 0


def _executor_parameters(args) -> dict:
    """The chapters' ``executor`` and ``ray_options`` parameters (none for the default, so that a
    chapter's cache key stays as it was); a Ray cluster that cannot take the runs (unreachable, no
    GPU for a GPU share) is refused here, before any chapter trains."""
    options = {"address": args.ray_address, "cpus_per_run": args.cpus_per_run, "gpus_per_run": args.gpus_per_run}
    options = {k: v for k, v in options.items() if v is not None}
    if args.executor == "local":
        if options:
            flags = ", ".join(f"--{'ray-address' if k == 'address' else k.replace('_', '-')}" for k in options)
            raise SystemExit(f"{flags}: options of the Ray executor (add --executor ray)")
        return {}
    try:
        from skelrnn.runs.ray_executor import RayExecutor  # imports Keras: only --executor ray needs it here

        cluster = RayExecutor(**options)
        try:
            print(f"[skelrnn] Ray: the cluster takes {cluster.capacity()} runs side by side")
        finally:
            cluster.close()
    except (ImportError, ConnectionError, RuntimeError, ValueError) as e:
        raise SystemExit(f"--executor ray: {e}") from None
    return {"executor": "ray", "ray_options": options}


def _numbers(text: str, option: str = "--actions") -> tuple[int, ...]:
    """ "1-20" or "8,9" (or both, "1-3,7") as a tuple of integers."""
    out = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        try:
            out.extend(range(int(low), int(high or low) + 1))
        except ValueError:
            raise SystemExit(f"{option} {text!r}: expected numbers such as 1-20 or 8,9") from None
    return tuple(out)


def _synth(args) -> int:
    """``skelrnn data synth``: the embedded dataset, or with options a folder shaped otherwise."""
    values = {"actions": _numbers(args.actions)} if args.actions else {}
    subjects = _numbers(args.subjects, "--subjects") if args.subjects else None
    if subjects:
        values["n_subjects"] = max(subjects)
    if args.cameras is not None:
        values["n_cameras"] = args.cameras
    if args.max_frames is not None:
        values["max_frames"] = args.max_frames
        values["min_frames"] = min(SyntheticConfig.min_frames, args.max_frames)
    if args.min_frames is not None:
        values["min_frames"] = args.min_frames
    if args.replications is not None:
        values["n_replications"] = args.replications
    try:
        config = SyntheticConfig(**values)
        if subjects is None and set(values) <= {"actions"} and args.fps == NTU_FPS and not args.ntu120:
            count = len(generator.generate(args.path, config))
        else:
            rename = generator.ntu120_shaped if args.ntu120 else None
            count = generator.write_folder(args.path, config, subjects, fps=args.fps, rename=rename)
    except (TypeError, ValueError) as e:
        raise SystemExit(f"data synth: {e}") from None
    print(f"[skelrnn] {count} .skeleton files written to {args.path}")
    return 0


def _data(args) -> int:

    if args.action == "synth":
        return _synth(args)
    if args.action == "export":
        return _export(args)
    _check_data_dir(args.path, "data inspect")
    data = loading.load(args.path, strict=False, log=lambda line: print(f"[skelrnn] {line}"))
    print(loading.describe_folder(data))
    return 0


def _export(args) -> int:
    """``skelrnn data export``: a dataset (the embedded one by default) written in a toolkit's form."""
    _check_data_dir(args.data_dir)
    data = loading.load_or_generate(args.data_dir, log=lambda line: print(f"[skelrnn] {line}"))
    forms.write_form(args.form, args.output, loading.export_samples(data), PROTOCOLS[args.protocol])
    print(f"[skelrnn] {len(data)} samples written to {args.output} as {forms.FORMS[args.form]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "data":
            return _data(args)
        root = _repo_root()
        if args.command == "book":
            return _book(args, root)
        for path in book_command.write_notebooks(root, args.output.resolve()):
            print(path)
    except book_command.BookError as err:
        print(f"[skelrnn] error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # a dataset that cannot be used, said by the data layer
        print(f"[skelrnn] error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
