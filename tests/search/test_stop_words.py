"""Stop words against a real Elasticsearch: a store's own stop word is ignored by search, the
words the default list leaves out on purpose still count, and a ``stop_words`` sync changes
what search finds without reading the store."""

from __future__ import annotations

import pytest

from bigcommerce_sync.analysis import DEFAULT_STOP_WORDS
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.dags.sync_runs import run_sync
from tests.search.support import DAG_ID, STORE, alias, documents, found_ids, ids_containing, store_entry

PRODUCTS = alias(Entity.PRODUCTS)
# Words the default list leaves out because they change what a shopper means ("for men", "not iron").
KEPT_WORDS = ("for", "with", "not", "no")


@pytest.fixture(autouse=True)
def clean_search(sync_stack, sim) -> SearchHook:
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    return search


def match(field: str, text: str) -> dict:
    return {"match": {field: {"query": text, "operator": "and"}}}


def test_custom_stop_word_is_ignored_and_the_kept_words_still_count(clean_search: SearchHook, sim):
    # The store's stop word "widget" (tests/conftest.py) and the kept word "no" in two product names.
    sim.update_product(STORE, 7, {"name": "Widget Oak Side Table"})
    sim.update_product(STORE, 8, {"name": "No-Drip Oak Tea Kettle"})
    run = run_sync(DAG_ID, {"sync_type": "product"})
    assert run.state == "success"
    docs = documents(clean_search, PRODUCTS)
    assert len(docs) == 600

    with_oak = found_ids(clean_search, PRODUCTS, match("name", "oak"))
    assert 7 in with_oak and with_oak == ids_containing(docs, "name", "oak")
    # A query made only of the stop word finds nothing, though product 7's name says "Widget".
    assert ids_containing(docs, "name", "widget") == {7}
    assert found_ids(clean_search, PRODUCTS, match("name", "widget")) == set()
    # Added to a query (every term required), it changes nothing.
    assert found_ids(clean_search, PRODUCTS, match("name", "widget oak")) == with_oak
    assert found_ids(clean_search, PRODUCTS, match("name", "oak widget widget")) == with_oak

    # The kept words are searchable: exactly the products whose text has them.
    figures = {}
    for word, field in [
        ("for", "description"),
        ("with", "description"),
        ("not", "description"),
        ("no", "name"),
    ]:
        expected = ids_containing(docs, field, word)
        figures[word] = len(expected)
        assert expected and found_ids(clean_search, PRODUCTS, match(field, word)) == expected, word
    # A default stop word, by contrast, is dropped though many descriptions have it.
    assert "the" in DEFAULT_STOP_WORDS and ids_containing(docs, "description", "the")
    assert found_ids(clean_search, PRODUCTS, match("description", "the")) == set()
    print(f"\nproducts found per kept word: {figures}; 'oak': {len(with_oak)}; 'widget': 0")


def test_stop_words_sync_changes_what_search_finds_without_reading_the_store(clean_search: SearchHook, sim):
    run_sync(DAG_ID, {"sync_type": "product"})
    docs = documents(clean_search, PRODUCTS)
    leather = ids_containing(docs, "name", "leather")
    leather_bags = found_ids(clean_search, PRODUCTS, match("name", "leather backpack"))
    assert leather and found_ids(clean_search, PRODUCTS, match("name", "leather")) == leather
    assert leather_bags == ids_containing(docs, "name", "leather backpack")
    before = clean_search.alias_targets(PRODUCTS)
    requests_before = sim.stats()["stores"][STORE]["requests"]

    with store_entry(stop_words=["widget", "leather"]):
        run = run_sync(DAG_ID, {"sync_type": "stop_words"})

    assert run.state == "success" and run.batch.status == "completed"
    assert sim.stats()["stores"][STORE]["requests"] == requests_before, "the store was read"
    assert clean_search.alias_targets(PRODUCTS) == [f"{PRODUCTS}_v{run.batch.id}"] != before
    assert clean_search.count(PRODUCTS) == 600
    # "leather" is now a stop word: alone it finds nothing, beside another word it is ignored.
    assert found_ids(clean_search, PRODUCTS, match("name", "leather")) == set()
    assert (
        found_ids(clean_search, PRODUCTS, match("name", "leather backpack"))
        == ids_containing(docs, "name", "backpack")
        != leather_bags
    )
    print(
        f"\n'leather': {len(leather)} products before, 0 after; "
        f"'leather backpack': {len(leather_bags)} before"
    )
