"""Viterbi decoding speed: ``smoothing.viterbi`` against librosa, hmmlearn and torbi.

Random models (T = 300 steps; K states in 16, 64, 256, 1024; rows of the transition matrix and
the observations drawn uniformly, then normalised), one sequence and a batch of 64 (one shared
transition matrix). Every decoder's paths are checked to be identical to ours before it is
timed (that call, which compiles or loads, is not timed); the time is the best of ``--repeats``
timings. Each peer is called in its fastest documented way, on the inputs its API takes:

- ``librosa.sequence.viterbi(prob (B, K, T), transition, p_init=...)``: one call decodes the
  batch; it takes probabilities and takes their logs (and the transition matrix's) inside;
- hmmlearn's decoding kernel ``hmmlearn._hmmc.viterbi(startprob, transmat, log_frameprob)``,
  which ``BaseHMM.decode(algorithm="viterbi")`` calls per sequence after computing the log
  emissions (computed here before the clock starts), in a loop for the batch;
- ``torbi.from_probabilities`` where torbi imports (its compiled libraries exist for PyTorch 2.6
  to 2.11 only; the import error is recorded otherwise).

Ours is timed on the same two forms of input, so that each peer has a like-for-like rival:
*from logs* (the logs computed before the clock, as hmmlearn) and *from probabilities* (the logs
of observations and transitions inside the clock, as librosa and torbi). The peers run on one
thread; ours is timed on one thread (``numba.set_num_threads(1)``) for the comparison, and on
every core for what a batch costs in the book (a batch spreads its sequences over the cores).

    .venv/bin/python benchmarks/viterbi.py [--repeats R] [--out benchmarks/results/viterbi.json]
        [--torbi-python /tmp/torbi-venv/bin/python]

torbi's interpreter, made once (PyPI has no CPU build of PyTorch 2.6-2.11, so the CUDA build with its
runtime libraries, 4.9 GB; it decodes on the CPU; torchaudio must match torch or torbi's import fails):

    python3.11 -m venv /tmp/torbi-venv
    /tmp/torbi-venv/bin/pip install torch==2.11.0 torchaudio==2.11.0 torbi yapecs numpy
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

T, BATCH, STATES = 300, 64, (16, 64, 256, 1024)
# What each peer's API takes: "log" (log observations, computed before the clock) or "probabilities".
TAKES = {"librosa": "probabilities", "hmmlearn": "log", "torbi": "probabilities"}


def _best(fn, repeats: int) -> float:
    """Seconds per call: the best of ``repeats`` timings, each of as many calls as fill 50 ms (a
    call of 50 microseconds timed alone is mostly noise). ``fn`` has been called once before (the
    check of its paths), so the first timing is already warm; a call of over 2 s is timed once."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first > 2.0:
        return first
    number = max(1, int(0.05 / first))
    times = [first]
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def _log_probability(path, obs, trans, init) -> float:
    from skelrnn.wild import smoothing

    return smoothing.path_log_probability(path, np.log(obs), np.log(trans), np.log(init))


def _model(rng, k: int, batch: int):
    trans = rng.random((k, k))
    trans /= trans.sum(axis=1, keepdims=True)
    obs = rng.random((batch, T, k))
    obs /= obs.sum(axis=2, keepdims=True)
    return obs, trans, np.full(k, 1.0 / k)


def _remote(python: str):
    """torbi's decoder, run by ``python`` (``viterbi_torbi.py``): a callable ``(obs, trans, init,
    repeats) -> (paths, seconds)``, timed there as ``_best`` times the others here."""
    import subprocess
    import tempfile

    def timed(obs, trans, init, repeats):
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case.npz"
            np.savez(case, obs=obs, trans=trans.T, init=init)  # torbi indexes transitions [to, from]
            subprocess.run([python, str(Path(__file__).with_name("viterbi_torbi.py")), str(case), str(repeats)],
                           check=True)  # fmt: skip
            out = np.load(case.with_suffix(".out.npz"))
            return out["paths"], float(out["seconds"])

    timed.remote = True
    return timed


def _peers(torbi_python: str | None = None):
    """``{name: decode(obs (B, T, K), trans, init, log_obs) -> paths (B, T)}`` (torbi: a ``_remote``
    callable) and ``{name: why not}``: each decoder takes the form of the observations it is made
    for (``TAKES``)."""
    peers, missing = {}, {}
    try:
        import librosa

        peers["librosa"] = lambda obs, trans, init, log_obs: librosa.sequence.viterbi(
            np.swapaxes(obs, 1, 2), trans, p_init=init
        )  # (B, K, T) in, (B, T) out: librosa decodes a batch in one call
    except ImportError as e:
        missing["librosa"] = str(e)
    try:
        from hmmlearn import _hmmc

        peers["hmmlearn"] = lambda obs, trans, init, log_obs: np.stack(
            [_hmmc.viterbi(init, trans, o)[1] for o in log_obs]
        )  # one sequence per call, as BaseHMM.decode does
    except ImportError as e:
        missing["hmmlearn"] = str(e)
    if torbi_python is None:
        try:
            import torbi  # noqa: F401 (the project's PyTorch is newer than any torbi supports)
        except Exception as e:  # torbi raises FileNotFoundError without a library for this PyTorch
            missing["torbi"] = f"{type(e).__name__}: {e} (give --torbi-python: an interpreter with torbi)"
    else:
        peers["torbi"] = _remote(torbi_python)
    return peers, missing


