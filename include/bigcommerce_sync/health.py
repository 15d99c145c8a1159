"""A store's search health: freshness, coverage, failure rate and quality, a score and a level.

- **freshness**: time since the last Completed sync finished, against thresholds derived from the
  store's schedules (warning past twice the shortest interval between its crons, critical past
  four times; at least one and three hours; a store without schedules: one and four weeks);
- **coverage**: documents in the live indexes ÷ items in the store, per entity, from one count
  request each (extra documents count against it as much as missing ones);
- **failure rate**: failed ÷ finished batches of the last days;
- **quality**: the share of product documents with an image, a price, a category and a
  description (the mean of the four shares).

Score 0–100: coverage 50%, freshness 30%, quality 20%. Level: healthy from 80, warning from 50,
critical below (and always critical for a store that never completed a sync).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from croniter import croniter

from bigcommerce_sync.index_lifecycle import alias_name
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import SearchHook

WEIGHTS = {"coverage": 0.5, "freshness": 0.3, "quality": 0.2}
HEALTHY_FROM, WARNING_FROM = 80, 50
UNSCHEDULED = (timedelta(weeks=1), timedelta(weeks=4))
MIN_WARNING, MIN_CRITICAL = timedelta(hours=1), timedelta(hours=3)
# The product-document fields whose presence makes a good search result (an ``exists``-like query each).
QUALITY_QUERIES: dict[str, dict[str, Any]] = {
    "image": {"exists": {"field": "images.is_thumbnail"}},
    "price": {"range": {"price": {"gt": 0}}},
    "category": {"exists": {"field": "category_ids"}},
    # Any word: ``exists`` would count an empty description (a text field holds "" too).
    "description": {"regexp": {"description": ".+"}},
}


@dataclass(frozen=True)
class FreshnessThresholds:
    """How long after its last completed sync a store turns warning, then critical."""

    warning: timedelta
    critical: timedelta

    def score(self, age: timedelta | None) -> float:
        """1 up to the warning threshold, falling linearly to 0 at the critical one; 0 if never synced."""
        if age is None or age >= self.critical:
            return 0.0
        if age <= self.warning:
            return 1.0
        return (self.critical - age) / (self.critical - self.warning)


@dataclass(frozen=True)
class StoreHealth:
    """One measurement of a store's health (a row of ``store_health``)."""

    store_hash: str
    measured_at: datetime
    freshness_seconds: float | None
    freshness: float
    coverage: float
    quality: float
    failure_rate: float | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> int:
        parts = {"coverage": self.coverage, "freshness": self.freshness, "quality": self.quality}
        return round(100 * sum(WEIGHTS[name] * value for name, value in parts.items()))

    @property
    def level(self) -> str:
        if self.freshness_seconds is None or self.score < WARNING_FROM:
            return "critical"
        return "healthy" if self.score >= HEALTHY_FROM else "warning"

    def summary(self) -> dict[str, Any]:
        return {
            "store_hash": self.store_hash,
            "score": self.score,
            "level": self.level,
            "freshness": round(self.freshness, 4),
            "coverage": round(self.coverage, 4),
            "quality": round(self.quality, 4),
            "failure_rate": None if self.failure_rate is None else round(self.failure_rate, 4),
        }


def freshness_thresholds(schedules: Sequence[str | None], now: datetime) -> FreshnessThresholds:
    """Thresholds from the shortest interval between two runs of any of the store's crons."""
    crons = [cron for cron in schedules if cron]
    if not crons:
        return FreshnessThresholds(*UNSCHEDULED)
    interval = min(_interval(cron, now) for cron in crons)
    return FreshnessThresholds(max(2 * interval, MIN_WARNING), max(4 * interval, MIN_CRITICAL))


def _interval(cron: str, now: datetime) -> timedelta:
    fires = croniter(cron, now)
    first = fires.get_next(datetime)
    return fires.get_next(datetime) - first


def coverage(counts: Mapping[str, Mapping[str, int]]) -> float:
    """Σ min(documents, items) ÷ Σ max(documents, items) over the entities; 1 when both are empty."""
    overlap = sum(min(c["documents"], c["items"]) for c in counts.values())
    extent = sum(max(c["documents"], c["items"]) for c in counts.values())
    return overlap / extent if extent else 1.0


def failure_rate(statuses: Sequence[str]) -> float | None:
    """Failed ÷ finished; ``None`` when nothing finished."""
    finished = [s for s in statuses if s in ("completed", "failed")]
    return finished.count("failed") / len(finished) if finished else None


def store_counts(store: BigCommerceHook, search: SearchHook, store_hash: str) -> dict[str, dict[str, int]]:
    """Items in the store (one small count request per entity) and documents in its live indexes."""
    items = {
        Entity.PRODUCTS: store.count("catalog/products"),
        Entity.CATEGORIES: store.count("catalog/trees/categories"),
        Entity.PAGES: store.count("content/pages", ids_only=False),
        Entity.BLOG_POSTS: store.count_v2("blog/posts"),
    }
    return {
        str(entity): {"items": n, "documents": _live_count(search, alias_name(store_hash, entity))}
        for entity, n in items.items()
    }


def _live_count(search: SearchHook, alias: str, query: Mapping[str, Any] | None = None) -> int:
    return search.count(alias, query) if search.alias_targets(alias) else 0


def quality_shares(search: SearchHook, store_hash: str) -> dict[str, float]:
    """The share of live product documents with each :data:`QUALITY_QUERIES` field; 0 without products."""
    alias = alias_name(store_hash, Entity.PRODUCTS)
    total = _live_count(search, alias)
    if not total:
        return dict.fromkeys(QUALITY_QUERIES, 0.0)
    return {name: _live_count(search, alias, query) / total for name, query in QUALITY_QUERIES.items()}


def measure(
    *,
    store_hash: str,
    now: datetime,
    last_completed_at: datetime | None,
    thresholds: FreshnessThresholds,
    counts: Mapping[str, Mapping[str, int]],
    shares: Mapping[str, float],
    recent_statuses: Sequence[str],
    paused_batches: Sequence[int] = (),
) -> StoreHealth:
    """Put the measured facts together into a :class:`StoreHealth`.

    :param paused_batches: the store's Paused batches: shown, not scored (ops paused them on purpose).
    """
    age = None if last_completed_at is None else now - last_completed_at
    return StoreHealth(
        store_hash=store_hash,
        measured_at=now,
        freshness_seconds=None if age is None else age.total_seconds(),
        freshness=thresholds.score(age),
        coverage=coverage(counts),
        quality=sum(shares.values()) / len(shares) if shares else 0.0,
        failure_rate=failure_rate(recent_statuses),
        details={
            "counts": counts,
            "quality": dict(shares),
            "freshness_thresholds_seconds": {
                "warning": thresholds.warning.total_seconds(),
                "critical": thresholds.critical.total_seconds(),
            },
            "recent_batches": len(recent_statuses),
            "paused_batches": list(paused_batches),
        },
    )
