"""Search analysis: stop words, synonym rules and the analyzers built from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

# Short on purpose: "no", "not", "with" and "for" change what shoppers mean ("for men").
DEFAULT_STOP_WORDS = (
    "a", "an", "and", "are", "as", "at", "be", "by", "in", "is", "it",
    "of", "on", "or", "that", "the", "this", "to",
)  # fmt: skip
DEFAULT_SYNONYMS = (
    "tv, television",
    "tshirt, t-shirt, tee",
    "laptop, notebook computer",
    "sneakers, trainers, running shoes",
)

INDEX_ANALYZER = "catalog_text"
SEARCH_ANALYZER = "catalog_search"


class SynonymsMode(StrEnum):
    """Where synonym rules live on the search side.

    ``api``: a synonym set (Elasticsearch 8.10+), updated without reindexing.
    ``inline``: rules inside the index settings (clusters before 8.10, OpenSearch).
    """

    API = "api"
    INLINE = "inline"


class TextAnalysis(StrEnum):
    """Which analysis components the cluster has.

    ``full``: every stock Elasticsearch (its ``analysis-common`` module): accent folding and
    synonyms. ``core``: the server core alone (Elasticsearch's minimal integ-test
    distribution): the standard tokenizer, ``lowercase`` and ``stop``, so no accent
    folding and no synonyms.
    """

    FULL = "full"
    CORE = "core"


def validate_synonym_rule(rule: str) -> None:
    """Raise ``ValueError`` unless ``rule`` is one Solr-format rule: ``a, b`` or ``a, b => c``."""
    if "\n" in rule:
        raise ValueError(f"synonym rule {rule!r} spans several lines; give one rule per list item")
    sides = rule.split("=>")
    if len(sides) > 2 or any(not _terms(side) for side in sides):
        raise ValueError(f"synonym rule {rule!r} must look like 'a, b, c' or 'a, b => c'")
    if len(sides) == 1 and len(_terms(rule)) < 2:
        raise ValueError(f"synonym rule {rule!r} needs at least two comma-separated terms")


def _terms(side: str) -> list[str]:
    return [term.strip() for term in side.split(",") if term.strip()]


def merged_list(own: Iterable[str], defaults: Iterable[str], use_defaults: bool) -> list[str]:
    """Return the store's list merged with the defaults, lower-cased, de-duplicated and sorted."""
    words = {item.strip().lower() for item in own if item.strip()}
    if use_defaults:
        words |= {item.lower() for item in defaults}
    return sorted(words)


def synonym_set_id(store_hash: str) -> str:
    return f"bc_{store_hash}_synonyms"


def synonym_set_body(rules: Iterable[str]) -> dict[str, Any]:
    """Body for ``PUT _synonyms/<set>``: one rule per id, stable ids so updates are idempotent."""
    return {"synonyms_set": [{"id": f"rule-{n}", "synonyms": rule} for n, rule in enumerate(rules, 1)]}


def analysis_settings(
    *,
    stop_words: list[str],
    synonyms: list[str],
    mode: SynonymsMode,
    store_hash: str,
    text_analysis: TextAnalysis = TextAnalysis.FULL,
) -> dict[str, Any]:
    """Return the ``analysis`` settings shared by every index of a store.

    Indexing uses no synonyms, so editing them never needs a reindex; searching puts
    ``synonym_graph`` before ``stop`` so that rules keep their stop words. On a
    ``core`` cluster both analyzers are lowercase and stop words only.
    """
    stop = {"catalog_stop": {"type": "stop", "stopwords": stop_words or "_none_"}}
    if text_analysis is TextAnalysis.CORE:
        core = _analyzer(["lowercase", "catalog_stop"])
        return {"filter": stop, "analyzer": {INDEX_ANALYZER: core, SEARCH_ANALYZER: core}}
    base_filters = ["lowercase", "asciifolding"]
    return {
        "filter": {**stop, "catalog_synonyms": _synonym_filter(synonyms, mode, store_hash)},
        "analyzer": {
            INDEX_ANALYZER: _analyzer(base_filters + ["catalog_stop"]),
            SEARCH_ANALYZER: _analyzer(base_filters + ["catalog_synonyms", "catalog_stop"]),
        },
    }


def _synonym_filter(synonyms: list[str], mode: SynonymsMode, store_hash: str) -> Mapping[str, Any]:
    if mode is SynonymsMode.API:
        return {"type": "synonym_graph", "synonyms_set": synonym_set_id(store_hash), "updateable": True}
    return {"type": "synonym_graph", "synonyms": synonyms, "lenient": True}


def _analyzer(filters: list[str]) -> dict[str, Any]:
    return {
        "type": "custom",
        "tokenizer": "standard",
        "filter": filters,
    }
