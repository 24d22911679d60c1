"""Training one network: the engine, its configuration, checkpoints, result records and the memory
task.

The library's layout, and what each package may import: ``book/library.md``.
"""
