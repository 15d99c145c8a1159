"""What tests that create indexes directly need to know about the test cluster."""

from __future__ import annotations

from typing import Any

from bigcommerce_sync.analysis import SynonymsMode, analysis_settings
from bigcommerce_sync.hooks.search import SearchHook


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
