"""A store's searchable fields and the values each takes, read from its live product index.

The fields are the brand, the category (with its path), each product option (Color,
Size…), each custom field name, and the product-index fields the store's registry
entry adds (``searchable_fields``). Values come from aggregations on the product
index through its alias (categories' paths from the category index), so collecting
them costs no BigCommerce API request. Each field's values are counted in products,
most frequent first (ties by value), at most ``max_values``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.index_lifecycle import alias_name, live_entities
from bigcommerce_sync.sync_types import Entity

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.search import SearchHook

# Most frequent first; ties by value, so the order (and a cap's cut) is stable.
_ORDER = [{"_count": "desc"}, {"_key": "asc"}]
# Option and custom field names discovered per store, at most.
MAX_DISCOVERED_NAMES = 500
FACETS = "facets"  # the product documents' nested (kind, name, value) list


class FieldKind(StrEnum):
    """Where a searchable field's values come from."""

    BRAND = "brand"
    CATEGORY = "category"
    OPTION = "option"
    CUSTOM_FIELD = "custom_field"
    FIELD = "field"  # a product-index field named in the store's registry entry


class FieldValuesError(RuntimeError):
    """A field's values cannot be read (an index missing, a field that cannot be aggregated)."""


@dataclass(frozen=True, order=True)
class SearchableField:
    """One field of a store: its kind and name, e.g. ``option:Color`` as a key."""

    kind: FieldKind
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @classmethod
    def from_key(cls, key: str) -> SearchableField:
        kind, separator, name = key.partition(":")
        if not separator or not name or kind not in FieldKind.__members__.values():
            raise ValueError(f"{key!r} is not a searchable field key like 'brand:brand' or 'option:Color'")
        return cls(FieldKind(kind), name)


BRAND = SearchableField(FieldKind.BRAND, "brand")
CATEGORY = SearchableField(FieldKind.CATEGORY, "category")


@dataclass(frozen=True)
class FieldValue:
    """A value of a field and the number of products that carry it.

    :param key: what identifies the value from run to run (a category's id; the value otherwise).
    :param path: a category's path from the root (``Men > Shirts``).
    """

    key: str
    value: str
    product_count: int
    path: str | None = None


def discover_fields(hook: SearchHook, store_hash: str, extra_fields: list[str]) -> list[SearchableField]:
    """Return the store's searchable fields: brand, category, options and custom fields found, extras.

    The options and custom fields come from the live product index; without one, only the
    fields every store has are returned (their jobs then fail, saying the index is missing).
    """
    fixed = [BRAND, CATEGORY, *(SearchableField(FieldKind.FIELD, f) for f in extra_fields)]
    index = alias_name(store_hash, Entity.PRODUCTS)
    if not hook.alias_targets(index):
        return fixed
    aggs = {
        "kinds": {
            "terms": {"field": f"{FACETS}.kind", "size": 10},
            "aggs": {"names": {"terms": {"field": f"{FACETS}.name", "size": MAX_DISCOVERED_NAMES}}},
        }
    }
    result = hook.aggregate(index, {FACETS: {"nested": {"path": FACETS}, "aggs": aggs}})
    found = [
        SearchableField(FieldKind(kind["key"]), name["key"])
        for kind in result[FACETS]["kinds"]["buckets"]
        for name in kind["names"]["buckets"]
    ]
    return [*fixed[:2], *sorted(found), *fixed[2:]]


def collect_values(
    hook: SearchHook, store_hash: str, field: SearchableField, max_values: int
) -> list[FieldValue]:
    """Return the values of ``field`` with their product counts, most frequent first.

    :raises FieldValuesError: the product (or, for categories, category) index is not live,
        or an extra field is not in the product index or cannot be aggregated.
    """
    index = _live(hook, store_hash, Entity.PRODUCTS)
    if field.kind is FieldKind.CATEGORY:
        return _categories(hook, store_hash, index, max_values)
    if field.kind in (FieldKind.OPTION, FieldKind.CUSTOM_FIELD):
        return _facet_values(hook, index, field, max_values)
    path = "brand_name.raw" if field.kind is FieldKind.BRAND else _aggregatable(hook, index, field.name)
    buckets = hook.aggregate(index, {"values": _terms(path, max_values)})["values"]["buckets"]
    return [_value(bucket) for bucket in buckets]


def _terms(path: str, size: int) -> dict[str, Any]:
    return {"terms": {"field": path, "size": size, "order": _ORDER}}


def _value(bucket: dict[str, Any]) -> FieldValue:
    value = str(bucket.get("key_as_string", bucket["key"]))
    return FieldValue(key=value, value=value, product_count=int(bucket["doc_count"]))


def _facet_values(hook: SearchHook, index: str, field: SearchableField, max_values: int) -> list[FieldValue]:
    """An option's or custom field's values: each product carries a (kind, name, value) once."""
    this_field = [{"term": {f"{FACETS}.kind": str(field.kind)}}, {"term": {f"{FACETS}.name": field.name}}]
    aggs = {
        "field": {
            "filter": {"bool": {"filter": this_field}},
            "aggs": {"values": _terms(f"{FACETS}.value", max_values)},
        }
    }
    result = hook.aggregate(index, {FACETS: {"nested": {"path": FACETS}, "aggs": aggs}})
    return [_value(bucket) for bucket in result[FACETS]["field"]["values"]["buckets"]]


def _categories(hook: SearchHook, store_hash: str, index: str, max_values: int) -> list[FieldValue]:
    """Categories by id, named and placed by the live category index (names repeat across branches)."""
    buckets = hook.aggregate(index, {"values": _terms("category_ids", max_values)})["values"]["buckets"]
    categories = _live(hook, store_hash, Entity.CATEGORIES)
    counts = {str(b["key"]): int(b["doc_count"]) for b in buckets}
    found = hook.sources_by_id(categories, list(counts), ["name", "path"])
    return [
        FieldValue(key, found[key]["name"], count, found[key]["path"])
        for key, count in counts.items()
        if key in found  # a category deleted since the last product sync
    ]


def _live(hook: SearchHook, store_hash: str, entity: Entity) -> str:
    alias = alias_name(store_hash, entity)
    if entity in live_entities(hook, store_hash):
        return alias
    raise FieldValuesError(
        f"store {store_hash}: {alias} serves no index, so its values cannot be read; "
        f"a full sync of {entity} must run first"
    )


def _aggregatable(hook: SearchHook, index: str, path: str) -> str:
    caps = hook.field_caps(index, path).get(path)
    if not caps:
        raise FieldValuesError(f"searchable field {path!r} is not a field of {index}")
    kind, cap = next(iter(caps.items()))
    if not cap.get("aggregatable"):
        raise FieldValuesError(
            f"searchable field {path!r} of {index} is {kind}, which cannot be aggregated; "
            "name a keyword, number or boolean field (e.g. availability, or name.raw for a text field)"
        )
    return path
