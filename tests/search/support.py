"""What tests against the real engine share: index analysis it accepts, the test store's
registry entry, its aliases, and searches."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from elasticsearch import helpers

from bigcommerce_sync.analysis import SynonymsMode, analysis_settings
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.conftest import TEST_REGISTRY, TEST_STORES_FILE

STORE = "teststore"
DAG_ID = f"bigcommerce_sync_{STORE}"


def alias(entity: Entity, store: str = STORE) -> str:
    return f"bc_{store}_{entity}"


@contextmanager
def store_entry(**changes: Any) -> Iterator[None]:
    """Run with the test store's registry entry changed (e.g. its stop words); restored after.

    Every ``run_sync`` parses the DAG file again, and the registry is read at parse time.
    """
    registry = copy.deepcopy(TEST_REGISTRY)
    next(s for s in registry["stores"] if s["store_hash"] == STORE).update(changes)
    TEST_STORES_FILE.write_text(yaml.safe_dump(registry), encoding="utf-8")
    try:
        yield
    finally:
        TEST_STORES_FILE.write_text(yaml.safe_dump(TEST_REGISTRY), encoding="utf-8")


def found_ids(hook: SearchHook, index: str, query: dict[str, Any]) -> set[int]:
    """The ids of every document ``query`` finds (the test catalogs are small)."""
    hits = hook.client.search(index=index, query=query, size=10_000, source=False)["hits"]["hits"]
    return {int(hit["_id"]) for hit in hits}


def documents(hook: SearchHook, index: str) -> list[dict[str, Any]]:
    """Every document's ``_source`` (scroll)."""
    return [
        hit["_source"] for hit in helpers.scan(hook.client, index=index, query={"query": {"match_all": {}}})
    ]


def ids_containing(docs: list[dict[str, Any]], field: str, words: str) -> set[int]:
    """Ids of the documents whose ``field`` holds ``words`` as whole words, in that order."""
    pattern = re.compile(r"(?<![\w'])" + r"\W+".join(map(re.escape, words.split())) + r"(?![\w'])", re.I)
    return {doc["id"] for doc in docs if pattern.search(str(doc.get(field) or ""))}


def cluster_analysis(
    *, store_hash: str, stop_words: tuple[str, ...] = (), synonyms: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Index analysis the test cluster accepts (its ``elasticsearch_default`` connection says which)."""
    hook = SearchHook()
    return analysis_settings(
        stop_words=list(stop_words),
        synonyms=list(synonyms),
        mode=SynonymsMode.INLINE,
        store_hash=store_hash,
        text_analysis=hook.text_analysis,
    )
