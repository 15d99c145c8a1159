"""The mode a batch runs in: asked for, chosen by the schedule, or a fallback to full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bigcommerce_sync.mode_plan import ModePlan, plan_mode, scheduled_mode
from bigcommerce_sync.sync_types import Entity, SyncMode, SyncType

FULL_WEEKLY, EVERY_15_MINUTES = "0 3 * * 0", "*/15 * * * *"
SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
WATERMARK = datetime(2026, 12, 3, 10, 0, 7, tzinfo=UTC)
OVERLAP = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("run_at", "full", "incremental", "mode", "because"),
    [
        (
            SUNDAY_3AM + timedelta(minutes=15),
            FULL_WEEKLY,
            EVERY_15_MINUTES,
            SyncMode.INCREMENTAL,
            "incremental",
        ),
        (SUNDAY_3AM, FULL_WEEKLY, EVERY_15_MINUTES, SyncMode.FULL, "full"),  # both fire: full wins
        (SUNDAY_3AM, FULL_WEEKLY, None, SyncMode.FULL, "full"),
        (SUNDAY_3AM, None, EVERY_15_MINUTES, SyncMode.INCREMENTAL, "incremental"),
    ],
)
def test_a_scheduled_run_takes_the_mode_of_the_cron_that_fired(run_at, full, incremental, mode, because):
    chosen, reason = scheduled_mode(run_at, full_schedule=full, incremental_schedule=incremental)

    assert chosen is mode
    cron = full if because == "full" else incremental
    assert reason == f"scheduled run at {run_at:%Y-%m-%d %H:%M} UTC ({because} schedule {cron!r})"


def test_incremental_products_start_at_the_watermark_minus_the_overlap():
    plan = plan_mode(
        SyncMode.INCREMENTAL, SyncType.ALL, "asked", live=set(Entity), watermark=WATERMARK, overlap=OVERLAP
    )

    assert (plan.mode, plan.changed_since) == (SyncMode.INCREMENTAL, WATERMARK - OVERLAP)
    assert plan.reason == (
        "asked; products changed since 2026-12-03 09:55:07 UTC "
        "(the last completed product read began at 10:00:07, minus 0:05:00 overlap)"
    )


@pytest.mark.parametrize(
    ("sync_type", "live", "watermark", "fallback"),
    [
        (SyncType.PRODUCT, set(Entity), None, "no completed product sync to start from"),
        (
            SyncType.ALL,
            {Entity.PRODUCTS, Entity.CATEGORIES},
            WATERMARK,
            "no live index to update for pages, blog_posts",
        ),
        (SyncType.BLOG, set(), None, "no live index to update for blog_posts"),
    ],
)
def test_an_incremental_sync_with_nothing_to_start_from_runs_full(sync_type, live, watermark, fallback):
    plan = plan_mode(
        SyncMode.INCREMENTAL, sync_type, "asked", live=live, watermark=watermark, overlap=OVERLAP
    )

    assert plan == ModePlan(SyncMode.FULL, f"asked; ran full: {fallback}")


def test_categories_need_no_watermark_and_other_modes_pass_through():
    categories = plan_mode(
        SyncMode.INCREMENTAL, SyncType.CATEGORY, "asked", live=set(Entity), watermark=None, overlap=OVERLAP
    )
    targeted = plan_mode(
        SyncMode.TARGETED, SyncType.PRODUCT, "asked", live=set(), watermark=None, overlap=OVERLAP
    )

    assert (categories.mode, categories.changed_since) == (SyncMode.INCREMENTAL, None)
    assert targeted == ModePlan(SyncMode.TARGETED, "asked")
