"""Child process: the two ceilings of the import, the source's and the sink's, for the sync's documents.

Payload: ``store_hash``, ``indexes`` (index version by entity, created by the setup
tasks), ``limits`` (items per entity, for those not taken whole), ``out``.

For each entity, in three steps of which two are timed:

1. **source**: the items are read from the store through the import's own client
   path (``entity_stream``: the hook's pagination, concurrency and JSON decoding),
   and neither transformed nor indexed;
2. the documents are built by the import's own transforms (not timed);
3. **sink**: the pre-built actions (shaped as the import shapes them) are sent
   as the import sends them (``importing.bulk_in_streams``: its chunking, its
   concurrent bulk requests, ``SearchHook.bulk`` for each).
"""

from __future__ import annotations

import gc
import itertools
import time
from typing import TYPE_CHECKING, Any

from bench.child import Payload, child_main

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.sync_types import Entity

Item = dict[str, Any]


def _read(store: BigCommerceHook, entity: Entity, limit: int | None) -> tuple[list[Item], Any]:
    """Read the entity's first ``limit`` items as the import reads them; return them and the stream."""
    from bigcommerce_sync.extraction import entity_stream

    stream = entity_stream(store, entity)
    items = list(itertools.islice((item for page in stream.pages for item in page), limit))
    close = getattr(stream.pages, "close", None)
    if close is not None:  # stop the page fetchers when the sample ends before the listing does
        close()
    return items, stream


def _actions(items: list[Item], stream: Any, index: str) -> list[Item]:
    documents = (stream.to_document(item) for item in items)
    return [{"_index": index, "_id": str(doc["id"]), "_source": doc} for doc in documents]


def measure(payload: Payload) -> dict[str, Any]:
    """Time each entity's read (source) and its pre-built documents' bulk ingest (sink)."""
    from bench.tasks import store_dag
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import BulkStats, SearchHook
    from bigcommerce_sync.importing import bulk_in_streams
    from bigcommerce_sync.sync_types import Entity

    task = store_dag(payload["store_hash"]).get_task("import.products")
    store = BigCommerceHook(task.bigcommerce_conn_id, max_concurrency=task.api_concurrency)
    search = SearchHook(task.search_conn_id)
    results = {}
    for entity, index in payload["indexes"].items():
        started = time.perf_counter()
        items, stream = _read(store, Entity(entity), payload["limits"].get(entity))
        source_seconds, source_items = time.perf_counter() - started, len(items)
        actions = _actions(items, stream, index)
        del items
        # The pre-built documents stay alive throughout; keep the collector from rescanning them.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        indexed = sum(1 for ok, _ in bulk_in_streams(search, actions, BulkStats()) if ok)
        results[entity] = {
            "docs": indexed,
            "failed": len(actions) - indexed,
            "seconds": time.perf_counter() - started,
            "source_items": source_items,
            "source_seconds": source_seconds,
        }
        gc.unfreeze()
    return results


if __name__ == "__main__":
    child_main(measure)
