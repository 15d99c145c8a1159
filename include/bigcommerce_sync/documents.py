"""Pure functions from BigCommerce API objects to search documents.

Each raises :class:`DocumentError` saying which item and field is wrong, so one bad item
is recorded and skipped instead of failing a whole import. Every field is read through
:class:`_Fields`, which checks that its JSON type is the one the document needs: a price
that is a string, images that are not a list, a name that is an object are refused, never
passed on to fail the whole import (or the search cluster) further along.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, NoReturn

import orjson

# A tag ends at the next ``>``, and never spans another ``<``: with ``<[^>]*>`` a text of many
# ``<`` without a ``>`` (a hostile description) took time quadratic in its length.
_TAG = re.compile(r"<[^<>]*>")
# The field of a fingerprinted document that holds the hash of the rest of it.
CONTENT_HASH = "content_hash"
# Ids and integer fields are the search index's ``long``.
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
# How much of a bad value an error quotes (an item may carry a megabyte of text).
_SHOWN = 80


class DocumentError(ValueError):
    """An API object cannot become a search document."""


def html_to_text(markup: str | None) -> str:
    """Return the visible text of an HTML fragment, entities decoded, whitespace collapsed."""
    if not markup:
        return ""
    # split() and join() collapse whitespace far faster than a regex; this runs for every description.
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def product_document(
    product: Mapping[str, Any], brands: Mapping[int, str], categories: Mapping[int, str]
) -> dict[str, Any]:
    """Build a product document with its variants, images, custom fields, brand and categories.

    :param product: a ``/v3/catalog/products`` item fetched with
        ``include=variants,images,custom_fields,primary_image``.
    :param brands: brand names by id.
    :param categories: category names by id.
    """
    product_id = _required_id(product, "id", "product")
    try:
        return _plain_product_document(product, product_id, brands, categories)
    except _Unusual:
        return _checked_product_document(product, product_id, brands, categories)


def _checked_product_document(
    product: Mapping[str, Any], product_id: int, brands: Mapping[int, str], categories: Mapping[int, str]
) -> dict[str, Any]:
    """:func:`product_document` for any item: each field read through :class:`_Fields`."""
    fields = _Fields(product, f"product {product_id}")
    category_ids = [c for c in fields.list("categories") if isinstance(c, int) and not isinstance(c, bool)]
    brand_id = fields.integer("brand_id")
    variants = fields.objects("variants")
    images = fields.objects("images")
    custom_fields = fields.objects("custom_fields")
    return {
        "id": product_id,
        "name": _required_text(product, "name", "product", product_id),
        "sku": fields.text("sku") or None,
        "type": fields.text("type"),
        "description": html_to_text(fields.text("description")),
        "search_keywords": fields.text("search_keywords") or "",
        "meta_keywords": fields.words("meta_keywords"),
        "page_title": fields.text("page_title") or "",
        "meta_description": fields.text("meta_description") or "",
        "brand_id": brand_id or None,
        "brand_name": brands.get(brand_id or 0),
        "category_ids": category_ids,
        "category_names": [categories[c] for c in category_ids if c in categories],
        "price": fields.number("price"),
        "sale_price": fields.number("sale_price"),
        "calculated_price": fields.number("calculated_price"),
        "is_visible": fields.flag("is_visible", True),
        "availability": fields.text("availability"),
        "inventory_level": fields.integer("inventory_level"),
        "url": fields.object("custom_url").text("url"),
        "upc": fields.text("upc") or None,
        "mpn": fields.text("mpn") or None,
        "gtin": fields.text("gtin") or None,
        "date_modified": fields.text("date_modified"),
        "variants": [_variant(v) for v in variants],
        "images": [_image(i) for i in sorted(images, key=lambda image: image.integer("sort_order") or 0)],
        "thumbnail_url": _thumbnail(fields.object("primary_image"), images),
        "custom_fields": [{"name": f.text("name"), "value": f.text("value")} for f in custom_fields],
        "facets": _facets(
            (
                (o.text("option_display_name"), o.text("label"))
                for v in variants
                for o in v.objects("option_values")
            ),
            ((f.text("name"), f.text("value")) for f in custom_fields),
        ),
    }


def category_document(category: Mapping[str, Any], path: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Build a category document from a ``/v3/catalog/trees/categories`` item.

    :param category: the category.
    :param path: the categories from the root down to and including this one.
    """
    category_id = _required_id(category, "category_id", "category")
    fields = _Fields(category, f"category {category_id}")
    path = [c for c in path if isinstance(c, Mapping)]
    return {
        "id": category_id,
        "tree_id": fields.integer("tree_id"),
        "parent_id": fields.integer("parent_id") or 0,
        "name": _required_text(category, "name", "category", category_id),
        "description": html_to_text(fields.text("description")),
        "path": " > ".join(str(c.get("name", "")) for c in path),
        "path_ids": [c.get("category_id") for c in path],
        "depth": len(path),
        "url": fields.object("url").text("path"),
        "is_visible": fields.flag("is_visible", True),
        "page_title": fields.text("page_title") or "",
        "meta_keywords": fields.words("meta_keywords"),
        "meta_description": fields.text("meta_description") or "",
        "search_keywords": fields.text("search_keywords") or "",
    }


