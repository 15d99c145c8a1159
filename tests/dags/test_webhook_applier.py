"""The webhook applier DAG (``dag.test()``) on the real engine: pending events into the live indexes."""

from __future__ import annotations

import logging

import pytest

from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync.webhooks.applier_dag import APPLIER_DAG_ID
from bigcommerce_sync.webhooks.event_store import WebhookEventRepository
from tests.conftest import TEST_REGISTRY
from tests.dags.sync_runs import DAGS_FOLDER, SyncRun, run_sync
from tests.webhooks.support import (
    RECEIVER_URL,
    callback,
    clean_events,
    product_updated,
    receive,
    webhook_store,
    write_registry,
)

STORE = "teststore"
OTHER = "schedstore"  # the simulator's second store


@pytest.fixture
def events(repo) -> WebhookEventRepository:
    return clean_events()


@pytest.fixture
def applier(tmp_path, monkeypatch):
    """The test registry with webhooks on for the test store: the DAG folder then holds the applier."""
    webhooks = {"enabled": True, "receiver_url": RECEIVER_URL}
    entries = [
        {**entry, "webhooks": webhooks} if entry["store_hash"] == STORE else entry
        for entry in TEST_REGISTRY["stores"]
    ]
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(write_registry(tmp_path / "stores.yaml", entries)))


@pytest.fixture
def quick_retries(monkeypatch) -> None:
    """The applier's retries 1 s apart instead of 10 (the DAG is built when its file is parsed)."""
    from datetime import timedelta

    from bigcommerce_sync.webhooks import applier_dag

    monkeypatch.setattr(applier_dag, "RETRY_DELAY", timedelta(seconds=1))


def run_applier() -> SyncRun:
    return run_sync(APPLIER_DAG_ID)


def source(search: SearchHook, entity: Entity, item_id: int) -> dict:
    return search.client.get(index=f"bc_{STORE}_{entity}", id=str(item_id))["_source"]


def pending(events: WebhookEventRepository) -> list[int]:
    return [
        row[0] for row in events.hook.get_records("SELECT id FROM webhook_events WHERE applied_at IS NULL")
    ]


def ids_in(search: SearchHook, entity: Entity, count: int) -> list[int]:
    hits = search.client.search(index=f"bc_{STORE}_{entity}", size=count, sort=[{"id": "asc"}])["hits"][
        "hits"
    ]
    return [int(hit["_id"]) for hit in hits]


def test_pending_events_become_targeted_batches_and_are_marked_applied(
    clean_search: SearchHook, sim, repo, events, applier
):
    run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "all"})
    edited, deleted, variant_edited = ids_in(clean_search, Entity.PRODUCTS, 3)
    (category,) = ids_in(clean_search, Entity.CATEGORIES, 1)
    variant = source(clean_search, Entity.PRODUCTS, variant_edited)["variants"][0]["id"]
    sim.update_product(STORE, edited, {"name": "Webhook Lamp"})
    sim.delete_product(STORE, deleted)
    sim.update_variant(STORE, variant_edited, variant, {"inventory_level": 4321})
    sim.update_item(STORE, "categories", category, {"name": "Webhook Shelf"})
    sku = {"type": "sku", "id": 1, "sku": {"product_id": variant_edited, "variant_id": variant}}
    receive(
        events,
        product_updated(STORE, edited),
        product_updated(STORE, edited, hash="second-update-of-the-same-product"),
        callback(STORE, "store/product/deleted", {"type": "product", "id": deleted}),
        callback(STORE, "store/sku/updated", sku),
        callback(STORE, "store/category/updated", {"type": "category", "id": category}),
    )

    run = run_applier()

    assert run.state == "success", run.task_states
    assert source(clean_search, Entity.PRODUCTS, edited)["name"] == "Webhook Lamp"
    assert not clean_search.client.exists(index=f"bc_{STORE}_products", id=str(deleted))
    assert source(clean_search, Entity.PRODUCTS, variant_edited)["variants"][0]["inventory_level"] == 4321
    assert source(clean_search, Entity.CATEGORIES, category)["name"] == "Webhook Shelf"
    assert pending(events) == []
    rows = events.hook.get_records("SELECT DISTINCT batch_id FROM webhook_events ORDER BY batch_id")
    products, categories = (repo.get(row[0]) for row in rows)
    assert (products.status, products.mode, products.sync_type) == ("completed", "targeted", "product")
    assert products.mode_reason.startswith("webhook events ")
    # Four product events, three products: one read, two written, one deleted.
    assert products.entity_counts["products"] == {"fetched": 2, "indexed": 2, "deleted": 1, "failed": 0}
    assert (categories.status, categories.sync_type) == ("completed", "category")
    # Only what changed is written: the renamed category and the subcategories whose path names it.
    assert 1 <= categories.entity_counts["categories"]["indexed"] < 24

    again = run_applier()  # nothing pending: no store to apply, no batch

    assert again.state == "success"
    assert again.task_states["apply_events"] == "skipped"
    assert (
        len(events.hook.get_records("SELECT id FROM sync_batches WHERE dag_id = %s", [APPLIER_DAG_ID])) == 2
    )


def test_a_failed_application_leaves_its_events_pending_for_the_next(
    clean_search: SearchHook, sim, repo, events, applier, quick_retries
):
    run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "product"})
    (edited,) = ids_in(clean_search, Entity.PRODUCTS, 1)
    sim.update_product(STORE, edited, {"name": "Second Try Lamp"})
    (event_id,) = receive(events, product_updated(STORE, edited))
    sim.add_fault(STORE, "/v3/catalog/products", 503)

    failed = run_applier()

    assert failed.state == "failed"
    assert pending(events) == [event_id]
    (failed_batch,) = (repo.get(r[0]) for r in events.hook.get_records("SELECT max(id) FROM sync_batches"))
    assert (failed_batch.status, failed_batch.mode) == ("failed", "targeted")
    assert "503" in failed_batch.error_summary
    assert source(clean_search, Entity.PRODUCTS, edited)["name"] != "Second Try Lamp"

    sim.clear_faults()
    retried = run_applier()

    assert retried.state == "success"
    assert pending(events) == []
    assert source(clean_search, Entity.PRODUCTS, edited)["name"] == "Second Try Lamp"


