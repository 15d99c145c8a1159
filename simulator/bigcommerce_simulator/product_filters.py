"""The documented query parameters of ``GET /v3/catalog/products``, as a filter table.

Semantics where the reference leaves room, chosen to match the documented descriptions:

- ``categories=N`` returns products whose only category is N (the reference: a product in
  more than one category is not returned); ``categories:in`` returns products in *all* the
  listed categories.
- ``date_modified=YYYY-MM-DD`` returns products modified on that UTC day.
- No simulated product was ever imported from CSV, so ``date_last_imported`` and its
  ``:min``/``:max`` match nothing and ``:not`` matches everything.
- ``inventory_low=1`` keeps stock-tracked products at or below their warning level (``0``
  the others); ``out_of_stock=1`` keeps tracked products with no stock (``0`` filters nothing).
- ``keyword`` matches name, description, SKU or brand name, case-insensitively;
  ``keyword_context`` only changes ranking on BigCommerce, so it is accepted and ignored.
- Every product is listed on channel 1 only (``channel_id:in``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .filters import (
    BOOL,
    DATE,
    DAY,
    INT,
    NUMBER,
    TEXT,
    Filter,
    custom,
    enum,
    integer_list,
    on_day,
    ops,
    ranged,
)
from .listing import ListSpec


def _tracked(item: Mapping[str, Any]) -> bool:
    return item.get("inventory_tracking") != "none"


def _inventory_low(item: Mapping[str, Any], flag: bool) -> bool:
    low = _tracked(item) and int(item.get("inventory_level") or 0) <= int(
        item.get("inventory_warning_level") or 0
    )
    return low == flag


def _out_of_stock(item: Mapping[str, Any], flag: bool) -> bool:
    return not flag or (_tracked(item) and not item.get("inventory_level"))


def _keyword(item: Mapping[str, Any], word: str) -> bool:
    needle = word.lower()
    haystack = (item.get("name"), item.get("description"), item.get("sku"), item.get("brand_name"))
    return any(needle in str(text or "").lower() for text in haystack)


PRODUCT_FILTERS: dict[str, Filter] = {
    **ranged("id"),
    "channel_id:in": custom(lambda item, ids: 1 in ids, integer_list, "channels"),
    "categories": custom(lambda item, cid: item.get("categories") == [cid], INT, "categories"),
    "categories:in": custom(lambda item, ids: set(ids) <= set(item.get("categories") or ()), integer_list),
    **ops("name", TEXT, ""),
    **ops("mpn", TEXT, ""),
    **ops("upc", TEXT, ""),
    **ops("sku", TEXT, "", "in"),
    **ops("price", NUMBER, ""),
    **ops("weight", NUMBER, ""),
    "condition": custom(
        lambda item, wanted: str(item.get("condition")).lower() == wanted, enum("new", "used", "refurbished")
    ),
    **ops("brand_id", INT, ""),
    "date_modified": on_day("date_modified"),
    **ops("date_modified", DATE, "min", "max"),
    "date_last_imported": custom(lambda item, day: False, DAY),
    "date_last_imported:not": custom(lambda item, day: True, DAY),
    "date_last_imported:min": custom(lambda item, moment: False, DATE),
    "date_last_imported:max": custom(lambda item, moment: False, DATE),
    **ops("is_visible", BOOL, ""),
    **ops("is_featured", BOOL, ""),
    **ops("is_free_shipping", BOOL, ""),
    **ranged("inventory_level"),
    "inventory_low": custom(_inventory_low, BOOL),
    "out_of_stock": custom(_out_of_stock, BOOL),
    **ops("total_sold", INT, ""),
    **ops("type", enum("digital", "physical"), ""),
    "keyword": custom(_keyword),
    "keyword_context": custom(lambda item, context: True, enum("shopper", "merchant")),
    **ops("availability", enum("available", "disabled", "preorder"), ""),
}

PRODUCT_SORTS = {
    name: name
    for name in (
        "id",
        "name",
        "sku",
        "price",
        "date_modified",
        "date_last_imported",
        "inventory_level",
        "is_visible",
        "total_sold",
        "calculated_price",
    )
}

PRODUCT_LIST = ListSpec(PRODUCT_FILTERS, PRODUCT_SORTS, default_sort="id", direction=True)
