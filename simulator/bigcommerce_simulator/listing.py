"""One list endpoint as data: its filter table, sorts and field selection, applied to rendered items.

Collections other than products are small (thousands of items at most), so their
endpoints render every item, keep those that pass the filters, sort them and serve a
page. Products use the same tables through :mod:`.product_query`, over lazy records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .filters import INVALID_FILTERS, Condition, FilterTable, conditions, matches
from .pagination import page_window, v3_collection
from .query import QueryParams
from .responses import ApiError

PAGING = frozenset({"page", "limit"})
FIELD_SELECTION = frozenset({"include_fields", "exclude_fields"})
DIRECTIONS = ("asc", "desc")

Item = dict[str, Any]


@dataclass(frozen=True)
class ListSpec:
    """The query parameters of one list endpoint.

    :param filters: documented filter parameters.
    :param sorts: ``sort`` values and the item key each orders by (empty: no ``sort``).
    :param default_sort: the order without ``sort`` (an item key), or ``None`` for source order.
    :param direction: whether ``direction`` is documented.
    :param id_key: the key ``include_fields`` always keeps and ``exclude_fields`` cannot drop.
    :param field_selection: whether ``include_fields``/``exclude_fields`` are documented.
    :param paging: whether ``page``/``limit`` are documented (else the first page of 50 is served).
    """

    filters: FilterTable = field(default_factory=dict)
    sorts: Mapping[str, str] = field(default_factory=dict)
    default_sort: str | None = None
    direction: bool = False
    id_key: str = "id"
    field_selection: bool = True
    paging: bool = True

    def params(self) -> frozenset[str]:
        """Return every query parameter this spec documents."""
        names = set(self.filters)
        if self.sorts:
            names.add("sort")
        if self.direction:
            names.add("direction")
        if self.field_selection:
            names |= FIELD_SELECTION
        if self.paging:
            names |= PAGING
        return frozenset(names)

    def sort_order(self, query: QueryParams) -> tuple[str | None, bool]:
        """Return the item key to order by and whether descending.

        :param query: the request parameters.
        :raises ApiError: 422 for a ``sort`` or ``direction`` value the API does not document.
        """
        sort = query.get("sort") if self.sorts else None
        if sort and sort not in self.sorts:
            raise ApiError(422, INVALID_FILTERS, errors={"sort": f"must be one of {', '.join(self.sorts)}"})
        direction = (query.get("direction") or "asc").lower() if self.direction else "asc"
        if direction not in DIRECTIONS:
            raise ApiError(422, INVALID_FILTERS, errors={"direction": "must be asc or desc"})
        key = self.sorts[sort] if sort else self.default_sort
        return key, direction == "desc"


def sort_key(key: str, id_key: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Return a sort key ordering by ``key`` then by ID, with missing values first.

    :param key: the item key.
    :param id_key: the tie-breaker.
    """

    def ordering(item: Mapping[str, Any]) -> tuple[Any, ...]:
        value = item.get(key)
        return (value is not None, value if value is not None else 0, item.get(id_key))

    return ordering


def select(items: Sequence[Item], query: QueryParams, spec: ListSpec) -> list[Item]:
    """Return the items passing the filters, in the requested order.

    :param items: every item of the collection, in ID (source) order.
    :param query: the request parameters.
    :param spec: the endpoint's parameters.
    """
    parsed: tuple[Condition, ...] = conditions(query, spec.filters)
    key, descending = spec.sort_order(query)
    kept = [item for item in items if matches(item, spec.filters, parsed)]
    if key is not None:
        kept.sort(key=sort_key(key, spec.id_key))
    if descending:
        kept.reverse()
    return kept


def field_selector(
    query: QueryParams, id_key: str = "id", keep: frozenset[str] = frozenset()
) -> Callable[[Item], Item]:
    """Return a function applying ``include_fields`` / ``exclude_fields`` to an item.

    ``id_key`` and ``keep`` (e.g. the embedded sub-resources) always stay.

    :param query: the request parameters.
    :param id_key: the item's ID key.
    :param keep: other keys that always stay.
    """
    wanted = set(query.csv("include_fields"))
    unwanted = set(query.csv("exclude_fields")) - {id_key}
    if not wanted and not unwanted:
        return lambda item: item
    kept = wanted | {id_key} | keep

    def shape(item: Item) -> Item:
        return {
            key: value for key, value in item.items() if (not wanted or key in kept) and key not in unwanted
        }

    return shape


def v3_list(
    items: Sequence[Item], query: QueryParams, spec: ListSpec, limit_overflow: str, cap: int | None = None
) -> dict[str, object]:
    """Filter, sort, page and shape ``items`` into a v3 collection envelope.

    :param items: every item of the collection, in source order.
    :param query: the request parameters.
    :param spec: the endpoint's parameters.
    :param limit_overflow: the store's ``limit`` above 250 handling.
    :param cap: a lower endpoint-specific page size maximum.
    """
    window = page_window(query if spec.paging else QueryParams(""), limit_overflow, cap)
    selected = select(items, query, spec)
    shape = field_selector(query, spec.id_key) if spec.field_selection else (lambda item: item)
    return v3_collection(range(len(selected)), window, query, lambda position: shape(selected[position]))


def v3_single(item: Item | None, query: QueryParams, spec: ListSpec, missing: str) -> dict[str, object]:
    """Return ``{"data": item, "meta": {}}`` with field selection, or raise 404.

    :param item: the item, or ``None`` when it does not exist.
    :param query: the request parameters.
    :param spec: the endpoint's parameters (for ``id_key`` and field selection).
    :param missing: the 404 title.
    :raises ApiError: 404 when ``item`` is ``None``.
    """
    if item is None:
        raise ApiError(404, missing)
    shape = field_selector(query, spec.id_key) if spec.field_selection else (lambda found: found)
    return {"data": shape(item), "meta": {}}


def find(items: Sequence[Item], item_id: int, id_key: str = "id") -> Item | None:
    """Return the item whose ``id_key`` is ``item_id``, or ``None``.

    :param items: candidate items.
    :param item_id: the wanted ID.
    :param id_key: the ID key.
    """
    return next((item for item in items if item.get(id_key) == item_id), None)
