"""Filtering and sorting the products of a lazy catalog.

A selection is a sequence of product indexes. Unfiltered ID order is a lazy
:class:`.LiveIndexes` (no memory); anything else is computed once and cached per overlay
snapshot, so paging through a filtered result does not rescan the catalog for every page,
and an edit is seen by the next request. Filters read a :class:`ProductRecord`, which
answers ID, dates, visibility and name from cheap hashes and renders the full product only
when a filter or sort needs another field.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .catalog import Catalog
from .edited_catalog import EditedCatalog
from .edits import CatalogEdits
from .filters import Condition, matches
from .listing import sort_key
from .live_indexes import LiveIndexes
from .product_filters import PRODUCT_FILTERS

CHEAP_FIELDS = frozenset({"id", "name", "date_created", "date_modified", "is_visible", "date_last_imported"})
# Id bounds, answered by binary search over the ID-ordered products instead of a scan.
ID_BOUNDS = frozenset({"id:greater", "id:min", "id:less", "id:max"})


@dataclass(frozen=True)
class ProductQuery:
    """The product filters and ordering of one ``GET /v3/catalog/products`` request.

    :param conditions: parsed filters (see :func:`.filters.conditions`).
    :param sort: the field to order by (``id`` is the natural order).
    :param descending: ``direction=desc``.
    """

    conditions: tuple[Condition, ...] = ()
    sort: str = "id"
    descending: bool = False

    def needs_scan(self) -> bool:
        """Return whether answering needs a pass over every candidate product."""
        return bool(self.conditions) or self.sort != "id"

    def only_id_bounds(self) -> bool:
        """Return whether the query filters on id bounds alone, in ID order (a keyset page)."""
        return self.sort == "id" and bool(self.conditions) and all(n in ID_BOUNDS for n, _ in self.conditions)

    def id_in(self) -> tuple[int, ...] | None:
        """Return the ``id:in`` values, which narrow the candidates before any scan."""
        return next((value for name, value in self.conditions if name == "id:in"), None)


class ProductRecord(Mapping[str, Any]):
    """A product as filters see it: cheap fields from hashes, the rest from one full render.

    Dates are Unix seconds here (filters accept both forms).

    :param view: the store as this request sees it.
    :param index: the product's index.
    :param brand_name: brand ID to name (shared by the records of one scan).
    """

    __slots__ = ("_brand_name", "_full", "_index", "_view")

    def __init__(self, view: EditedCatalog, index: int, brand_name: Callable[[int], str | None]) -> None:
        self._view = view
        self._index = index
        self._brand_name = brand_name
        self._full: dict[str, object] | None = None

    def __getitem__(self, key: str) -> Any:
        if key in CHEAP_FIELDS:
            return self._cheap(key)
        if key == "brand_name":
            return self._brand_name(int(self["brand_id"]))
        if self._full is None:
            self._full = self._view.product(self._index)
        return self._full[key]

    def _cheap(self, key: str) -> Any:
        if key == "id":
            return self._view.ids("products").id_of(self._index)
        if key == "name":
            return self._view.product_name(self._index)
        if key == "date_last_imported":
            return None
        facts = self._view.product_facts(self._index)
        return getattr(facts, key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(CHEAP_FIELDS)

    def __len__(self) -> int:
        return len(CHEAP_FIELDS)


class ProductSelector:
    """Answers product queries against one store, caching recent results per overlay snapshot.

    :param catalog: the store's generated catalog.
    :param cache_size: how many distinct query results to keep.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 16) -> None:
        self._catalog = catalog
        self._cached = lru_cache(maxsize=cache_size)(self._select)

    def select(self, view: EditedCatalog, query: ProductQuery) -> Sequence[int]:
        """Return the indexes of the matching products, in response order.

        :param view: the store as this request sees it.
        :param query: filters and ordering.
        """
        return self._cached(view.edits, query)

    def _select(self, edits: CatalogEdits, query: ProductQuery) -> Sequence[int]:
        """Compute :meth:`select` for one overlay snapshot.

        :param edits: the overlay snapshot (a new one after every change, so the cache never goes stale).
        :param query: filters and ordering.
        """
        view = EditedCatalog(self._catalog, edits)
        candidates = _candidates(view, query.id_in())
        if not query.needs_scan():
            return _reversed(candidates) if query.descending else candidates
        if query.only_id_bounds():
            return _between_ids(view, candidates, query)
        key = None if query.sort == "id" else sort_key(query.sort, "id")
        kept: list[tuple[Any, int]] = []
        brand_name = lru_cache(maxsize=None)(lambda brand_id: _brand_name(view, brand_id))
        for index in candidates:
            record = ProductRecord(view, index, brand_name)
            if matches(record, PRODUCT_FILTERS, query.conditions):
                kept.append((key(record) if key else (), index))
        if key is not None:
            kept.sort()
        if query.descending:
            kept.reverse()
        return array("i", [index for _, index in kept])


def _between_ids(view: EditedCatalog, candidates: Sequence[int], query: ProductQuery) -> Sequence[int]:
    """Return the candidates (ascending indexes) within the query's id bounds, found by binary search.

    An index is its ID minus the first ID, so the bounds on IDs are bounds on indexes.

    :param view: the store as this request sees it.
    :param candidates: the existing products, in ascending index order.
    :param query: a query whose conditions are id bounds only.
    """
    bounds = dict(query.conditions)
    lowest = max(bounds.get("id:min", -sys.maxsize), bounds.get("id:greater", -sys.maxsize) + 1)
    highest = min(bounds.get("id:max", sys.maxsize), bounds.get("id:less", sys.maxsize) - 1)
    first_id = view.ids("products").first_id
    start = bisect_left(candidates, lowest - first_id)
    stop = max(start, bisect_right(candidates, highest - first_id))
    return _Positions(candidates, range(stop - 1, start - 1, -1) if query.descending else range(start, stop))


class _Positions(Sequence[int]):
    """The items of ``items`` at ``positions``, read lazily (a window of a large selection).

    :param items: the whole selection.
    :param positions: the positions kept, in response order.
    """

    def __init__(self, items: Sequence[int], positions: range) -> None:
        self._items = items
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, position: int) -> int:  # type: ignore[override]
        return self._items[self._positions[position]]


def _brand_name(view: EditedCatalog, brand_id: int) -> str | None:
    """Return the name of an existing brand, or ``None``.

    :param view: the store as this request sees it.
    :param brand_id: the brand's ID (0 for none).
    """
    index = view.index_of("brands", brand_id)
    return None if index is None else str(view.brand(index)["name"])


def _candidates(view: EditedCatalog, id_in: tuple[int, ...] | None) -> LiveIndexes | list[int]:
    """Return the existing products allowed by ``id:in``, in ID order (all of them without it).

    :param view: the store as this request sees it.
    :param id_in: the ``id:in`` values, or ``None``.
    """
    if id_in is None:
        return view.live("products")
    indexes = {view.index_of("products", product_id) for product_id in id_in}
    return sorted(index for index in indexes if index is not None)


def _reversed(indexes: LiveIndexes | list[int]) -> Sequence[int]:
    """Return the indexes in the opposite order, without materialising a full catalog.

    :param indexes: indexes from :func:`_candidates`.
    """
    return indexes.reversed_order() if isinstance(indexes, LiveIndexes) else indexes[::-1]
