"""Poses in the wild (thesis chapter 4): simulated detector hypotheses and their smoothing (tracking,
Viterbi).

The library's layout, and what each package may import: ``book/library.md``.
"""
