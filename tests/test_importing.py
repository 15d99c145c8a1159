"""The import path against the search stand-in: counting, recording and threshold of failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bigcommerce_sync.batches import ErrorRecord
from bigcommerce_sync.documents import page_document
from bigcommerce_sync.extraction import EntityStream
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError, Page
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.importing import ImportFailedError, import_entity
from bigcommerce_sync.index_lifecycle import create_version
from bigcommerce_sync.sync_types import Entity
from tests.search.support import cluster_analysis


@pytest.fixture
def index(search_url) -> str:
    hook = SearchHook()
    hook.delete_indexes(hook.indexes_matching("bc_imp*"))
    return create_version(
        hook, store_hash="imp", entity=Entity.PAGES, batch_id=1, analysis=cluster_analysis(store_hash="imp")
    )


def page_items(first: int, count: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": f"Page {i}", "type": "page", "body": "<p>x</p>"}
        for i in range(first, first + count)
    ]


def stream(pages: list[list[dict[str, Any]]], served: list[int] | None = None) -> EntityStream:
    def generate() -> Iterator[list[dict[str, Any]]]:
        for number, page in enumerate(pages, start=1):
            if served is not None:
                served.append(number)
            yield page

    return EntityStream(Entity.PAGES, generate(), page_document, "id")


def run(
    index: str, entity_stream: EntityStream, max_failed_ratio: float = 0.5
) -> tuple[Any, list[ErrorRecord]]:
    recorded: list[ErrorRecord] = []
    result = import_entity(
        SearchHook(),
        index,
        entity_stream,
        task_id="import.test",
        record_errors=recorded.extend,
        max_failed_ratio=max_failed_ratio,
    )
    return result, recorded


def test_every_item_becomes_a_document(index):
    result, recorded = run(index, stream([page_items(1, 300), page_items(301, 150)]))

    assert (result.indexed, result.failed, result.duplicates) == (450, 0, 0)
    assert recorded == []
    hook = SearchHook()
    assert hook.count(index) == 0  # a loading index is not refreshed: nothing is visible yet
    hook.refresh(index)
    assert hook.count(index) == 450


def test_bad_items_are_recorded_with_their_id_and_skipped(index):
    items = page_items(1, 10)
    items[3]["name"] = ""
    items[7] = {"name": "no id"}

    result, recorded = run(index, stream([items]))

    assert (result.indexed, result.failed) == (8, 2)
    assert [(e.task_id, e.entity, e.item_id) for e in recorded] == [
        ("import.test", "pages", "4"),
        ("import.test", "pages", None),
    ]
    assert "'name' must be a non-empty string" in recorded[0].message


def test_documents_the_index_rejects_are_recorded(index):
    items = page_items(1, 5)
    items[2]["type"] = "x" * 40_000  # a keyword term beyond Lucene's 32,766 bytes

    result, recorded = run(index, stream([items]))

    assert (result.indexed, result.failed) == (4, 1)
    assert recorded[0].item_id == "3" and "rejected by search (HTTP 400)" in recorded[0].message


def test_repeated_items_are_indexed_once(index):
    result, _ = run(index, stream([page_items(1, 50), page_items(41, 50)]))

    assert (result.indexed, result.duplicates) == (90, 10)


def test_too_many_failures_fail_the_import_with_the_first_one(index):
    items = page_items(1, 10)
    for item in items[:3]:
        item["name"] = None

    with pytest.raises(
        ImportFailedError, match=r"pages: 3 of 10 documents failed \(30.0%, allowed 10.0%\); first: pages 1"
    ):
        run(index, stream([items]), max_failed_ratio=0.1)


def test_import_stops_early_once_the_threshold_cannot_be_met(index):
    bad = [dict(item, name="") for item in page_items(1, 100)]
    pages = [Page(bad, total=1000)] + [Page(page_items(101 + 100 * n, 100), total=1000) for n in range(9)]
    served: list[int] = []

    with pytest.raises(ImportFailedError, match="100 of 1000 documents failed"):
        run(index, stream(pages, served), max_failed_ratio=0.05)

    assert len(served) < len(pages)


def test_a_store_error_mid_stream_fails_the_import(index):
    def failing() -> Iterator[list[dict[str, Any]]]:
        yield page_items(1, 10)
        raise BigCommerceError("store at x GET v3/content/pages: HTTP 500")

    with pytest.raises(BigCommerceError, match="HTTP 500"):
        run(index, EntityStream(Entity.PAGES, failing(), page_document, "id"))
