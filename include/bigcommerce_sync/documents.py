"""Pure functions from BigCommerce API objects to search documents.

Each raises :class:`DocumentError` saying which field is wrong, so one bad item
is recorded and skipped instead of failing a whole import.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

_TAG = re.compile(r"<[^>]*>")
# The field of a fingerprinted document that holds the hash of the rest of it.
CONTENT_HASH = "content_hash"


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
    category_ids = [c for c in product.get("categories") or [] if isinstance(c, int)]
    return {
        "id": product_id,
        "name": _required_text(product, "name", "product", product_id),
        "sku": product.get("sku") or None,
        "type": product.get("type"),
        "description": html_to_text(product.get("description")),
        "search_keywords": product.get("search_keywords") or "",
        "meta_keywords": _strings(product.get("meta_keywords")),
        "page_title": product.get("page_title") or "",
        "meta_description": product.get("meta_description") or "",
        "brand_id": product.get("brand_id") or None,
        "brand_name": brands.get(product.get("brand_id") or 0),
        "category_ids": category_ids,
        "category_names": [categories[c] for c in category_ids if c in categories],
        "price": product.get("price"),
        "sale_price": product.get("sale_price"),
        "calculated_price": product.get("calculated_price"),
        "is_visible": bool(product.get("is_visible", True)),
        "availability": product.get("availability"),
        "inventory_level": product.get("inventory_level"),
        "url": (product.get("custom_url") or {}).get("url"),
        "upc": product.get("upc") or None,
        "mpn": product.get("mpn") or None,
        "gtin": product.get("gtin") or None,
        "date_modified": product.get("date_modified"),
        "variants": [_variant(v) for v in product.get("variants") or []],
        "images": [_image(i) for i in _sorted_images(product.get("images"))],
        "thumbnail_url": _thumbnail(product),
        "custom_fields": [
            {"name": f.get("name"), "value": f.get("value")} for f in product.get("custom_fields") or []
        ],
        "facets": _facets(product),
    }


def category_document(category: Mapping[str, Any], path: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Build a category document from a ``/v3/catalog/trees/categories`` item.

    :param category: the category.
    :param path: the categories from the root down to and including this one.
    """
    category_id = _required_id(category, "category_id", "category")
    return {
        "id": category_id,
        "tree_id": category.get("tree_id"),
        "parent_id": category.get("parent_id") or 0,
        "name": _required_text(category, "name", "category", category_id),
        "description": html_to_text(category.get("description")),
        "path": " > ".join(str(c.get("name", "")) for c in path),
        "path_ids": [c.get("category_id") for c in path],
        "depth": len(path),
        "url": (category.get("url") or {}).get("path"),
        "is_visible": bool(category.get("is_visible", True)),
        "page_title": category.get("page_title") or "",
        "meta_keywords": _strings(category.get("meta_keywords")),
        "meta_description": category.get("meta_description") or "",
        "search_keywords": category.get("search_keywords") or "",
    }


def page_document(page: Mapping[str, Any]) -> dict[str, Any]:
    """Build a web page document from a ``/v3/content/pages`` item fetched with ``include=body``."""
    page_id = _required_id(page, "id", "page")
    return {
        "id": page_id,
        "type": page.get("type"),
        "name": _required_text(page, "name", "page", page_id),
        "body": html_to_text(page.get("body")) if page.get("type") != "raw" else "",
        "url": page.get("url") or page.get("link"),
        "is_visible": bool(page.get("is_visible", True)),
        "channel_id": page.get("channel_id", 1),
        "parent_id": page.get("parent_id") or 0,
        "meta_title": page.get("meta_title") or "",
        "meta_description": page.get("meta_description") or "",
        "meta_keywords": page.get("meta_keywords") or "",
        "search_keywords": page.get("search_keywords") or "",
    }


def blog_post_document(post: Mapping[str, Any]) -> dict[str, Any]:
    """Build a blog post document from a ``/v2/blog/posts`` item."""
    post_id = _required_id(post, "id", "blog post")
    return {
        "id": post_id,
        "title": _required_text(post, "title", "blog post", post_id),
        "url": post.get("url"),
        "body": html_to_text(post.get("body")),
        "summary": html_to_text(post.get("summary")),
        "tags": _strings(post.get("tags")),
        "author": post.get("author") or "",
        "is_published": bool(post.get("is_published", False)),
        "published_at": _published_at(post),
        "thumbnail_path": post.get("thumbnail_path") or None,
        "meta_description": post.get("meta_description") or "",
        "meta_keywords": post.get("meta_keywords") or "",
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
    value = item.get(key) if isinstance(item, Mapping) else None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise DocumentError(f"{kind} has no positive integer {key!r} (got {value!r})")
    return value


def _required_text(item: Mapping[str, Any], key: str, kind: str, item_id: int) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{kind} {item_id}: {key!r} must be a non-empty string (got {value!r})")
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value or [] if v is not None]


def _variant(variant: Mapping[str, Any]) -> dict[str, Any]:
    options = variant.get("option_values") or []
    return {
        "id": variant.get("id"),
        "sku": variant.get("sku"),
        "price": variant.get("calculated_price", variant.get("price")),
        "inventory_level": variant.get("inventory_level"),
        "options": ", ".join(f"{o.get('option_display_name')}: {o.get('label')}" for o in options),
    }


def _facets(product: Mapping[str, Any]) -> list[dict[str, str]]:
    """The product's option values and custom fields, each ``(kind, name, value)`` once.

    What storefront filters list: a product with red variants in three sizes carries
    ``option Color = Red`` once, so a nested aggregation counts products, not variants.
    """
    options = {
        ("option", o.get("option_display_name"), o.get("label"))
        for variant in product.get("variants") or []
        for o in variant.get("option_values") or []
    }
    fields = {("custom_field", f.get("name"), f.get("value")) for f in product.get("custom_fields") or []}
    return [
        {"kind": kind, "name": str(name), "value": str(value)}
        for kind, name, value in sorted((k, str(n), str(v)) for k, n, v in options | fields if n and v)
    ]


def _sorted_images(images: Any) -> list[Mapping[str, Any]]:
    return sorted(images or [], key=lambda image: image.get("sort_order") or 0)


def _image(image: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "url_standard": image.get("url_standard"),
        "url_thumbnail": image.get("url_thumbnail"),
        "is_thumbnail": bool(image.get("is_thumbnail")),
        "description": image.get("description") or "",
    }


def _thumbnail(product: Mapping[str, Any]) -> str | None:
    primary = product.get("primary_image") or {}
    if primary.get("url_thumbnail"):
        return primary["url_thumbnail"]
    thumbnails = [i for i in product.get("images") or [] if i.get("is_thumbnail")]
    return thumbnails[0].get("url_thumbnail") if thumbnails else None


def _published_at(post: Mapping[str, Any]) -> str | None:
    """Prefer ``published_date_iso8601``; the ``published_date`` object's examples disagree."""
    iso = post.get("published_date_iso8601")
    if isinstance(iso, str) and iso:
        try:
            return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S%z").isoformat()
        except ValueError:
            raise DocumentError(
                f"blog post {post.get('id')}: unreadable published_date_iso8601 {iso!r}"
            ) from None
    return None
