"""The embedded synthetic dataset, from the body up to the files, each module importing only those above it:

``body`` (the skeleton at rest and its kinematics), ``motion`` (how it moves: phase curves, limb
moves, key poses), ``handwritten`` and ``catalogue`` (NTU's 60 actions), ``cameras`` (NTU's
three Kinects), ``config`` (what the dataset contains, its names and random streams),
``performances`` (subjects performing in the world) and ``generator`` (what the cameras report,
written as NTU-format ``.skeleton`` files).

The library's layout, and what each package may import: ``book/library.md``.
"""
