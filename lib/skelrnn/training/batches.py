"""Batches of padded sequences for Keras ``fit``/``evaluate``: ``SequenceBatches``.

Defined for the training chapters (thesis 3.1.1-3.1.2). The batches themselves, random or
bucketed by length and zero-padded, are planned by the data layer (``data.batches.PaddedBatches``,
which does not import Keras); this module makes them a ``keras.utils.PyDataset``.
"""

from __future__ import annotations

import keras

from skelrnn.data.batches import PaddedBatches

__all__ = ["SequenceBatches"]


class SequenceBatches(PaddedBatches, keras.utils.PyDataset):
    """``PaddedBatches`` as a ``keras.utils.PyDataset``: ``(x, y)`` batches, the next epoch's planned
    by ``on_epoch_end``. Keywords other than ``PaddedBatches``'s go to ``PyDataset`` (``workers``,
    ``use_multiprocessing``, ``max_queue_size``)."""
