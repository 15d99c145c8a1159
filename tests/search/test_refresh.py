"""Refresh: what the sync counts and what search serves is read only after the data was made visible.

A real Elasticsearch, unlike the stand-in, shows a document only after a refresh. Index
versions load with refresh off, so a count before :func:`seal` sees none of them; the
batch's counts come from after the refresh, and an alias only ever moves to a sealed version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from bigcommerce_sync import index_lifecycle
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.conftest import SIM_CATALOGS
from tests.dags.sync_runs import run_sync
from tests.search.support import DAG_ID, STORE, alias

EXPECTED = {
    Entity.PRODUCTS: SIM_CATALOGS[STORE]["products"],
    Entity.CATEGORIES: SIM_CATALOGS[STORE]["categories"],
    Entity.PAGES: SIM_CATALOGS[STORE]["pages"],
    Entity.BLOG_POSTS: SIM_CATALOGS[STORE]["blog_posts"],
}


@pytest.fixture(autouse=True)
def clean_search(sync_stack, sim) -> SearchHook:
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    return search


REAL_SEAL = index_lifecycle.seal


class SealWatch:
    """Stands in for :func:`seal` to look at each index version just before and after it is sealed."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}

    def __call__(self, hook: SearchHook, index: str) -> int:
        settings = hook.client.indices.get_settings(index=index, name="index.refresh_interval")
        before = {
            "count": hook.count(index),
            "refresh_interval": settings[index]["settings"]["index"]["refresh_interval"],
            "alias_targets": hook.alias_targets(index.rsplit("_v", 1)[0]),
        }
        count = REAL_SEAL(hook, index)
        self.seen[index] = {"before": before, "sealed_count": count, "after": hook.count(index)}
        return count


@pytest.fixture
def seal_watch() -> Iterator[SealWatch]:
    """Watch the seals of the import tasks and of the stop-words rebuild."""
    watch = SealWatch()
    with (
        mock.patch("bigcommerce_sync.operators.imports.seal", watch),
        mock.patch.object(index_lifecycle, "seal", watch),
    ):
        yield watch


def test_versions_are_counted_and_published_only_after_the_refresh(clean_search: SearchHook, seal_watch):
    first = run_sync(DAG_ID, {"sync_type": "all"})
    full = run_sync(DAG_ID, {"sync_type": "all"})
    rebuilt = run_sync(DAG_ID, {"sync_type": "stop_words"})

    assert (first.state, full.state, rebuilt.state) == ("success", "success", "success")
    for run in (full, rebuilt):  # loaded by the import path; copied by the stop-words rebuild
        for entity, expected in EXPECTED.items():
            index = f"{alias(entity)}_v{run.batch.id}"
            seen = seal_watch.seen[index]
            # Loading: refresh off, so the engine shows none of the documents already sent ...
            assert seen["before"]["refresh_interval"] == "-1", index
            assert seen["before"]["count"] == 0, (index, seen)
            # ... and the alias still serves the previous version.
            assert index not in seen["before"]["alias_targets"], (index, seen)
            # Sealed: every document visible at once; that is the count the batch records.
            assert seen["sealed_count"] == seen["after"] == expected, (index, seen)
    assert (full.batch.products_count, full.batch.categories_count) == (
        EXPECTED[Entity.PRODUCTS],
        EXPECTED[Entity.CATEGORIES],
    )
    assert (full.batch.pages_count, full.batch.blog_posts_count) == (
        EXPECTED[Entity.PAGES],
        EXPECTED[Entity.BLOG_POSTS],
    )
    for entity, expected in EXPECTED.items():
        live = f"{alias(entity)}_v{rebuilt.batch.id}"
        assert clean_search.alias_targets(alias(entity)) == [live]
        settings = clean_search.client.indices.get_settings(index=live, include_defaults=True)[live]
        assert settings["settings"]["index"].get("refresh_interval", "default") != "-1"
        assert clean_search.count(alias(entity)) == expected
