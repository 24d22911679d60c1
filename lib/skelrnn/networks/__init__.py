"""The networks of the thesis: Keras models, the skeleton transformer and motion layers, losses, and
the recurrent cells again in NumPy.

The library's layout, and what each package may import: ``book/library.md``.
"""
