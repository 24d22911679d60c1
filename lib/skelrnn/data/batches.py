"""Batches of sequences of different lengths: zero padding, random and length-bucketed batches.

Defined for the data chapter (thesis 3.1.1). Batches pad sequences with zeros to a common
length (``pad_sequences``); ``bucket_batches`` groups sequences of similar length so that the
padding wastes little compute (``padded_steps`` counts it). ``PaddedBatches`` plans an epoch's
batches and pads them; Keras gets them through ``training.batches.SequenceBatches`` (this layer
does not import Keras: the parsing worker processes import it).
"""

from __future__ import annotations

import numpy as np

__all__ = ["pad_sequences", "random_batches", "bucket_batches", "padded_steps", "PaddedBatches"]


def pad_sequences(sequences, length: int | None = None, multiple: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences ``(T_i, ...)`` into a zero-padded batch.

    Returns ``x`` of shape ``(B, L, ...)`` float32 and ``mask`` ``(B, L)`` bool (True on real
    steps), where ``L`` is ``length`` or the longest ``T_i`` rounded up to a ``multiple`` (fewer
    distinct shapes means fewer graph retraces in Keras).
    """
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequences: no sequences")
    lengths = np.array([len(s) for s in sequences])
    longest = int(lengths.max())
    if length is None:
        length = -(-longest // multiple) * multiple
    elif length < longest:
        raise ValueError(f"pad_sequences: length {length} is shorter than the longest sequence ({longest})")
    x = np.zeros((len(sequences), length, *sequences[0].shape[1:]), dtype=np.float32)
    for i, s in enumerate(sequences):
        x[i, : len(s)] = s
    mask = np.arange(length)[None, :] < lengths[:, None]
    return x, mask


def random_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A shuffled pass over ``n`` samples in batches of ``batch_size`` (the last one may be smaller)."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def bucket_batches(lengths, batch_size: int, rng: np.random.Generator, pool: int = 16) -> list[np.ndarray]:
    """Length bucketing: a shuffled pass whose batches hold sequences of similar length.

    The samples are shuffled, cut into pools of ``pool`` batches, each pool is sorted by length
    and cut into batches, and the batches are shuffled. Batches differ from epoch to epoch (the
    pools do) but each holds neighbours in length, so little of it is padding. A pool that does
    not fill whole batches has one short batch; it goes where the pool's padded steps are fewest
    (``_short_batch_start``), so each pool's cut is the least padding of any split of it into
    batches of those sizes. Neither end is always best: with lengths (1, 1, 2) in batches of 2,
    the short batch at the long end pads 4 steps and at the short end 5; with eleven 1s, two 2s
    and a 1 in batches of 13, the long end pads 28 and the short end 27.
    """
    lengths = np.asarray(lengths)
    if batch_size < 1 or pool < 1:
        raise ValueError(f"batch_size and pool must be >= 1, got {batch_size} and {pool}")
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch_size * pool):
        chunk = order[start : start + batch_size * pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        short = len(chunk) % batch_size
        first = _short_batch_start(lengths[chunk], batch_size) if short else 0
        bounds = _cuts(len(chunk), batch_size, first)
        batches.extend(chunk[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    return [batches[i] for i in rng.permutation(len(batches))]


def _short_batch_start(sorted_lengths: np.ndarray, batch_size: int) -> int:
    """Where a pool's short batch starts (a multiple of ``batch_size``): the place, among the
    ``n // batch_size + 1`` possible, with the fewest padded steps for ``sorted_lengths`` (ascending,
    ``n`` not a multiple of ``batch_size``); the shortest end on a tie. A batch of sorted lengths
    costs its size times its last length, and any split of the pool into batches of these sizes
    costs at least as much as the best of these contiguous cuts (give the longest sequence's batch
    the next longest ones, and repeat)."""
    n = len(sorted_lengths)
    costs = []
    for first in range(0, n - n % batch_size + 1, batch_size):
        bounds = np.array(_cuts(n, batch_size, first))
        costs.append(int(np.dot(np.diff(bounds), sorted_lengths[bounds[1:] - 1])))
    return batch_size * int(np.argmin(costs))


def _cuts(n: int, batch_size: int, first: int) -> list[int]:
    """Bounds ``[0, ..., n]`` of batches of ``batch_size`` over ``n`` samples whose one short batch
    (``n % batch_size`` samples, if any) starts at ``first``, a multiple of ``batch_size``."""
    short = n % batch_size
    if not short:
        return list(range(0, n + 1, batch_size))
    return [*range(0, first + 1, batch_size), *range(first + short, n + 1, batch_size)]


def padded_steps(lengths, batches, multiple: int = 1) -> int:
    """Time steps computed in one pass: each batch costs its size times its padded length."""
    lengths = np.asarray(lengths)
    return int(sum(len(b) * (-(-int(lengths[b].max()) // multiple) * multiple) for b in batches))


class PaddedBatches:
    """Batches ``(x, y)`` for Keras ``fit``/``evaluate``: ``x`` ``(B, L, D)`` float32 zero-padded
    (a ``keras.layers.Masking(0.0)`` layer recovers the mask), ``y`` ``(B,)`` int class indices.

    ``features`` is a list of ``(T_i, D)`` arrays. With ``bucketing`` batches group similar
    lengths (``bucket_batches``), else they are random. Batch order and composition depend only
    on ``seed`` and the epoch, so training is reproducible. ``multiple`` rounds the padded length
    up (fewer distinct shapes, fewer graph retraces). ``drop_remainder`` leaves out the batches
    that are not full (each epoch leaves out different samples). ``training.batches.SequenceBatches``
    is this class on top of ``keras.utils.PyDataset``; ``__init__`` passes the keywords ``kw`` on
    to the next class of such a subclass.
    """

    def __init__(
        self, features, labels, batch_size=256, bucketing=True, shuffle=True, seed=0, multiple=1,
        drop_remainder=False, **kw,
    ):  # fmt: skip
        super().__init__(**kw)
        if len(features) != len(labels):
            raise ValueError(f"{len(features)} feature sequences but {len(labels)} labels")
        if not features:
            raise ValueError("SequenceBatches: no sequences")
        self.features = [np.asarray(f, dtype=np.float32) for f in features]
        self.labels = np.asarray(labels, dtype=np.int64)
        self.lengths = np.array([len(f) for f in self.features])
        self.batch_size, self.bucketing, self.shuffle = int(batch_size), bool(bucketing), bool(shuffle)
        self.seed, self.multiple, self.epoch = int(seed), int(multiple), 0
        # Full batches only: every training step then has the same batch size, so the backend
        # traces its step function once instead of again for the short last batch.
        self.drop_remainder = bool(drop_remainder) and len(self.lengths) >= self.batch_size
        self._plan()

    def _plan(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable") if self.bucketing else np.arange(len(self.lengths))
            self.batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        elif self.bucketing:
            self.batches = bucket_batches(self.lengths, self.batch_size, rng)
        else:
            self.batches = random_batches(len(self.lengths), self.batch_size, rng)
        if self.drop_remainder:
            self.batches = [b for b in self.batches if len(b) == self.batch_size]

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        idx = self.batches[index]
        x, _ = pad_sequences([self.features[i] for i in idx], multiple=self.multiple)
        return x, self.labels[idx]

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Plan the batches of ``epoch`` (a resumed run starts at its epoch, not at 0)."""
        self.epoch = int(epoch)
        self._plan()

    def padded_steps(self) -> int:
        """Time steps one pass over the current batches computes."""
        return padded_steps(self.lengths, self.batches, self.multiple)
