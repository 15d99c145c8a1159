"""The index lifecycle: versioned indexes behind one alias per store and entity.

A full sync builds ``bc_<store>_<entity>_v<batch>`` with loading settings, fills
it, seals it (serving settings, refresh), and only then publishes it by moving
the alias in one atomic call. The live index is never written by a full sync,
so a failed one leaves search exactly as it was. :func:`publish` is the one place
that moves aliases. Retention keeps the live index plus the newest ``keep_previous``
older versions that once served search, for rollback.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def once_live_alias(alias: str) -> str:
    """The hidden alias that marks every version ``alias`` ever served."""
    return f"{alias}_once_live"


def publish(hook: SearchHook, versions: Mapping[str, str]) -> None:
    """Point each alias at its new version in one atomic call, marking the version once live.

    The mark (a hidden alias on the new and the outgoing version) goes in the same
    ``_aliases`` call as the swap, so a version is marked exactly when it serves
    search; retention keeps only marked versions for rollback.

    :param versions: new index name by alias name.
    """
    actions: list[dict[str, Any]] = []
    for alias, index in versions.items():
        current = hook.alias_targets(alias)
        if not current and hook.index_exists(alias):
            raise IndexLifecycleError(f"{alias!r} is a concrete index, not an alias; rename or delete it")
        actions += [{"remove": {"index": old, "alias": alias, "must_exist": True}} for old in current]
        actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
        marker = once_live_alias(alias)
        actions += [{"add": {"index": i, "alias": marker, "is_hidden": True}} for i in [*current, index]]
    hook.update_aliases(actions)


def apply_retention(hook: SearchHook, *, store_hash: str, entity: Entity, keep_previous: int) -> list[str]:
    """Drop versions other than the live one and the ``keep_previous`` newest once-live ones before it.

    A version that never served search (a failed batch's leftover) is never kept for rollback.
    """
    return retain_versions(hook, alias=alias_name(store_hash, entity), keep_previous=keep_previous)


def retain_versions(hook: SearchHook, *, alias: str, keep_previous: int) -> list[str]:
    """Drop versions ``<alias>_v<n>`` but the live one and the ``keep_previous`` newest once-live ones.

    :return: the versions dropped.
    """
    live = hook.alias_targets(alias)
    if not live:
        return []
    live_version = max(version_of(index) for index in live)
    once_live = hook.alias_targets(once_live_alias(alias))
    older = sorted(
        (i for i in once_live if i not in live and version_of(i) < live_version), key=version_of, reverse=True
    )
    kept = {*live, *older[:keep_previous]}
    doomed = [i for i in hook.indexes_matching(f"{alias}_v*") if i not in kept]
    hook.delete_indexes(doomed)
    return doomed


def discard_unpublished(hook: SearchHook, *, store_hash: str, batch_id: int) -> list[str]:
    """Drop every version the batch built that does not serve search, whatever the sync type.

    The versions are found by name (``bc_<store>_*_v<batch>``), not by what the
    sync type should have built, so a half-done rebuild leaves nothing behind.
    """
    aliases = {alias_name(store_hash, entity) for entity in Entity}
    live = {index for alias in aliases for index in hook.alias_targets(alias)}
    built = hook.indexes_matching(f"bc_{store_hash}_*_v{batch_id}")
    # Only entity versions: other versioned indexes of the store (its searchable values) number their own.
    doomed = [index for index in built if index not in live and index.rsplit("_v", 1)[0] in aliases]
    hook.delete_indexes(doomed)
    return doomed


def live_alias(hook: SearchHook, *, store_hash: str, entity: Entity) -> str:
    """Return the alias of ``entity``, which must serve an index: syncs that write live go through it.

    Writing through an alias that does not exist would create a concrete index of that name.

    :raises IndexLifecycleError: no index is live yet.
    """
    alias = alias_name(store_hash, entity)
    if not hook.alias_targets(alias):
        raise IndexLifecycleError(
            f"{alias} serves no index yet: incremental and targeted syncs update the live {entity} "
            f"index, so a full sync of {entity} must run first"
        )
    return alias


def live_entities(hook: SearchHook, store_hash: str) -> list[Entity]:
    """Return the entities whose alias serves an index for the store."""
    return [entity for entity in Entity if hook.alias_targets(alias_name(store_hash, entity))]


def copy_live(
    hook: SearchHook, *, store_hash: str, entity: Entity, batch_id: int, analysis: dict[str, Any]
) -> tuple[str, int]:
    """Copy the live index of ``entity`` into a new, sealed version with ``analysis``.

    This is how analysis changes (stop words, inline synonyms) reach search without
    reading the store again; publishing the copy is left to :func:`publish`.

    :return: the new version's name and its document count.
    """
    index = create_version(hook, store_hash=store_hash, entity=entity, batch_id=batch_id, analysis=analysis)
    hook.copy_documents(alias_name(store_hash, entity), index)
    return index, seal(hook, index)
