"""The store API endpoints: ``GET /stores/{store_hash}/v3/...`` and ``/v2/...``.

Each route declares the query parameters it understands. Pages v3 answers any other
parameter with 400, as BigCommerce documents; every other endpoint answers 501 so that a
client never silently receives unfiltered data for a filter the simulator lacks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .edited_catalog import EditedCatalog
from .pagination import page_window, v2_page, v3_collection
from .product_params import field_selector, product_includes, product_query
from .query import QueryParams
from .responses import ApiError, ApiFamily, Response, json_response
from .store_state import StoreState

OPTIONS_PAGE_CAP = 10
PAGING = frozenset({"page", "limit"})


@dataclass(frozen=True)
class ApiRequest:
    """A store API request after authentication.

    :param api_path: the path below ``/stores/{store_hash}``.
    :param query: the query parameters.
    :param path_args: the route pattern's captured groups.
    """

    api_path: str
    query: QueryParams
    path_args: tuple[str, ...]


Handler = Callable[[StoreState, ApiRequest], Response]


@dataclass(frozen=True)
class Route:
    """One GET endpoint.

    :param pattern: matches the whole path below the store prefix.
    :param handler: builds the response.
    :param params: the query parameters the endpoint understands.
    """

    pattern: re.Pattern[str]
    handler: Handler
    params: frozenset[str]


def handle(store: StoreState, method: str, api_path: str, query: QueryParams) -> Response:
    """Route a store API request to its endpoint.

    :param store: the addressed store.
    :param method: the HTTP method.
    :param api_path: the path below the store prefix.
    :param query: the query parameters.
    :raises ApiError: for unknown paths, other methods and unsupported parameters.
    """
    for route in ROUTES:
        match = route.pattern.fullmatch(api_path)
        if match is None:
            continue
        if method != "GET":
            raise ApiError(405, "Method Not Allowed", detail="The simulator only serves GET requests.")
        _check_params(api_path, query, route.params)
        return route.handler(store, ApiRequest(api_path, query, match.groups()))
    raise ApiError(404, "The requested resource was not found.")


def _check_params(api_path: str, query: QueryParams, allowed: frozenset[str]) -> None:
    """Reject query parameters the endpoint does not understand.

    :param api_path: the path below the store prefix.
    :param query: the query parameters.
    :param allowed: the endpoint's parameters.
    :raises ApiError: 400 on Pages v3, 501 elsewhere.
    """
    unknown = sorted(query.names() - allowed)
    if not unknown:
        return
    names = ", ".join(unknown)
    if ApiFamily.for_path(api_path) is ApiFamily.V3_PROBLEM:
        raise ApiError(400, "Input is invalid", detail=f"Unsupported query parameter(s): {names}")
    raise ApiError(501, "Not Implemented", detail=f"The simulator does not support the parameter(s): {names}")


# Products


def list_products(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/products``.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    include = product_includes(query)
    cap = OPTIONS_PAGE_CAP if include & {"options", "modifiers"} else None
    window = page_window(query, store.spec.limit_overflow, cap)
    indexes = store.products.select(view, product_query(query))
    shape = field_selector(query, include)
    return json_response(
        v3_collection(indexes, window, query, lambda index: shape(view.product(index, include)))
    )


def get_product(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/products/{product_id}``: 404 once the product is deleted.

    :param store: the addressed store.
    :param request: the request.
    """
    view = store.editor.view()
    index = view.index_of("products", int(request.path_args[0]))
    if index is None:
        raise ApiError(404, "The requested product was not found.")
    include = product_includes(request.query)
    shape = field_selector(request.query, include)
    return json_response({"data": shape(view.product(index, include)), "meta": {}})


# Categories and brands


def _filtered(indexes: Sequence[int], keep: Callable[[int], bool]) -> Sequence[int]:
    """Return the ``indexes`` that pass ``keep``.

    :param indexes: existing item indexes.
    :param keep: the filter.
    """
    return [index for index in indexes if keep(index)]


def _category_filter(
    view: EditedCatalog, ids: tuple[int, ...] | None, parents: tuple[int, ...] | None, visible: bool | None
) -> Callable[[int], bool]:
    """Return a predicate over category indexes for ID, parent and visibility filters.

    :param view: the store as this request sees it.
    :param ids: allowed category IDs, or ``None``.
    :param parents: allowed parent IDs (0 for roots), or ``None``.
    :param visible: required visibility, or ``None``.
    """
    category_ids = view.ids("categories")

    def keep(index: int) -> bool:
        if ids is not None and category_ids.id_of(index) not in ids:
            return False
        if parents is not None and view.category_parent_id(index) not in parents:
            return False
        return visible is None or view.category_is_visible(index) == visible

    return keep


