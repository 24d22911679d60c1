"""CI's randomness is fixed by the project's own files, not by the runner's environment."""

import os
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


def test_ci_draws_the_same_hypothesis_examples_on_any_runner():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export HYPOTHESIS_PROFILE=ci" in script
    assert script.index("export HYPOTHESIS_PROFILE=ci") < script.rindex("\nmake test"), "set before the tests run"
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None
    if os.environ.get("HYPOTHESIS_PROFILE") == "ci":  # this very run, under .ci/run
        assert settings.default.derandomize


def test_a_local_run_keeps_exploring():
    assert not settings.get_profile("explore").derandomize
