"""Webhooks on a live Airflow: callbacks reach search with nobody triggering a run, and none is lost.

The receiver runs in the api-server (the plugin), the applier DAG is started by its asset
watcher in the triggerer. The tests edit the simulator's catalog; the simulator delivers the
callbacks to the hooks registration made (the durability test also delivers its own, with
replays, as BigCommerce would).
"""

from __future__ import annotations

import pytest
import requests

from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.stores import StoreConfig
from bigcommerce_sync.webhooks.applier_dag import APPLIER_DAG_ID
from bigcommerce_sync.webhooks.event_store import WebhookEventRepository
from bigcommerce_sync.webhooks.receiver import SECRET_HEADER, URL_PREFIX
from bigcommerce_sync.webhooks.registration import ensure_hooks
from bigcommerce_sync_dev.connections import bigcommerce_connection, env_name
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.conftest import BATCH_DB_CONN_ID, WEBHOOK_SECRET, WEBHOOK_STORE, LiveStack, dag_id
from tests.webhooks.support import product_updated

pytestmark = pytest.mark.e2e

PRODUCTS = f"bc_{WEBHOOK_STORE}_products"
APPLIED_WITHIN = 120  # seconds; the freshness figures are measured by the bench, not here


@pytest.fixture(scope="module")
def hooked(live: LiveStack) -> LiveStack:
    """The webhook store synced once in full (its live indexes), and the applier unpaused."""
    live.api.set_paused(dag_id(WEBHOOK_STORE), False)
    run_id = live.api.trigger(dag_id(WEBHOOK_STORE), {"sync_type": "all"}).json()["dag_run_id"]
    assert live.api.wait_for_run(dag_id(WEBHOOK_STORE), run_id)["state"] == "success"
    live.airflow.wait_for_dag(APPLIER_DAG_ID)
    live.api.set_paused(APPLIER_DAG_ID, False)
    return live


def deliver(live: LiveStack, payload: dict) -> requests.Response:
    """POST a callback to the receiver as BigCommerce does, with the store's secret header."""
    return requests.post(
        f"{live.airflow.url}{URL_PREFIX}/{WEBHOOK_STORE}",
        json=payload,
        headers={SECRET_HEADER: WEBHOOK_SECRET},
        timeout=30,
    )


def product_ids(live: LiveStack, count: int, after: int = 0) -> list[int]:
    query = {"range": {"id": {"gt": after}}}
    hits = live.search.client.search(index=PRODUCTS, query=query, size=count, sort=[{"id": "asc"}])
    return [int(hit["_id"]) for hit in hits["hits"]["hits"]]


def document(live: LiveStack, product_id: int) -> dict | None:
    found = live.search.client.options(ignore_status=404).get(index=PRODUCTS, id=str(product_id))
    return found.body if found.get("found") else None


def events() -> WebhookEventRepository:
    return WebhookEventRepository(BATCH_DB_CONN_ID)


def register_the_simulator_hooks(live: LiveStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the store's hooks as the registration task does, pointing at the live receiver."""
    conn_id = "e2e_bigcommerce_hooks"
    token = f"e2e-token-{WEBHOOK_STORE}"
    monkeypatch.setenv(env_name(conn_id), bigcommerce_connection(live.simulator.url, WEBHOOK_STORE, token))
    receiver_url = f"{live.airflow.url}{URL_PREFIX}"
    webhooks = {"enabled": True, "receiver_url": receiver_url}
    store = StoreConfig(store_hash=WEBHOOK_STORE, name="E2E hooks", connection_id=conn_id, webhooks=webhooks)
    report = ensure_hooks(BigCommerceHook(conn_id), store, WEBHOOK_SECRET)
    assert report.created and not report.deactivated


def test_an_edited_and_a_deleted_product_reach_search_with_nobody_triggering_a_run(
    hooked: LiveStack, monkeypatch: pytest.MonkeyPatch
):
    """The simulator sends the callbacks (http allowed, retries compressed, every 3rd sent twice)."""
    hooked.simulator.configure_webhooks(allow_insecure_destinations=True, retry_scale=0.01, duplicate_every=3)
    register_the_simulator_hooks(hooked, monkeypatch)
    edited, deleted = product_ids(hooked, 2)

    hooked.simulator.update_product(WEBHOOK_STORE, edited, {"name": "Webhook Edited Lamp"})
    hooked.simulator.delete_product(WEBHOOK_STORE, deleted)

    def in_search() -> tuple[str | None, bool]:
        doc = document(hooked, edited)
        return (doc or {}).get("_source", {}).get("name"), document(hooked, deleted) is not None

    seen = wait_until(
        in_search,
        lambda s: s == ("Webhook Edited Lamp", False),
        timeout=APPLIED_WITHIN,
        what="the edits in search",
    )
    assert seen == ("Webhook Edited Lamp", False)
    deliveries = hooked.simulator.webhook_deliveries()
    assert {d["scope"] for d in deliveries} == {"store/product/updated", "store/product/deleted"}
    assert {d["status"] for d in deliveries} == {200}
    runs = hooked.api.dag_runs(APPLIER_DAG_ID)
    assert runs and {run["run_type"] for run in runs} == {"asset_triggered"}
    batch_ids = {row[0] for row in events().hook.get_records("SELECT batch_id FROM webhook_events")}
    batches = [hooked.batches.get(batch_id) for batch_id in batch_ids]
    assert {(b.status, b.mode, b.dag_id) for b in batches} == {("completed", "targeted", APPLIER_DAG_ID)}
    assert all(b.mode_reason.startswith("webhook events ") for b in batches)


def test_events_accepted_while_the_applier_is_paused_are_all_applied_once_it_resumes(hooked: LiveStack):
    hooked.api.set_paused(APPLIER_DAG_ID, True)
    wait_until(
        lambda: [r for r in hooked.api.dag_runs(APPLIER_DAG_ID) if r["state"] in ("queued", "running")],
        lambda active: not active,
        timeout=APPLIED_WITHIN,
        what="no applier run in flight",
    )
    products = product_ids(hooked, 5, after=10)
    versions = {p: document(hooked, p)["_version"] for p in products}
    for number, product in enumerate(products):
        hooked.simulator.update_product(WEBHOOK_STORE, product, {"name": f"Durable Lamp {number}"})

    payloads = [product_updated(WEBHOOK_STORE, p, hash=f"durable-{p}") for p in products]
    answers = [deliver(hooked, payload) for payload in [*payloads, payloads[0], payloads[3]]]  # 2 replays
    stored = events().hook.get_records(
        "SELECT id FROM webhook_events WHERE event_hash LIKE 'durable-%%' AND applied_at IS NULL"
    )

    assert [a.status_code for a in answers] == [200] * 7
    assert len(stored) == 5  # accepted and kept while nothing applies them
    hooked.api.set_paused(APPLIER_DAG_ID, False)

    def names() -> list[str | None]:
        return [(document(hooked, p) or {}).get("_source", {}).get("name") for p in products]

    expected = [f"Durable Lamp {n}" for n in range(5)]
    assert (
        wait_until(names, lambda seen: seen == expected, timeout=APPLIED_WITHIN, what="the edits") == expected
    )
    rows = events().hook.get_records(
        "SELECT applied_at IS NOT NULL, batch_id FROM webhook_events WHERE event_hash LIKE 'durable-%%'"
    )
    assert len(rows) == 5 and all(applied and batch for applied, batch in rows)
    # Applied once in effect: each document was written exactly once more.
    assert {p: document(hooked, p)["_version"] for p in products} == {p: v + 1 for p, v in versions.items()}
