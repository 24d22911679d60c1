"""skelrnn: the library behind the executable book on 'Learning action recognition from 3D poses'.

Subpackages by concern, in layers that import only downward (the layout and its contract:
``book/library.md``, ``[tool.importlinter]`` in ``pyproject.toml``); notebooks stay thin and
import from here.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# TensorFlow's oneDNN kernels reorder floating-point sums from run to run ("slightly different
# numerical results", TensorFlow's own start-up message), which breaks the book's promise that
# a seed gives the same numbers. They must be switched off before TensorFlow is first imported;
# a value set by the user wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also hides tf.data's spurious C++ errors

try:
    __version__ = version("skelrnn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
