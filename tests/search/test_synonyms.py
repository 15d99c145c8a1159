"""Synonyms against a real Elasticsearch: rules in the store's list change what search finds, and a
``synonyms`` sync changes them with no reindex (the Synonyms API reloads the search analyzers).

These need the ``analysis-common`` module (``synonym_graph``) and the Synonyms API, which the
minimal distribution the dev stack runs lacks; they skip there, saying so, and run when
``ELASTICSEARCH_URL`` names a stock Elasticsearch 9.
"""

from __future__ import annotations

import pytest

from bigcommerce_sync.analysis import synonym_set_id
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.dags.sync_runs import run_sync
from tests.search.support import DAG_ID, STORE, alias, documents, found_ids, ids_containing, store_entry

PRODUCTS = alias(Entity.PRODUCTS)
HOODIE = "hoodie, hooded sweatshirt"
HOODED_PRODUCT = 7


@pytest.fixture(autouse=True)
def clean_search(sync_stack, sim, full_analysis) -> SearchHook:
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    return search


def hoodie(hook: SearchHook) -> set[int]:
    return found_ids(hook, PRODUCTS, {"match": {"name": {"query": "hoodie", "operator": "and"}}})


def sync_with_hooded_product(sim, synonyms: list[str]) -> None:
    """A product sync of the test store, one of whose products is named a "Hooded Sweatshirt"."""
    sim.update_product(STORE, HOODED_PRODUCT, {"name": "Organic Cotton Hooded Sweatshirt"})
    with store_entry(synonyms=synonyms):
        run = run_sync(DAG_ID, {"sync_type": "product"})
    assert run.state == "success"


def test_hoodie_finds_the_products_that_say_only_hooded_sweatshirt(clean_search: SearchHook, sim):
    sync_with_hooded_product(sim, [HOODIE])
    docs = documents(clean_search, PRODUCTS)

    assert ids_containing(docs, "name", "hoodie") == set()
    assert ids_containing(docs, "name", "hooded sweatshirt") == {HOODED_PRODUCT}
    assert hoodie(clean_search) == {HOODED_PRODUCT}
    # It is the search-time rule that finds it: the index analyzer has no synonyms.
    without_synonyms = {"match": {"name": {"query": "hoodie", "analyzer": "catalog_text"}}}
    assert found_ids(clean_search, PRODUCTS, without_synonyms) == set()


def test_synonyms_sync_changes_results_with_no_reindex(clean_search: SearchHook, sim):
    sync_with_hooded_product(sim, [HOODIE])
    assert hoodie(clean_search) == {HOODED_PRODUCT}
    docs = documents(clean_search, PRODUCTS)
    blankets = ids_containing(docs, "name", "throw blanket")
    assert blankets and HOODED_PRODUCT not in blankets
    live = clean_search.alias_targets(PRODUCTS)
    versions = clean_search.indexes_matching(f"{PRODUCTS}_v*")
    requests_before = sim.stats()["stores"][STORE]["requests"]

    with store_entry(synonyms=["hoodie, throw blanket"]):
        run = run_sync(DAG_ID, {"sync_type": "synonyms"})

    assert run.state == "success" and run.batch.status == "completed"
    rules = clean_search.client.synonyms.get_synonym(id=synonym_set_id(STORE))["synonyms_set"]
    assert "hoodie, throw blanket" in [rule["synonyms"] for rule in rules]
    assert HOODIE not in [rule["synonyms"] for rule in rules]
    # No reindex: the same index version serves, no new one was built, the store was not read.
    assert clean_search.alias_targets(PRODUCTS) == live
    assert clean_search.indexes_matching(f"{PRODUCTS}_v*") == versions
    assert sim.stats()["stores"][STORE]["requests"] == requests_before
    # ... and yet "hoodie" now finds the throw blankets, and no longer the hooded sweatshirt.
    assert hoodie(clean_search) == blankets
    print(f"\n'hoodie': {{{HOODED_PRODUCT}}} before the synonyms sync, {len(blankets)} throw blankets after")
