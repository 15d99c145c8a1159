"""Checkpoints of a full import on the real engine: acknowledged pages only, resumed exactly, paused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bigcommerce_sync import importing
from bigcommerce_sync.batches import Checkpoint
from bigcommerce_sync.documents import page_document
from bigcommerce_sync.extraction import EntityStream
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError, Page
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.importing import ImportPausedError, Resumable, _Acknowledged, import_entity
from bigcommerce_sync.index_lifecycle import create_version
from bigcommerce_sync.sync_types import Entity
from tests.search.support import cluster_analysis
from tests.test_importing import page_items

PAGE = 100


@pytest.fixture
def index(search_url) -> str:
    hook = SearchHook()
    hook.delete_indexes(hook.indexes_matching("bc_resume*"))
    return create_version(
        hook,
        store_hash="resume",
        entity=Entity.PAGES,
        batch_id=1,
        analysis=cluster_analysis(store_hash="resume"),
    )


def pages_after(after_id: int, last_id: int, served: list[int], fail_at: int | None = None) -> Iterator[Page]:
    """Pages of ``PAGE`` items after ``after_id`` up to ``last_id``, positioned as a keyset read; the
    page starting at ``fail_at`` fails as the store would after its retries."""
    for first in range(after_id + 1, last_id + 1, PAGE):
        if first == fail_at:
            raise BigCommerceError("store at x GET v3/content/pages: HTTP 503")
        served.append(first)
        items = page_items(first, min(PAGE, last_id - first + 1))
        yield Page(items, total=last_id, position={"after_id": items[-1]["id"]})


class Saves:
    """A checkpoint store: keeps what the import saved, and asks for a pause at the ``pause_at``-th save."""

    def __init__(self, pause_at: int | None = None) -> None:
        self.saved: list[Checkpoint] = []
        self.pause_at = pause_at

    def __call__(self, entity: str, figures: dict[str, Any], checkpoint: Checkpoint) -> bool:
        self.saved.append(checkpoint)
        return self.pause_at is not None and len(self.saved) >= self.pause_at


def run(index: str, pages: Iterator[Page], start: Checkpoint, saves: Saves):
    return import_entity(
        SearchHook(),
        index,
        EntityStream(Entity.PAGES, pages, page_document, "id"),
        task_id="import.test",
        record_errors=lambda errors: None,
        max_failed_ratio=0.5,
        resumable=Resumable(start, saves),
    )


def versions(index: str) -> dict[int, int]:
    """Each document's ``_version``: 1 means it was written exactly once."""
    hook = SearchHook()
    hook.refresh(index)
    hits = hook.client.search(index=index, size=10_000, version=True, source=False)["hits"]["hits"]
    return {int(hit["_id"]): hit["_version"] for hit in hits}


def test_a_failed_import_resumes_after_its_last_acknowledged_page_and_writes_each_document_once(index):
    served: list[int] = []
    first_try = Saves()
    with pytest.raises(BigCommerceError, match="HTTP 503"):
        run(index, pages_after(0, 1000, served, fail_at=501), Checkpoint(index=index), first_try)

    checkpoint = first_try.saved[-1]  # saved when it failed: what was built went out and was answered
    assert checkpoint.position == {"after_id": 500}
    assert (checkpoint.fetched, checkpoint.indexed, checkpoint.failed) == (500, 500, 0)

    served.clear()
    result = run(index, pages_after(500, 1000, served), checkpoint, Saves())

    assert served[0] == 501  # nothing before the checkpoint is read again
    assert (result.fetched, result.indexed, result.failed, result.listed) == (1000, 1000, 0, 1000)
    assert result.checkpoint.position == {"after_id": 1000}
    assert versions(index) == {i: 1 for i in range(1, 1001)}  # every document written once


def test_counts_before_the_checkpoint_carry_into_the_resumed_result(index):
    start = Checkpoint(
        position={"after_id": 300}, fetched=300, indexed=297, failed=3, duplicates=2, index=index
    )
    bad = page_items(301, PAGE)
    bad[0]["name"] = ""  # fails to build

    result = run(index, iter([Page(bad, position={"after_id": 400})]), start, Saves())

    assert (result.fetched, result.indexed, result.failed, result.duplicates) == (400, 396, 4, 2)
    assert result.checkpoint == Checkpoint(
        position={"after_id": 400}, fetched=400, indexed=396, failed=4, duplicates=2, index=index
    )


def test_a_pause_stops_reading_at_a_page_boundary_with_every_page_built_acknowledged(index, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_RECORD_SECONDS", 0.0)  # a save, hence a pause check, per page
    served: list[int] = []
    saves = Saves(pause_at=2)  # the save after the second page answers: pause

    with pytest.raises(ImportPausedError, match="pages: paused after id 200") as paused:
        run(index, pages_after(0, 5000, served), Checkpoint(index=index), saves)

    assert paused.value.checkpoint.position == {"after_id": 200}
    assert (paused.value.checkpoint.fetched, paused.value.checkpoint.indexed) == (200, 200)
    assert saves.saved[-1] == paused.value.checkpoint
    # Reading stopped: the prefetch had a few pages in hand, no more.
    assert len(served) <= 2 + importing.PREFETCH_PAGES + 1
    assert sorted(versions(index)) == list(range(1, 201))


def test_a_checkpoint_covers_only_pages_whose_every_document_was_answered():
    acknowledged = _Acknowledged(Checkpoint(index="i"))
    first, second = Page([], position={"after_id": 3}), Page([], position={"after_id": 8})
    acknowledged.page_built(first, built=3, failed=0, fetched=3, duplicates=0)
    acknowledged.page_built(second, built=7, failed=1, fetched=8, duplicates=0)  # one item failed to build

    for ok in (True, True):
        acknowledged.answer(ok)
    assert acknowledged.checkpoint.position is None  # the first page's third document is unanswered
    acknowledged.answer(True)
    assert (acknowledged.checkpoint.position, acknowledged.checkpoint.indexed) == ({"after_id": 3}, 3)
    for ok in (True, False, True):  # one rejected by the cluster
        acknowledged.answer(ok)
    assert acknowledged.checkpoint.position == {"after_id": 3}
    acknowledged.answer(True)
    assert acknowledged.checkpoint == Checkpoint(
        position={"after_id": 8}, fetched=8, indexed=6, failed=2, duplicates=0, index="i"
    )
