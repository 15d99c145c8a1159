"""Filtering and sorting the products of a lazy catalog.

A selection is a sequence of product indexes. Unfiltered ID order is a lazy
:class:`.LiveIndexes` (no memory); anything else is computed once from the cheap product
facts and cached per overlay snapshot, so paging through a filtered result does not rescan
the catalog for every page, and an edit is seen by the next request.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .catalog import Catalog
from .edited_catalog import EditedCatalog
from .edits import CatalogEdits
from .live_indexes import LiveIndexes
from .products import ProductFacts

SORT_FIELDS = ("id", "name", "date_modified")


@dataclass(frozen=True)
class ProductQuery:
    """The product filters and ordering of one ``GET /v3/catalog/products`` request.

    :param id_in: only these product IDs (``id:in``), or ``None`` for all.
    :param modified_min: ``date_modified:min`` as Unix seconds (inclusive).
    :param modified_max: ``date_modified:max`` as Unix seconds (inclusive).
    :param is_visible: only visible (``True``) or hidden (``False``) products.
    :param sort: one of :data:`SORT_FIELDS`.
    :param descending: ``direction=desc``.
    """

    id_in: tuple[int, ...] | None = None
    modified_min: int | None = None
    modified_max: int | None = None
    is_visible: bool | None = None
    sort: str = "id"
    descending: bool = False

    def needs_scan(self) -> bool:
        """Return whether answering needs a pass over every candidate product."""
        return (
            self.modified_min is not None
            or self.modified_max is not None
            or self.is_visible is not None
            or self.sort != "id"
        )


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
        candidates = _candidates(view, query)
        if not query.needs_scan():
            return _reversed(candidates) if query.descending else candidates
        facts = view.product_facts
        kept = [index for index in candidates if _matches(query, facts(index))]
        if query.sort == "name":
            kept.sort(key=lambda index: (view.product_name(index), index))
        elif query.sort == "date_modified":
            kept.sort(key=lambda index: (facts(index).date_modified, index))
        if query.descending:
            kept.reverse()
        return array("i", kept)


def _candidates(view: EditedCatalog, query: ProductQuery) -> LiveIndexes | list[int]:
    """Return the existing products allowed by ``id:in``, in ID order (all of them without it).

    :param view: the store as this request sees it.
    :param query: filters and ordering.
    """
    if query.id_in is None:
        return view.live("products")
    indexes = {view.index_of("products", product_id) for product_id in query.id_in}
    return sorted(index for index in indexes if index is not None)


def _reversed(indexes: LiveIndexes | list[int]) -> Sequence[int]:
    """Return the indexes in the opposite order, without materialising a full catalog.

    :param indexes: indexes from :func:`_candidates`.
    """
    return indexes.reversed_order() if isinstance(indexes, LiveIndexes) else indexes[::-1]


def _matches(query: ProductQuery, facts: ProductFacts) -> bool:
    """Return whether a product passes the date and visibility filters.

    :param query: filters.
    :param facts: the product's dates and visibility.
    """
    modified = facts.date_modified
    if query.modified_min is not None and modified < query.modified_min:
        return False
    if query.modified_max is not None and modified > query.modified_max:
        return False
    return query.is_visible is None or facts.is_visible == query.is_visible
