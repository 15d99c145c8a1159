"""The index lifecycle against the search stand-in (osmem-server)."""

from __future__ import annotations

import pytest

from bigcommerce_sync import index_lifecycle as lifecycle
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.search.support import cluster_analysis


@pytest.fixture
def hook(search_url) -> SearchHook:
    hook = SearchHook()
    hook.delete_indexes(hook.indexes_matching("bc_lc*"))
    return hook


def build(hook: SearchHook, batch_id: int, docs: int) -> str:
    index = lifecycle.create_version(
        hook,
        store_hash="lc",
        entity=Entity.PAGES,
        batch_id=batch_id,
        analysis=cluster_analysis(store_hash="lc", stop_words=("the",)),
    )
    actions = [
        {"_index": index, "_id": str(i), "_source": {"id": i, "name": f"page {i}"}}
        for i in range(1, docs + 1)
    ]
    assert all(ok for ok, _ in hook.bulk(actions))
    assert lifecycle.seal(hook, index) == docs
    return index


def test_publish_swaps_the_alias_and_retention_keeps_one_previous(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    for batch_id in (1, 2, 3):
        lifecycle.publish(hook, {alias: build(hook, batch_id, docs=batch_id)})
        lifecycle.apply_retention(hook, store_hash="lc", entity=Entity.PAGES, keep_previous=1)

    assert hook.alias_targets(alias) == ["bc_lc_pages_v3"]
    assert hook.count(alias) == 3
    assert hook.indexes_matching("bc_lc_pages_v*") == ["bc_lc_pages_v2", "bc_lc_pages_v3"]


def test_unpublished_version_is_discarded_and_live_one_kept(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    lifecycle.publish(hook, {alias: build(hook, 10, docs=4)})
    build(hook, 11, docs=1)

    dropped = lifecycle.discard_unpublished(hook, store_hash="lc", batch_id=11)

    assert dropped == ["bc_lc_pages_v11"]
    assert hook.alias_targets(alias) == ["bc_lc_pages_v10"]
    assert hook.count(alias) == 4
    assert lifecycle.discard_unpublished(hook, store_hash="lc", batch_id=10) == []


def test_live_version_is_never_recreated(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    lifecycle.publish(hook, {alias: build(hook, 20, docs=2)})

    with pytest.raises(lifecycle.IndexLifecycleError, match="already live"):
        lifecycle.create_version(
            hook,
            store_hash="lc",
            entity=Entity.PAGES,
            batch_id=20,
            analysis=cluster_analysis(store_hash="lc", stop_words=("the",)),
        )
    assert hook.count(alias) == 2


def test_publish_refuses_a_concrete_index_in_the_alias_place(hook):
    hook.create_index("bc_lc_pages", {})
    try:
        with pytest.raises(lifecycle.IndexLifecycleError, match="concrete index"):
            lifecycle.publish(hook, {"bc_lc_pages": build(hook, 30, docs=1)})
    finally:
        hook.delete_indexes(["bc_lc_pages"])


def test_copy_live_copies_documents_into_a_sealed_version_and_leaves_the_alias(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    lifecycle.publish(hook, {alias: build(hook, 40, docs=5)})

    copied = lifecycle.copy_live(
        hook,
        store_hash="lc",
        entity=Entity.PAGES,
        batch_id=41,
        analysis=cluster_analysis(store_hash="lc", stop_words=("the",)),
    )

    assert copied == ("bc_lc_pages_v41", 5)
    assert hook.alias_targets(alias) == ["bc_lc_pages_v40"]  # only publish moves aliases


def test_discard_unpublished_finds_every_version_of_the_batch_by_name(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    lifecycle.publish(hook, {alias: build(hook, 50, docs=2)})
    build(hook, 51, docs=1)
    blog = lifecycle.create_version(
        hook,
        store_hash="lc",
        entity=Entity.BLOG_POSTS,
        batch_id=51,
        analysis=cluster_analysis(store_hash="lc"),
    )

    dropped = lifecycle.discard_unpublished(hook, store_hash="lc", batch_id=51)

    assert sorted(dropped) == sorted(["bc_lc_pages_v51", blog])
    assert hook.indexes_matching("bc_lc_*") == ["bc_lc_pages_v50"]


def test_retention_keeps_only_versions_that_were_once_live(hook):
    alias = lifecycle.alias_name("lc", Entity.PAGES)
    lifecycle.publish(hook, {alias: build(hook, 60, docs=3)})
    build(hook, 61, docs=0)  # a failed batch's leftover, never live
    lifecycle.publish(hook, {alias: build(hook, 62, docs=4)})

    dropped = lifecycle.apply_retention(hook, store_hash="lc", entity=Entity.PAGES, keep_previous=1)

    assert dropped == ["bc_lc_pages_v61"]
    assert hook.indexes_matching(f"{alias}_v*") == ["bc_lc_pages_v60", "bc_lc_pages_v62"]
    assert hook.alias_targets(lifecycle.once_live_alias(alias)) == ["bc_lc_pages_v60", "bc_lc_pages_v62"]
