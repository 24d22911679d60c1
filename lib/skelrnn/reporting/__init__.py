"""From records to what a reader sees: tables of runs, plotly figures, costs.

The library's layout, and what each package may import: ``book/library.md``.
"""
