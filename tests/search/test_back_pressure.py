"""Back-pressure: a node with a one-slot write queue answers 429, and the import path absorbs it.

A dedicated node (``thread_pool.write.size: 1``, ``queue_size: 1``) rejects a shard-level
bulk whenever two are already running or queued. Three imports run at once through the
product's import path (:func:`import_entity`, :meth:`SearchHook.bulk`); every document must
end up indexed exactly once, and the resends must show in the results and the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bigcommerce_simulator import Catalog, CatalogSpec
from bigcommerce_sync.analysis import analysis_settings
from bigcommerce_sync.documents import product_document
from bigcommerce_sync.extraction import EntityStream
from bigcommerce_sync.hooks import search as search_module
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.importing import ImportResult, import_entity
from bigcommerce_sync.index_lifecycle import create_version, seal
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync_dev.elasticsearch import ElasticsearchNode, SearchCluster

CONN_ID = "es_tiny_write_queue"
IMPORTS = 3
PRODUCTS_PER_IMPORT = 2500
PAGE_SIZE = 250
INCLUDES = {"variants", "images", "custom_fields", "primary_image"}


@pytest.fixture(scope="module")
def tiny_queue_node(dev_stack) -> Iterator[ElasticsearchNode]:
    """A node of its own whose write pool has one thread and one queue slot."""
    settings = {"thread_pool.write.size": "1", "thread_pool.write.queue_size": "1"}
    with ElasticsearchNode(settings) as node:
        yield node


@pytest.fixture
def hook(tiny_queue_node, monkeypatch) -> SearchHook:
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", SearchCluster.at(tiny_queue_node.url).connection())
    # More, smaller bulk requests make the three imports collide often; the retry budget and
    # backoff are the product's own.
    monkeypatch.setattr(search_module, "BULK_CHUNK_DOCS", 100)
    return SearchHook(CONN_ID)


def product_stream(catalog: Catalog, first: int, count: int) -> EntityStream:
    def pages() -> Iterator[list[dict[str, Any]]]:
        for start in range(first, first + count, PAGE_SIZE):
            yield [catalog.product(i, INCLUDES) for i in range(start, min(start + PAGE_SIZE, first + count))]

    return EntityStream(Entity.PRODUCTS, pages(), lambda p: product_document(p, {}, {}), "id")


def write_rejections(url: str) -> int:
    stats = requests.get(f"{url}/_nodes/stats/thread_pool", timeout=30).json()["nodes"]
    return sum(node["thread_pool"]["write"]["rejected"] for node in stats.values())


def test_real_429s_are_retried_until_every_document_is_indexed_exactly_once(
    hook: SearchHook, tiny_queue_node, caplog
):
    caplog.set_level(logging.INFO, logger="bigcommerce_sync")
    catalog = Catalog(CatalogSpec(seed=21, products=IMPORTS * PRODUCTS_PER_IMPORT))
    analysis = analysis_settings(
        stop_words=[], synonyms=[], mode=hook.synonyms_mode, store_hash="bp", text_analysis=hook.text_analysis
    )
    indexes = [
        create_version(hook, store_hash=f"bp{n}", entity=Entity.PRODUCTS, batch_id=1, analysis=analysis)
        for n in range(IMPORTS)
    ]
    rejected_before = write_rejections(tiny_queue_node.url)
    results: dict[int, ImportResult] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = import_entity(
                SearchHook(CONN_ID),
                indexes[n],
                product_stream(catalog, n * PRODUCTS_PER_IMPORT, PRODUCTS_PER_IMPORT),
                task_id=f"import.products.{n}",
                record_errors=lambda records: errors.append(
                    AssertionError(f"{len(records)} documents failed, first: {records[0].message[:300]}")
                ),
                max_failed_ratio=0.0,
            )
        except BaseException as error:  # reported below, with the others' results
            errors.append(AssertionError(f"{type(error).__name__}: {str(error)[:300]}"))

    threads = [threading.Thread(target=run, args=(n,), name=f"import-{n}") for n in range(IMPORTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    rejected = write_rejections(tiny_queue_node.url) - rejected_before
    retried = sum(result.retried for result in results.values())
    figures = f"node write rejections: {rejected}, documents resent: {retried}, results: {results}"
    assert not errors, f"{errors}; {figures}"
    # The node really pushed back, and the import path noticed.
    assert rejected > 0 and retried > 0, figures
    for n, index in enumerate(indexes):
        assert results[n].indexed == PRODUCTS_PER_IMPORT and results[n].failed == 0, figures
        # Exactly once: every id present, none written twice (a resent document that had
        # already been indexed would have _version 2).
        assert seal(hook, index) == PRODUCTS_PER_IMPORT, figures
        versions = {
            hit["_id"]: hit["_version"]
            for hit in hook.client.search(index=index, size=PRODUCTS_PER_IMPORT, version=True, source=False)[
                "hits"
            ]["hits"]
        }
        expected = {
            str(catalog.product(i)["id"])
            for i in range(n * PRODUCTS_PER_IMPORT, (n + 1) * PRODUCTS_PER_IMPORT)
        }
        assert set(versions) == expected, figures
        assert set(versions.values()) == {1}, figures
    # Counted and logged: one warning per resend round, and the totals in each import's last line.
    resends = [r.getMessage() for r in caplog.records if "rejected with HTTP 429" in r.getMessage()]
    assert sum(int(message.split()[1]) for message in resends) == retried, resends[:5]
    done_lines = [r.getMessage() for r in caplog.records if "products done" in r.getMessage()]
    assert sum("sent again after HTTP 429" in line for line in done_lines) == sum(
        1 for result in results.values() if result.retried
    ), done_lines
    print(f"\n{figures}; resend rounds: {len(resends)}; first: {resends[0]}")
