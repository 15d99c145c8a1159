"""What the sync reads from BigCommerce for each entity, as streams of pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bigcommerce_sync import documents
from bigcommerce_sync.hooks.bigcommerce import Page
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from bigcommerce_sync.batches import Checkpoint
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

log = logging.getLogger(__name__)

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


def entity_stream(hook: BigCommerceHook, entity: Entity, start: Checkpoint | None = None) -> EntityStream:
    """Return the stream of ``entity`` items of the hook's store, after ``start``'s position if given.

    Each page carries the ``position`` an import holding it (and those before) can resume
    from: products are read in id order and resume with ``id:greater`` (keyset: products
    created or deleted meanwhile shift nothing); web pages and blog posts, whose lists take no id
    bound (Pages v3 documents only ``id:in``; v2 blog posts none), resume at the next page number;
    categories are read whole (one page, no position: an unfinished read starts over).
    """
    return _STREAMS[entity](hook, start)


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


def _products(hook: BigCommerceHook, start: Checkpoint | None = None) -> EntityStream:
    """Every product in id order; after a checkpoint, those with a greater id.

    A resumed read's pages count the products before the checkpoint in their ``total``, which
    the store gives for what is left, so progress is that of the whole entity.
    """
    after = _position(start).get("after_id")
    bound = {} if after is None else {"id:greater": str(after)}
    pages = hook.iter_v3_pages("catalog/products", _product_params(bound))
    already = start.fetched if after is not None and start is not None else 0
    return _product_stream(hook, _positioned(pages, _after_last_id, already))


def _position(start: Checkpoint | None) -> Mapping[str, int]:
    return (start.position if start is not None else None) or {}


def _next_page(start: Checkpoint | None) -> int:
    """The page a read by page number resumes at."""
    return int(_position(start).get("page", 0)) + 1


def _after_last_id(page: Page) -> dict[str, int] | None:
    ids = [item["id"] for item in page if isinstance(item, dict) and isinstance(item.get("id"), int)]
    return {"after_id": max(ids)} if ids else None


def _after_page(page: Page) -> dict[str, int] | None:
    return None if page.number is None else {"page": page.number}


def _positioned(
    pages: Iterator[Page], position: Callable[[Page], dict[str, int] | None], already: int = 0
) -> Iterator[Page]:
    """Give each page the position a read resumed after it would start at.

    :param already: items read before this read began (a resumed keyset read), added to the totals.
    """
    for page in pages:
        page.position = position(page)
        if already and page.total is not None:
            page.total += already
        yield page


def _product_params(filters: dict[str, str]) -> dict[str, str]:
    return {**filters, "include": PRODUCT_INCLUDES, "sort": "id"}


def _id_list(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)


def _product_stream(hook: BigCommerceHook, pages: Iterator[list[Item]]) -> EntityStream:
    """Products become documents with their brand and category names, which are read first."""
    brands = _brand_names(hook.iter_v3_pages("catalog/brands"))
    categories = _category_names(hook)
    return EntityStream(
        Entity.PRODUCTS, pages, lambda p: documents.product_document(p, brands, categories), "id"
    )


def _categories(hook: BigCommerceHook, start: Checkpoint | None = None) -> EntityStream:
    """Categories are few (thousands), so the tree is read whole to give every one its path."""
    every = _tree_categories(hook)
    by_key = {key: c for c in every if (key := _tree_key(c, "category_id")) is not None}

    def to_document(category: Item) -> Item:
        return documents.category_document(category, _path(category, by_key))

    return EntityStream(Entity.CATEGORIES, iter([every]), documents.fingerprinted(to_document), "category_id")


def _pages(hook: BigCommerceHook, start: Checkpoint | None = None) -> EntityStream:
    pages = hook.iter_v3_pages("content/pages", {"include": "body"}, first_page=_next_page(start))
    return EntityStream(
        Entity.PAGES, _positioned(pages, _after_page), documents.fingerprinted(documents.page_document), "id"
    )


def _blog_posts(hook: BigCommerceHook, start: Checkpoint | None = None) -> EntityStream:
    return EntityStream(
        Entity.BLOG_POSTS,
        _positioned(hook.iter_v2_pages("blog/posts", first_page=_next_page(start)), _after_page),
        documents.fingerprinted(documents.blog_post_document),
        "id",
    )


def _category_names(hook: BigCommerceHook) -> dict[int, str]:
    """Every category's name by id, read a whole tree per request (the flat list takes 250 a page)."""
    names: dict[int, str] = {}
    trees = [tree for page in hook.iter_v3_pages("catalog/trees") for tree in page if _has_int_id(tree)]
    nodes = [node for tree in trees for node in hook.get_v3_data(f"catalog/trees/{tree['id']}/categories")]
    while nodes:
        node = nodes.pop()
        if _has_int_id(node):
            names[node["id"]] = str(node.get("name", ""))
            children = node.get("children")
            nodes.extend(children if isinstance(children, list) else [])
    return names


def _brand_names(pages: Iterator[list[Any]]) -> dict[int, str]:
    """Brand names by id; a malformed brand is left out (its products get no brand name), not fatal."""
    brands = [brand for page in pages for brand in page]
    names = {b["id"]: b["name"] for b in brands if _has_int_id(b) and isinstance(b.get("name"), str)}
    if len(names) < len(brands):
        log.warning("%d brands with no integer id or no name were left out", len(brands) - len(names))
    return names


def _has_int_id(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), int) and not isinstance(item["id"], bool)


def _tree_key(category: Any, id_field: str) -> tuple[Any, Any] | None:
    """``(tree_id, <id_field>)`` of a category, or ``None`` when it is no object or the ids are junk."""
    if not isinstance(category, dict):
        return None
    key = (category.get("tree_id"), category.get(id_field))
    return key if all(part is None or isinstance(part, int | str) for part in key) else None


def _tree_categories(hook: BigCommerceHook) -> Page:
    """Every category of every tree, as one page with the total the store reported."""
    every = Page([])
    for page in hook.iter_v3_pages("catalog/trees/categories"):
        every.extend(page)
        every.total = page.total
    return every


def _path(category: Item, by_key: dict[tuple[Any, Any], Item]) -> list[Item]:
    """Walk up the parents of ``category`` (guarding against cycles and junk ids in bad data)."""
    path = [category]
    seen = {_tree_key(category, "category_id")}
    parent = by_key.get(_tree_key(category, "parent_id"))
    while parent is not None and _tree_key(parent, "category_id") not in seen:
        path.append(parent)
        seen.add(_tree_key(parent, "category_id"))
        parent = by_key.get(_tree_key(parent, "parent_id"))
    return path[::-1]


_STREAMS: dict[Entity, Callable[[BigCommerceHook, Checkpoint | None], EntityStream]] = {
    Entity.PRODUCTS: _products,
    Entity.CATEGORIES: _categories,
    Entity.PAGES: _pages,
    Entity.BLOG_POSTS: _blog_posts,
}