def list_tree_categories(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/trees/categories``: every category belongs to tree 1.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    window = page_window(query, store.spec.limit_overflow)
    tree_ids = query.integers("tree_id:in")
    keep = _category_filter(
        view, query.integers("category_id:in"), query.integers("parent_id:in"), query.boolean("is_visible")
    )
    in_tree = tree_ids is None or 1 in tree_ids
    indexes = _filtered(view.live("categories"), keep) if in_tree else []
    return json_response(v3_collection(indexes, window, query, view.tree_category))


def list_legacy_categories(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/categories`` (deprecated, single storefront).

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    window = page_window(query, store.spec.limit_overflow)
    parent = query.integers("parent_id")
    keep = _category_filter(view, query.integers("id:in"), parent, query.boolean("is_visible"))
    indexes = _filtered(view.live("categories"), keep)
    return json_response(v3_collection(indexes, window, query, view.legacy_category))


def list_trees(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/trees``.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    ids = query.integers("id:in")
    trees = [tree for tree in store.category_trees() if ids is None or tree["id"] in ids]
    return json_response(
        v3_collection(
            range(len(trees)), page_window(query, store.spec.limit_overflow), query, trees.__getitem__
        )
    )


def list_brands(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/brands``.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    window = page_window(query, store.spec.limit_overflow)
    ids, name = query.integers("id:in"), query.get("name")
    brand_ids = view.ids("brands")

    def keep(index: int) -> bool:
        if ids is not None and brand_ids.id_of(index) not in ids:
            return False
        return name is None or view.brand(index)["name"] == name

    indexes = _filtered(view.live("brands"), keep)
    return json_response(v3_collection(indexes, window, query, view.brand))


# Content, channels, hooks


def list_pages_v3(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/content/pages``: ``body`` only with ``include=body``.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    window = page_window(query, store.spec.limit_overflow)
    include = set(query.csv("include"))
    if include - {"body"}:
        raise ApiError(422, "Input is invalid", errors={"include": "only 'body' may be included"})
    ids, channel = query.integers("id:in"), query.integer("channel_id", 1)
    name, name_like = query.get("name"), (query.get("name:like") or "").lower()
    page_ids = view.ids("pages")

    def keep(index: int) -> bool:
        if channel != 1 or (ids is not None and page_ids.id_of(index) not in ids):
            return False
        if name is not None and view.page_name(index) != name:
            return False
        if not name_like:
            return True
        page = view.page_v3(index, include_body=True)
        return name_like in f"{page['name']} {page.get('body', '')}".lower()

    indexes = _filtered(view.live("pages"), keep)
    return json_response(
        v3_collection(
            indexes, window, query, lambda index: view.page_v3(index, include_body="body" in include)
        )
    )


def list_channels(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/channels``.

    :param store: the addressed store.
    :param request: the request.
    """
    channels = store.channels()
    window = page_window(request.query, store.spec.limit_overflow)
    return json_response(v3_collection(range(len(channels)), window, request.query, channels.__getitem__))


def list_hooks(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/hooks``: the simulator has no webhooks.

    :param store: the addressed store.
    :param request: the request.
    """
    window = page_window(request.query, store.spec.limit_overflow)
    return json_response(v3_collection((), window, request.query, lambda index: {}))


# v2


def _published_posts(view: EditedCatalog, query: QueryParams) -> Sequence[int]:
    """Return post indexes newest (highest ID) first, optionally only (un)published ones.

    :param view: the store as this request sees it.
    :param query: the query parameters.
    """
    published = query.boolean("is_published")
    newest_first = view.live("blog_posts").reversed_order()
    if published is None:
        return newest_first
    return [index for index in newest_first if view.blog_post(index)["is_published"] == published]


def list_blog_posts(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/posts``: a bare array, 204 when the page is empty.

    :param store: the addressed store.
    :param request: the request.
    """
    view = store.editor.view()
    window = page_window(request.query, store.spec.limit_overflow)
    return v2_page(_published_posts(view, request.query), window, view.blog_post)


def count_blog_posts(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/posts/count``.

    :param store: the addressed store.
    :param request: the request.
    """
    return json_response({"count": len(_published_posts(store.editor.view(), request.query))})


def list_pages_v2(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/pages``: a bare array with bodies, 204 when the page is empty.

    :param store: the addressed store.
    :param request: the request.
    """
    view = store.editor.view()
    window = page_window(request.query, store.spec.limit_overflow)
    return v2_page(view.live("pages"), window, view.page_v2)


def get_store(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/store``.

    :param store: the addressed store.
    :param request: the request.
    """
    return json_response(store.store_information())


def get_time(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/time``.

    :param store: the addressed store.
    :param request: the request.
    """
    return json_response({"time": int(time.time())})


def _route(pattern: str, handler: Handler, *params: str) -> Route:
    """Build a route; every route also accepts nothing else but ``params``.

    :param pattern: regular expression for the whole path below the store prefix.
    :param handler: builds the response.
    :param params: accepted query parameters.
    """
    return Route(re.compile(pattern), handler, frozenset(params))


ROUTES = (
    _route(
        r"/v3/catalog/products",
        list_products,
        *PAGING,
        "include",
        "id:in",
        "date_modified:min",
        "date_modified:max",
        "is_visible",
        "sort",
        "direction",
        "include_fields",
        "exclude_fields",
    ),
    _route(r"/v3/catalog/products/(\d+)", get_product, "include", "include_fields", "exclude_fields"),
    _route(r"/v3/catalog/trees", list_trees, *PAGING, "id:in"),
    _route(
        r"/v3/catalog/trees/categories",
        list_tree_categories,
        *PAGING,
        "category_id:in",
        "tree_id:in",
        "parent_id:in",
        "is_visible",
    ),
    _route(r"/v3/catalog/categories", list_legacy_categories, *PAGING, "id:in", "parent_id", "is_visible"),
    _route(r"/v3/catalog/brands", list_brands, *PAGING, "id:in", "name"),
    _route(
        r"/v3/content/pages", list_pages_v3, *PAGING, "include", "id:in", "channel_id", "name", "name:like"
    ),
    _route(r"/v3/channels", list_channels, *PAGING),
    _route(r"/v3/hooks", list_hooks, *PAGING),
    _route(r"/v2/blog/posts", list_blog_posts, *PAGING, "is_published"),
    _route(r"/v2/blog/posts/count", count_blog_posts, "is_published"),
    _route(r"/v2/pages", list_pages_v2, *PAGING),
    _route(r"/v2/store", get_store),
    _route(r"/v2/time", get_time),
)
