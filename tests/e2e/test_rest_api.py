"""Other systems trigger syncs through the REST API of a running Airflow; the batch store has the outcome."""

from __future__ import annotations

import uuid

import pytest
import requests

from bigcommerce_simulator import Catalog
from bigcommerce_sync_dev.local_airflow import HEALTHY_COMPONENTS, PASSWORD, USERNAME
from tests.e2e.conftest import CATALOGS, MANUAL_STORE, SLOW_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(MANUAL_STORE)
CATALOG = CATALOGS[MANUAL_STORE]
EXPECTED_COUNTS = {
    "products": CATALOG.products,
    "categories": CATALOG.categories,
    "pages": CATALOG.pages,
    "blog_posts": CATALOG.blog_posts,
}


def new_run_id(purpose: str) -> str:
    return f"e2e-{purpose}-{uuid.uuid4().hex[:8]}"


def batch_rows(live: LiveStack) -> int:
    return live.batches.hook.get_first("SELECT count(*) FROM sync_batches")[0]


def task_errors(live: LiveStack, run_id: str, task_id: str) -> list[tuple[str, str]]:
    """The exceptions in the task's log, as the UI shows them: ``(type, message)``."""
    events = live.api.task_log(DAG_ID, run_id, task_id)
    return [(e["exc_type"], e["exc_value"]) for event in events for e in event.get("error_detail", [])]


def test_a_token_comes_from_auth_token_and_a_call_without_one_gets_401(live: LiveStack):
    login = {"username": USERNAME, "password": PASSWORD}

    issued = requests.post(f"{live.airflow.url}/auth/token", json=login, timeout=30)
    anonymous = requests.post(f"{live.airflow.url}/api/v2/dags/{DAG_ID}/dagRuns", json={}, timeout=30)

    assert issued.status_code == 201 and issued.json()["access_token"]
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "Not authenticated"})


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"conf": {"sync_type": "product"}}, "missing"),  # logical_date must be there, even as null
        ({"logical_date": None, "execution_date": None}, "extra_forbidden"),
    ],
)
def test_a_malformed_trigger_body_gets_422(live: LiveStack, body, error_type):
    response = live.api.call("POST", f"dags/{DAG_ID}/dagRuns", json=body)

    assert response.status_code == 422, response.text
    assert [error["type"] for error in response.json()["detail"]] == [error_type]


def test_trigger_syncs_the_store_and_a_repeated_run_id_is_refused(live: LiveStack):
    run_id = new_run_id("rest")

    first = live.api.trigger(DAG_ID, {"sync_type": "all"}, run_id=run_id)
    again = live.api.trigger(DAG_ID, {"sync_type": "product"}, run_id=run_id)
    run = live.api.wait_for_run(DAG_ID, run_id)

    assert first.status_code == 200, first.text
    assert (first.json()["state"], first.json()["logical_date"]) == ("queued", None)
    assert first.json()["triggered_by"] == "rest_api"
    assert again.status_code == 409, again.text
    assert run["state"] == "success", live.api.task_states(DAG_ID, run_id)
    batch = live.batches.find_by_run(DAG_ID, run_id)
    assert (batch.status, batch.sync_type, batch.mode, batch.is_scheduled) == (
        "completed",
        "all",
        "full",
        False,
    )
    assert (batch.store_hash, batch.next_run_at) == (MANUAL_STORE, None)
    counts = {
        "products": batch.products_count,
        "categories": batch.categories_count,
        "pages": batch.pages_count,
        "blog_posts": batch.blog_posts_count,
    }
    assert counts == EXPECTED_COUNTS and batch.failed_documents == 0
    rows_of_run = "SELECT count(*) FROM sync_batches WHERE run_id = %s"
    assert live.batches.hook.get_first(rows_of_run, (run_id,))[0] == 1  # the refused trigger made none
    assert_index_holds_the_store(live, batch.id)


def assert_index_holds_the_store(live: LiveStack, batch_id: int) -> None:
    """Every alias points at this batch's index, which holds the store's documents."""
    for entity, expected in EXPECTED_COUNTS.items():
        alias = f"bc_{MANUAL_STORE}_{entity}"
        assert live.search.alias_targets(alias) == [f"{alias}_v{batch_id}"]
        assert live.search.count(alias) == expected
    product = Catalog(CATALOG).product(7, {"variants"})
    document = live.search.client.get(index=f"bc_{MANUAL_STORE}_products", id=str(product["id"]))["_source"]
    assert (document["name"], document["sku"], document["price"]) == (
        product["name"],
        product["sku"],
        product["price"],
    )
    assert [v["sku"] for v in document["variants"]] == [v["sku"] for v in product["variants"]]


