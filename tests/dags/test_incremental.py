"""Incremental syncs, run as Airflow runs them, against the real engine and the simulator's catalog edits."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from bigcommerce_simulator import Catalog, CatalogSpec
from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.conftest import SIM_CATALOGS
from tests.dags.sync_runs import SyncRun, product_requests_recorded, run_sync

DAG_ID = "bigcommerce_sync_teststore"
STORE = "teststore"
PRODUCTS = SIM_CATALOGS[STORE]["products"]
CATALOG = Catalog(CatalogSpec(**SIM_CATALOGS[STORE]))
INCREMENTAL_PRODUCTS = {"sync_type": "product", "mode": "incremental"}
OVERLAP = timedelta(seconds=300)  # the registry's default incremental_overlap_seconds


pytestmark = pytest.mark.usefixtures("clean_search")  # every test starts with no indexes


@pytest.fixture
def search(clean_search) -> SearchHook:
    return clean_search


def alias(entity: Entity) -> str:
    return f"bc_{STORE}_{entity}"


def source(search: SearchHook, entity: Entity, doc_id: int) -> dict | None:
    index = alias(entity)
    return (
        search.client.get(index=index, id=str(doc_id))["_source"]
        if search.client.exists(index=index, id=str(doc_id))
        else None
    )


def product_id(position: int) -> int:
    return CATALOG.product(position)["id"]


def full_product_sync() -> SyncRun:
    run = run_sync(DAG_ID, {"sync_type": "product"})
    assert run.state == "success" and run.batch.watermark is not None
    return run


def test_incremental_after_editing_one_percent_reads_only_the_changed_products(search, sim):
    full = full_product_sync()
    live = search.alias_targets(alias(Entity.PRODUCTS))
    edited = [product_id(position) for position in range(0, PRODUCTS, PRODUCTS // 6)]  # 1% of 600
    for n, product in enumerate(edited):
        sim.update_product(STORE, product, {"name": f"Edited Lamp {n}", "price": 10 + n})
    created = sim.create_product(STORE, {"name": "Brand New Kettle"})["id"]
    sim.reset()  # the counters only; the edits stay
    requests: list[dict] = []

    with mock.patch.object(BigCommerceHook, "get_json", product_requests_recorded(requests)):
        run = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)

    assert run.state == "success"
    assert run.tasks_in("success") == {"claim_batch", "import.products", "finalize"}
    batch = run.batch
    assert (batch.status, batch.mode) == ("completed", "incremental")
    assert batch.changed_since == full.batch.watermark - OVERLAP
    assert "products changed since" in batch.mode_reason
    assert batch.watermark > full.batch.watermark  # the next incremental starts from here
    assert batch.entity_counts == {"products": {"fetched": 7, "indexed": 7, "deleted": 0, "failed": 0}}
    assert (batch.products_count, batch.deleted_documents, batch.failed_documents) == (7, 0, 0)
    for n, product in enumerate(edited):
        assert (
            source(search, Entity.PRODUCTS, product)["name"],
            source(search, Entity.PRODUCTS, product)["price"],
        ) == (
            f"Edited Lamp {n}",
            10 + n,
        )
    assert source(search, Entity.PRODUCTS, created)["name"] == "Brand New Kettle"
    assert search.count(alias(Entity.PRODUCTS)) == PRODUCTS + 1
    assert search.alias_targets(alias(Entity.PRODUCTS)) == live  # written in place: no new version
    # One page of changed products and one count; the counts agree, so no listing of every id.
    (changed, counted) = requests
    assert changed["date_modified:min"] == f"{batch.changed_since:%Y-%m-%dT%H:%M:%SZ}"
    assert counted["limit"] == 1
    assert sim.stats()["stores"][STORE]["requests"] <= 7  # time, brands, trees, tree, changed, count


def test_deleted_products_leave_search_after_a_listing_of_every_id(search, sim):
    full_product_sync()
    deleted = [product_id(position) for position in (5, 250, 599)]
    for product in deleted:
        sim.delete_product(STORE, product)
    requests: list[dict] = []

    with mock.patch.object(BigCommerceHook, "get_json", product_requests_recorded(requests)):
        run = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)

    assert run.state == "success"
    assert run.batch.entity_counts["products"] == {"fetched": 0, "indexed": 0, "deleted": 3, "failed": 0}
    assert run.batch.deleted_documents == 3
    assert all(source(search, Entity.PRODUCTS, product) is None for product in deleted)
    assert search.count(alias(Entity.PRODUCTS)) == PRODUCTS - 3
    listing = [r for r in requests if "id:greater" in r]
    assert [(r["include_fields"], r["limit"]) for r in listing] == [("id", 250)] * 3  # 597 ids, 250 a page


def test_a_variant_only_edit_is_missed_by_incremental_and_caught_by_full(search, sim):
    full_product_sync()
    product = product_id(42)
    variant = source(search, Entity.PRODUCTS, product)["variants"][0]
    sim.update_variant(STORE, product, variant["id"], {"inventory_level": 4321})

    incremental = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)
    after_incremental = source(search, Entity.PRODUCTS, product)["variants"][0]["inventory_level"]
    full = run_sync(DAG_ID, {"sync_type": "product"})
    after_full = source(search, Entity.PRODUCTS, product)["variants"][0]["inventory_level"]

    # As documented: a variant edit leaves the product's date_modified, so only a full sync sees it.
    assert incremental.batch.entity_counts["products"]["fetched"] == 0
    assert after_incremental == variant["inventory_level"] != 4321
    assert (full.state, after_full) == ("success", 4321)


def test_a_listing_that_fails_mid_way_deletes_nothing_and_the_batch_says_why(search, sim, repo):
    full_product_sync()
    deleted = [product_id(position) for position in (10, 20)]
    for product in deleted:
        sim.delete_product(STORE, product)
    # Product requests: the changed products, the count, then the listing's first page: its second fails.
    sim.add_fault(STORE, "/v3/catalog/products", 503, after=3)

    run = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)

    assert run.state == "failed"
    batch = run.batch
    assert batch.status == "failed" and batch.watermark is None
    assert "listing every product id failed after 250 ids, so nothing was deleted" in batch.error_summary
    assert "HTTP 503" in batch.error_summary
    assert search.count(alias(Entity.PRODUCTS)) == PRODUCTS
    assert all(source(search, Entity.PRODUCTS, product) is not None for product in deleted)
    assert repo.last_watermark(STORE) == run_sync_watermark_before(repo, batch.id)


def run_sync_watermark_before(repo: BatchRepository, batch_id: int):
    """The watermark of the newest completed batch older than ``batch_id`` (what the next run starts from)."""
    row = repo.hook.get_first(
        "SELECT max(watermark) FROM sync_batches WHERE store_hash = %s AND status = 'completed' AND id < %s",
        parameters=(STORE, batch_id),
    )
    return row[0]


def test_deletions_beyond_the_limit_delete_nothing_and_the_batch_says_why(search, sim):
    full_product_sync()
    doomed = [product_id(position) for position in range(0, 40)]  # 6.7% of 600, above 5% and the 10 allowed
    for product in doomed:
        sim.delete_product(STORE, product)
    sim.reset()

    run = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)

    assert run.state == "failed"
    assert run.try_numbers["import.products"] == 1  # no retry can change the answer
    summary = run.batch.error_summary
    assert (
        "products: deleting 40 of the 600 documents in bc_teststore_products (6.7%) exceeds the limit of 30"
        in summary
    )
    assert "nothing was deleted" in summary and "a full sync rebuilds the index" in summary
    assert search.count(alias(Entity.PRODUCTS)) == PRODUCTS
    # Refused from the counts alone, before a request was spent on listing every id.
    product_requests = sim.stats()["stores"][STORE]["responses_by_path"]["/v3/catalog/products"]
    assert product_requests == {"200": 2}


def leaf(search: SearchHook, entity: Entity, skip: int = 0) -> dict:
    """A document of ``entity`` that no other document has as its parent (editing it touches no other)."""
    hits = [hit["_source"] for hit in search.search(alias(entity), {"match_all": {}}, size=500)]
    parents = {doc.get("parent_id") for doc in hits}
    return [doc for doc in sorted(hits, key=lambda d: d["id"]) if doc["id"] not in parents][skip]


def test_categories_pages_and_blog_posts_write_exactly_what_changed(search, sim):
    full = run_sync(DAG_ID, {"sync_type": "all"})
    assert full.state == "success"
    kinds = {Entity.CATEGORIES: "categories", Entity.PAGES: "pages", Entity.BLOG_POSTS: "blog_posts"}
    title = {Entity.CATEGORIES: "name", Entity.PAGES: "name", Entity.BLOG_POSTS: "title"}
    held = {entity: search.count(alias(entity)) for entity in kinds}
    changes = {}
    for entity, kind in kinds.items():
        edited, deleted = leaf(search, entity)["id"], leaf(search, entity, skip=1)["id"]
        sim.update_item(STORE, kind, edited, {title[entity]: f"Edited {kind}"})
        sim.delete_item(STORE, kind, deleted)
        created = sim.create_item(STORE, kind, {title[entity]: f"Created {kind}"})
        created = created.get("category_id", created.get("id"))  # tree categories say category_id
        changes[entity] = (edited, deleted, created)

    run = run_sync(DAG_ID, {"sync_type": "all", "mode": "incremental"})

    assert run.state == "success" and run.batch.mode == "incremental"
    for entity, (edited, deleted, created) in changes.items():
        assert run.batch.entity_counts[str(entity)] == {
            "fetched": held[entity],  # all read: one gone, one new
            "indexed": 2,  # the edited one and the created one, nothing else
            "deleted": 1,
            "failed": 0,
        }
        assert source(search, entity, edited)[title[entity]] == f"Edited {kinds[entity]}"
        assert source(search, entity, created)[title[entity]] == f"Created {kinds[entity]}"
        assert source(search, entity, deleted) is None
        assert search.count(alias(entity)) == held[entity]


def test_an_incremental_sync_with_nothing_to_start_from_runs_full_and_says_so(search):
    run = run_sync(DAG_ID, INCREMENTAL_PRODUCTS)

    assert run.state == "success"
    assert (run.batch.mode, run.batch.status) == ("full", "completed")
    assert run.batch.mode_reason == (
        "mode asked for in the run's conf; ran full: no live index to update for products"
    )
    assert search.count(alias(Entity.PRODUCTS)) == PRODUCTS
    assert run.batch.watermark is not None  # so the next incremental can start


@pytest.mark.parametrize("sync_type", ["stop_words", "synonyms"])
def test_an_incremental_analysis_sync_is_refused_before_any_row_changes(repo, sync_type):
    total = repo.hook.get_first("SELECT count(*) FROM sync_batches")[0]

    run = run_sync(DAG_ID, {"sync_type": sync_type, "mode": "incremental"})

    assert run.state == "failed" and run.task_states["claim_batch"] == "failed" and run.batch is None
    assert repo.hook.get_first("SELECT count(*) FROM sync_batches")[0] == total