def page_document(page: Mapping[str, Any]) -> dict[str, Any]:
    """Build a web page document from a ``/v3/content/pages`` item fetched with ``include=body``."""
    page_id = _required_id(page, "id", "page")
    fields = _Fields(page, f"page {page_id}")
    page_type = fields.text("type")
    return {
        "id": page_id,
        "type": page_type,
        "name": _required_text(page, "name", "page", page_id),
        "body": html_to_text(fields.text("body")) if page_type != "raw" else "",
        "url": fields.text("url") or fields.text("link"),
        "is_visible": fields.flag("is_visible", True),
        "channel_id": fields.integer("channel_id", default=1),
        "parent_id": fields.integer("parent_id") or 0,
        "meta_title": fields.text("meta_title") or "",
        "meta_description": fields.text("meta_description") or "",
        "meta_keywords": fields.text("meta_keywords") or "",
        "search_keywords": fields.text("search_keywords") or "",
    }


def blog_post_document(post: Mapping[str, Any]) -> dict[str, Any]:
    """Build a blog post document from a ``/v2/blog/posts`` item."""
    post_id = _required_id(post, "id", "blog post")
    fields = _Fields(post, f"blog post {post_id}")
    return {
        "id": post_id,
        "title": _required_text(post, "title", "blog post", post_id),
        "url": fields.text("url"),
        "body": html_to_text(fields.text("body")),
        "summary": html_to_text(fields.text("summary")),
        "tags": fields.words("tags"),
        "author": fields.text("author") or "",
        "is_published": fields.flag("is_published", False),
        "published_at": _published_at(fields),
        "thumbnail_path": fields.text("thumbnail_path") or None,
        "meta_description": fields.text("meta_description") or "",
        "meta_keywords": fields.text("meta_keywords") or "",
    }


