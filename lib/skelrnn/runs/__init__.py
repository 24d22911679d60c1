"""Many runs: planning a sweep, the scheduling every executor shares, the local and the Ray
executors, and their progress reported as data.

The library's layout, and what each package may import: ``book/library.md``.
"""

# The executors a chapter can train with (``executors.make_executor``; the command line's
# ``--executor``). Here, not in ``executors``, so that the command line reads it without
# importing the executors and, through them, Keras and its backend.
EXECUTORS = ("local", "ray")
