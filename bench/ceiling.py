"""Child process: the search stand-in's own bulk-ingest rate for the sync's documents.

Payload: ``store_hash``, ``indexes`` (index version by entity, created by the setup
tasks), ``limits`` (documents per entity, for those not taken whole), ``out``.

The documents are read from the store and built by the import's own transforms
first; only then is the clock started and the pre-built actions (shaped as the
import shapes them) sent through ``SearchHook.bulk``, the helper and chunking the
import uses.
"""

from __future__ import annotations

import gc
import itertools
import time
from typing import TYPE_CHECKING, Any

from bench.child import Payload, child_main

if TYPE_CHECKING:
    from bigcommerce_sync.extraction import EntityStream


def _actions(stream: EntityStream, index: str, limit: int | None) -> list[dict[str, Any]]:
    items = itertools.islice((item for page in stream.pages for item in page), limit)
    documents = (stream.to_document(item) for item in items)
    return [{"_index": index, "_id": str(doc["id"]), "_source": doc} for doc in documents]


def measure(payload: Payload) -> dict[str, Any]:
    """Pre-build each entity's documents, then time their bulk ingest; return per entity."""
    from bench.tasks import store_dag
    from bigcommerce_sync.extraction import entity_stream
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.sync_types import Entity

    task = store_dag(payload["store_hash"]).get_task("import.products")
    store, search = BigCommerceHook(task.bigcommerce_conn_id), SearchHook(task.search_conn_id)
    results = {}
    for entity, index in payload["indexes"].items():
        actions = _actions(entity_stream(store, Entity(entity)), index, payload["limits"].get(entity))
        # The pre-built documents stay alive throughout; keep the collector from rescanning them.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        indexed = sum(1 for ok, _ in search.bulk(actions) if ok)
        results[entity] = {"docs": indexed, "failed": len(actions) - indexed}
        results[entity]["seconds"] = time.perf_counter() - started
    return results


if __name__ == "__main__":
    child_main(measure)
