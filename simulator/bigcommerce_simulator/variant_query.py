"""Selecting variants across the whole catalog for ``GET /v3/catalog/variants``.

A variant is referred to as ``product_index * 4 + position`` (a product has at most four).
Filters on the variant or product ID need only each product's variant count, drawn from
its shape; ``sku`` and ``upc`` render the variants. Results are cached per overlay
snapshot and query, like product selections.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from functools import lru_cache

from .catalog import Catalog
from .edited_catalog import EditedCatalog
from .edits import CatalogEdits
from .filters import INT, TEXT, Condition, matches, ops
from .products import SLOTS_PER_PRODUCT

VARIANT_FILTERS = {
    **ops("id", INT, ""),
    **ops("sku", TEXT, ""),
    **ops("upc", TEXT, ""),
    **ops("product_id", INT, "in"),
}
ID_FILTERS = frozenset({"id", "product_id:in"})


class VariantSelector:
    """Answers ``/catalog/variants`` queries against one store.

    :param catalog: the store's generated catalog.
    :param cache_size: how many distinct query results to keep.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 4) -> None:
        self._catalog = catalog
        self._cached = lru_cache(maxsize=cache_size)(self._select)

    def select(self, view: EditedCatalog, parsed: tuple[Condition, ...]) -> Sequence[int]:
        """Return the matching variant references in ID order.

        :param view: the store as this request sees it.
        :param parsed: the parsed filters.
        """
        return self._cached(view.edits, parsed)

    def _select(self, edits: CatalogEdits, parsed: tuple[Condition, ...]) -> Sequence[int]:
        view = EditedCatalog(self._catalog, edits)
        refs = array("i")
        cheap = all(name in ID_FILTERS for name, _ in parsed)
        for index in _candidates(view, dict(parsed)):
            product_id = view.ids("products").id_of(index)
            if cheap:
                for position in range(view.variant_count(index)):
                    record = {
                        "id": (product_id - 1) * SLOTS_PER_PRODUCT + position + 1,
                        "product_id": product_id,
                    }
                    if matches(record, VARIANT_FILTERS, parsed):
                        refs.append(index * SLOTS_PER_PRODUCT + position)
                continue
            variants = view.product(index, {"variants"})["variants"]
            for position, variant in enumerate(variants):  # type: ignore[arg-type]
                if matches(variant, VARIANT_FILTERS, parsed):
                    refs.append(index * SLOTS_PER_PRODUCT + position)
        return refs


def _candidates(view: EditedCatalog, parsed: dict[str, object]) -> Sequence[int]:
    """Return the indexes of the products whose variants can match, in ID order.

    :param view: the store as this request sees it.
    :param parsed: the parsed filters by name.
    """
    product_ids: set[int] | None = None
    if "product_id:in" in parsed:
        product_ids = set(parsed["product_id:in"])  # type: ignore[call-overload]
    if "id" in parsed:
        owner = {(int(parsed["id"]) - 1) // SLOTS_PER_PRODUCT + 1}  # type: ignore[call-overload]
        product_ids = owner if product_ids is None else product_ids & owner
    if product_ids is None:
        return view.live("products")
    indexes = (view.index_of("products", product_id) for product_id in product_ids)
    return sorted(index for index in indexes if index is not None)
