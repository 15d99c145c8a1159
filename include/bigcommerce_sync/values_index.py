"""The per-store searchable-values index: autocomplete and value listing, versioned behind an alias.

``bc_<store>_values`` serves ``bc_<store>_values_v<run>``, one document per field value:
the field (``option:Color``), the value, a category's path, the products that carry
it, and a ``completion`` field weighted by that count. A version is built whole, sealed,
and swapped in by :func:`bigcommerce_sync.index_lifecycle.publish`; retention keeps
earlier once-live versions as for the entity indexes.

On this engine (no ``analysis-common``, no ``mapper-extras``) prefix search is a
``completion`` field plus ``index_prefixes`` on the value text; a stock cluster could use
``search_as_you_type`` and accent folding instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.analysis import TextAnalysis
from bigcommerce_sync.index_definitions import LOADING_SETTINGS
from bigcommerce_sync.index_lifecycle import publish, retain_versions, seal
from bigcommerce_sync.searchable_fields import FieldValue, SearchableField

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.search import SearchHook

VALUE_ANALYZER = "value_text"
# Each suggestion input starts at a word: "oak" suggests "Solid oak"; this many words at most.
MAX_SUGGEST_WORDS = 8
_WORD_START = re.compile(r"(?:^|(?<=\s))\S")
_KEYWORD = {"type": "keyword"}
_MAPPINGS = {
    "dynamic": "false",
    "properties": {
        "field": _KEYWORD,
        "kind": _KEYWORD,
        "name": _KEYWORD,
        "key": _KEYWORD,
        "value": {
            "type": "text",
            "analyzer": VALUE_ANALYZER,
            "index_prefixes": {"min_chars": 1, "max_chars": 10},
            "fields": {"raw": _KEYWORD},
        },
        "path": {"type": "text", "analyzer": VALUE_ANALYZER, "fields": {"raw": _KEYWORD}},
        "product_count": {"type": "integer"},
        "rank": {"type": "integer"},
        "suggest": {"type": "completion", "analyzer": VALUE_ANALYZER, "max_input_length": 100},
    },
}


def values_alias(store_hash: str) -> str:
    return f"bc_{store_hash}_values"


def values_version(store_hash: str, value_run_id: int) -> str:
    return f"{values_alias(store_hash)}_v{value_run_id}"


def values_index_body(text_analysis: TextAnalysis) -> dict[str, Any]:
    """Settings and mappings; accent folding only where the cluster has it."""
    folding = ["asciifolding"] if text_analysis is TextAnalysis.FULL else []
    analyzer = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", *folding]}
    return {
        "settings": {
            "index": {**LOADING_SETTINGS, "number_of_shards": 1},
            "analysis": {"analyzer": {VALUE_ANALYZER: analyzer}},
        },
        "mappings": _MAPPINGS,
    }


def value_documents(values: Mapping[SearchableField, Sequence[FieldValue]]) -> Iterator[dict[str, Any]]:
    """The index documents of every field's values (bulk actions without the index)."""
    for field, field_values in values.items():
        for rank, value in enumerate(field_values, start=1):
            doc_id = hashlib.sha1(f"{field.key}\n{value.key}".encode(), usedforsecurity=False).hexdigest()
            inputs = [value.value[m.start() :] for m in _WORD_START.finditer(value.value)][:MAX_SUGGEST_WORDS]
            source = {
                "field": field.key,
                "kind": str(field.kind),
                "name": field.name,
                "key": value.key,
                "value": value.value,
                "path": value.path,
                "product_count": value.product_count,
                "rank": rank,
                "suggest": {"input": inputs, "weight": min(value.product_count, 2**31 - 1)},
            }
            yield {"_id": doc_id, "_source": source}


def publish_values(
    hook: SearchHook,
    *,
    store_hash: str,
    value_run_id: int,
    values: Mapping[SearchableField, Sequence[FieldValue]],
    keep_previous: int,
) -> tuple[str, int]:
    """Build the run's version of the store's values index, swap the alias to it, apply retention.

    A retry after the swap finds the version live and leaves it as it is.

    :return: the version's name and its document count.
    """
    alias, index = values_alias(store_hash), values_version(store_hash, value_run_id)
    if index not in hook.alias_targets(alias):
        hook.delete_indexes([index])
        hook.create_index(index, values_index_body(hook.text_analysis))
        actions = ({**doc, "_index": index} for doc in value_documents(values))
        refused = [item for ok, item in hook.bulk(actions) if not ok]
        if refused:
            raise RuntimeError(f"{len(refused)} values refused by {index}; the first: {refused[0]}")
        seal(hook, index)
        publish(hook, {alias: index})
    retain_versions(hook, alias=alias, keep_previous=keep_previous)
    return index, hook.count(index)
