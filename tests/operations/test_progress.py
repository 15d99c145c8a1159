"""Live progress: an import hands its progress on while it runs; a full sync leaves it on the batch."""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.mark.usefixtures("clean_search")
def test_a_full_sync_leaves_each_entity_s_progress_on_its_batch(ops):
    run = run_sync("bigcommerce_sync_teststore", {"sync_type": "all"})

    progress = ops.batches(since=run.batch.created_at, store_hash="teststore")[0].progress
    assert {entity: (p["done"], p["total"], p["finished"]) for entity, p in progress.items()} == {
        "products": (600, 600, True),
        "categories": (24, 24, True),
        "pages": (9, 9, True),
        "blog_posts": (7, 7, True),
    }
