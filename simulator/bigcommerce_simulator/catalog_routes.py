"""Brands, legacy categories, category trees and tree categories (``/v3/catalog/...``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api_request import ApiRequest
from .edited_catalog import EditedCatalog
from .filters import BOOL, INT, TEXT, custom, integer_list, ops, ranged
from .listing import Item, ListSpec, find, v3_list, v3_single
from .responses import ApiError, Response, json_response
from .store_state import StoreState


def _category_keyword(item: Mapping[str, Any], word: str) -> bool:
    """Categories have no SKU or brand: the keyword is looked for in name, description and search keywords.

    :param item: a category.
    :param word: the keyword.
    """
    fields = (item.get("name"), item.get("description"), item.get("search_keywords"))
    return any(word.lower() in str(text or "").lower() for text in fields)


def _in_any_channel(item: Mapping[str, Any], channel_ids: tuple[int, ...]) -> bool:
    return bool(set(item.get("channels") or ()) & set(channel_ids))


BRAND_LIST = ListSpec(
    {**ranged("id"), **ops("name", TEXT, "", "like"), **ops("page_title", TEXT, "")},
    sorts={"name": "name"},
    direction=True,
)
LEGACY_CATEGORY_LIST = ListSpec(
    {
        **ranged("id"),
        **ops("name", TEXT, "", "like"),
        **ops("parent_id", INT, "", "in", "min", "max", "greater", "less"),
        **ops("page_title", TEXT, "", "like"),
        "keyword": custom(_category_keyword),
        **ops("is_visible", BOOL, ""),
    },
    sorts={name: name for name in ("name", "id", "parent_id", "sort_order")},
)
TREE_CATEGORY_LIST = ListSpec(
    {
        **ops("category_uuid", TEXT, "in", "not_in"),
        **ops("category_id", INT, "in", "not_in"),
        **ops("tree_id", INT, "in", "not_in"),
        **ops("parent_id", INT, "in", "not_in"),
        **ops("page_title", TEXT, "", "like"),
        **ops("name", TEXT, "", "like"),
        "keyword": custom(_category_keyword),
        **ops("is_visible", BOOL, ""),
    },
    id_key="category_id",
)
TREE_LIST = ListSpec(
    {
        **ops("id", INT, "in"),
        "channel_id:in": custom(_in_any_channel, integer_list, "channels"),
    },
    field_selection=False,
    paging=False,
)
BY_ID = ListSpec()


def _all(view: EditedCatalog, kind: str, render: Any) -> list[Item]:
    return [render(index) for index in view.live(kind)]


def list_brands(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/brands``."""
    view = store.editor.view()
    brands = _all(view, "brands", view.brand)
    return json_response(v3_list(brands, request.query, BRAND_LIST, store.spec.limit_overflow))


def get_brand(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/brands/{brand_id}``."""
    view = store.editor.view()
    index = view.index_of("brands", request.arg(0))
    brand = None if index is None else view.brand(index)
    return json_response(v3_single(brand, request.query, BY_ID, "The requested brand was not found."))


def list_legacy_categories(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/categories`` (deprecated, single storefront)."""
    view = store.editor.view()
    categories = _all(view, "categories", view.legacy_category)
    return json_response(v3_list(categories, request.query, LEGACY_CATEGORY_LIST, store.spec.limit_overflow))


def get_legacy_category(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/categories/{category_id}``."""
    view = store.editor.view()
    index = view.index_of("categories", request.arg(0))
    category = None if index is None else view.legacy_category(index)
    return json_response(v3_single(category, request.query, BY_ID, "The requested category was not found."))


def list_trees(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/trees``: one tree (ID 1) on channel 1."""
    return json_response(v3_list(store.category_trees(), request.query, TREE_LIST, store.spec.limit_overflow))


def list_tree_categories(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/trees/categories``: every category belongs to tree 1."""
    view = store.editor.view()
    categories = _all(view, "categories", view.tree_category)
    return json_response(v3_list(categories, request.query, TREE_CATEGORY_LIST, store.spec.limit_overflow))


def get_category_tree(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/trees/{tree_id}/categories``: the nested tree, cut at ``depth``."""
    if find(store.category_trees(), request.arg(0)) is None:
        raise ApiError(404, "The requested category tree was not found.")
    max_depth = request.query.integer("depth", 0) or None
    view = store.editor.view()
    children: dict[int, list[Item]] = {}
    for category in _all(view, "categories", view.tree_category):
        children.setdefault(int(category["parent_id"]), []).append(category)

    def nodes(parent_id: int, path: list[int]) -> list[Item]:
        depth = len(path) + 1
        if max_depth is not None and depth > max_depth:
            return []
        siblings = sorted(children.get(parent_id, []), key=lambda c: (c["sort_order"], c["category_id"]))
        return [
            {
                "id": c["category_id"],
                "parent_id": parent_id,
                "depth": depth,
                "path": path,
                "name": c["name"],
                "is_visible": c["is_visible"],
                "url": c["url"]["path"],
                "children": nodes(int(c["category_id"]), [*path, int(c["category_id"])]),
            }
            for c in siblings
        ]

    return json_response({"data": nodes(0, []), "meta": {}})
