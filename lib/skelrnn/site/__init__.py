"""Building the book: the book command, its cache, the results page and the Sphinx extension.

The library's layout, and what each package may import: ``book/library.md``.
"""
