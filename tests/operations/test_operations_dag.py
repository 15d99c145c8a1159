"""The operations DAG with ``dag.test()``: the reaper, health figures, first syncs, a store failing alone."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.operations_dag import build_operations_dag
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from tests.dags.sync_runs import DAGS_FOLDER, run_sync
from tests.operations.batches import processing
from tests.operations.support import WEBHOOK_CONN_ID, bodies, task_results

STORE, GHOST = "teststore", "ghoststore"  # GHOST has no connection, no DAG and no batch
REGISTRY = StoreRegistry(
    [
        StoreConfig(store_hash=STORE, name="Test Store", connection_id="bigcommerce_teststore"),
        StoreConfig(store_hash=GHOST, name="Ghost", connection_id="bigcommerce_ghoststore"),
    ]
)
REMOVED = 60  # product documents deleted from the live index after the sync


def finished_run_id() -> str:
    """The id of a real run of the store's DAG that ended (success) without any task touching a batch."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS_FOLDER)).dags[f"bigcommerce_sync_{STORE}"]
    return dag.test(run_conf={"sync_type": "all"}, mark_success_pattern=".*").run_id


def expected_quality(kept_ids: set[int]) -> dict[str, float]:
    """The shares computed from the store's own products (not from the documents)."""
    products = [
        p
        for page in BigCommerceHook("bigcommerce_teststore").iter_v3_pages(
            "catalog/products", {"include": "images"}
        )
        for p in page
        if p["id"] in kept_ids
    ]
    text = [re.sub(r"<[^>]*>", " ", html.unescape(p.get("description") or "")).strip() for p in products]
    return {
        "image": sum(bool(p.get("images")) for p in products) / len(products),
        "price": sum((p.get("price") or 0) > 0 for p in products) / len(products),
        "category": sum(bool(p.get("categories")) for p in products) / len(products),
        "description": sum(bool(t) for t in text) / len(products),
    }


@pytest.fixture
def synced(clean_search, sim, repo) -> list[int]:
    """A full sync of a store with a few products lacking a description, a price or a category;
    then some product documents removed from the live index. Returns the ids still indexed."""
    ids = sorted(
        p["id"]
        for page in BigCommerceHook("bigcommerce_teststore").iter_v3_pages("catalog/products")
        for p in page
    )
    for product_id in ids[:5]:
        sim.update_product(STORE, product_id, {"description": ""})
    for product_id in ids[5:8]:
        sim.update_product(STORE, product_id, {"price": 0})
    for product_id in ids[8:10]:
        sim.update_product(STORE, product_id, {"categories": []})
    assert run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "all"}).state == "success"
    removed = [str(i) for i in ids[-REMOVED:]]
    assert all(ok for ok, _ in SearchHook().delete_documents(f"bc_{STORE}_products", removed))
    SearchHook().refresh(f"bc_{STORE}_products")
    return ids[:-REMOVED]


def test_one_run_reaps_measures_and_starts_first_syncs(synced, ops, repo, receiver):
    gone = processing(repo, STORE, run_id="manual__never-existed")
    ended = processing(repo, STORE, run_id=finished_run_id())
    dag = build_operations_dag(REGISTRY, http_conn_id=WEBHOOK_CONN_ID)

    results = task_results(dag, dag.test())

    # The reaper: each batch failed, saying which way it was stuck.
    assert repo.get(gone.id).status == "failed"
    assert repo.get(gone.id).error_summary == (
        f"stuck: Airflow has no run 'manual__never-existed' of bigcommerce_sync_{STORE} "
        "(deleted, or never created): nothing will finish it"
    )
    assert repo.get(ended.id).error_summary == (
        f"stuck: its Airflow run {ended.run_id!r} of bigcommerce_sync_{STORE} is success, "
        "no longer running, and never finalized the batch"
    )
    # Health of the synced store, from the store's counts and the live indexes.
    health = ops.latest_health([STORE, GHOST])
    assert set(health) == {STORE}  # the ghost's health failed alone
    figures = health[STORE]
    assert figures["details"]["counts"] == {
        "products": {"items": 600, "documents": 600 - REMOVED},
        "categories": {"items": 24, "documents": 24},
        "pages": {"items": 9, "documents": 9},
        "blog_posts": {"items": 7, "documents": 7},
    }
    assert figures["coverage"] == pytest.approx((600 - REMOVED + 24 + 9 + 7) / (600 + 24 + 9 + 7))
    assert figures["details"]["quality"] == pytest.approx(expected_quality(set(synced)))
    quality = sum(expected_quality(set(synced)).values()) / 4
    assert figures["quality"] == pytest.approx(quality)
    assert figures["freshness"] == 1.0  # completed moments ago; manual-only store: a week of grace
    assert figures["score"] == round(100 * (0.5 * figures["coverage"] + 0.3 + 0.2 * quality))
    assert figures["level"] == ("healthy" if figures["score"] >= 80 else "warning")
    # One store failing never blocks the others; the new store gets its first sync asked for.
    assert [state for state, _ in results["store_health"]] == ["success", "failed"]
    assert results["reap_batches"][0] == "success"
    assert [state for state, _ in results["alerts"]] == ["success", "success"]
    assert results["new_stores"] == ("success", [f"bigcommerce_sync_{GHOST}"])
    stuck = [body for body in bodies(receiver) if body["condition"] == "stuck"]
    assert [(b["store_hash"], b["state"]) for b in stuck] == [(STORE, "open")]
    assert str(gone.id) in stuck[0]["message"] and str(ended.id) in stuck[0]["message"]


def test_stores_sharing_an_instance_each_have_their_health_whatever_the_other_does(
    clean_search, ops, repo, receiver, monkeypatch, capfd
):
    # One instance for every store (read when the DAG is built); the ghost comes first, so its
    # failure is met before the store's health is measured.
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "1")
    registry = StoreRegistry(list(reversed(REGISTRY.stores)))
    dag = build_operations_dag(registry, http_conn_id=WEBHOOK_CONN_ID)
    started = datetime.now(UTC)

    results = task_results(dag, dag.test(mark_success_pattern="first_sync"))
    task_log = capfd.readouterr().out  # the task log, as dag.test() prints it

    health = ops.latest_health([STORE, GHOST])
    assert set(health) == {STORE} and health[STORE]["measured_at"] >= started
    assert health[STORE]["details"]["counts"]["products"]["items"] == 600  # measured, not skipped
    [(state, _)] = results["store_health"]
    assert state == "failed"
    assert "ghoststore failed; going on with the others" in task_log
    assert "SomeItemsFailed: 1 of 2 failed: ghoststore" in task_log
    [(state, alerts)] = results["alerts"]
    assert state == "success" and set(alerts) == {GHOST, STORE}