def test_an_incremental_sync_through_the_rest_api_writes_only_what_changed(live: LiveStack):
    full_id, incremental_id = new_run_id("rest-full"), new_run_id("rest-incremental")
    live.api.trigger(DAG_ID, {"sync_type": "product"}, run_id=full_id)
    assert live.api.wait_for_run(DAG_ID, full_id)["state"] == "success"
    edited = Catalog(CATALOG).product(3)["id"]
    live.simulator.update_product(MANUAL_STORE, edited, {"name": "Renamed Between Syncs"})
    try:
        response = live.api.trigger(
            DAG_ID, {"sync_type": "product", "mode": "incremental"}, run_id=incremental_id
        )
        run = live.api.wait_for_run(DAG_ID, incremental_id)
    finally:
        live.simulator.reset(catalog=True)

    assert response.status_code == 200, response.text
    assert run["state"] == "success", live.api.task_states(DAG_ID, incremental_id)
    batch = live.batches.find_by_run(DAG_ID, incremental_id)
    full = live.batches.find_by_run(DAG_ID, full_id)
    assert (batch.status, batch.mode) == ("completed", "incremental")
    assert batch.entity_counts == {"products": {"fetched": 1, "indexed": 1, "deleted": 0, "failed": 0}}
    assert batch.watermark > full.watermark
    document = live.search.client.get(index=f"bc_{MANUAL_STORE}_products", id=str(edited))["_source"]
    assert document["name"] == "Renamed Between Syncs"


def test_conf_batch_id_claims_that_pending_batch(live: LiveStack):
    pending = live.batches.create_pending(store_hash=MANUAL_STORE, sync_type="blog", mode="full")
    run_id = new_run_id("pending")

    response = live.api.trigger(DAG_ID, {"batch_id": pending.id}, run_id=run_id)
    run = live.api.wait_for_run(DAG_ID, run_id)

    assert response.status_code == 200, response.text
    assert run["state"] == "success", live.api.task_states(DAG_ID, run_id)
    claimed = live.batches.get(pending.id)
    assert (claimed.status, claimed.dag_id, claimed.run_id) == ("completed", DAG_ID, run_id)
    assert claimed.blog_posts_count == CATALOG.blog_posts and claimed.products_count is None
    assert live.batches.find_by_run(DAG_ID, run_id).id == pending.id


@pytest.mark.parametrize(
    ("conf", "detail"),
    [
        ({"sync_type": "everything"}, "Invalid input for param sync_type"),
        ({"mode": "bogus"}, "Invalid input for param mode"),
        ({"batch_id": 0}, "Invalid input for param batch_id"),
    ],
)
def test_invalid_params_get_400_and_start_nothing(live: LiveStack, conf, detail):
    runs_before = len(live.api.dag_runs(DAG_ID))
    rows_before = batch_rows(live)

    response = live.api.trigger(DAG_ID, conf)

    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert len(live.api.dag_runs(DAG_ID)) == runs_before
    assert batch_rows(live) == rows_before


def test_a_batch_of_another_store_fails_the_run_with_a_clear_message_and_changes_no_row(live: LiveStack):
    others = live.batches.create_pending(store_hash=SLOW_STORE, sync_type="all", mode="full")
    rows_before = batch_rows(live)
    run_id = new_run_id("bad-batch")

    live.api.trigger(DAG_ID, {"batch_id": others.id}, run_id=run_id)
    run = live.api.wait_for_run(DAG_ID, run_id)

    assert run["state"] == "failed"
    states = live.api.task_states(DAG_ID, run_id)
    assert states["claim_batch"] == "failed"
    assert "success" not in states.values(), states
    message = f"cannot claim: batch {others.id} belongs to store '{SLOW_STORE}', not '{MANUAL_STORE}'"
    assert ("AirflowFailException", message) in task_errors(live, run_id, "claim_batch")
    assert live.batches.get(others.id) == others
    assert batch_rows(live) == rows_before
    assert live.batches.find_by_run(DAG_ID, run_id) is None


OVERSIZED_CONFS = [
    {"batch_id": 10**30},  # the issue's trigger
    {"batch_id": 1e308},
    {"batch_id": 2**63},  # one past BIGSERIAL
    {"batch_id": 1.0},  # JSON Schema's later drafts call it an integer; the param does not
    {"junk": 10**30},  # a key no param declares, which Airflow does not validate
    {"junk": 1e30},  # Postgres would hand it back as the integer 10**30
]


def test_oversized_numbers_get_400_create_nothing_and_airflow_stays_healthy(live: LiveStack):
    runs_before, rows_before = len(live.api.dag_runs(DAG_ID)), batch_rows(live)

    answers = [live.api.trigger(DAG_ID, conf) for conf in OVERSIZED_CONFS]

    assert [a.status_code for a in answers] == [400] * len(OVERSIZED_CONFS), [a.text for a in answers]
    for conf, answer in zip(OVERSIZED_CONFS, answers, strict=True):
        (key,) = conf
        assert f"conf.{key}" in answer.json()["detail"] or f"param {key}" in answer.json()["detail"]
    assert (len(live.api.dag_runs(DAG_ID)), batch_rows(live)) == (runs_before, rows_before)
    # A normal sync still runs end to end, and every component is still up afterwards.
    run_id = new_run_id("after-oversized")
    live.api.trigger(DAG_ID, {"sync_type": "blog"}, run_id=run_id)
    assert live.api.wait_for_run(DAG_ID, run_id)["state"] == "success"
    health = requests.get(f"{live.airflow.url}/api/v2/monitor/health", timeout=10).json()
    assert {component: health[component]["status"] for component in HEALTHY_COMPONENTS} == dict.fromkeys(
        HEALTHY_COMPONENTS, "healthy"
    )
    live.airflow.raise_if_exited()
