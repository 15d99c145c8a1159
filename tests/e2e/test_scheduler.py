"""The scheduler runs a store on its schedule by itself, and stops when the DAG is paused."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from croniter import croniter

from bigcommerce_sync.batches import Batch
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.conftest import CRON_STORE, INCREMENTAL_SCHEDULES, MODES_STORE, SCHEDULES, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(CRON_STORE)
SCHEDULE = SCHEDULES[CRON_STORE]
# After a tick the scheduler needs a loop or two (about a second each) to create the run; 20 s is
# ample on a busy machine, so a run that has not appeared by then is not coming.
SCHEDULER_GRACE = timedelta(seconds=20)


def scheduled_runs(live: LiveStack) -> list[dict]:
    return live.api.dag_runs(DAG_ID, run_type="scheduled")


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_scheduled_runs_record_the_next_run_the_api_reports_and_pausing_stops_them(live: LiveStack):
    live.api.set_paused(DAG_ID, False)
    first = wait_until(lambda: scheduled_runs(live), bool, timeout=150, what="a scheduled run")[0]
    dag = live.api.get(f"dags/{DAG_ID}")
    # Read before the scheduler created a successor, the DAG's next run is the one after ``first``.
    assert [run["dag_run_id"] for run in scheduled_runs(live)] == [first["dag_run_id"]]

    run = live.api.wait_for_run(DAG_ID, first["dag_run_id"])
    live.api.set_paused(DAG_ID, True)
    paused_at = datetime.now().astimezone()
    runs_when_paused = [r["dag_run_id"] for r in scheduled_runs(live)]

    assert run["state"] == "success", live.api.task_states(DAG_ID, first["dag_run_id"])
    batch = live.batches.find_by_run(DAG_ID, first["dag_run_id"])
    assert (batch.status, batch.is_scheduled, batch.schedule) == ("completed", True, SCHEDULE)
    assert batch.next_run_at == instant(dag["next_dagrun_logical_date"])
    assert batch.next_run_at == instant(dag["next_dagrun_run_after"])
    assert_no_new_runs_after_the_next_tick(live, paused_at, runs_when_paused)


def assert_no_new_runs_after_the_next_tick(live: LiveStack, paused_at: datetime, known: list[str]) -> None:
    """Watch until the schedule's next tick plus the scheduler's grace has passed: no new run appears."""
    until = croniter(SCHEDULE, paused_at).get_next(datetime) + SCHEDULER_GRACE
    while datetime.now().astimezone() < until:
        assert [r["dag_run_id"] for r in scheduled_runs(live)] == known
        time.sleep(2)
    assert [r["dag_run_id"] for r in scheduled_runs(live)] == known


def test_scheduled_runs_take_the_mode_of_the_cron_that_fired(live: LiveStack):
    """Full every other minute, incremental every minute: each batch says which cron asked for it."""
    modes_dag = dag_id(MODES_STORE)
    full, incremental = SCHEDULES[MODES_STORE], INCREMENTAL_SCHEDULES[MODES_STORE]
    live.api.set_paused(modes_dag, False)
    try:
        wait_until(
            lambda: scheduled_batches(live, modes_dag),
            lambda found: any(b.mode == "incremental" and b.status == "completed" for _, b in found),
            timeout=300,
            what="a completed incremental batch from the schedule",
        )
    finally:
        live.api.set_paused(modes_dag, True)

    found = scheduled_batches(live, modes_dag)
    for fired_at, batch in found:
        kind, cron = ("full", full) if croniter.match(full, fired_at) else ("incremental", incremental)
        expected = f"scheduled run at {fired_at:%Y-%m-%d %H:%M} UTC ({kind} schedule {cron!r})"
        assert batch.mode_reason.startswith(expected), batch.mode_reason
        assert batch.mode == "full" or kind == "incremental"  # a full cron never runs incremental
    incremental_batch = next(batch for _, batch in found if batch.mode == "incremental")
    assert incremental_batch.changed_since is not None
    assert incremental_batch.entity_counts["products"]["failed"] == 0


def scheduled_batches(live: LiveStack, dag: str) -> list[tuple[datetime, Batch]]:
    """``(logical date, batch)`` of the DAG's scheduled runs that have claimed one, oldest first."""
    runs = sorted(live.api.dag_runs(dag, run_type="scheduled"), key=lambda run: run["logical_date"])
    found = [(instant(run["logical_date"]), live.batches.find_by_run(dag, run["dag_run_id"])) for run in runs]
    return [(fired_at, batch) for fired_at, batch in found if batch is not None]
