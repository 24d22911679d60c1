"""NTU RGB+D itself: the ``.skeleton`` text format, its fast reader and the dataset's protocols.

The library's layout, and what each package may import: ``book/library.md``.
"""
