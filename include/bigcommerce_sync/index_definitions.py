"""Mappings and settings of each entity's search index."""

from __future__ import annotations

from typing import Any

from bigcommerce_sync.analysis import INDEX_ANALYZER, SEARCH_ANALYZER
from bigcommerce_sync.documents import CONTENT_HASH
from bigcommerce_sync.sync_types import Entity

_TEXT = {"type": "text", "analyzer": INDEX_ANALYZER, "search_analyzer": SEARCH_ANALYZER}
_TEXT_AND_KEYWORD = {**_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 256}}}
_KEYWORD = {"type": "keyword"}
# Shown, never searched, sorted or aggregated: no inverted index and no doc values.
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}
# Read back by incremental syncs, never searched.
_FINGERPRINT = {CONTENT_HASH: {"type": "keyword", "index": False}}

# Product names answer prefix queries (a search-as-you-type box) from indexed prefixes of their words.
_PREFIXES = {"index_prefixes": {"min_chars": 1, "max_chars": 10}}
# Option values and custom fields as (kind, name, value): nested, so each value stays with its name.
_FACETS = {"type": "nested", "properties": {"kind": _KEYWORD, "name": _KEYWORD, "value": _KEYWORD}}

_PRODUCT = {
    "id": {"type": "long"},
    "name": {**_TEXT_AND_KEYWORD, **_PREFIXES},
    "sku": _KEYWORD,
    "type": _KEYWORD,
    "description": _TEXT,
    "search_keywords": _TEXT,
    "meta_keywords": _TEXT,
    "page_title": _TEXT,
    "meta_description": _TEXT,
    "brand_id": {"type": "long"},
    "brand_name": _TEXT_AND_KEYWORD,
    "category_ids": {"type": "long"},
    "category_names": _TEXT_AND_KEYWORD,
    "price": {"type": "double"},
    "sale_price": {"type": "double"},
    "calculated_price": {"type": "double"},
    "is_visible": {"type": "boolean"},
    "availability": _KEYWORD,
    "inventory_level": {"type": "long"},
    "url": _STORED_ONLY,
    "upc": _KEYWORD,
    "mpn": _KEYWORD,
    "gtin": _KEYWORD,
    "date_modified": {"type": "date"},
    "variants": {
        "properties": {
            "id": {"type": "long"},
            "sku": _KEYWORD,
            "price": {"type": "double"},
            "inventory_level": {"type": "long"},
            "options": _TEXT,
        }
    },
    "images": {
        "properties": {
            "url_standard": _STORED_ONLY,
            "url_thumbnail": _STORED_ONLY,
            "is_thumbnail": {"type": "boolean"},
            "description": _TEXT,
        }
    },
    "thumbnail_url": _STORED_ONLY,
    "custom_fields": {"properties": {"name": _KEYWORD, "value": _TEXT_AND_KEYWORD}},
    "facets": _FACETS,
}

_CATEGORY = {
    "id": {"type": "long"},
    "tree_id": {"type": "long"},
    "parent_id": {"type": "long"},
    "name": _TEXT_AND_KEYWORD,
    "description": _TEXT,
    "path": _TEXT_AND_KEYWORD,
    "path_ids": {"type": "long"},
    "depth": {"type": "integer"},
    "url": _STORED_ONLY,
    "is_visible": {"type": "boolean"},
    "page_title": _TEXT,
    "meta_keywords": _TEXT,
    "meta_description": _TEXT,
    "search_keywords": _TEXT,
    **_FINGERPRINT,
}

_PAGE = {
    "id": {"type": "long"},
    "type": _KEYWORD,
    "name": _TEXT_AND_KEYWORD,
    "body": _TEXT,
    "url": _STORED_ONLY,
    "is_visible": {"type": "boolean"},
    "channel_id": {"type": "long"},
    "parent_id": {"type": "long"},
    "meta_title": _TEXT,
    "meta_description": _TEXT,
    "meta_keywords": _TEXT,
    "search_keywords": _TEXT,
    **_FINGERPRINT,
}

_BLOG_POST = {
    "id": {"type": "long"},
    "title": _TEXT_AND_KEYWORD,
    "url": _STORED_ONLY,
    "body": _TEXT,
    "summary": _TEXT,
    "tags": _TEXT_AND_KEYWORD,
    "author": _TEXT_AND_KEYWORD,
    "is_published": {"type": "boolean"},
    "published_at": {"type": "date"},
    "thumbnail_path": _STORED_ONLY,
    "meta_description": _TEXT,
    "meta_keywords": _TEXT,
    **_FINGERPRINT,
}

_PROPERTIES = {
    Entity.PRODUCTS: _PRODUCT,
    Entity.CATEGORIES: _CATEGORY,
    Entity.PAGES: _PAGE,
    Entity.BLOG_POSTS: _BLOG_POST,
}

# While loading: no replicas and no refreshes; restored before the index goes live.
LOADING_SETTINGS = {"number_of_replicas": 0, "refresh_interval": "-1"}


def serving_settings(replicas: int) -> dict[str, Any]:
    """Settings restored once loading is done (``None`` returns to the 1 s refresh default)."""
    return {"number_of_replicas": replicas, "refresh_interval": None}


def index_body(entity: Entity, analysis: dict[str, Any]) -> dict[str, Any]:
    """Return the create-index body for ``entity``: loading settings, analysis and mappings."""
    return {
        "settings": {"index": {**LOADING_SETTINGS, "number_of_shards": 1}, "analysis": analysis},
        "mappings": {"dynamic": "false", "properties": _PROPERTIES[entity]},
    }
