"""What the admin API lets a test change: editable fields, value types and references.

Changes are checked against the item as it is now: only fields of its main API shape may
change, read-only fields never, and a new value must have the JSON type of the current
one (``null`` is accepted either way). References must point at existing items, and a
parent may not be moved below its own descendants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .edited_catalog import EditedCatalog
from .edits import ITEM_NAMES

READ_ONLY = {
    "products": frozenset({"id", "date_created", "date_modified", "calculated_price", "base_variant_id"}),
    "categories": frozenset({"category_id", "category_uuid", "tree_id"}),
    "brands": frozenset({"id"}),
    "pages": frozenset({"id", "type", "channel_id"}),
    "blog_posts": frozenset({"id", "published_date", "published_date_iso8601"}),
    "variants": frozenset({"id", "product_id", "sku_id", "calculated_price", "option_values"}),
}
JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    ((int, float), "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


class EditError(Exception):
    """An admin change the simulator refuses.

    :param status: 400 for invalid changes, 404 for unknown items.
    :param message: what is wrong.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_fields(kind: str, current: Mapping[str, object], changes: object) -> dict[str, object]:
    """Return ``changes`` if every field is editable and keeps its JSON type.

    :param kind: one of :data:`READ_ONLY`'s keys.
    :param current: the item as it is now (or the defaults of an item being created).
    :param changes: the decoded JSON body.
    :raises EditError: 400 naming the first offending field.
    """
    if not isinstance(changes, dict):
        raise EditError(400, "the body must be a JSON object of field values")
    for name, value in changes.items():
        if name in READ_ONLY[kind]:
            raise EditError(400, f"{name} is read-only")
        if name not in current:
            editable = ", ".join(sorted(set(current) - READ_ONLY[kind]))
            raise EditError(400, f"unknown field {name!r}; editable fields: {editable}")
        expected, given = _json_type(current[name]), _json_type(value)
        if "null" not in (expected, given) and expected != given:
            raise EditError(400, f"{name} must be a JSON {expected}, not {given}")
    return changes


def check_references(view: EditedCatalog, kind: str, index: int, changes: Mapping[str, object]) -> None:
    """Refuse references to items that do not exist, and loops in the category or page tree.

    :param view: the store now.
    :param kind: the kind of the changed item.
    :param index: the changed item's index.
    :param changes: the checked field values.
    :raises EditError: 400 naming the bad reference.
    """
    if kind == "products":
        for category_id in changes.get("categories") or ():
            _require(view, "categories", category_id, "categories")
        if changes.get("brand_id"):
            _require(view, "brands", changes["brand_id"], "brand_id")
    if kind in ("categories", "pages") and changes.get("parent_id"):
        parent = _require(view, kind, changes["parent_id"], "parent_id")
        if index in (parent, *ancestors(parent, parent_function(view, kind))):
            raise EditError(400, "parent_id would put the item below itself")


def parent_function(view: EditedCatalog, kind: str) -> Callable[[int], int | None]:
    """Return the parent lookup of a tree-shaped kind.

    :param view: the store now.
    :param kind: ``categories`` or ``pages``.
    """
    return view.category_parent_index if kind == "categories" else view.page_parent_index


def ancestors(index: int, parent_of: Callable[[int], int | None]) -> list[int]:
    """Return the indexes above ``index``, nearest first.

    :param index: an item index.
    :param parent_of: the parent lookup.
    """
    chain = []
    parent = parent_of(index)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(parent)
    return chain


def _require(view: EditedCatalog, kind: str, item_id: object, field_name: str) -> int:
    """Return the index of an existing referenced item.

    :param view: the store now.
    :param kind: the referenced kind.
    :param item_id: the referenced ID.
    :param field_name: the referencing field, for the message.
    :raises EditError: 400 when no such item exists.
    """
    index = view.index_of(kind, item_id) if isinstance(item_id, int) else None
    if index is None:
        raise EditError(400, f"{field_name}: no {ITEM_NAMES[kind]} has ID {item_id!r}")
    return index


def _json_type(value: object) -> str:
    """Return the JSON type name of a decoded value.

    :param value: a decoded JSON value.
    """
    if value is None:
        return "null"
    return next(name for python_type, name in JSON_TYPES if isinstance(value, python_type))