def fingerprinted(to_document: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """Wrap a document builder so that each document carries a ``content_hash`` of itself.

    An incremental sync compares it with the live document's and writes only what changed.
    """

    def build(item: Any) -> dict[str, Any]:
        document = to_document(item)
        document[CONTENT_HASH] = hashlib.blake2b(
            orjson.dumps(document, option=orjson.OPT_SORT_KEYS), digest_size=16
        ).hexdigest()
        return document

    return build


def _required_id(item: Mapping[str, Any], key: str, kind: str) -> int:
    if not isinstance(item, Mapping):
        raise DocumentError(f"{kind} is not an object (got {_shown(item)})")
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise DocumentError(f"{kind} has no positive integer {key!r} (got {_shown(value)})")
    if value > _LONG_MAX:
        raise DocumentError(f"{kind} {key!r} is beyond 64 bits (got {value})")
    return value


def _required_text(item: Mapping[str, Any], key: str, kind: str, item_id: int) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{kind} {item_id}: {key!r} must be a non-empty string (got {_shown(value)})")
    return value


def _shown(value: Any) -> str:
    """The value as an error quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text)} characters)"


class _Fields:
    """Reads the fields of one API object, each checked for the JSON type the document needs.

    A field that is absent or ``null`` reads as ``None`` (or the default given); any other
    value of the wrong type raises :class:`DocumentError` naming the item and the field's path.

    Every field of the categories, pages and blog posts of an import is read here (and of the
    products the fast path leaves), so each reader first takes the common case (``null`` or the
    exact JSON type) in a line or two, and leaves subclasses and refusals to :meth:`_checked`.

    :param item: the object (or a nested one).
    :param where: the item, e.g. ``product 111``.
    :param path: the nested object's path in the item, e.g. ``variants[2]``.
    """

    __slots__ = ("item", "where", "path")

    def __init__(self, item: Mapping[str, Any], where: str, path: str = "") -> None:
        self.item, self.where, self.path = item, where, path

    def __contains__(self, key: str) -> bool:
        return key in self.item

    def text(self, key: str) -> str | None:
        value = self.item.get(key)
        if value is None or type(value) is str:
            return value
        return self._checked(key, value, str, "a string")

    def number(self, key: str) -> int | float | None:
        value = self.item.get(key)
        kind = type(value)
        if kind is int or value is None or kind is float and math.isfinite(value):
            return value
        value = self._checked(key, value, (int, float), "a number")
        if isinstance(value, float) and not math.isfinite(value):
            self._refuse(key, "a finite number", value)
        return value

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self.item.get(key)
        if type(value) is int and _LONG_MIN <= value <= _LONG_MAX:
            return value
        value = default if value is None else self._checked(key, value, int, "an integer")
        if value is not None and not _LONG_MIN <= value <= _LONG_MAX:
            self._refuse(key, "a 64-bit integer", value)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.item.get(key, default)
        if value is True or value is False:
            return value
        if value is not None:
            self._refuse(key, "true or false", value)
        return False

    def list(self, key: str) -> list[Any]:
        value = self.item.get(key)
        if type(value) is list:
            return value
        return [] if value is None else self._checked(key, value, list, "a list") or []

    def object(self, key: str) -> _Fields:
        value = self.item.get(key)
        if value is not None and type(value) is not dict:
            self._checked(key, value, Mapping, "an object")
        return _Fields(value or {}, self.where, self._name(key))

    def objects(self, key: str) -> list[_Fields]:
        """A list of objects, e.g. a product's ``variants``."""
        values = self.list(key)
        for position, value in enumerate(values):
            if type(value) is not dict and not isinstance(value, Mapping):
                self._refuse(f"{key}[{position}]", "an object", value)
        return [_Fields(value, self.where, self._name(f"{key}[{i}]")) for i, value in enumerate(values)]

    def words(self, key: str) -> list[str]:
        """A comma-separated string or a list of strings (numbers are taken as text), as a list."""
        value = self.item.get(key)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if value is not None and not isinstance(value, list):
            self._refuse(key, "a string or a list of strings", value)
        for position, word in enumerate(value or []):
            if word is not None and not isinstance(word, str | int | float):
                self._refuse(f"{key}[{position}]", "a string", word)
        return [str(word) for word in value or [] if word is not None]

    def _checked(self, key: str, value: Any, kind: type | tuple[type, ...], expected: str) -> Any:
        """The value if it is of the kind (a bool is no number), else the refusal."""
        if not isinstance(value, kind) or isinstance(value, bool):
            self._refuse(key, expected, value)
        return value

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _refuse(self, key: str, expected: str, value: Any) -> NoReturn:
        raise DocumentError(f"{self.where}: {self._name(key)!r} must be {expected} (got {_shown(value)})")


def _variant(variant: _Fields) -> dict[str, Any]:
    options = variant.objects("option_values")
    price = variant.number("calculated_price") if "calculated_price" in variant else variant.number("price")
    return {
        "id": variant.integer("id"),
        "sku": variant.text("sku"),
        "price": price,
        "inventory_level": variant.integer("inventory_level"),
        "options": ", ".join(f"{o.text('option_display_name')}: {o.text('label')}" for o in options),
    }


def _facets(
    options: Iterable[tuple[Any, Any]], custom_fields: Iterable[tuple[Any, Any]]
) -> list[dict[str, str]]:
    """The product's option values and custom fields, each ``(kind, name, value)`` once.

    What storefront filters list: a product with red variants in three sizes carries
    ``option Color = Red`` once, so a nested aggregation counts products, not variants.

    :param options: the ``(option_display_name, label)`` of each variant's option values.
    :param custom_fields: the ``(name, value)`` of each custom field.
    """
    facets = {("option", n, v) for n, v in options} | {("custom_field", n, v) for n, v in custom_fields}
    return [
        {"kind": kind, "name": str(name), "value": str(value)}
        for kind, name, value in sorted((k, str(n), str(v)) for k, n, v in facets if n and v)
    ]


def _image(image: _Fields) -> dict[str, Any]:
    return {
        "url_standard": image.text("url_standard"),
        "url_thumbnail": image.text("url_thumbnail"),
        "is_thumbnail": image.flag("is_thumbnail", False),
        "description": image.text("description") or "",
    }


def _thumbnail(primary: _Fields, images: list[_Fields]) -> str | None:
    if primary.text("url_thumbnail"):
        return primary.text("url_thumbnail")
    thumbnails = [i for i in images if i.flag("is_thumbnail", False)]
    return thumbnails[0].text("url_thumbnail") if thumbnails else None


def _published_at(post: _Fields) -> str | None:
    """Prefer ``published_date_iso8601``; the ``published_date`` object's examples disagree."""
    iso = post.text("published_date_iso8601")
    if iso:
        try:
            return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S%z").isoformat()
        except ValueError:
            raise DocumentError(f"{post.where}: unreadable published_date_iso8601 {_shown(iso)}") from None
    return None


# The fast path of product_document. Reading every field through _Fields made product documents
# 2-3 times slower to build than reading them directly, and nearly every product is plain JSON,
# each field null or exactly of its type. So a product is first built the direct way with its
# fields' types checked inline; anything else (a wrong type, a subclass, a mapping that is no
# dict) raises _Unusual, and the product is built again through _Fields, which names the first
# wrong field or takes what the fast path left. Both build the same document from the same item.


class _Unusual(Exception):
    """An item the fast path leaves to :class:`_Fields`."""


class _Kinds(NamedTuple):
    """The fields of an object the fast path reads, by the JSON type each has when not null:
    ``exact`` pairs a field with the one type it must be; numbers and integers have bounds too."""

    exact: tuple[tuple[str, type], ...]
    numbers: tuple[str, ...]
    integers: tuple[str, ...]


def _kinds(
    *,
    texts: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    integers: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    lists: tuple[str, ...] = (),
) -> _Kinds:
    exact = tuple(
        (key, wanted) for keys, wanted in ((texts, str), (flags, bool), (lists, list)) for key in keys
    )
    return _Kinds(exact, numbers, integers)


_PRODUCT_KINDS = _kinds(
    texts=("sku", "type", "description", "search_keywords", "page_title", "meta_description")
    + ("availability", "upc", "mpn", "gtin", "date_modified"),
    numbers=("price", "sale_price", "calculated_price"),
    integers=("brand_id", "inventory_level"),
    flags=("is_visible",),
    lists=("categories", "variants", "images", "custom_fields"),
)
_VARIANT_KINDS = _kinds(
    texts=("sku",),
    numbers=("calculated_price", "price"),
    integers=("id", "inventory_level"),
    lists=("option_values",),
)
_OPTION_KINDS = _kinds(texts=("option_display_name", "label"))
_IMAGE_KINDS = _kinds(
    texts=("url_standard", "url_thumbnail", "description"), integers=("sort_order",), flags=("is_thumbnail",)
)
_CUSTOM_FIELD_KINDS = _kinds(texts=("name", "value"))


def _plain_product_document(
    product: Mapping[str, Any], product_id: int, brands: Mapping[int, str], categories: Mapping[int, str]
) -> dict[str, Any]:
    get = _plain([product], _PRODUCT_KINDS)[0].get
    name = get("name")
    if type(name) is not str or not name.strip():
        raise _Unusual
    category_ids = [c for c in get("categories") or () if isinstance(c, int) and not isinstance(c, bool)]
    brand_id = get("brand_id")
    variants = _plain(get("variants") or [], _VARIANT_KINDS)
    options = _plain([o for v in variants for o in v.get("option_values") or ()], _OPTION_KINDS)
    images = _plain(get("images") or [], _IMAGE_KINDS)
    custom_fields = _plain(get("custom_fields") or [], _CUSTOM_FIELD_KINDS)
    return {
        "id": product_id,
        "name": name,
        "sku": get("sku") or None,
        "type": get("type"),
        "description": html_to_text(get("description")),
        "search_keywords": get("search_keywords") or "",
        "meta_keywords": _plain_words(get("meta_keywords")),
        "page_title": get("page_title") or "",
        "meta_description": get("meta_description") or "",
        "brand_id": brand_id or None,
        "brand_name": brands.get(brand_id or 0),
        "category_ids": category_ids,
        "category_names": [categories[c] for c in category_ids if c in categories],
        "price": get("price"),
        "sale_price": get("sale_price"),
        "calculated_price": get("calculated_price"),
        "is_visible": bool(get("is_visible", True)),
        "availability": get("availability"),
        "inventory_level": get("inventory_level"),
        "url": _plain_text(get("custom_url"), "url"),
        "upc": get("upc") or None,
        "mpn": get("mpn") or None,
        "gtin": get("gtin") or None,
        "date_modified": get("date_modified"),
        "variants": [_plain_variant(v) for v in variants],
        "images": [_plain_image(i) for i in sorted(images, key=lambda image: image.get("sort_order") or 0)],
        "thumbnail_url": _plain_text(get("primary_image"), "url_thumbnail")
        or next((i.get("url_thumbnail") for i in images if i.get("is_thumbnail")), None),
        "custom_fields": [{"name": f.get("name"), "value": f.get("value")} for f in custom_fields],
        "facets": _facets(
            ((o.get("option_display_name"), o.get("label")) for o in options),
            ((f.get("name"), f.get("value")) for f in custom_fields),
        ),
    }


def _plain_variant(variant: dict[str, Any]) -> dict[str, Any]:
    get = variant.get
    return {
        "id": get("id"),
        "sku": get("sku"),
        "price": get("calculated_price") if "calculated_price" in variant else get("price"),
        "inventory_level": get("inventory_level"),
        "options": ", ".join(
            f"{o.get('option_display_name')}: {o.get('label')}" for o in get("option_values") or ()
        ),
    }


def _plain_image(image: dict[str, Any]) -> dict[str, Any]:
    return {
        "url_standard": image.get("url_standard"),
        "url_thumbnail": image.get("url_thumbnail"),
        "is_thumbnail": bool(image.get("is_thumbnail")),
        "description": image.get("description") or "",
    }


def _plain(items: list[Any], kinds: _Kinds) -> list[dict[str, Any]]:
    """The items, if each is a dict whose fields are each null or exactly of their kind's JSON
    type, a float finite and an integer within 64 bits."""
    exact, numbers, integers = kinds
    for item in items:
        if type(item) is not dict:
            raise _Unusual
        get = item.get
        for key, wanted in exact:
            value = get(key)
            if type(value) is not wanted and value is not None:
                raise _Unusual
        for key in numbers:
            value = get(key)
            kind = type(value)
            # value - value is 0.0 for a finite float, NaN for an infinite or NaN one.
            if (
                kind is float
                and value - value != 0.0
                or kind is not float
                and kind is not int
                and value is not None
            ):
                raise _Unusual
        for key in integers:
            value = get(key)
            if (
                type(value) is int
                and not _LONG_MIN <= value <= _LONG_MAX
                or type(value) is not int
                and value is not None
            ):
                raise _Unusual
    return items


def _plain_text(value: Any, key: str) -> str | None:
    """A text field of an object that may be null."""
    if value is None:
        return None
    if type(value) is not dict:
        raise _Unusual
    text = value.get(key)
    if type(text) is not str and text is not None:
        raise _Unusual
    return text


def _plain_words(value: Any) -> list[str]:
    if type(value) is str:
        return [part.strip() for part in value.split(",") if part.strip()]
    if type(value) is not list and value is not None:
        raise _Unusual
    for word in value or ():
        if type(word) is not str:
            raise _Unusual
    return list(value or ())
