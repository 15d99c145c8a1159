"""What the sync reads from BigCommerce for each entity, as streams of pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bigcommerce_sync import documents
from bigcommerce_sync.hooks.bigcommerce import Page
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

PRODUCT_INCLUDES = "variants,images,custom_fields,primary_image"
# Product ids per ``id:in`` request of a targeted sync (one page each: a short URL, 250 at most).
ID_CHUNK_SIZE = 50
Item = dict[str, Any]


@dataclass(frozen=True)
class EntityStream:
    """Pages of API items for one entity, and how each becomes a search document."""

    entity: Entity
    pages: Iterator[list[Item]]
    to_document: Callable[[Item], Item]
    item_key: str


def entity_stream(hook: BigCommerceHook, entity: Entity) -> EntityStream:
    """Return the stream of ``entity`` items of the hook's store."""
    return _STREAMS[entity](hook)


def product_stream_by_ids(hook: BigCommerceHook, product_ids: Sequence[int]) -> EntityStream:
    """Return the stream of the store's products among ``product_ids``, read with ``id:in`` in chunks.

    Ids the store does not have are simply not in the stream.
    """
    chunks = [product_ids[i : i + ID_CHUNK_SIZE] for i in range(0, len(product_ids), ID_CHUNK_SIZE)]
    pages = (
        page
        for chunk in chunks
        for page in hook.iter_v3_pages("catalog/products", _product_params({"id:in": _id_list(chunk)}))
    )
    return _product_stream(hook, pages)


def changed_product_stream(hook: BigCommerceHook, since: datetime) -> EntityStream:
    """Return the stream of the store's products modified at or after ``since`` (store time)."""
    changed = {"date_modified:min": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return _product_stream(hook, hook.iter_v3_pages("catalog/products", _product_params(changed)))


def _products(hook: BigCommerceHook) -> EntityStream:
    return _product_stream(hook, hook.iter_v3_pages("catalog/products", _product_params({})))


def _product_params(filters: dict[str, str]) -> dict[str, str]:
    return {**filters, "include": PRODUCT_INCLUDES, "sort": "id"}


def _id_list(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)


def _product_stream(hook: BigCommerceHook, pages: Iterator[list[Item]]) -> EntityStream:
    """Products become documents with their brand and category names, which are read first."""
    brands = {b["id"]: b["name"] for page in hook.iter_v3_pages("catalog/brands") for b in page}
    categories = _category_names(hook)
    return EntityStream(
        Entity.PRODUCTS, pages, lambda p: documents.product_document(p, brands, categories), "id"
    )


def _categories(hook: BigCommerceHook) -> EntityStream:
    """Categories are few (thousands), so the tree is read whole to give every one its path."""
    every = _tree_categories(hook)
    by_key = {(c.get("tree_id"), c.get("category_id")): c for c in every}

    def to_document(category: Item) -> Item:
        return documents.category_document(category, _path(category, by_key))

    return EntityStream(Entity.CATEGORIES, iter([every]), documents.fingerprinted(to_document), "category_id")


def _pages(hook: BigCommerceHook) -> EntityStream:
    pages = hook.iter_v3_pages("content/pages", {"include": "body"})
    return EntityStream(Entity.PAGES, pages, documents.fingerprinted(documents.page_document), "id")


def _blog_posts(hook: BigCommerceHook) -> EntityStream:
    return EntityStream(
        Entity.BLOG_POSTS,
        hook.iter_v2_pages("blog/posts"),
        documents.fingerprinted(documents.blog_post_document),
        "id",
    )


def _category_names(hook: BigCommerceHook) -> dict[int, str]:
    """Every category's name by id, read a whole tree per request (the flat list takes 250 a page)."""
    names: dict[int, str] = {}
    trees = [tree for page in hook.iter_v3_pages("catalog/trees") for tree in page]
    nodes = [node for tree in trees for node in hook.get_v3_data(f"catalog/trees/{tree['id']}/categories")]
    while nodes:
        node = nodes.pop()
        if isinstance(node, dict) and isinstance(node.get("id"), int):
            names[node["id"]] = str(node.get("name", ""))
            nodes.extend(node.get("children") or [])
    return names


def _tree_categories(hook: BigCommerceHook) -> Page:
    """Every category of every tree, as one page with the total the store reported."""
    every = Page([])
    for page in hook.iter_v3_pages("catalog/trees/categories"):
        every.extend(page)
        every.total = page.total
    return every


def _path(category: Item, by_key: dict[tuple[Any, Any], Item]) -> list[Item]:
    """Walk up the parents of ``category`` (guarding against cycles in bad data)."""
    path = [category]
    seen = {category.get("category_id")}
    parent = by_key.get((category.get("tree_id"), category.get("parent_id")))
    while parent is not None and parent.get("category_id") not in seen:
        path.append(parent)
        seen.add(parent.get("category_id"))
        parent = by_key.get((parent.get("tree_id"), parent.get("parent_id")))
    return path[::-1]


_STREAMS: dict[Entity, Callable[[BigCommerceHook], EntityStream]] = {
    Entity.PRODUCTS: _products,
    Entity.CATEGORIES: _categories,
    Entity.PAGES: _pages,
    Entity.BLOG_POSTS: _blog_posts,
}
