"""Filtering and sorting the products of a lazy catalog.

A selection is a sequence of product indexes. Unfiltered ID order is a ``range`` (no
memory); anything else is computed once from the cheap product facts and cached,
so paging through a filtered result does not rescan the catalog for every page.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .catalog import Catalog
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
    """Answers product queries against one catalog, caching recent results.

    :param catalog: the store's catalog.
    :param cache_size: how many distinct query results to keep.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 16) -> None:
        self._catalog = catalog
        self.select = lru_cache(maxsize=cache_size)(self._select)

    def _select(self, query: ProductQuery) -> Sequence[int]:
        """Return the indexes of the matching products, in response order.

        :param query: filters and ordering.
        """
        candidates = self._candidates(query)
        if not query.needs_scan():
            return candidates[::-1] if query.descending else candidates
        facts = self._catalog.product_facts
        kept = [index for index in candidates if _matches(query, facts(index))]
        if query.sort == "name":
            header = self._catalog.product_header
            kept.sort(key=lambda index: (header(index).name, index))
        elif query.sort == "date_modified":
            kept.sort(key=lambda index: (facts(index).date_modified, index))
        if query.descending:
            kept.reverse()
        return array("i", kept)

    def _candidates(self, query: ProductQuery) -> Sequence[int]:
        """Return the indexes allowed by ``id:in`` in ID order (all products without it).

        :param query: filters and ordering.
        """
        ids = self._catalog.product_ids
        if query.id_in is None:
            return range(ids.count)
        indexes = {ids.index_of(product_id) for product_id in query.id_in}
        return sorted(index for index in indexes if index is not None)


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