def _ours(threads: int, takes: str, obs, trans, init):
    """Our decoder on ``threads`` numba threads, from logs computed before (``takes`` "log") or
    from probabilities, their logs inside the call (``takes`` "probabilities")."""
    import numba

    from skelrnn.wild import smoothing

    batch = obs.shape[0]
    log_obs, log_trans, log_init = np.log(obs), np.log(trans), np.log(init)

    def decode():
        numba.set_num_threads(threads)
        if takes == "log":
            o, t, i = log_obs, log_trans, log_init
        else:
            o, t, i = np.log(obs), np.log(trans), np.log(init)
        return smoothing.viterbi(o[0] if batch == 1 else o, t, i)[0]

    return decode


def _measure(peers: dict, obs, trans, init, repeats: int, threads: int) -> dict:
    """Best times (seconds) of skelrnn and each peer on one case, after checking every peer's paths."""
    import numba

    k, batch = obs.shape[2], obs.shape[0]
    log_obs = np.log(obs)
    row = {"states": k, "batch": batch}
    paths = None
    for n, takes in ((1, "log"), (1, "probabilities"), (threads, "log")):
        decode = _ours(n, takes, obs, trans, init)
        found = np.atleast_2d(decode())
        if paths is not None and not np.array_equal(found, paths):
            raise AssertionError(f"skelrnn: paths differ between its variants at K = {k}, batch {batch}")
        paths = found
        row[f"skelrnn from {takes.replace('log', 'logs')}, {n} thread{'s' * (n > 1)}"] = _best(decode, repeats)
    numba.set_num_threads(threads)
    for name, decode in peers.items():
        if getattr(decode, "remote", False):
            found, row[name] = decode(obs, trans, init, repeats)
        else:
            found = decode(obs, trans, init, log_obs)  # also compiles or loads: not timed
            row[name] = _best(lambda d=decode: d(obs, trans, init, log_obs), repeats)
        found = np.atleast_2d(found)
        row[f"{name}: share of steps as ours"] = float(np.mean(found == paths))
        if getattr(decode, "remote", False):  # torbi decodes in float32: near-ties may break the other way
            ours = [_log_probability(p, o, trans, init) for p, o in zip(paths, obs, strict=True)]
            gap = max(q - _log_probability(f, o, trans, init) for q, f, o in zip(ours, found, obs, strict=True))
            # float32 sums of T log terms: allow 1e-6 of the path's log probability (about 8 ulps)
            allowed = 1e-6 * max(abs(q) for q in ours)
            row[f"{name}: largest log-probability gap to ours (nats)"] = gap
            if gap > allowed:
                raise AssertionError(f"{name}: a path {gap:.2g} nats less probable than ours (allowed "
                                     f"{allowed:.2g}) at K = {k}, batch {batch}")  # fmt: skip
        elif not np.array_equal(found, paths):
            raise AssertionError(f"{name}: paths differ from skelrnn's at K = {k}, batch {batch}")
    # like for like: each peer against ours on one thread and the same form of input
    rival = {n: row[f"skelrnn from {TAKES[n].replace('log', 'logs')}, 1 thread"] for n in peers}
    fastest = min(peers, key=lambda n: row[n] / rival[n]) if peers else None
    row["fastest peer, like for like"] = fastest
    row["speed-up, one thread, same inputs"] = row[fastest] / rival[fastest] if fastest else None
    every_core = row[f"skelrnn from logs, {threads} thread{'s' * (threads > 1)}"]
    row[f"speed-up on {threads} cores, from logs, over the fastest peer"] = (
        min(row[n] for n in peers) / every_core if peers else None
    )
    return row


def _versions() -> dict:
    out = {}
    for name in ("numpy", "numba", "librosa", "hmmlearn", "torch"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _torbi_versions(python: str | None) -> dict | None:
    """torbi's and its PyTorch's versions in the interpreter ``python`` runs torbi with."""
    import subprocess

    if python is None:
        return None
    code = "from importlib.metadata import version as v; print(v('torbi'), v('torch'))"
    torbi, torch = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return {"python": python, "torbi": torbi, "torch": torch}


def main() -> None:
    import numba

    from skelrnn.core.io import write_json_atomic

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "viterbi.json"))
    parser.add_argument("--torbi-python", help="an interpreter with torbi and its PyTorch (2.6-2.11)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    peers, missing = _peers(args.torbi_python)
    threads = numba.config.NUMBA_NUM_THREADS
    rows = []
    for k in STATES:
        obs, trans, init = _model(rng, k, BATCH)
        for batch in (1, BATCH):
            row = _measure(peers, obs[:batch], trans, init, args.repeats, threads)
            rows.append(row)
            timings = "  ".join(f"{n} {1e3 * v:9.2f} ms" for n, v in row.items() if isinstance(v, float)
                                and not n.startswith("speed-up") and ":" not in n)  # fmt: skip
            print(f"K {k:>5}, batch {batch:>3}: {timings}  ({row['speed-up, one thread, same inputs']:.1f}x "
                  f"{row['fastest peer, like for like']}, one thread)")  # fmt: skip
    record = {
        "benchmark": "viterbi",
        "date": datetime.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "numba threads": threads,
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },  # fmt: skip
        "versions": _versions(),
        "torbi environment": _torbi_versions(args.torbi_python),
        "steps": T,
        "peers take": {n: TAKES[n] for n in peers},
        # every peer's paths were compared above (an AssertionError otherwise): identical, or for torbi
        # (float32) each path within 1e-6 of ours in log probability ("share of steps as ours")
        "identical paths": [n for n in peers if not getattr(peers[n], "remote", False)],
        "paths as probable as ours (float32 ties)": [n for n in peers if getattr(peers[n], "remote", False)],
        "seconds": rows,
        "not measured": missing,
    }
    write_json_atomic(args.out, record)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
