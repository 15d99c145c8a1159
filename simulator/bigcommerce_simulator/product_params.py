"""Reading the query parameters of the product endpoints: filters, ``include`` and field selection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from .dates import parse_filter_timestamp
from .product_query import SORT_FIELDS, ProductQuery
from .products import PRODUCT_INCLUDES
from .query import QueryParams
from .responses import ApiError

# Documented ``include`` values the simulator accepts but does not embed.
IGNORED_PRODUCT_INCLUDES = frozenset({"bulk_pricing_rules", "parent_relations", "reviews", "videos"})
INVALID_FILTERS = "The filter(s) are not valid."


def product_query(query: QueryParams) -> ProductQuery:
    """Read the product filters and ordering.

    :param query: the query parameters.
    :raises ApiError: 422 for malformed values.
    """
    sort = query.get("sort") or "id"
    direction = (query.get("direction") or "asc").lower()
    if sort not in SORT_FIELDS:
        raise ApiError(
            422,
            INVALID_FILTERS,
            errors={"sort": f"the simulator supports {', '.join(SORT_FIELDS)}"},
        )
    if direction not in ("asc", "desc"):
        raise ApiError(422, INVALID_FILTERS, errors={"direction": "must be asc or desc"})
    return ProductQuery(
        id_in=query.integers("id:in"),
        modified_min=_timestamp(query, "date_modified:min"),
        modified_max=_timestamp(query, "date_modified:max"),
        is_visible=query.boolean("is_visible"),
        sort=sort,
        descending=direction == "desc",
    )


def _timestamp(query: QueryParams, name: str) -> int | None:
    """Read a date filter as Unix seconds.

    :param query: the query parameters.
    :param name: e.g. ``date_modified:min``.
    :raises ApiError: 422 when the value is not ISO 8601.
    """
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return parse_filter_timestamp(raw, datetime.now(UTC))
    except ValueError:
        raise ApiError(
            422, INVALID_FILTERS, errors={name: "must be an ISO 8601 date or timestamp (send + as %2B)"}
        ) from None


def product_includes(query: QueryParams) -> frozenset[str]:
    """Read ``include``, dropping documented values the simulator does not embed.

    :param query: the query parameters.
    :raises ApiError: 422 for values the API does not document.
    """
    requested = set(query.csv("include"))
    unknown = requested - PRODUCT_INCLUDES - IGNORED_PRODUCT_INCLUDES
    if unknown:
        raise ApiError(
            422,
            INVALID_FILTERS,
            errors={"include": f"unknown value(s): {', '.join(sorted(unknown))}"},
        )
    return frozenset(requested & PRODUCT_INCLUDES)


def field_selector(
    query: QueryParams, include: frozenset[str]
) -> Callable[[dict[str, object]], dict[str, object]]:
    """Return a function applying ``include_fields`` / ``exclude_fields`` to a product.

    ``id`` and the requested sub-resources are always kept.

    :param query: the query parameters.
    :param include: the embedded sub-resources.
    """
    wanted = set(query.csv("include_fields"))
    unwanted = set(query.csv("exclude_fields")) - {"id"}
    if not wanted and not unwanted:
        return lambda product: product
    keep = wanted | {"id"} | include

    def select(product: dict[str, object]) -> dict[str, object]:
        return {
            key: value
            for key, value in product.items()
            if (not wanted or key in keep) and key not in unwanted
        }

    return select
