"""The thesis's experiments: which chapter trains which table, profiles, the thesis's tables, the
chapters' set-up (shared with the full-profile rehearsal), chapter 09's scoring, the rehearsal.

The library's layout, and what each package may import: ``book/library.md``.
"""