def test_events_of_a_store_without_a_live_index_wait_for_its_first_full_sync(clean_search, events, applier):
    (event_id,) = receive(events, product_updated(STORE, 1))

    run = run_applier()

    assert run.state == "success"
    assert pending(events) == [event_id]


def test_the_applier_exists_only_for_webhook_stores_and_runs_on_the_watched_asset():
    from bigcommerce_sync.stores import StoreConfig, StoreRegistry
    from bigcommerce_sync.webhooks.applier_dag import build_applier_dag
    from bigcommerce_sync.webhooks.trigger import PendingWebhookEventsTrigger

    plain = StoreConfig(store_hash="plain", name="Plain", connection_id="bigcommerce_plain")
    webhooks = {"enabled": True, "receiver_url": RECEIVER_URL}
    hooked = StoreConfig.model_validate({**plain.model_dump(), "store_hash": "hooked", "webhooks": webhooks})

    assert build_applier_dag(StoreRegistry([plain])) is None
    dag = build_applier_dag(StoreRegistry([plain, hooked]))
    (asset,) = dag.timetable.asset_condition.objects
    (watcher,) = asset.watchers
    assert isinstance(watcher.trigger, PendingWebhookEventsTrigger)
    assert (dag.max_active_runs, dag.catchup, dag.tags) == (1, False, {"bigcommerce", "webhooks"})
    assert [task.task_id for task in dag.topological_sort()] == ["stores_with_events", "apply_events"]
    assert [s["store_hash"] for s in dag.get_task("stores_with_events").stores] == ["hooked"]


def test_stores_sharing_an_instance_are_applied_each_on_its_own(
    clean_search: SearchHook, sim, repo, events, tmp_path, monkeypatch, capfd, caplog, quick_retries
):
    """One instance for two stores (max_mapped_tasks 1); the first fails, the second is applied."""
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "1")  # read by stores_with_events
    webhooks = {"enabled": True, "receiver_url": RECEIVER_URL}
    entries = [
        # Listed first, so the store applied after its failure proves the failure stopped nothing.
        {**webhook_store(OTHER), "search_connection_id": "search_nowhere"},
        *(
            {**entry, "webhooks": webhooks}
            for entry in TEST_REGISTRY["stores"]
            if entry["store_hash"] == STORE
        ),
    ]
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(write_registry(tmp_path / "stores.yaml", entries)))
    run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "product"})
    (edited,) = ids_in(clean_search, Entity.PRODUCTS, 1)
    sim.update_product(STORE, edited, {"name": "Shared Instance Lamp"})
    (applied_id, waiting_id) = receive(events, product_updated(STORE, edited), product_updated(OTHER, 1))

    ((before,),) = events.hook.get_records("SELECT coalesce(max(id), 0) FROM sync_batches")

    with caplog.at_level(logging.INFO):
        dag_run = DagBag(dag_folder=str(DAGS_FOLDER)).dags[APPLIER_DAG_ID].test()

    instances = [ti for ti in dag_run.get_task_instances() if ti.task_id == "apply_events"]
    assert str(dag_run.state) == "failed"
    assert [(ti.map_index, str(ti.state)) for ti in instances] == [(0, "failed")]
    assert instances[0].rendered_map_index == f"{OTHER} … {STORE} (2)"
    assert instances[0].try_number == 3  # both retries ran
    assert source(clean_search, Entity.PRODUCTS, edited)["name"] == "Shared Instance Lamp"
    assert pending(events) == [waiting_id]
    ((batch_id,),) = events.hook.get_records(
        "SELECT batch_id FROM webhook_events WHERE id = %s", [applied_id]
    )
    assert repo.get(batch_id).status == "completed"
    # The retries found nothing pending for the applied store: one batch, made by the first try.
    applier_batches = events.hook.get_records(
        "SELECT store_hash FROM sync_batches WHERE dag_id = %s AND id > %s", [APPLIER_DAG_ID, before]
    )
    assert applier_batches == [(STORE,)]
    printed = capfd.readouterr()
    assert f"1 of 2 failed: {OTHER}" in printed.out + printed.err + caplog.text


def test_thousands_of_stores_with_pending_events_come_in_at_most_128_groups(dev_stack, events, monkeypatch):
    from bigcommerce_sync.stores import StoreConfig, StoreRegistry
    from bigcommerce_sync.webhooks.applier_dag import build_applier_dag

    monkeypatch.delenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", raising=False)
    hashes = [f"store{number:04d}" for number in range(3_100)]
    registry = StoreRegistry([StoreConfig.model_validate(webhook_store(h)) for h in hashes])
    with_events = hashes[:3_000]  # the last 100 stores have none
    events.hook.run(
        "INSERT INTO webhook_events (store_hash, event_hash, scope, target, target_id, payload, created_at) "
        "SELECT store_hash, 'bulk', 'store/product/updated', 'product', 1, '{}', now() "
        "FROM unnest(%s::text[]) AS store_hash",
        parameters=([*with_events, "nowebhooks"],),
    )

    groups = build_applier_dag(registry).get_task("stores_with_events").execute({})

    assert len(groups) == 128
    assert [store["store_hash"] for group in groups for store in group] == with_events
    assert {len(group) for group in groups} == {23, 24}  # 3,000 = 56 x 24 + 72 x 23
