"""Mappings: what the document builders emit is what the index maps, and every mapped field is searchable.

The mappings are ``dynamic: false``: a field a builder emits but the mapping lacks is
kept in ``_source`` and silently unsearchable. This builds every entity's documents with
the product's own extraction and builders from the simulated store, indexes them into a
real index made from :func:`index_body`, and asks Elasticsearch (``_field_caps``, queries)
whether each field is there and finds its document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bigcommerce_sync.extraction import entity_stream
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.index_definitions import index_body
from bigcommerce_sync.index_lifecycle import create_version, seal
from bigcommerce_sync.sync_types import Entity
from tests.conftest import SIM_CATALOGS
from tests.search.support import cluster_analysis

STORE = "teststore"
EXPECTED_DOCS = {
    Entity.PRODUCTS: SIM_CATALOGS[STORE]["products"],
    Entity.CATEGORIES: SIM_CATALOGS[STORE]["categories"],
    Entity.PAGES: SIM_CATALOGS[STORE]["pages"],
    Entity.BLOG_POSTS: SIM_CATALOGS[STORE]["blog_posts"],
}


def emitted_values(document: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every leaf of a document; lists of objects become sub-paths."""
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from emitted_values(value, f"{path}.")
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for element in value:
                yield from emitted_values(element, f"{path}.")
        else:
            yield path, value


def mapped_fields(properties: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every leaf field of a mapping by path, multi-fields (``name.raw``) included."""
    fields: dict[str, dict[str, Any]] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            fields |= mapped_fields(spec["properties"], f"{path}.")
            continue
        fields[path] = spec
        for sub, sub_spec in spec.get("fields", {}).items():
            fields[f"{path}.{sub}"] = sub_spec
    return fields


def has_value(value: Any) -> bool:
    if isinstance(value, list):
        return any(has_value(v) for v in value)
    return value is not None and value != ""


def first_value(value: Any) -> Any:
    return next(v for v in value if has_value(v)) if isinstance(value, list) else value


def query_for(path: str, spec: Mapping[str, Any], value: Any) -> dict[str, Any] | None:
    """A query that must find a document holding ``value`` in field ``path`` (None: not applicable)."""
    if spec["type"] == "text":
        return {"match": {path: {"query": str(value), "operator": "and"}}}
    if spec["type"] == "keyword" and len(str(value)) > spec.get("ignore_above", 1 << 30):
        return None
    return {"term": {path: value}}


@pytest.fixture(scope="module")
def store(sync_stack) -> BigCommerceHook:
    return BigCommerceHook(f"bigcommerce_{STORE}", max_concurrency=2)


def build_documents(store: BigCommerceHook, entity: Entity) -> list[dict[str, Any]]:
    """The documents a sync would send, built by the product's extraction and builders."""
    stream = entity_stream(store, entity)
    return [stream.to_document(item) for page in stream.pages for item in page]


@pytest.mark.parametrize("entity", list(Entity), ids=str)
def test_every_field_a_builder_emits_is_mapped_and_every_mapped_field_is_filled(store, entity):
    documents = build_documents(store, entity)
    mapping = index_body(entity, {})["mappings"]
    mapped = {path for path in mapped_fields(mapping["properties"]) if not path.endswith(".raw")}
    objects = {path.rsplit(".", 1)[0] for path in mapped if "." in path}  # e.g. an empty "variants": []
    emitted = {path for doc in documents for path, _ in emitted_values(doc)} - objects
    filled = {path for doc in documents for path, value in emitted_values(doc) if has_value(value)}

    assert len(documents) == EXPECTED_DOCS[entity]
    assert mapping["dynamic"] == "false"
    assert emitted - mapped == set(), "emitted but not mapped: silently unsearchable under dynamic: false"
    assert mapped - emitted == set(), "mapped but no builder emits it"
    assert mapped - filled == set(), "mapped but never filled by the simulated store: its search is untested"


@pytest.mark.parametrize("entity", list(Entity), ids=str)
def test_every_mapped_field_is_indexed_by_elasticsearch_and_finds_its_document(store, entity):
    hook = SearchHook()
    hook.delete_indexes(hook.indexes_matching("bc_mapcheck_*"))
    analysis = cluster_analysis(store_hash="mapcheck")
    index = create_version(hook, store_hash="mapcheck", entity=entity, batch_id=1, analysis=analysis)
    documents = build_documents(store, entity)
    actions = ({"_index": index, "_id": str(doc["id"]), "_source": doc} for doc in documents)

    rejected = [item for ok, item in hook.bulk(actions) if not ok]

    assert rejected == [], "Elasticsearch refused documents the builders made"
    assert seal(hook, index) == len(documents)
    fields = mapped_fields(index_body(entity, {})["mappings"]["properties"])
    caps = hook.client.field_caps(index=index, fields="*")["fields"]
    emitted = {path for doc in documents for path, value in emitted_values(doc) if value != []}
    missing = emitted - set(caps)
    assert missing == set(), "fields of the documents Elasticsearch does not know"
    problems: dict[str, str] = {}
    for path, spec in fields.items():
        (field_type, cap), *_ = caps[path].items()
        if field_type != spec["type"]:
            problems[path] = f"mapped as {spec['type']}, Elasticsearch has {field_type}"
        elif spec.get("index", True) is False:
            continue  # kept for display; Elasticsearch can still query it slowly through doc values
        elif not cap["searchable"]:
            problems[path] = "not searchable"
        elif why := _finds_its_document(hook, index, documents, path, spec, nested_in(path, entity)):
            problems[path] = why
    assert problems == {}


def nested_in(path: str, entity: Entity) -> str | None:
    """The ``nested`` object ``path`` lies in (e.g. the product ``facets``), or None."""
    properties = index_body(entity, {})["mappings"]["properties"]
    top = properties.get(path.split(".", 1)[0], {})
    return path.split(".", 1)[0] if top.get("type") == "nested" else None


def _finds_its_document(
    hook: SearchHook,
    index: str,
    documents: list[dict[str, Any]],
    path: str,
    spec: Mapping[str, Any],
    nested: str | None = None,
) -> str | None:
    """Search ``path`` (inside ``nested``, if given) for a document's own value; return why that failed."""
    source_path = path.removesuffix(".raw")
    tried = 0
    for doc in documents:
        values = [value for p, value in emitted_values(doc) if p == source_path and has_value(value)]
        if not values:
            continue
        value = first_value(values[0])
        query = query_for(path, spec, value)
        if query is None:
            continue
        if nested:
            query = {"nested": {"path": nested, "query": query}}
        tried += 1
        found = hook.search(
            index, {"bool": {"must": [query], "filter": [{"ids": {"values": [str(doc["id"])]}}]}}, size=1
        )
        if found:
            return None
        if tried == 3:
            return f"{query} did not find document {doc['id']} (nor two others)"
    return "no document has a value to search for"
