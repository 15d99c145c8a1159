"""Reading the query parameters of the product endpoints: filters, sort, ``include`` and field selection."""

from __future__ import annotations

from collections.abc import Callable

from .filters import INVALID_FILTERS, conditions
from .listing import field_selector
from .product_filters import PRODUCT_LIST
from .product_query import ProductQuery
from .products import PRODUCT_INCLUDES
from .query import QueryParams
from .responses import ApiError


def product_query(query: QueryParams) -> ProductQuery:
    """Read the product filters and ordering.

    :param query: the query parameters.
    :raises ApiError: 422 for malformed values.
    """
    sort, descending = PRODUCT_LIST.sort_order(query)
    return ProductQuery(conditions(query, PRODUCT_LIST.filters), sort or "id", descending)


def product_includes(query: QueryParams) -> frozenset[str]:
    """Read ``include``: every documented value embeds its key.

    :param query: the query parameters.
    :raises ApiError: 422 for values the API does not document.
    """
    requested = set(query.csv("include"))
    unknown = requested - PRODUCT_INCLUDES
    if unknown:
        raise ApiError(
            422,
            INVALID_FILTERS,
            errors={"include": f"unknown value(s): {', '.join(sorted(unknown))}"},
        )
    return frozenset(requested)


def product_fields(
    query: QueryParams, include: frozenset[str]
) -> Callable[[dict[str, object]], dict[str, object]]:
    """Return a function applying ``include_fields`` / ``exclude_fields`` to a product.

    ``id`` and the requested sub-resources are always kept.

    :param query: the query parameters.
    :param include: the embedded sub-resources.
    """
    return field_selector(query, "id", include)
