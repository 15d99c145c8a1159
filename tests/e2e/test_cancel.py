"""A run marked failed through the API, in whatever state: the teardown still closes its batch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bigcommerce_sync.batches import Batch
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import SyncMode
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.airflow_api import FINISHED_TASK_STATES
from tests.e2e.conftest import RETRY_STORE, SLOW_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(SLOW_STORE)
IMPORTS = ("import.products", "import.categories", "import.blogs")
MARKED_FAILED = "task failed without reporting an error (killed, timed out, or marked failed by hand)"
VERSION_DROPPED = "does not exist (create_index makes it): nothing to fill"


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
    assert {task for task, _ in recorded} == set(killed)
    # A task slow to die may reach its next entity after finalize dropped the unpublished versions:
    # it then refuses to write (a write would create a stray index), and that is recorded too.
    assert all(message == MARKED_FAILED or VERSION_DROPPED in message for _, message in recorded)
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


RETRY_DAG_ID = dag_id(RETRY_STORE)
NOT_CLAIMED = "finalize: the run was cancelled before it claimed a batch (claim_batch skipped)"


@contextmanager
def claims_failing(live: LiveStack, run_id: str) -> Iterator[None]:
    """Make the batch store refuse every claim by ``run_id``, as an outage would, until the block ends.

    A trigger, so the claim fails inside Postgres with an ordinary error that Airflow retries.
    Finalize's own write (to ``failed``) still goes through.
    """
    live.batches.hook.run(
        f"""
        CREATE FUNCTION e2e_refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.status = 'processing' AND NEW.run_id = '{run_id}' THEN
                RAISE EXCEPTION 'e2e: the batch store is unavailable';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER e2e_refuse_claim BEFORE INSERT OR UPDATE ON sync_batches
            FOR EACH ROW EXECUTE FUNCTION e2e_refuse_claim();
        """
    )
    try:
        yield
    finally:
        live.batches.hook.run(
            "DROP TRIGGER e2e_refuse_claim ON sync_batches; DROP FUNCTION e2e_refuse_claim();"
        )


def mark_failed(live: LiveStack, run_id: str) -> dict:
    response = live.api.call("PATCH", f"dags/{RETRY_DAG_ID}/dagRuns/{run_id}", json={"state": "failed"})
    assert response.status_code == 200, response.text
    return response.json()


def claimed_by_an_earlier_try(live: LiveStack, run_id: str) -> tuple[dict, Batch]:
    """The batch a first try of the claim created before it died (the claim's own call), and no conf."""
    batch = live.batches.create_processing(
        store_hash=RETRY_STORE,
        sync_type="all",
        plan=ModePlan(SyncMode.FULL, "asked for"),
        is_scheduled=False,
        schedule=None,
        dag_id=RETRY_DAG_ID,
        run_id=run_id,
    )
    return {}, batch


def pending_named_by_the_conf(live: LiveStack, run_id: str) -> tuple[dict, Batch]:
    batch = live.batches.create_pending(store_hash=RETRY_STORE, sync_type="blog", mode="full")
    return {"batch_id": batch.id}, batch


@pytest.mark.parametrize(
    ("make_batch", "summary"),
    [
        (pending_named_by_the_conf, NOT_CLAIMED),
        (
            claimed_by_an_earlier_try,
            "finalize: the run ended before these tasks finished: claim_batch (skipped)",
        ),
    ],
    ids=["pending batch of the conf", "batch the claim created"],
)
def test_marking_a_run_failed_while_its_claim_is_up_for_retry_fails_its_batch(
    live: LiveStack, make_batch, summary
):
    run_id = f"e2e-cancel-claim-retrying-{make_batch.__name__}"
    conf, batch = make_batch(live, run_id)
    with claims_failing(live, run_id):
        live.api.trigger(RETRY_DAG_ID, conf, run_id=run_id)
        live.api.wait_for_task(RETRY_DAG_ID, run_id, "claim_batch", {"up_for_retry"}, timeout=120)

        marked = mark_failed(live, run_id)
        run = live.api.wait_for_run(RETRY_DAG_ID, run_id, timeout=120)

    states = live.api.task_states(RETRY_DAG_ID, run_id)
    # 3.3.2 skips the claim that waited for its retry, and every task but the teardown.
    assert marked["state"] == "running"  # until finalize has run
    assert (states["claim_batch"], states["finalize"]) == ("skipped", "failed")
    assert run["state"] == "failed"
    closed = live.batches.get(batch.id)
    assert (closed.status, closed.run_id) == ("failed", run_id)
    assert closed.error_summary.startswith(summary), closed.error_summary
    assert [e["task_id"] for e in live.batches.errors(batch.id)] == ["finalize"]


def test_marking_a_run_failed_before_any_task_started_fails_the_batch_its_conf_names(live: LiveStack):
    run_id = "e2e-cancel-before-start"
    conf, batch = pending_named_by_the_conf(live, run_id)
    live.api.set_paused(RETRY_DAG_ID, True)  # the run is created, but none of its tasks can start
    try:
        live.api.trigger(RETRY_DAG_ID, conf, run_id=run_id)
        marked = mark_failed(live, run_id)
        states_when_marked = live.api.task_states(RETRY_DAG_ID, run_id)
    finally:
        live.api.set_paused(RETRY_DAG_ID, False)
    run = live.api.wait_for_run(RETRY_DAG_ID, run_id, timeout=120)

    # 3.3.2 skips every task but the teardown, which keeps the run queued until it has run.
    assert marked["state"] == "queued"
    assert states_when_marked["finalize"] is None
    assert {state for task, state in states_when_marked.items() if task != "finalize"} == {"skipped"}
    assert (live.api.task_states(RETRY_DAG_ID, run_id)["finalize"], run["state"]) == ("failed", "failed")
    closed = live.batches.get(batch.id)
    assert (closed.status, closed.error_summary, closed.run_id) == ("failed", NOT_CLAIMED, run_id)
    assert [e["task_id"] for e in live.batches.errors(batch.id)] == ["finalize"]
