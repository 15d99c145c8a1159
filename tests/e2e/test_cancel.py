"""A run marked failed through the API while it imports: the teardown still closes its batch."""

from __future__ import annotations

import pytest

from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.airflow_api import FINISHED_TASK_STATES
from tests.e2e.conftest import SLOW_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(SLOW_STORE)
IMPORTS = ("import.products", "import.categories", "import.blogs")
MARKED_FAILED = "task failed without reporting an error (killed, timed out, or marked failed by hand)"


def all_imports_started(states: dict[str, str | None]) -> bool:
    """Every import runs or has finished: none is still waiting to start."""
    return all(states.get(task) in {"running"} | FINISHED_TASK_STATES for task in IMPORTS)


def test_marking_a_run_failed_while_importing_fails_its_batch(live: LiveStack):
    run_id = "e2e-cancel-while-importing"
    live.api.trigger(DAG_ID, {"sync_type": "all"}, run_id=run_id)
    # The products import reads brands, categories and products, 3 s each: still running when marked.
    live.api.wait_for_task(DAG_ID, run_id, "import.products", {"running"})
    wait_until(
        lambda: live.api.task_states(DAG_ID, run_id), all_imports_started, timeout=60, what="imports started"
    )

    marked = live.api.call("PATCH", f"dags/{DAG_ID}/dagRuns/{run_id}", json={"state": "failed"})
    # 3.3.2 leaves the run running while its teardown (finalize) has yet to run.
    assert (marked.status_code, marked.json()["state"]) == (200, "running"), marked.text
    live.api.wait_for_task(DAG_ID, run_id, "finalize", FINISHED_TASK_STATES, timeout=120)
    run = live.api.wait_for_run(DAG_ID, run_id)

    states = live.api.task_states(DAG_ID, run_id)
    # The teardown ran although the run was marked failed: it recorded the batch, then failed the run.
    assert states["finalize"] == "failed"
    assert states["import.products"] == "failed" and states["publish"] == "skipped"
    batch = live.batches.find_by_run(DAG_ID, run_id)
    assert batch.status == "failed" and batch.finished_at is not None
    killed = [task for task in IMPORTS if states[task] == "failed"]
    assert batch.error_summary in {f"{task}: {MARKED_FAILED}" for task in killed}
    recorded = {(e["task_id"], e["message"]) for e in live.batches.errors(batch.id)}
    assert recorded == {(task, MARKED_FAILED) for task in killed}
    assert live.search.alias_targets(f"bc_{SLOW_STORE}_products") == []  # nothing went live
    # Without on_failure_fail_dagrun, 3.3.2 would end this run "success": its only leaf before the
    # teardown, publish, was skipped by the mark, and a failed import that is not a leaf does not count.
    assert run["state"] == "failed"


def test_marking_a_run_failed_before_its_imports_start_fails_its_batch(live: LiveStack):
    run_id = "e2e-cancel-before-importing"
    live.api.trigger(DAG_ID, {"sync_type": "all"}, run_id=run_id)
    live.api.wait_for_task(DAG_ID, run_id, "index.create_index", {"success"})

    live.api.call("PATCH", f"dags/{DAG_ID}/dagRuns/{run_id}", json={"state": "failed"})
    live.api.wait_for_task(DAG_ID, run_id, "finalize", FINISHED_TASK_STATES, timeout=120)

    batch = live.batches.find_by_run(DAG_ID, run_id)
    assert live.search.alias_targets(f"bc_{SLOW_STORE}_products") == []
    assert batch.status == "failed", batch
