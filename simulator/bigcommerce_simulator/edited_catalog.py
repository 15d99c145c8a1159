"""A store's catalog as it is now: the generated items seen through the admin overlay.

Every route renders from one :class:`EditedCatalog`, built from the overlay snapshot of
that request, so a response never mixes two states of the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from .catalog import Catalog
from .edits import CatalogEdits
from .ids import IdRange
from .live_indexes import LiveIndexes
from .products import ProductFacts

ID_RANGES = {
    "products": "product_ids",
    "categories": "category_ids",
    "brands": "brand_ids",
    "pages": "page_ids",
    "blog_posts": "blog_post_ids",
}


class EditedCatalog:
    """Renders and describes the existing items of one store.

    Items created through the admin API take the indexes after the generated ones; the
    catalog generates their defaults like any other item, and the overlay replaces fields.

    :param catalog: the generated catalog.
    :param edits: the overlay snapshot.
    """

    def __init__(self, catalog: Catalog, edits: CatalogEdits) -> None:
        self.catalog = catalog
        self.edits = edits

    # Any kind

    def ids(self, kind: str) -> IdRange:
        """Return the ID block of every allocated item of ``kind`` (deleted ones included).

        :param kind: one of :data:`.edits.KINDS`.
        """
        generated: IdRange = getattr(self.catalog, ID_RANGES[kind])
        return IdRange(generated.first_id, self.edits.of(kind).slots)

    def index_of(self, kind: str, item_id: int) -> int | None:
        """Return the index of the existing item with ``item_id``, or ``None``.

        :param kind: one of :data:`.edits.KINDS`.
        :param item_id: an API ID.
        """
        index = self.ids(kind).index_of(item_id)
        return index if index is not None and self.edits.of(kind).exists(index) else None

    def live(self, kind: str) -> LiveIndexes:
        """Return the indexes of the existing items of ``kind``, in ID order.

        :param kind: one of :data:`.edits.KINDS`.
        """
        return self.edits.of(kind).live()

    def render(self, kind: str, index: int) -> dict[str, object]:
        """Return an item in its main API shape (tree categories, v3 pages with body).

        :param kind: one of :data:`.edits.KINDS`.
        :param index: the item's index.
        """
        renderers = {
            "products": self.product,
            "categories": self.tree_category,
            "brands": self.brand,
            "pages": lambda page: self.page_v3(page, include_body=True),
            "blog_posts": self.blog_post,
        }
        return renderers[kind](index)

    def _fields(self, kind: str, index: int) -> Mapping[str, object]:
        """Return the replaced fields of an item.

        :param kind: one of :data:`.edits.KINDS`.
        :param index: the item's index.
        """
        return self.edits.of(kind).edit(index).fields

    # Products

    def product_facts(self, index: int) -> ProductFacts:
        """Return the dates and visibility that product filters read.

        :param index: the product's index.
        """
        facts = self.catalog.product_facts(index)
        edit = self.edits.products.edit(index)
        return ProductFacts(
            edit.created_at or facts.date_created,
            edit.modified_at or facts.date_modified,
            bool(edit.fields.get("is_visible", facts.is_visible)),
        )

    def product_name(self, index: int) -> str:
        """Return the name that ``sort=name`` reads.

        :param index: the product's index.
        """
        return str(self._fields("products", index).get("name") or self.catalog.product_header(index).name)

    def product(self, index: int, include: frozenset[str] | set[str] = frozenset()) -> dict[str, object]:
        """Return a product, without references to deleted categories or brands.

        :param index: the product's index.
        :param include: sub-resources to embed.
        """
        data = self.catalog.product(index, include, self.edits.products.edit(index))
        if self._deleted_category_ids:
            data["categories"] = [cid for cid in data["categories"] if cid not in self._deleted_category_ids]
        if data["brand_id"] in self._deleted_brand_ids:
            data["brand_id"] = 0
        return data

    def variant_count(self, index: int) -> int:
        """Return how many variants a product has (edits change variant fields, never their number).

        :param index: the product's index.
        """
        return self.catalog.variant_count(index)

    @cached_property
    def _deleted_category_ids(self) -> frozenset[int]:
        """Return the IDs of the deleted categories."""
        return frozenset(map(self.ids("categories").id_of, self.edits.categories.deleted))

    @cached_property
    def _deleted_brand_ids(self) -> frozenset[int]:
        """Return the IDs of the deleted brands."""
        return frozenset(map(self.ids("brands").id_of, self.edits.brands.deleted))

    # Categories

    def category_parent_index(self, index: int) -> int | None:
        """Return the index of a category's parent, or ``None`` for a root.

        :param index: the category's index.
        """
        fields = self._fields("categories", index)
        if "parent_id" not in fields:
            return self.catalog.category_parent(index)
        parent_id = int(fields["parent_id"])  # type: ignore[call-overload]
        return None if parent_id == 0 else self.ids("categories").index_of(parent_id)

    def category_parent_id(self, index: int) -> int:
        """Return a category's ``parent_id`` (0 for a root).

        :param index: the category's index.
        """
        parent = self.category_parent_index(index)
        return 0 if parent is None else self.ids("categories").id_of(parent)

    def category_is_visible(self, index: int) -> bool:
        """Return a category's visibility.

        :param index: the category's index.
        """
        return bool(
            self._fields("categories", index).get("is_visible", self.catalog.category_is_visible(index))
        )

    def tree_category(self, index: int) -> dict[str, object]:
        """Return a category as in ``GET /v3/catalog/trees/categories``.

        :param index: the category's index.
        """
        return _overlaid(self.catalog.tree_category(index), self._fields("categories", index))

    def legacy_category(self, index: int) -> dict[str, object]:
        """Return a category as in ``GET /v3/catalog/categories``; an edited ``url`` shows as ``custom_url``.

        :param index: the category's index.
        """
        fields = self._fields("categories", index)
        category = _overlaid(self.catalog.legacy_category(index), fields)
        url = fields.get("url")
        if isinstance(url, dict):
            category["custom_url"] = {"url": url.get("path"), "is_customized": url.get("is_customized")}
        return category

    # Brands, pages, blog posts

    def brand(self, index: int) -> dict[str, object]:
        """Return a brand as in ``GET /v3/catalog/brands``.

        :param index: the brand's index.
        """
        return _overlaid(self.catalog.brand(index), self._fields("brands", index))

    def page_v3(self, index: int, include_body: bool = False) -> dict[str, object]:
        """Return a page as in ``GET /v3/content/pages``.

        :param index: the page's index.
        :param include_body: add ``body`` (pages of type ``link`` have none).
        """
        return _overlaid(self.catalog.page_v3(index, include_body), self._fields("pages", index))

    def page_v2(self, index: int) -> dict[str, object]:
        """Return a page as in ``GET /v2/pages`` (where ``meta_keywords`` is never null).

        :param index: the page's index.
        """
        page = _overlaid(self.catalog.page_v2(index), self._fields("pages", index))
        page["meta_keywords"] = page["meta_keywords"] or ""
        return page

    def page_name(self, index: int) -> str:
        """Return a page's name.

        :param index: the page's index.
        """
        return str(self._fields("pages", index).get("name") or self.catalog.page_name(index))

    def page_parent_index(self, index: int) -> int | None:
        """Return the index of a page's parent, or ``None`` for a top-level page.

        :param index: the page's index.
        """
        parent_id = int(self.page_v3(index)["parent_id"])  # type: ignore[call-overload]
        return None if parent_id == 0 else self.ids("pages").index_of(parent_id)

    def blog_post(self, index: int) -> dict[str, object]:
        """Return a blog post as in ``GET /v2/blog/posts``.

        :param index: the post's index.
        """
        return _overlaid(self.catalog.blog_post(index), self._fields("blog_posts", index))


def _overlaid(generated: dict[str, object], fields: Mapping[str, object]) -> dict[str, object]:
    """Return ``generated`` with the edited fields it has replaced (other shapes' fields are skipped).

    :param generated: the item as the catalog generates it.
    :param fields: the edited fields.
    """
    item = dict(generated)
    for name, value in fields.items():
        if name in item:
            item[name] = value
    return item
