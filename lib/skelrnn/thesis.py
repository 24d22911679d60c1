"""The thesis's reported numbers, kept as data with their source: test accuracy (%) on NTU RGB+D,
cross-subject protocol, from Le Roux (2017) [leroux2017]. These are facts carried over with a
citation; every number measured by the book comes from a result record instead.
"""

from __future__ import annotations

__all__ = ["TABLE_4", "TABLE_5", "TABLE_6", "TABLE_7", "IMPROVED_BASELINE", "SOURCE"]

SOURCE = "Le Roux (2017), Learning action recognition from 3D poses, Inria master thesis"

# Table 4: (direction, cell, units) -> accuracy. Bidirectional units are the total; each
# direction gets half (the thesis's table lists 50..400 units per direction).
TABLE_4: dict[tuple[str, str, int], float] = {
    ("uni", "rnn", 100): 43.58,
    ("uni", "rnn", 200): 48.98,
    ("uni", "rnn", 400): 59.5,
    ("uni", "rnn", 800): 60.3,
    ("uni", "lstm", 100): 76.05,
    ("uni", "lstm", 200): 76.82,
    ("uni", "lstm", 400): 76.22,
    ("uni", "lstm", 800): 75.98,
    ("uni", "gru", 100): 79.2,
    ("uni", "gru", 200): 79.03,
    ("uni", "gru", 400): 78.83,
    ("uni", "gru", 800): 79.14,
    ("bi", "rnn", 100): 40.91,
    ("bi", "rnn", 200): 54.82,
    ("bi", "rnn", 400): 54.9,
    ("bi", "rnn", 800): 66.54,
    ("bi", "lstm", 100): 73.82,
    ("bi", "lstm", 200): 76.67,
    ("bi", "lstm", 400): 77.13,
    ("bi", "lstm", 800): 77.35,
    ("bi", "gru", 100): 73.9,
    ("bi", "gru", 200): 78.37,
    ("bi", "gru", 400): 78.71,
    ("bi", "gru", 800): 78.1,
}

# Table 5: number of layers of the unidirectional 100-unit GRU -> accuracy.
TABLE_5: dict[int, float] = {1: 72.35, 2: 77.09, 3: 79.2, 4: 77.94, 5: 77.83, 6: 77.2, 7: 76.72, 8: 74.62}

# Table 6: dropout keep probability -> accuracy (improved baseline).
TABLE_6: dict[float, float] = {1.0: 75.17, 0.9: 76.93, 0.7: 78.11, 0.5: 79.2, 0.3: 72.91, 0.1: 57.72}

# Table 7: (L2 regularisation, early stopping) -> accuracy (improved baseline).
TABLE_7: dict[tuple[bool, bool], float] = {
    (False, False): 68.12,
    (False, True): 72.29,
    (True, False): 76.02,
    (True, True): 79.2,
}

# The "improved baseline" of section 3.1.2, used from table 5 on: unidirectional, 3 layers of
# 100 GRU units, dropout keep probability 0.5, L2 and early stopping.
IMPROVED_BASELINE = {"cell": "gru", "units": 100, "layers": 3, "bidirectional": False, "keep_prob": 0.5}
IMPROVED_BASELINE_ACCURACY = 79.2
