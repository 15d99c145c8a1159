"""Resumable imports in real runs (``dag.test()``): a retried import, a paused and resumed sync."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bigcommerce_simulator import Catalog, CatalogSpec
from bigcommerce_sync import importing
from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.dag_factory import build_store_dag
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.stores import StoreConfig
from bigcommerce_sync.sync_types import Entity
from tests.conftest import SIM_CATALOGS
from tests.dags.sync_runs import product_requests_recorded, run_dag, run_sync

CATALOG = Catalog(CatalogSpec(**SIM_CATALOGS["teststore"]))
PRODUCTS = SIM_CATALOGS["teststore"]["products"]  # 600: pages of 250, 250 and 100
ALIAS = "bc_teststore_products"
DAG_ID = "bigcommerce_sync_teststore"

pytestmark = pytest.mark.usefixtures("clean_search")


def written_once(search: SearchHook, index: str) -> dict[int, int]:
    """Each document's ``_version`` (1: written exactly once)."""
    search.refresh(index)
    hits = search.client.search(index=index, size=10_000, version=True, source=False)["hits"]["hits"]
    return {int(hit["_id"]): hit["_version"] for hit in hits}


def store_dag(retries: int = 1):
    """The test store's DAG with retries, the first one at once (a second, as Airflow rounds it)."""
    dag = build_store_dag(
        StoreConfig(
            store_hash="teststore", name="Test Store", connection_id="bigcommerce_teststore", retries=retries
        )
    )
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
    return dag


def test_a_retried_products_import_resumes_after_its_checkpoint(
    clean_search, sim, monkeypatch, capfd, caplog
):
    # Page 3 fails on every attempt of the first try (the connection makes 3): the try fails.
    sim.add_fault(store_hash="teststore", path="/v3/catalog/products", status=503, from_page=3, times=3)
    calls: list[dict] = []
    monkeypatch.setattr(BigCommerceHook, "get_json", product_requests_recorded(calls))

    run = run_dag(store_dag(), {"sync_type": "product"})

    assert (run.state, run.task_states["import.products"], run.try_numbers["import.products"]) == (
        "success",
        "success",
        2,
    )
    batch = run.batch
    version = f"{ALIAS}_v{batch.id}"
    last_acknowledged = CATALOG.product(499)["id"]  # the end of page 2: the first try built and sent it
    printed = capfd.readouterr()
    assert (
        f"products: resuming after id {last_acknowledged} (500 documents already in {version})"
        in printed.out + printed.err + caplog.text
    )
    first_try = [c for c in calls if "id:greater" not in c]
    resumed = [c for c in calls if "id:greater" in c]
    assert [c["page"] for c in first_try] == [1, 2, 3]  # page 3 failed, after its 3 attempts
    assert [(c["id:greater"], c["page"]) for c in resumed] == [(str(last_acknowledged), 1)]  # the last 100
    # Every product in the published version, each written once; counts of the whole entity.
    assert clean_search.alias_targets(ALIAS) == [version]
    assert written_once(clean_search, version) == {CATALOG.product(i)["id"]: 1 for i in range(PRODUCTS)}
    assert batch.status == "completed" and batch.products_count == PRODUCTS
    assert batch.entity_counts["products"] == {
        "fetched": PRODUCTS,
        "indexed": PRODUCTS,
        "deleted": 0,
        "failed": 0,
    }
    saved = batch.checkpoints["products"]
    assert saved["done"] and saved["position"] == {"after_id": CATALOG.product(PRODUCTS - 1)["id"]}
    assert saved["watermark"] == batch.watermark.isoformat()  # the first try's read start, kept


ENTITIES = ("products", "categories", "pages", "blog_posts")


def test_a_paused_sync_stops_at_a_page_and_a_resumed_run_publishes_every_document_once(
    clean_search, repo, monkeypatch, capfd, caplog
):
    monkeypatch.setattr(importing, "PROGRESS_RECORD_SECONDS", 0.0)  # a pause is seen at the next page
    pending = repo.create_pending(store_hash="teststore", sync_type="all", mode="full")
    real_record = BatchRepository.record_progress

    def ops_pause_after_the_first_products_page(self, batch_id, entity, progress, checkpoint=None):
        answer = real_record(self, batch_id, entity, progress, checkpoint)
        if entity == "products" and progress["done"] == 250:
            self.request_pause(batch_id)  # as ops would, while the products import runs
        return answer

    monkeypatch.setattr(BatchRepository, "record_progress", ops_pause_after_the_first_products_page)
    calls: list[dict] = []
    monkeypatch.setattr(BigCommerceHook, "get_json", product_requests_recorded(calls))

    paused = run_sync(DAG_ID, {"batch_id": pending.id})

    # Not a failed run: the imports stopped and were skipped, publish did nothing, finalize paused it.
    assert paused.state == "success" and paused.task_states["finalize"] == "success"
    assert paused.task_states["import.products"] == "skipped" and paused.task_states["publish"] == "skipped"
    batch = repo.get(pending.id)
    assert batch.status == "paused" and batch.paused_at is not None and batch.finished_at is None
    products = batch.checkpoint(Entity.PRODUCTS)
    after_page_2 = CATALOG.product(499)["id"]  # the pause was seen at page 2's boundary
    assert (products.position, products.indexed, products.done) == ({"after_id": after_page_2}, 500, False)
    assert all(clean_search.alias_targets(f"bc_teststore_{e}") == [] for e in ENTITIES)  # nothing published
    read_while_pausing = len(calls)
    assert read_while_pausing <= 3 and all(
        "id:greater" not in c for c in calls
    )  # the third at most, prefetched

    monkeypatch.setattr(BatchRepository, "record_progress", real_record)
    resumed = run_sync(DAG_ID, {"batch_id": pending.id})

    assert resumed.state == "success" and resumed.batch.id == pending.id
    done = resumed.batch
    assert done.status == "completed" and done.resumed_at is not None and done.run_id == resumed.run_id
    printed = capfd.readouterr()
    version = f"{ALIAS}_v{pending.id}"
    assert (
        f"products: resuming after id {after_page_2} (500 documents already in {version})"
        in printed.out + printed.err + caplog.text
    )
    assert [(c["id:greater"], c["page"]) for c in calls[read_while_pausing:]] == [(str(after_page_2), 1)]
    for entity in ENTITIES:  # the same versions, completed and published
        assert clean_search.alias_targets(f"bc_teststore_{entity}") == [
            f"bc_teststore_{entity}_v{pending.id}"
        ]
    assert written_once(clean_search, version) == {CATALOG.product(i)["id"]: 1 for i in range(PRODUCTS)}
    assert (done.products_count, done.categories_count, done.pages_count, done.blog_posts_count) == (
        PRODUCTS,
        SIM_CATALOGS["teststore"]["categories"],
        SIM_CATALOGS["teststore"]["pages"],
        SIM_CATALOGS["teststore"]["blog_posts"],
    )
    assert done.entity_counts["products"]["fetched"] == PRODUCTS
