"""Which webhook events a catalog edit raises, as BigCommerce documents them (``webhooks.v3.yml``).

Products raise ``store/product/{created,updated,deleted}`` (an inventory change also
``store/product/inventory/updated``), variants ``store/sku/updated`` (and
``store/sku/inventory/updated`` for stock), categories ``store/category/*``. Brands, web
pages and blog posts raise none, as in BigCommerce.
"""

from __future__ import annotations

from typing import Any

Event = tuple[str, dict[str, Any]]
_ACTIONS = {"POST": "created", "PUT": "updated", "PATCH": "updated", "DELETE": "deleted"}
_TYPES = {"products": "product", "categories": "category"}


def edit_events(
    kind: str, method: str, item_ids: list[int], changes: dict[str, Any], variant_id: int | None = None
) -> list[Event]:
    """The events of one successful edit.

    :param kind: the kind of item edited (``products``, ``categories``…).
    :param method: the control API's method: ``POST`` creates, ``PUT``/``PATCH`` change, ``DELETE`` deletes.
    :param item_ids: the items concerned (a deleted category's subcategories too).
    :param changes: the fields changed.
    :param variant_id: the variant, for a variant change.
    """
    if kind not in _TYPES:
        return []
    if variant_id is not None:
        return _variant_events(item_ids[0], variant_id, changes)
    item_type, action = _TYPES[kind], _ACTIONS[method]
    events = [(f"store/{item_type}/{action}", {"type": item_type, "id": i}) for i in item_ids]
    if kind == "products" and action == "updated" and "inventory_level" in changes:
        product = item_ids[0]
        inventory = {"product_id": product, "method": "absolute", "value": changes["inventory_level"]}
        events.append(
            ("store/product/inventory/updated", {"type": "product", "id": product, "inventory": inventory})
        )
    return events


def _variant_events(product_id: int, variant_id: int, changes: dict[str, Any]) -> list[Event]:
    sku = {"product_id": product_id, "variant_id": variant_id}
    events: list[Event] = [("store/sku/updated", {"type": "sku", "id": variant_id, "sku": sku})]
    if "inventory_level" in changes:
        inventory = {**sku, "method": "absolute", "value": changes["inventory_level"]}
        data = {"type": "sku", "id": variant_id, "inventory": inventory}
        events.append(("store/sku/inventory/updated", data))
    return events
