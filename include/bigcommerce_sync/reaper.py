"""Which Processing batches are stuck, and why: their Airflow run ended or is gone, or they ran too long.

A sync run finalizes its batch in a teardown, which runs after failures and manual cancels; a
batch stays Processing only when that never happened: the worker died, the run was deleted,
or it hangs. Paused batches are not the reaper's: no run holds them, and they wait for a resume
or a cancel. The reaper asks Airflow for the run's state through the task's own API client
(the Task SDK), never the metadata database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.ops_store import STUCK_PREFIX

if TYPE_CHECKING:
    from bigcommerce_sync.ops_store import BatchFact

LIVE_RUN_STATES = ("queued", "running")
# The state of an Airflow run, ``None`` when Airflow has no such run.
RunState = Callable[[str, str], "str | None"]


def airflow_run_state(ti: Any) -> RunState:
    """The run-state lookup of a running task instance (``context["ti"]``), through the Execution API."""

    def state(dag_id: str, run_id: str) -> str | None:
        if not ti.get_dr_count(dag_id=dag_id, run_ids=[run_id]):
            return None
        state = ti.get_dagrun_state(dag_id=dag_id, run_id=run_id)
        return str(getattr(state, "value", state))

    return state


def stuck_reason(batch: BatchFact, run_state: RunState, *, now: datetime, timeout: timedelta) -> str | None:
    """Why ``batch`` (Processing) is stuck, or ``None`` when its run may still finish it in time."""
    run = f"run {batch.run_id!r} of {batch.dag_id}"
    state = run_state(batch.dag_id, batch.run_id) if batch.dag_id and batch.run_id else None
    if batch.dag_id and batch.run_id and state is None:
        return f"{STUCK_PREFIX}Airflow has no {run} (deleted, or never created): nothing will finish it"
    if state is not None and state not in LIVE_RUN_STATES:
        return f"{STUCK_PREFIX}its Airflow {run} is {state}, no longer running, and never finalized the batch"
    # A resumed batch counts from its resume: the time it spent paused was no run's.
    age = now - (batch.resumed_at or batch.started_at or batch.created_at)
    if age > timeout:
        return (
            f"{STUCK_PREFIX}Processing for {_rounded(age)}, past the timeout of {_rounded(timeout)} "
            f"(its Airflow {run} is {state or 'unknown'})"
        )
    return None


def _rounded(span: timedelta) -> timedelta:
    return timedelta(seconds=round(span.total_seconds()))
