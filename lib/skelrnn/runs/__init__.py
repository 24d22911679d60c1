"""Many runs: planning a sweep, the scheduling every executor shares, the local and the Ray
executors, and their progress reported as data.

The library's layout, and what each package may import: ``book/library.md``.
"""
