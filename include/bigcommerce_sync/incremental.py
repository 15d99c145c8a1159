"""The incremental import path: bring a live index up to date with the store, and no more.

Products changed since the watermark are read with ``date_modified:min`` and written.
Then deletions: when the live index holds more products than the store, every product
id is listed (a page of 250 ids per request) and the documents whose ids are gone
are deleted. Categories, web pages and blog posts cannot be filtered by change time
and are small: they are read whole and compared with the live index by content hash,
so only what changed is written and only what vanished is deleted.

Deleting is guarded: nothing is deleted unless the whole listing succeeded, and
nothing at all when the deletions would exceed the store's limit; the import then
fails, saying why. A failing or truncated listing can never empty search; a full
sync, which builds a new index, is how a large deletion reaches search.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.batches import EntityCounts
from bigcommerce_sync.documents import CONTENT_HASH
from bigcommerce_sync.extraction import changed_product_stream
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError
from bigcommerce_sync.importing import ImportSettings, delete_ids, import_entity, noting_keys
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from datetime import datetime

    from bigcommerce_sync.extraction import EntityStream
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.hooks.search import SearchHook

log = logging.getLogger(__name__)


class DeletionRefusedError(RuntimeError):
    """Deleting would exceed the store's limit or rest on an incomplete listing; nothing was deleted."""


class ListingFailedError(RuntimeError):
    """The listing of every id failed (maybe for a while only); nothing was deleted, and a retry may do."""


@dataclass(frozen=True)
class DeletionGuard:
    """How much an incremental sync may delete from a live index.

    :param max_ratio: the share of the index's documents that may go in one sync.
    :param allowance: deletions always allowed, whatever the share (small catalogs).
    """

    max_ratio: float
    allowance: int

    def check(self, entity: Entity, doomed: int, held: int, index: str) -> None:
        """Raise unless deleting ``doomed`` of the ``held`` documents of ``index`` is within the limit."""
        limit = max(self.allowance, int(self.max_ratio * held))
        if doomed > limit:
            raise DeletionRefusedError(
                f"{entity}: deleting {doomed} of the {held} documents in {index} "
                f"({doomed / max(held, 1):.1%}) exceeds the limit of {limit} "
                f"(max_deletion_ratio {self.max_ratio:.1%}, deletion_allowance {self.allowance}); "
                "nothing was deleted. If the store did lose them, a full sync rebuilds the index without them"
            )


def import_changed_products(
    store: BigCommerceHook,
    search: SearchHook,
    alias: str,
    since: datetime,
    *,
    guard: DeletionGuard,
    settings: ImportSettings,
) -> EntityCounts:
    """Write the products changed since ``since`` into the live index, then delete those the store lost.

    :param store: the store's hook.
    :param search: the search hook.
    :param alias: the live product alias.
    :param since: store time; products with a ``date_modified`` at or after it are read.
    :param guard: the deletion limit.
    :param settings: failures and their limit.
    """
    written = import_entity(
        search,
        alias,
        changed_product_stream(store, since),
        **settings.import_kwargs(),
    )
    search.refresh(alias)
    deleted, failed = _delete_lost_products(store, search, alias, guard, settings)
    log.info(
        "products: %d changed since %s written to %s, %d deleted", written.indexed, since, alias, deleted
    )
    return EntityCounts(written.fetched, written.indexed, deleted, written.failed + failed)


def _delete_lost_products(
    store: BigCommerceHook, search: SearchHook, alias: str, guard: DeletionGuard, settings: ImportSettings
) -> tuple[int, int]:
    """Delete the documents of products the store no longer lists; return (deleted, failed).

    The listing of every id runs only when the index holds more products than the store:
    it costs a request per 250 products, the price of a full read.
    """
    in_store = store.count("catalog/products")
    held = search.count(alias)
    if held <= in_store:
        log.info(
            "products: %s holds %d documents, the store %d products: nothing to delete", alias, held, in_store
        )
        return 0, 0
    # Refused on the counts alone, before a request is spent on the listing.
    guard.check(Entity.PRODUCTS, held - in_store, held, alias)
    listed = _every_product_id(store)
    doomed = sorted(set(search.field_by_id(alias)) - listed)
    guard.check(Entity.PRODUCTS, len(doomed), held, alias)
    result = delete_ids(search, alias, doomed, entity=Entity.PRODUCTS, **settings.as_kwargs())
    search.refresh(alias)
    return result.deleted, result.failed


def _every_product_id(store: BigCommerceHook) -> set[str]:
    """List every product id of the store, or raise saying the listing failed and nothing was deleted."""
    listed: set[str] = set()
    try:
        for page in store.iter_v3_ids("catalog/products"):
            listed.update(str(i) for i in page)
    except BigCommerceError as error:
        raise ListingFailedError(
            f"products: listing every product id failed after {len(listed)} ids, "
            f"so nothing was deleted: {error}"
        ) from error
    return listed


def import_changed_content(
    search: SearchHook, alias: str, stream: EntityStream, *, guard: DeletionGuard, settings: ImportSettings
) -> EntityCounts:
    """Write the documents of ``stream`` whose content differs from the live index's; delete those it lacks.

    :param search: the search hook.
    :param alias: the entity's live alias.
    :param stream: every item of the entity, with fingerprinted documents.
    :param guard: the deletion limit.
    :param settings: failures and their limit.
    """
    live = search.field_by_id(alias, CONTENT_HASH)
    seen: set[Any] = set()  # every item the store listed, even one whose document could not be built

    def changed(document: dict[str, Any]) -> bool:
        return live.get(str(document["id"])) != document[CONTENT_HASH]

    listing = replace(stream, pages=noting_keys(stream.pages, stream.item_key, seen))
    written = import_entity(
        search,
        alias,
        listing,
        write_if=changed,
        **settings.import_kwargs(),
    )
    if written.listed is not None and written.fetched < written.listed:
        raise DeletionRefusedError(
            f"{stream.entity}: the listing held {written.fetched} of the {written.listed} items the store "
            f"reported; nothing was deleted from {alias}"
        )
    doomed = sorted(set(live) - {str(key) for key in seen})
    guard.check(stream.entity, len(doomed), len(live), alias)
    removed = delete_ids(search, alias, doomed, entity=stream.entity, **settings.as_kwargs())
    search.refresh(alias)
    log.info(
        "%s: %d read, %d changed or new written to %s, %d unchanged, %d deleted",
        stream.entity,
        written.fetched,
        written.indexed,
        alias,
        written.unchanged,
        removed.deleted,
    )
    return EntityCounts(written.fetched, written.indexed, removed.deleted, written.failed + removed.failed)
