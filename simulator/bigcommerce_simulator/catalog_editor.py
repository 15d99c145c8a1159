"""Changing a store between syncs: create, update and delete items through the admin API.

As in BigCommerce, a product change moves the product's ``date_modified`` to now, and a
variant change does not; created items get IDs above every ID ever used; deleting a
category deletes its subcategories, and deleting a page either deletes its subpages
(``delete_children``) or lifts them to the top level as hidden pages.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping

from .catalog import Catalog
from .dates import iso_compact_offset, php_date_object
from .edit_rules import EditError, ancestors, check_fields, check_references, parent_function
from .edited_catalog import EditedCatalog
from .edits import ITEM_NAMES, CatalogEdits, ItemEdit, KindEdits

NON_SLUG = re.compile(r"[^a-z0-9]+")


class CatalogEditor:
    """The admin overlay of one store, changed under a lock and read as immutable snapshots.

    :param catalog: the store's generated catalog.
    :param clock: the source of "now" in Unix seconds.
    """

    def __init__(self, catalog: Catalog, clock: Callable[[], float] = time.time) -> None:
        self._catalog = catalog
        self._clock = clock
        self._lock = threading.Lock()
        self._edits = CatalogEdits.untouched(catalog.counts())

    def view(self) -> EditedCatalog:
        """Return the store as it is now (a consistent snapshot)."""
        return EditedCatalog(self._catalog, self._edits)

    def reset(self) -> None:
        """Drop every change: the store serves its generated catalog again."""
        with self._lock:
            self._edits = CatalogEdits.untouched(self._catalog.counts())

    def create(self, kind: str, overrides: object) -> dict[str, object]:
        """Create an item with the next free ID and return it.

        :param kind: one of :data:`.edits.KINDS`.
        :param overrides: field values replacing the generated defaults.
        :raises EditError: 400 for invalid fields.
        """
        with self._lock:
            view = self.view()
            index = self._edits.of(kind).slots
            now = int(self._clock())
            template = view.render(kind, index)
            checked = check_fields(kind, template, overrides)
            fields = {**_creation_defaults(kind, {**template, **checked}, now), **checked}
            check_references(view, kind, index, fields)
            stamp = now if kind == "products" else None
            edit = ItemEdit(fields=fields, modified_at=stamp, created_at=stamp)
            self._commit(kind, self._edits.of(kind).with_created(edit))
            return self.view().render(kind, index)

    def update(self, kind: str, item_id: int, changes: object) -> dict[str, object]:
        """Change fields of an existing item and return it; a product's ``date_modified`` becomes now.

        :param kind: one of :data:`.edits.KINDS`.
        :param item_id: the item's ID.
        :param changes: the new field values.
        :raises EditError: 404 for an unknown item, 400 for invalid fields.
        """
        with self._lock:
            view = self.view()
            index = _existing(view, kind, item_id)
            checked = check_fields(kind, view.render(kind, index), changes)
            check_references(view, kind, index, checked)
            stamp = int(self._clock()) if kind == "products" else None
            edit = self._edits.of(kind).edit(index).with_fields(checked, stamp)
            self._commit(kind, self._edits.of(kind).with_edit(index, edit))
            return self.view().render(kind, index)

    def update_variant(self, product_id: int, variant_id: int, changes: object) -> dict[str, object]:
        """Change fields of one variant and return it; the product's ``date_modified`` stays.

        :param product_id: the product's ID.
        :param variant_id: the variant's ID.
        :param changes: the new variant field values.
        :raises EditError: 404 for an unknown product or variant, 400 for invalid fields.
        """
        with self._lock:
            view = self.view()
            index = _existing(view, "products", product_id)
            checked = check_fields("variants", _variant(view, index, variant_id), changes)
            edit = self._edits.products.edit(index).with_variant(variant_id, checked)
            self._commit("products", self._edits.products.with_edit(index, edit))
            return _variant(self.view(), index, variant_id)

    def delete(self, kind: str, item_id: int, delete_children: bool = False) -> list[int]:
        """Delete an item and return the IDs of every item deleted with it.

        :param kind: one of :data:`.edits.KINDS`.
        :param item_id: the item's ID.
        :param delete_children: for pages, delete the subpages too instead of lifting them.
        :raises EditError: 404 for an unknown item.
        """
        with self._lock:
            view = self.view()
            index = _existing(view, kind, item_id)
            doomed = {index}
            if kind == "categories" or (kind == "pages" and delete_children):
                doomed |= _descendants(view, kind, index)
            kind_edits = self._edits.of(kind)
            if kind == "pages" and not delete_children:
                for child in _children(view, index):
                    lifted = kind_edits.edit(child).with_fields({"parent_id": 0, "is_visible": False})
                    kind_edits = kind_edits.with_edit(child, lifted)
            self._commit(kind, kind_edits.with_deleted(doomed))
            return sorted(map(view.ids(kind).id_of, doomed))

    def _commit(self, kind: str, kind_edits: KindEdits) -> None:
        """Publish a new snapshot with one kind's overlay replaced (call with the lock held).

        :param kind: one of :data:`.edits.KINDS`.
        :param kind_edits: the new overlay of that kind.
        """
        self._edits = self._edits.with_kind(kind, kind_edits)


def _existing(view: EditedCatalog, kind: str, item_id: int) -> int:
    """Return the index of an existing item.

    :param view: the store now.
    :param kind: one of :data:`.edits.KINDS`.
    :param item_id: the item's ID.
    :raises EditError: 404 when it does not exist (or was deleted).
    """
    index = view.index_of(kind, item_id)
    if index is None:
        raise EditError(404, f"no {ITEM_NAMES[kind]} has ID {item_id}")
    return index


def _variant(view: EditedCatalog, index: int, variant_id: int) -> dict[str, object]:
    """Return one variant of a product.

    :param view: the store now.
    :param index: the product's index.
    :param variant_id: the variant's ID.
    :raises EditError: 404 when the product has no such variant.
    """
    variants = view.product(index, {"variants"})["variants"]
    for variant in variants:  # type: ignore[attr-defined]
        if variant["id"] == variant_id:
            return variant
    raise EditError(404, f"the product has no variant with ID {variant_id}")


def _creation_defaults(kind: str, item: Mapping[str, object], now: int) -> Mapping[str, object]:
    """Return the fields a new item gets on top of what the catalog generates for its index.

    New categories and pages start at the top level; categories get a URL from their name;
    blog posts are published now.

    :param kind: one of :data:`.edits.KINDS`.
    :param item: the new item as generated, with the caller's overrides.
    :param now: Unix seconds.
    """
    if kind == "categories":
        slug = NON_SLUG.sub("-", str(item["name"]).lower()).strip("-")
        return {"parent_id": 0, "url": {"path": f"/{slug}/", "is_customized": False}}
    if kind == "pages":
        return {"parent_id": 0}
    if kind == "blog_posts":
        return {
            "is_published": True,
            "published_date": php_date_object(now),
            "published_date_iso8601": iso_compact_offset(now),
        }
    return {}


def _children(view: EditedCatalog, index: int) -> list[int]:
    """Return the existing pages directly below page ``index``.

    :param view: the store now.
    :param index: the parent page's index.
    """
    return [page for page in view.live("pages") if view.page_parent_index(page) == index]


def _descendants(view: EditedCatalog, kind: str, index: int) -> set[int]:
    """Return the existing items anywhere below item ``index``.

    :param view: the store now.
    :param kind: ``categories`` or ``pages``.
    :param index: the root item's index.
    """
    parent_of = parent_function(view, kind)
    return {item for item in view.live(kind) if index in ancestors(item, parent_of)}
