"""CI's randomness is fixed by the project's own files, not by the runner's environment."""

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


def _derandomized(**env) -> bool:
    """Whether hypothesis draws fixed examples once tests/conftest.py has loaded its profile, in a
    process whose environment has none of CI's variables but ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")} | env
    code = "import conftest; from hypothesis import settings; print(settings.default.derandomize)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "tests", env=clean, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout.strip() == "True"


def test_ci_draws_the_same_hypothesis_examples_on_any_runner():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export HYPOTHESIS_PROFILE=ci" in script
    assert script.index("export HYPOTHESIS_PROFILE=ci") < script.rindex("\nmake test"), "set before the tests run"
    assert settings.get_profile("ci").derandomize and settings.get_profile("ci").database is None
    assert _derandomized(HYPOTHESIS_PROFILE="ci"), "what .ci/run sets, on a runner that sets nothing else"
    if os.environ.get("HYPOTHESIS_PROFILE") == "ci":  # this very run, under .ci/run
        assert settings.default.derandomize


def test_a_local_run_keeps_exploring():
    assert not _derandomized()
