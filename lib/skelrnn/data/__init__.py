"""Skeleton data: joint sets, the NTU RGB+D format and protocols, preprocessing, loading and cache,
splits and batches; the synthetic stand-in in ``data.synthetic``.

The library's layout, and what each package may import: ``book/library.md``.
"""
