"""Which mode a batch runs in, and why: asked for, chosen by the schedule, or a fallback to full.

A store may sync on two schedules, one per mode (e.g. incremental every 15 minutes,
full weekly). The DAG runs on both crons at once (``MultipleCronTriggerTimetable``);
each scheduled run takes its mode from the cron that fired at its time. An incremental
sync needs something to start from, a live index for every entity it writes and, for
products, the watermark of a completed product read; without them it runs full. The
batch row records the mode that ran and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from croniter import croniter

from bigcommerce_sync.sync_types import Entity, SyncMode, SyncType, entities

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime, timedelta


@dataclass(frozen=True)
class ModePlan:
    """The mode a batch runs in, why, and where an incremental product read starts."""

    mode: SyncMode
    reason: str
    changed_since: datetime | None = None


def scheduled_mode(
    run_at: datetime, *, full_schedule: str | None, incremental_schedule: str | None
) -> tuple[SyncMode, str]:
    """Return the mode of the scheduled run at ``run_at``, and why.

    Full when the full schedule fires then (it wins when both do) or the store has no
    incremental schedule; incremental otherwise.

    :param run_at: the run's logical date, the time its cron fired.
    :param full_schedule: the store's cron for full syncs.
    :param incremental_schedule: the store's cron for incremental syncs.
    """
    when = f"scheduled run at {run_at:%Y-%m-%d %H:%M} UTC"
    if incremental_schedule and not (full_schedule and croniter.match(full_schedule, run_at)):
        return SyncMode.INCREMENTAL, f"{when} (incremental schedule {incremental_schedule!r})"
    return SyncMode.FULL, f"{when} (full schedule {full_schedule!r})"


def plan_mode(
    mode: SyncMode,
    sync_type: SyncType,
    why: str,
    *,
    live: Collection[Entity],
    watermark: datetime | None,
    overlap: timedelta,
) -> ModePlan:
    """Return the mode a ``sync_type`` batch asked to run in ``mode`` runs in.

    :param why: why ``mode`` was asked for (the start of the recorded reason).
    :param live: the entities whose alias serves an index.
    :param watermark: the store time the store's last completed product read began, if any.
    :param overlap: how far before the watermark an incremental product read starts, so that
        changes the store recorded with a slightly earlier time are not missed.
    """
    if mode is not SyncMode.INCREMENTAL:
        return ModePlan(mode, why)
    written = entities(sync_type, mode)
    missing = [str(entity) for entity in written if entity not in live]
    if missing:
        return ModePlan(SyncMode.FULL, f"{why}; ran full: no live index to update for {', '.join(missing)}")
    if Entity.PRODUCTS not in written:
        return ModePlan(mode, f"{why}; compares every document with the live index")
    if watermark is None:
        return ModePlan(SyncMode.FULL, f"{why}; ran full: no completed product sync to start from")
    since = watermark - overlap
    return ModePlan(
        mode,
        f"{why}; products changed since {since:%Y-%m-%d %H:%M:%S} UTC "
        f"(the last completed product read began at {watermark:%H:%M:%S}, minus {overlap} overlap)",
        since,
    )
