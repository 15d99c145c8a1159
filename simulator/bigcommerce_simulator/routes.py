"""The store API endpoints: ``/stores/{store_hash}/v3/...`` and ``/v2/...``, as one routing table.

Each route names its method, path, handler and the query parameters the official OpenAPI
file documents for it (the tests compare the two). How parameters are treated:

- A documented parameter is honoured: filters, sorts and directions, ``include``,
  ``include_fields``/``exclude_fields`` and paging (see :mod:`.filters` and :mod:`.listing`).
  A documented parameter with a value of the wrong type, or outside its documented enum
  (``sort``, ``direction``, ``include``, ``condition`` ...), is a 422.
- **Unknown parameters.** Pages v3 answers them with 400, as its file documents. Every other
  endpoint ignores them and serves the unfiltered data, as BigCommerce's catalog, channels,
  sites, hooks and v2 endpoints do (their files document no error for them, and clients in
  the wild send extra parameters, such as a ``date_modified:min`` on brands, and read the
  answer). The simulator used to answer 501 instead, which broke third-party clients.
- Parameters an endpoint documents but the simulated store cannot vary (``keyword_context``,
  which only ranks results) are accepted and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import catalog_routes as catalog
from . import content_routes as content
from . import hooks
from . import product_routes as products
from . import store_routes as store_info
from .api_request import ApiRequest, Handler
from .catalog_routes import BRAND_LIST, LEGACY_CATEGORY_LIST, TREE_CATEGORY_LIST, TREE_LIST
from .content_routes import BLOG_POST_LIST, PAGE_LIST
from .listing import FIELD_SELECTION, PAGING
from .product_filters import PRODUCT_LIST
from .query import QueryParams
from .responses import ApiError, ApiFamily, Response
from .store_routes import CHANNEL_LIST, ROUTE_LIST, SITE_LIST
from .store_state import StoreState
from .variant_query import VARIANT_FILTERS

ID = r"(\d+)"
FIELDS = FIELD_SELECTION
PAGED_FIELDS = FIELD_SELECTION | PAGING


@dataclass(frozen=True)
class Route:
    """One endpoint.

    :param method: the HTTP method.
    :param path: the OpenAPI path below the version, e.g. ``/catalog/products/{product_id}``.
    :param version: ``v2`` or ``v3``.
    :param handler: builds the response.
    :param params: the documented query parameters.
    """

    method: str
    version: str
    path: str
    handler: Handler
    params: frozenset[str]

    @property
    def pattern(self) -> re.Pattern[str]:
        """Return the regular expression matching the concrete path below the store prefix."""
        return _compiled(f"/{self.version}{self.path}")


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(template: str) -> re.Pattern[str]:
    """Compile ``/v3/catalog/products/{product_id}`` into a pattern with numeric groups.

    :param template: an OpenAPI path with the version prefix.
    """
    if template not in _PATTERNS:
        _PATTERNS[template] = re.compile(re.sub(r"\\\{[^}]+\\\}", lambda _: ID, re.escape(template)))
    return _PATTERNS[template]


def handle(store: StoreState, method: str, api_path: str, query: QueryParams, body: bytes = b"") -> Response:
    """Route a store API request to its endpoint.

    :param store: the addressed store.
    :param method: the HTTP method.
    :param api_path: the path below the store prefix.
    :param query: the query parameters.
    :param body: the request body.
    :raises ApiError: 404 for unknown paths, 405 for other methods, 400 for unknown Pages v3 parameters.
    """
    path_known = False
    for route in ROUTES:
        match = route.pattern.fullmatch(api_path)
        if match is None:
            continue
        path_known = True
        if route.method != method:
            continue
        _check_params(api_path, query, route.params)
        return route.handler(store, ApiRequest(api_path, query, match.groups(), body))
    if path_known:
        raise ApiError(405, "Method Not Allowed", detail=f"{method} is not served on this path.")
    raise ApiError(404, "The requested resource was not found.")


def _check_params(api_path: str, query: QueryParams, allowed: frozenset[str]) -> None:
    """Reject unknown query parameters where BigCommerce documents it (Pages v3); elsewhere ignore them.

    :param api_path: the path below the store prefix.
    :param query: the query parameters.
    :param allowed: the endpoint's documented parameters.
    :raises ApiError: 400 on Pages v3.
    """
    if ApiFamily.for_path(api_path) is not ApiFamily.V3_PROBLEM:
        return
    unknown = sorted(query.names() - allowed)
    if unknown:
        raise ApiError(
            400, "Input is invalid", detail=f"Unsupported query parameter(s): {', '.join(unknown)}"
        )


def _get(version: str, path: str, handler: Handler, params: frozenset[str] = frozenset()) -> Route:
    return Route("GET", version, path, handler, frozenset(params))


def _product_sub_routes() -> list[Route]:
    """Return the list and single routes of every product sub-resource, and option/modifier values."""
    routes = []
    singular = {
        "variants": "variant_id",
        "images": "image_id",
        "videos": "id",
        "custom-fields": "custom_field_id",
        "bulk-pricing-rules": "bulk_pricing_rule_id",
        "options": "option_id",
        "modifiers": "modifier_id",
    }
    for name, sub in products.SUB_RESOURCES.items():
        base = f"/catalog/products/{{product_id}}/{name}"
        routes.append(_get("v3", base, sub.list_handler(), sub.spec.params()))
        routes.append(_get("v3", f"{base}/{{{singular[name]}}}", sub.item_handler(), FIELDS))
    for kind in ("options", "modifiers"):
        list_values, get_value = products.value_handlers(kind)
        base = f"/catalog/products/{{product_id}}/{kind}/{{{singular[kind]}}}/values"
        routes.append(_get("v3", base, list_values, PAGED_FIELDS))
        routes.append(_get("v3", f"{base}/{{value_id}}", get_value, FIELDS))
    return routes


ROUTES: tuple[Route, ...] = (
    # Catalog: products and their sub-resources
    _get("v3", "/catalog/products", products.list_products, PRODUCT_LIST.params() | {"include"}),
    _get("v3", "/catalog/products/{product_id}", products.get_product, FIELDS | {"include"}),
    *_product_sub_routes(),
    _get("v3", "/catalog/variants", products.list_variants, PAGED_FIELDS | set(VARIANT_FILTERS)),
    # Catalog: brands, categories, trees
    _get("v3", "/catalog/brands", catalog.list_brands, BRAND_LIST.params()),
    _get("v3", "/catalog/brands/{brand_id}", catalog.get_brand, FIELDS),
    _get("v3", "/catalog/categories", catalog.list_legacy_categories, LEGACY_CATEGORY_LIST.params()),
    _get("v3", "/catalog/categories/{category_id}", catalog.get_legacy_category, FIELDS),
    _get("v3", "/catalog/trees", catalog.list_trees, TREE_LIST.params()),
    _get("v3", "/catalog/trees/categories", catalog.list_tree_categories, TREE_CATEGORY_LIST.params()),
    _get("v3", "/catalog/trees/{tree_id}/categories", catalog.get_category_tree, frozenset({"depth"})),
    # Content
    _get("v3", "/content/pages", content.list_pages_v3, PAGE_LIST.params() | {"include"}),
    _get("v3", "/content/pages/{pageId}", content.get_page_v3, frozenset({"include"})),
    _get("v2", "/blog/posts", content.list_blog_posts, BLOG_POST_LIST.params()),
    _get("v2", "/blog/posts/count", content.count_blog_posts),
    _get("v2", "/blog/posts/{id}", content.get_blog_post),
    _get("v2", "/blog/tags", content.list_blog_tags),
    _get("v2", "/pages", content.list_pages_v2, PAGING),
    _get("v2", "/pages/{id}", content.get_page_v2),
    # Store, channels, sites
    _get("v2", "/store", store_info.get_store),
    _get("v2", "/time", store_info.get_time),
    _get("v3", "/channels", store_info.list_channels, CHANNEL_LIST.params() | {"include"}),
    _get("v3", "/channels/{channel_id}", store_info.get_channel, frozenset({"include"})),
    _get("v3", "/channels/{channel_id}/site", store_info.get_channel_site),
    _get("v3", "/sites", store_info.list_sites, SITE_LIST.params()),
    _get("v3", "/sites/{site_id}", store_info.get_site),
    _get("v3", "/sites/{site_id}/routes", store_info.list_site_routes, ROUTE_LIST.params()),
    _get("v3", "/sites/{site_id}/routes/{route_id}", store_info.get_site_route),
    # Webhooks ("admin" before "{webhook_id}": both would match otherwise only by the digit rule)
    _get("v3", "/hooks", hooks.list_hooks, hooks.HOOK_LIST.params()),
    _get("v3", "/hooks/admin", hooks.get_hooks_admin, hooks.ADMIN_LIST.params()),
    _get("v3", "/hooks/{webhook_id}", hooks.get_hook),
    Route("POST", "v3", "/hooks", hooks.create_hook, frozenset()),
    Route("PUT", "v3", "/hooks/{webhook_id}", hooks.update_hook, frozenset()),
    Route("DELETE", "v3", "/hooks/{webhook_id}", hooks.delete_hook, frozenset()),
)
