"""torbi's side of benchmarks/viterbi.py, run by an interpreter that has torbi (PyTorch 2.6-2.11).

    PYTHON benchmarks/viterbi_torbi.py CASE.npz REPEATS

Reads ``obs`` (B, T, K) probabilities, ``trans`` (K, K) and ``init`` (K,) from ``CASE.npz``, decodes
them with ``torbi.from_probabilities`` (one call for the batch, one thread, probabilities in: the
logs are taken inside), once untimed (loading) and then timed as ``viterbi._best`` times every
decoder, and writes ``paths`` and ``seconds`` to ``CASE.out.npz``. Needs NumPy, torch and torbi
only (not skelrnn): the project's PyTorch is newer than any torbi supports.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main() -> None:
    import torbi
    import torch
    from viterbi import _best  # this folder is on the path: the same timing as every other decoder

    case, repeats = Path(sys.argv[1]), int(sys.argv[2])
    arrays = np.load(case)
    obs, trans, init = (torch.from_numpy(arrays[n]).float() for n in ("obs", "trans", "init"))

    def decode():
        return torbi.from_probabilities(obs, transition=trans, initial=init, log_probs=False, num_threads=1)

    paths = decode().numpy()
    seconds = _best(decode, repeats)
    np.savez(case.with_suffix(".out.npz"), paths=paths, seconds=seconds,
             torch=torch.__version__, torbi=torbi.__version__ if hasattr(torbi, "__version__") else "")  # fmt: skip


if __name__ == "__main__":
    main()
