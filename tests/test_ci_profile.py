"""The hypothesis profiles of conftest.py: CI draws the same examples on every run."""

import os

from hypothesis import given, settings
from hypothesis import strategies as st


def _drawn_by_the_ci_profile() -> list:
    drawn = []

    @settings(settings.get_profile("ci"), max_examples=30)
    @given(st.lists(st.integers(0, 10**6), max_size=5))
    def draw(values):
        drawn.append(values)

    draw()
    return drawn


def test_ci_draws_the_same_examples_every_run():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None
    if os.environ.get("CI") and not os.environ.get("HYPOTHESIS_PROFILE"):
        assert settings.default.derandomize, "CI=true loads the ci profile"
    first, second = _drawn_by_the_ci_profile(), _drawn_by_the_ci_profile()
    assert first == second and len(first) > 10
