"""Hostile inputs, generated: the hypothesis profiles and the tally of what every surface did.

Each property test hands every input it generates to :func:`judge`, which records
whether the product accepted it, refused it with its own error, or crashed (any
other exception, which also fails the test). At the end of the session the counts
go to ``artifacts/hostile-inputs.json`` and one line per surface to the terminal.

``HYPOTHESIS_PROFILE=thorough`` generates ten times as many inputs (docs/hostile-inputs.md).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from tests.conftest import REPO_ROOT

# No example database: a failure is reproduced from what hypothesis prints. What it still writes (the
# patches that add a failing example) goes to the gitignored .cache/, not a .hypothesis/ in the repo.
set_hypothesis_home_dir(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or REPO_ROOT / ".cache" / "hypothesis")
_COMMON = dict(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
settings.register_profile("hostile", max_examples=100, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile"))

ARTIFACT = REPO_ROOT / "artifacts" / "hostile-inputs.json"
OUTCOMES = ("accepted", "rejected", "crashed")
T = TypeVar("T")


def examples(share: float) -> settings:
    """Settings for a test that runs ``share`` of the profile's examples (slower surfaces run fewer)."""
    return settings(max_examples=max(5, round(settings.default.max_examples * share)))


class Tally:
    """Counts per surface: generated, and accepted, rejected or crashed."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, surface: str, outcome: str) -> None:
        self.counts.setdefault(surface, Counter())[outcome] += 1

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            surface: {"generated": sum(counts.values()), **{o: counts[o] for o in OUTCOMES}}
            for surface, counts in sorted(self.counts.items())
        }


TALLY = Tally()


class Refused:
    """The product refused an input with its own error."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.message = str(error)

    def __repr__(self) -> str:
        return f"Refused({type(self.error).__name__}: {self.message[:300]})"


def judge(surface: str, call: Callable[[], T], refusal: type[BaseException] | tuple) -> T | Refused:
    """Run ``call``: its result when it accepts the input, :class:`Refused` when it raises ``refusal``.

    Any other exception is a crash: counted, and raised again so that the test fails.

    :param surface: the input surface, e.g. ``run conf``.
    :param call: hands the generated input to the product.
    :param refusal: the exception type(s) by which the product says an input is wrong.
    """
    try:
        result = call()
    except refusal as error:
        TALLY.add(surface, "rejected")
        return Refused(error)
    except Exception:
        TALLY.add(surface, "crashed")
        raise
    TALLY.add(surface, "accepted")
    return result


def count(surface: str, outcome: str) -> None:
    """Record an outcome judged elsewhere (e.g. an HTTP status)."""
    assert outcome in OUTCOMES, outcome
    TALLY.add(surface, outcome)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not TALLY.counts:
        return
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    profile = os.environ.get("HYPOTHESIS_PROFILE", "hostile")
    ARTIFACT.write_text(json.dumps({"profile": profile, "surfaces": TALLY.summary()}, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.counts:
        return
    terminalreporter.section("hostile inputs")
    for surface, figures in TALLY.summary().items():
        terminalreporter.write_line(
            f"{surface}: {figures['generated']} generated, {figures['accepted']} accepted, "
            f"{figures['rejected']} rejected, {figures['crashed']} crashed"
        )
    terminalreporter.write_line(f"(written to {ARTIFACT.relative_to(REPO_ROOT)})")
