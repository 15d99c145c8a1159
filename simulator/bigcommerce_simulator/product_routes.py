"""``/v3/catalog/products`` and its sub-resources, and ``/v3/catalog/variants``.

Every sub-resource list is cut from the product as ``include=`` embeds it, so a
product's ``/variants`` (or images, videos, options ...) always equal its
``include=variants`` (or ``images`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from .api_request import ApiRequest, Handler
from .edited_catalog import EditedCatalog
from .filters import conditions
from .listing import ListSpec, field_selector, find, v3_list, v3_single
from .pagination import page_window, v3_collection
from .product_params import product_fields, product_includes, product_query
from .responses import ApiError, Response, json_response
from .store_state import StoreState
from .variant_query import VARIANT_FILTERS

OPTIONS_PAGE_CAP = 10
FIELDS_ONLY = ListSpec(paging=False)
PAGED = ListSpec()
VARIANT_LIST = ListSpec(VARIANT_FILTERS)


def list_products(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/products``: at most 10 per page with ``include=options`` or ``modifiers``.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    include = product_includes(query)
    cap = OPTIONS_PAGE_CAP if include & {"options", "modifiers"} else None
    window = page_window(query, store.spec.limit_overflow, cap)
    indexes = store.products.select(view, product_query(query))
    shape = product_fields(query, include)
    return json_response(
        v3_collection(indexes, window, query, lambda index: shape(view.product(index, include)))
    )


def _product_index(view: EditedCatalog, request: ApiRequest) -> int:
    """Return the index of the product in the path.

    :param view: the store as this request sees it.
    :param request: the request.
    :raises ApiError: 404 when the product does not exist.
    """
    index = view.index_of("products", request.arg(0))
    if index is None:
        raise ApiError(404, "The requested product was not found.")
    return index


def get_product(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/products/{product_id}``: 404 once the product is deleted.

    :param store: the addressed store.
    :param request: the request.
    """
    view = store.editor.view()
    index = _product_index(view, request)
    include = product_includes(request.query)
    shape = product_fields(request.query, include)
    return json_response({"data": shape(view.product(index, include)), "meta": {}})


@dataclass(frozen=True)
class SubResource:
    """A list embedded in the product, served as ``/products/{id}/<path>`` and ``.../<path>/{id}``.

    :param include: the ``include`` value that embeds it, and its key.
    :param spec: the list endpoint's parameters.
    :param title: the 404 title for a missing item.
    """

    include: str
    spec: ListSpec
    title: str

    def items(self, store: StoreState, request: ApiRequest) -> list[dict[str, object]]:
        """Return the product's items (404 when the product does not exist).

        :param store: the addressed store.
        :param request: the request.
        """
        view = store.editor.view()
        return list(view.product(_product_index(view, request), {self.include})[self.include])  # type: ignore[call-overload]

    def list_handler(self) -> Handler:
        """Return the handler of the list endpoint."""

        def handler(store: StoreState, request: ApiRequest) -> Response:
            items = self.items(store, request)
            return json_response(v3_list(items, request.query, self.spec, store.spec.limit_overflow))

        return handler

    def item_handler(self) -> Handler:
        """Return the handler of the single-item endpoint."""

        def handler(store: StoreState, request: ApiRequest) -> Response:
            item = find(self.items(store, request), request.arg(1))
            return json_response(v3_single(item, request.query, FIELDS_ONLY, self.title))

        return handler


SUB_RESOURCES = {
    "variants": SubResource("variants", PAGED, "The requested variant was not found."),
    "images": SubResource("images", PAGED, "The requested image was not found."),
    "videos": SubResource("videos", PAGED, "The requested video was not found."),
    "custom-fields": SubResource("custom_fields", PAGED, "The requested custom field was not found."),
    "bulk-pricing-rules": SubResource("bulk_pricing_rules", FIELDS_ONLY, "The requested rule was not found."),
    "options": SubResource("options", PAGED, "The requested option was not found."),
    "modifiers": SubResource("modifiers", PAGED, "The requested modifier was not found."),
}


def value_handlers(kind: str) -> tuple[Handler, Handler]:
    """Return the list and single handlers of ``/products/{id}/<kind>/{id}/values``.

    :param kind: ``options`` or ``modifiers``.
    """
    parent = SUB_RESOURCES[kind]

    def values(store: StoreState, request: ApiRequest) -> list[dict[str, object]]:
        owner = find(parent.items(store, request), request.arg(1))
        if owner is None:
            raise ApiError(404, parent.title)
        return list(owner["option_values"])  # type: ignore[call-overload]

    def list_values(store: StoreState, request: ApiRequest) -> Response:
        return json_response(v3_list(values(store, request), request.query, PAGED, store.spec.limit_overflow))

    def get_value(store: StoreState, request: ApiRequest) -> Response:
        item = find(values(store, request), request.arg(2))
        return json_response(
            v3_single(item, request.query, FIELDS_ONLY, "The requested value was not found.")
        )

    return list_values, get_value


def list_variants(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/catalog/variants``: every variant of every product, in product then variant order.

    :param store: the addressed store.
    :param request: the request.
    """
    query = request.query
    view = store.editor.view()
    window = page_window(query, store.spec.limit_overflow)
    refs = store.variants.select(view, conditions(query, VARIANT_FILTERS))
    shape = field_selector(query)
    return json_response(v3_collection(refs, window, query, lambda ref: shape(_variant(view, ref))))


def _variant(view: EditedCatalog, ref: int) -> dict[str, object]:
    """Render the variant ``ref`` (product index × 4 + position).

    :param view: the store as this request sees it.
    :param ref: from :class:`.variant_query.VariantSelector`.
    """
    index, position = divmod(ref, 4)
    return view.product(index, {"variants"})["variants"][position]  # type: ignore[index]
