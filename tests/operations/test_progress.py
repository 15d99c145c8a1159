"""Live progress: an import hands its progress on while it runs; a full sync leaves it on the batch."""

from __future__ import annotations

from typing import Any

from bigcommerce_sync import importing
from bigcommerce_sync.extraction import EntityStream
from bigcommerce_sync.hooks.bigcommerce import Page
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.importing import import_entity
from bigcommerce_sync.index_lifecycle import create_version
from bigcommerce_sync.sync_types import Entity
from tests.dags.sync_runs import run_sync
from tests.search.support import cluster_analysis
from tests.test_importing import page_items, stream


def test_progress_is_handed_on_per_page_then_when_done(search_url, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_RECORD_SECONDS", 0.0)  # every page, so the test sees each
    hook = SearchHook()
    hook.delete_indexes(hook.indexes_matching("bc_prog*"))
    index = create_version(
        hook, store_hash="prog", entity=Entity.PAGES, batch_id=1, analysis=cluster_analysis(store_hash="prog")
    )
    pages = [Page(page_items(first, 10), total=30) for first in (1, 11, 21)]
    recorded: list[tuple[str, dict[str, Any]]] = []

    import_entity(
        hook,
        index,
        stream(pages),
        task_id="import.test",
        record_errors=lambda errors: None,
        max_failed_ratio=0.1,
        record_progress=lambda entity, figures: recorded.append((entity, figures)),
    )

    assert {entity for entity, _ in recorded} == {"pages"}
    figures = [f for _, f in recorded]
    assert [(f["done"], f["total"], f["finished"]) for f in figures] == [
        (10, 30, False),
        (20, 30, False),
        (30, 30, False),
        (30, 30, True),
    ]
    assert all(f["eta_seconds"] is not None for f in figures[:2]) and figures[-1]["eta_seconds"] is None
    assert all(f["rate"] > 0 and f["updated_at"] for f in figures)


def test_a_progress_write_failing_never_fails_the_import(search_url):
    hook = SearchHook()
    index = create_version(
        hook, store_hash="prog", entity=Entity.PAGES, batch_id=2, analysis=cluster_analysis(store_hash="prog")
    )

    def broken(entity: str, figures: dict[str, Any]) -> None:
        raise ConnectionError("batch store unreachable")

    result = import_entity(
        hook,
        index,
        EntityStream(Entity.PAGES, iter([Page(page_items(1, 5), total=5)]), stream([]).to_document, "id"),
        task_id="import.test",
        record_errors=lambda errors: None,
        max_failed_ratio=0.1,
        record_progress=broken,
    )

    assert result.indexed == 5


def progress_of(ops, run) -> dict[str, tuple]:
    (batch,) = [
        b for b in ops.batches(since=run.batch.created_at, store_hash="teststore") if b.id == run.batch.id
    ]
    return {entity: (p["done"], p["total"], p["finished"]) for entity, p in batch.progress.items()}


def test_full_and_incremental_syncs_leave_each_entity_s_progress_on_their_batch(ops, clean_search, sim):
    full = run_sync("bigcommerce_sync_teststore", {"sync_type": "all"})
    sim.update_product("teststore", 1, {"name": "Edited for the incremental"})
    incremental = run_sync("bigcommerce_sync_teststore", {"sync_type": "all", "mode": "incremental"})

    assert progress_of(ops, full) == {
        "products": (600, 600, True),
        "categories": (24, 24, True),
        "pages": (9, 9, True),
        "blog_posts": (7, 7, True),
    }
    assert incremental.batch.mode == "incremental"
    assert progress_of(ops, incremental) == {
        "products": (1, 1, True),  # the one product changed since the full sync
        "categories": (24, 24, True),  # read whole, compared by content hash
        "pages": (9, 9, True),
        "blog_posts": (7, 7, True),
    }
