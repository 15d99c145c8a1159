"""Changes made to a store between syncs, kept as a small overlay over the generated catalog.

The generated catalog never changes. An overlay records, per kind of item, how many items
were created after it (they take the indexes, hence the IDs, right after the generated
ones), the changed fields of some items, and the deleted indexes. Overlays are immutable:
each change builds a new one, so a request reads one consistent snapshot while another
thread edits the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType

from .live_indexes import LiveIndexes

KINDS = ("products", "categories", "brands", "pages", "blog_posts")
ITEM_NAMES = {
    "products": "product",
    "categories": "category",
    "brands": "brand",
    "pages": "page",
    "blog_posts": "blog post",
}
EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True)
class ItemEdit:
    """How one item differs from what the catalog generates.

    :param fields: replaced top-level fields, as JSON values.
    :param variants: replaced variant fields by variant ID (products only).
    :param modified_at: Unix seconds of the last product change, or ``None`` for the generated date.
    :param created_at: Unix seconds of the creation of a product created through the admin API.
    """

    fields: Mapping[str, object] = field(default_factory=dict)
    variants: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    modified_at: int | None = None
    created_at: int | None = None

    def with_fields(self, changes: Mapping[str, object], modified_at: int | None = None) -> ItemEdit:
        """Return this edit with more fields replaced.

        :param changes: the new field values.
        :param modified_at: the new modification time, or ``None`` to keep the current one.
        """
        return replace(self, fields={**self.fields, **changes}, modified_at=modified_at or self.modified_at)

    def with_variant(self, variant_id: int, changes: Mapping[str, object]) -> ItemEdit:
        """Return this edit with more fields of one variant replaced (the product's date stays).

        :param variant_id: the variant's ID.
        :param changes: the new variant field values.
        """
        merged = {**self.variants.get(variant_id, EMPTY), **changes}
        return replace(self, variants={**self.variants, variant_id: merged})


NO_EDIT = ItemEdit()


@dataclass(frozen=True)
class KindEdits:
    """The overlay of one kind of item.

    :param generated: how many items the catalog generates (indexes ``0..generated-1``).
    :param created: how many items were created since (the next indexes).
    :param changes: the edits by index.
    :param deleted: the deleted indexes, sorted ascending.
    """

    generated: int
    created: int = 0
    changes: Mapping[int, ItemEdit] = field(default_factory=dict)
    deleted: tuple[int, ...] = ()

    @property
    def slots(self) -> int:
        """Return how many indexes were ever allocated (generated plus created)."""
        return self.generated + self.created

    def exists(self, index: int) -> bool:
        """Return whether item ``index`` exists (allocated and not deleted).

        :param index: a 0-based index.
        """
        return 0 <= index < self.slots and index not in self._deleted_set

    def live(self) -> LiveIndexes:
        """Return the existing indexes in ascending (ID) order."""
        return LiveIndexes(self.slots, self.deleted)

    def edit(self, index: int) -> ItemEdit:
        """Return the edit of item ``index`` (:data:`NO_EDIT` when unchanged).

        :param index: a 0-based index.
        """
        return self.changes.get(index, NO_EDIT)

    def with_created(self, edit: ItemEdit) -> KindEdits:
        """Return the overlay with one more item, at index :attr:`slots`.

        :param edit: the new item's fields on top of what the catalog generates for that index.
        """
        return replace(self, created=self.created + 1, changes={**self.changes, self.slots: edit})

    def with_edit(self, index: int, edit: ItemEdit) -> KindEdits:
        """Return the overlay with the edit of item ``index`` replaced.

        :param index: an existing index.
        :param edit: its new edit.
        """
        return replace(self, changes={**self.changes, index: edit})

    def with_deleted(self, indexes: set[int]) -> KindEdits:
        """Return the overlay with more items deleted (their edits are dropped).

        :param indexes: existing indexes.
        """
        changes = {index: edit for index, edit in self.changes.items() if index not in indexes}
        return replace(self, changes=changes, deleted=tuple(sorted({*self.deleted, *indexes})))

    @cached_property
    def _deleted_set(self) -> frozenset[int]:
        """Return the deleted indexes as a set."""
        return frozenset(self.deleted)


@dataclass(frozen=True, eq=False)
class CatalogEdits:
    """The overlays of every kind of one store; compared and hashed by identity (cache keys).

    :param products: product overlay.
    :param categories: category overlay.
    :param brands: brand overlay.
    :param pages: web page overlay.
    :param blog_posts: blog post overlay.
    """

    products: KindEdits
    categories: KindEdits
    brands: KindEdits
    pages: KindEdits
    blog_posts: KindEdits

    @classmethod
    def untouched(cls, counts: Mapping[str, int]) -> CatalogEdits:
        """Return the empty overlay of a catalog.

        :param counts: generated items per kind, as :meth:`.Catalog.counts` returns them.
        """
        return cls(**{kind: KindEdits(counts[kind]) for kind in KINDS})

    def of(self, kind: str) -> KindEdits:
        """Return the overlay of ``kind``.

        :param kind: one of :data:`KINDS`.
        """
        return getattr(self, kind)

    def with_kind(self, kind: str, edits: KindEdits) -> CatalogEdits:
        """Return a copy with the overlay of ``kind`` replaced.

        :param kind: one of :data:`KINDS`.
        :param edits: the new overlay.
        """
        return replace(self, **{kind: edits})
