import os

# Before anything imports TensorFlow (see skelrnn/__init__.py for why).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also hides tf.data's spurious C++ errors

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI draws the same examples every run: a submission must not pass or fail by the luck of a draw.
# .ci/run sets HYPOTHESIS_PROFILE=ci itself (CI=true alone also selects it); local runs keep
# exploring new examples (and replay failures from .hypothesis/). Choose with HYPOTHESIS_PROFILE=ci|explore.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore"))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
