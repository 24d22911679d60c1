"""Viterbi decoding speed: ``smoothing.viterbi`` against librosa, hmmlearn and torbi.

Random models (T = 300 steps; K states in 16, 64, 256, 1024; rows of the transition matrix and
the observations drawn uniformly, then normalised), one sequence and a batch of 64 (one shared
transition matrix). Every decoder's paths are checked to be identical to ours before it is
timed; the time is the best of ``--repeats`` calls (each peer's first call, which compiles or
loads, is left out). Peers are called on the arrays they take:

- ``librosa.sequence.viterbi(prob (K, T), transition, p_init=...)``, in a loop for the batch;
- hmmlearn's decoding kernel ``hmmlearn._hmmc.viterbi(startprob, transmat, log_frameprob)``,
  which ``BaseHMM.decode(algorithm="viterbi")`` calls after computing the emissions (the public
  method needs an emission model; the kernel is what decoding costs), in a loop for the batch;
- ``torbi.from_probabilities`` where torbi imports (its compiled library exists for PyTorch 2.6
  to 2.11 only; the reason is recorded otherwise).

    .venv/bin/python benchmarks/viterbi.py [--repeats R] [--out benchmarks/results/viterbi.json]
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

from skelrnn import smoothing
from skelrnn.io import write_json_atomic

T, BATCH, STATES = 300, 64, (16, 64, 256, 1024)
# Tried on the development machine (2026-12-02): torbi 1.4.1 installs (pip install torbi yapecs) but
# ships compiled libraries for PyTorch 2.6 to 2.11 only (_C.pt26cpu ... _C.pt211cpu), and PyPI has
# no CPU build of those PyTorch versions for this machine; with the project's PyTorch 2.13 its import
# raises "FileNotFoundError: Could not find any lib files matching version pt213cpu".
TORBI = "torbi 1.4.1 has compiled libraries for PyTorch 2.6-2.11 only; with PyTorch 2.13 it does not import"


def _best(fn, repeats: int) -> float:
    """Seconds per call: the best of ``repeats`` timings, each of as many calls as fill 50 ms (a
    call of 50 microseconds timed alone is mostly noise)."""
    start = time.perf_counter()
    fn()
    number = max(1, int(0.05 / (time.perf_counter() - start)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def _model(rng, k: int, batch: int):
    trans = rng.random((k, k))
    trans /= trans.sum(axis=1, keepdims=True)
    obs = rng.random((batch, T, k))
    obs /= obs.sum(axis=2, keepdims=True)
    return obs, trans, np.full(k, 1.0 / k)


def _peers():
    """``{name: decode(obs (B, T, K), trans, init, log_obs) -> paths (B, T)}`` and ``{name: why not}``:
    each decoder takes the form of the observations it is made for (probabilities or their log)."""
    peers, missing = {}, {}
    try:
        import librosa

        peers["librosa"] = lambda obs, trans, init, log_obs: np.stack(
            [librosa.sequence.viterbi(o.T, trans, p_init=init) for o in obs]
        )
    except ImportError as e:
        missing["librosa"] = str(e)
    try:
        from hmmlearn import _hmmc

        peers["hmmlearn"] = lambda obs, trans, init, log_obs: np.stack(
            [_hmmc.viterbi(init, trans, o)[1] for o in log_obs]
        )  # it takes log emissions (BaseHMM computes log likelihoods), computed before the clock starts
    except ImportError as e:
        missing["hmmlearn"] = str(e)
    try:
        import torbi
        import torch

        def decode_torbi(obs, trans, init, log_obs):
            out = torbi.from_probabilities(torch.from_numpy(obs).float(), transition=torch.from_numpy(trans).float(),
                                           initial=torch.from_numpy(init).float(), log_probs=False)  # fmt: skip
            return out.numpy()

        peers["torbi"] = decode_torbi
    except Exception as e:  # torbi raises FileNotFoundError without a library for this PyTorch
        missing["torbi"] = f"{type(e).__name__}: {e}. {TORBI}"
    return peers, missing


def _measure(peers: dict, obs, trans, init, repeats: int) -> dict:
    """Best times (seconds) of skelrnn and each peer on one case, after checking every peer's paths."""
    k, batch = obs.shape[2], obs.shape[0]
    log_obs, log_trans, log_init = np.log(obs), np.log(trans), np.log(init)
    ours = log_obs[0] if batch == 1 else log_obs
    paths = np.atleast_2d(smoothing.viterbi(ours, log_trans, log_init)[0])
    row = {"states": k, "batch": batch, "skelrnn": _best(lambda: smoothing.viterbi(ours, log_trans, log_init), repeats)}
    for name, decode in peers.items():
        if not np.array_equal(decode(obs, trans, init, log_obs), paths):  # also the first (compiling) call
            raise AssertionError(f"{name}: paths differ from skelrnn's at K = {k}, batch {batch}")
        row[name] = _best(lambda d=decode: d(obs, trans, init, log_obs), repeats)
    fastest = min(peers, key=lambda n: row[n]) if peers else None
    row["fastest peer"] = fastest
    row["speed-up over the fastest peer"] = row[fastest] / row["skelrnn"] if fastest else None
    return row


def _merged(path: str, rows: list[dict]) -> list[dict]:
    """``rows`` with the rows of the record at ``path`` for the cases not measured now."""
    from skelrnn.io import read_json

    measured = {(r["states"], r["batch"]) for r in rows}
    kept = (
        [r for r in read_json(path)["seconds"] if (r["states"], r["batch"]) not in measured]
        if Path(path).is_file()
        else []
    )
    return sorted(kept + rows, key=lambda r: (r["states"], r["batch"]))


def _versions() -> dict:
    out = {}
    for name in ("numpy", "numba", "librosa", "hmmlearn", "torbi", "torch"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "viterbi.json"))
    parser.add_argument("--states", type=int, nargs="*", default=list(STATES),
                        help="measure these K only; the other rows of --out are kept")  # fmt: skip
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    peers, missing = _peers()
    rows = []
    for k in STATES:
        obs, trans, init = _model(rng, k, BATCH)  # drawn for every K, so that each K's model is fixed
        if k not in args.states:
            continue
        for batch in (1, BATCH):
            row = _measure(peers, obs[:batch], trans, init, args.repeats if k * k * batch < 5e7 else 2)
            rows.append(row)
            fastest = row["fastest peer"]
            timings = "  ".join(f"{n} {1e3 * row[n]:9.2f} ms" for n in peers)
            speed_up = f"  ({row['speed-up over the fastest peer']:.1f}x the fastest, {fastest})" if fastest else ""
            print(f"K {k:>5}, batch {batch:>3}: skelrnn {1e3 * row['skelrnn']:9.2f} ms  {timings}{speed_up}")
    record = {
        "benchmark": "viterbi",
        "date": datetime.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },  # fmt: skip
        "versions": _versions(),
        "steps": T,
        "identical paths": True,  # every peer's paths were compared above (an AssertionError otherwise)
        "seconds": _merged(args.out, rows),
        "not measured": missing,
    }
    write_json_atomic(args.out, record)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
