"""Health thresholds, score and level; the reaper's timeout and live runs (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bigcommerce_sync.health import FreshnessThresholds, coverage, freshness_thresholds, measure
from bigcommerce_sync.ops_store import BatchFact
from bigcommerce_sync.reaper import stuck_reason

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedules", "warning", "critical"),
    [
        (["0 3 * * *", None], timedelta(days=2), timedelta(days=4)),
        (["0 3 * * *", "*/15 * * * *"], timedelta(hours=1), timedelta(hours=3)),  # at least 1 h and 3 h
        (["0 */6 * * *"], timedelta(hours=12), timedelta(hours=24)),
        ([None, None], timedelta(weeks=1), timedelta(weeks=4)),
    ],
)
def test_freshness_thresholds_follow_the_shortest_schedule(schedules, warning, critical):
    assert freshness_thresholds(schedules, NOW) == FreshnessThresholds(warning, critical)


def test_freshness_falls_linearly_between_the_thresholds():
    rule = FreshnessThresholds(timedelta(hours=2), timedelta(hours=4))
    assert [rule.score(timedelta(hours=h)) for h in (1, 2, 3, 4, 9)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    assert rule.score(None) == 0.0


def test_coverage_counts_extra_documents_against_the_store():
    assert coverage({"p": {"items": 100, "documents": 90}, "c": {"items": 0, "documents": 10}}) == 90 / 110
    assert coverage({}) == 1.0


def health(last_completed_hours_ago: float | None, cover: int, shares: float):
    last = None if last_completed_hours_ago is None else NOW - timedelta(hours=last_completed_hours_ago)
    return measure(
        store_hash="s",
        now=NOW,
        last_completed_at=last,
        thresholds=FreshnessThresholds(timedelta(hours=2), timedelta(hours=4)),
        counts={"products": {"items": 100, "documents": cover}},
        shares=dict.fromkeys(("image", "price", "category", "description"), shares),
        recent_statuses=["completed", "failed", "failed", "pending"],
    )


@pytest.mark.parametrize(
    ("hours", "cover", "shares", "score", "level"),
    [
        (1, 100, 1.0, 100, "healthy"),
        (3, 100, 1.0, 85, "healthy"),  # freshness half: 50 + 15 + 20
        (5, 100, 0.5, 60, "warning"),  # stale: 50 + 0 + 10
        (1, 40, 0.0, 50, "warning"),
        (1, 20, 0.0, 40, "critical"),
        (None, 100, 1.0, 70, "critical"),  # never completed a sync
    ],
)
def test_score_and_level(hours, cover, shares, score, level):
    measured = health(hours, cover, shares)
    assert (measured.score, measured.level) == (score, level)
    assert measured.failure_rate == pytest.approx(2 / 3)


def batch(started_hours_ago: float) -> BatchFact:
    started = NOW - timedelta(hours=started_hours_ago)
    return BatchFact(1, "s", "all", "full", "processing", started, started, None, "d", "r", None, 0, None)


def test_a_batch_of_a_running_run_is_stuck_only_past_the_timeout():
    running = {("d", "r"): "running"}.get

    def state(dag_id, run_id):
        return running((dag_id, run_id))

    assert stuck_reason(batch(1), state, now=NOW, timeout=timedelta(hours=2)) is None
    assert stuck_reason(batch(3), state, now=NOW, timeout=timedelta(hours=2)) == (
        "stuck: Processing for 3:00:00, past the timeout of 2:00:00 (its Airflow run 'r' of d is running)"
    )
    assert stuck_reason(batch(1), lambda d, r: "queued", now=NOW, timeout=timedelta(hours=2)) is None
    assert "is failed, no longer running" in stuck_reason(
        batch(1), lambda d, r: "failed", now=NOW, timeout=timedelta(hours=2)
    )
