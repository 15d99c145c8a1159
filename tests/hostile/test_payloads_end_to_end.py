"""Malformed items served by the store during real syncs (``dag.test()``, simulator, Elasticsearch).

The simulator's ``malformed`` fault serves chosen items of a list page with fields of the
wrong type, or as no object at all. The import records each bad item in ``sync_errors``,
naming the item and the field, indexes the good ones, and the batch ends as the store's
``max_failed_ratio`` says.
"""

from __future__ import annotations

import pytest

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.dag_factory import build_store_dag
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.index_lifecycle import alias_name
from bigcommerce_sync.stores import StoreConfig
from bigcommerce_sync.sync_types import Entity
from tests.dags.sync_runs import run_dag, run_sync
from tests.hostile.conftest import count

SURFACE = "BigCommerce payloads"
STORE = "schedstore"


@pytest.fixture
def store(sync_stack, sim) -> SearchHook:
    """The store with none of its indexes; the simulator's faults are cleared after the test."""
    search = SearchHook()
    search.delete_indexes(search.indexes_matching(f"bc_{STORE}_*"))
    yield search
    search.delete_indexes(search.indexes_matching(f"bc_{STORE}_*"))


def served_ids(sim, path: str) -> list[int]:
    """The ids the store serves on the first page of a listing, as the sync reads them."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{sim.url}/stores/{STORE}{path}?limit=250", headers={"X-Auth-Token": f"token-of-{STORE}"}
    )
    with urllib.request.urlopen(request) as answer:
        body = json.loads(answer.read())
    return [item["id"] for item in (body["data"] if isinstance(body, dict) else body)]


def test_bad_products_are_recorded_and_the_good_ones_indexed_within_the_failed_ratio(store, sim):
    ids = served_ids(sim, "/v3/catalog/products")
    bad = {
        ids[0]: ({"price": "12.50"}, "'price' must be a number"),
        ids[1]: ({"images": "none"}, "'images' must be a list"),
        ids[2]: ({"name": None}, "'name' must be a non-empty string"),
        ids[3]: ({"custom_url": ["x"], "variants": 7}, "must be"),
        ids[4]: ("not a product", "product is not an object"),
        ids[5]: ({"sku": "x" * 40_000}, "rejected by search (HTTP 400)"),
    }
    sim.add_fault(
        STORE, "/v3/catalog/products", kind="malformed", items={i: fields for i, (fields, _) in bad.items()}
    )
    lenient = StoreConfig(
        store_hash=STORE,
        name="Lenient",
        connection_id=f"bigcommerce_{STORE}",
        retries=0,
        max_failed_ratio=0.5,
    )

    run = run_dag(build_store_dag(lenient), {"sync_type": "product"})

    assert (run.state, run.batch.status) == ("success", "completed"), run.batch
    errors = [e for e in BatchRepository().errors(run.batch.id) if e["entity"] == Entity.PRODUCTS]
    for product_id, (_, words) in bad.items():
        # An item that is no object has no id to record: its message says what it was.
        item_id = None if product_id == ids[4] else str(product_id)
        assert any(e["item_id"] == item_id and words in e["message"] for e in errors), (product_id, errors)
        count(SURFACE, "rejected")
    indexed = set(store.field_by_id(alias_name(STORE, Entity.PRODUCTS)))
    assert indexed == {str(i) for i in ids if i not in bad}
    for _ in indexed:
        count(SURFACE, "accepted")
    assert run.batch.failed_documents == len(bad)


def test_one_bad_blog_post_fails_a_batch_whose_store_allows_none_and_search_keeps_what_it_had(store, sim):
    ids = served_ids(sim, "/v2/blog/posts")
    sim.add_fault(STORE, "/v2/blog/posts", kind="malformed", items={ids[0]: {"title": {"en": "Winter"}}})

    run = run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "blog"})  # max_failed_ratio 0.01

    assert (run.state, run.batch.status) == ("failed", "failed")
    assert (
        f"blog_posts {ids[0]}: blog post {ids[0]}: 'title' must be a non-empty string"
        in run.batch.error_summary
    )
    errors = BatchRepository().errors(run.batch.id)
    assert any(e["item_id"] == str(ids[0]) and "'title'" in e["message"] for e in errors)
    assert store.alias_targets(alias_name(STORE, Entity.BLOG_POSTS)) == []  # nothing was published
    count(SURFACE, "rejected")
