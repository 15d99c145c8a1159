"""The index lifecycle: versioned indexes behind one alias per store and entity.

A full sync builds ``bc_<store>_<entity>_v<batch>`` with loading settings, fills
it, seals it (serving settings, refresh), and only then publishes it by moving
the alias in one atomic call. The live index is never written by a full sync,
so a failed one leaves search exactly as it was. Retention keeps the live index
plus the newest ``keep_previous`` older versions for rollback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.index_definitions import index_body, serving_settings
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.search import SearchHook


class IndexLifecycleError(RuntimeError):
    """The indexes are not in a state this step can safely act on."""


def alias_name(store_hash: str, entity: Entity) -> str:
    return f"bc_{store_hash}_{entity}"


def version_name(store_hash: str, entity: Entity, batch_id: int) -> str:
    return f"{alias_name(store_hash, entity)}_v{batch_id}"


def version_of(index: str) -> int:
    """Return the batch id an index version was built by."""
    return int(index.rsplit("_v", 1)[1])


def create_version(
    hook: SearchHook, *, store_hash: str, entity: Entity, batch_id: int, analysis: dict[str, Any]
) -> str:
    """Create the batch's empty index version for ``entity`` and return its name.

    A leftover of an earlier attempt of the same batch is dropped first; a live
    index is never dropped.
    """
    name = version_name(store_hash, entity, batch_id)
    if name in hook.alias_targets(alias_name(store_hash, entity)):
        raise IndexLifecycleError(f"{name} is already live; a batch cannot rebuild its published index")
    hook.delete_indexes([name])
    hook.create_index(name, index_body(entity, analysis))
    return name


def seal(hook: SearchHook, index: str) -> int:
    """Restore serving settings after loading, refresh, and return the document count."""
    hook.put_settings(index, serving_settings(hook.serving_replicas))
    hook.refresh(index)
    return hook.count(index)


def publish(hook: SearchHook, versions: Mapping[str, str]) -> None:
    """Point each alias at its new version in one atomic call.

    :param versions: new index name by alias name.
    """
    actions: list[dict[str, Any]] = []
    for alias, index in versions.items():
        current = hook.alias_targets(alias)
        if not current and hook.index_exists(alias):
            raise IndexLifecycleError(f"{alias!r} is a concrete index, not an alias; rename or delete it")
        actions += [{"remove": {"index": old, "alias": alias, "must_exist": True}} for old in current]
        actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
    hook.update_aliases(actions)


def apply_retention(hook: SearchHook, *, store_hash: str, entity: Entity, keep_previous: int) -> list[str]:
    """Drop versions other than the live one and the ``keep_previous`` newest before it."""
    alias = alias_name(store_hash, entity)
    live = hook.alias_targets(alias)
    if not live:
        return []
    live_version = max(version_of(index) for index in live)
    others = [i for i in hook.indexes_matching(f"{alias}_v*") if i not in live]
    older = sorted((i for i in others if version_of(i) < live_version), key=version_of, reverse=True)
    doomed = [i for i in others if i not in older[:keep_previous]]
    hook.delete_indexes(doomed)
    return doomed


def discard_unpublished(
    hook: SearchHook, *, store_hash: str, batch_id: int, entities: Iterable[Entity]
) -> list[str]:
    """Drop the versions a failed batch built; the live aliases are left untouched."""
    doomed = [
        version_name(store_hash, entity, batch_id)
        for entity in entities
        if version_name(store_hash, entity, batch_id)
        not in hook.alias_targets(alias_name(store_hash, entity))
    ]
    hook.delete_indexes(doomed)
    return doomed


def rebuild_live(
    hook: SearchHook, *, store_hash: str, batch_id: int, analysis: dict[str, Any], keep_previous: int
) -> dict[Entity, int]:
    """Copy every live index of the store into a new version with new analysis, then publish.

    This is how analysis changes (stop words, inline synonyms) reach search
    without reading the store again and without downtime.
    """
    live = [entity for entity in Entity if hook.alias_targets(alias_name(store_hash, entity))]
    copies: dict[Entity, int] = {}
    versions: dict[str, str] = {}
    for entity in live:
        index = create_version(
            hook, store_hash=store_hash, entity=entity, batch_id=batch_id, analysis=analysis
        )
        hook.copy_documents(alias_name(store_hash, entity), index)
        copies[entity] = seal(hook, index)
        versions[alias_name(store_hash, entity)] = index
    publish(hook, versions)
    for entity in live:
        apply_retention(hook, store_hash=store_hash, entity=entity, keep_previous=keep_previous)
    return copies
