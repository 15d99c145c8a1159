"""The config tasks: apply a store's stop words and synonyms to its search side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from bigcommerce_sync.analysis import (
    DEFAULT_STOP_WORDS,
    DEFAULT_SYNONYMS,
    SynonymsMode,
    TextAnalysis,
    merged_list,
    synonym_set_body,
    synonym_set_id,
)
from bigcommerce_sync.operators.base import BatchTaskOperator
from bigcommerce_sync.sync_types import SyncType, applies_stop_words, applies_synonyms

if TYPE_CHECKING:
    from airflow.sdk import Context


class StoreListsOperator(BatchTaskOperator):
    """Base of the tasks that need the store's full lists (the config tasks and the rebuild).

    :param stop_words: the store's own stop words.
    :param synonyms: the store's own synonym rules (Solr format).
    :param use_default_lists: merge the project's default lists in.
    :param search_conn_id: the search cluster's connection.
    """

    def __init__(
        self,
        *,
        stop_words: list[str],
        synonyms: list[str],
        use_default_lists: bool,
        search_conn_id: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.stop_words = stop_words
        self.synonyms = synonyms
        self.use_default_lists = use_default_lists
        self.search_conn_id = search_conn_id

    def merged_stop_words(self) -> list[str]:
        return merged_list(self.stop_words, DEFAULT_STOP_WORDS, self.use_default_lists)

    def merged_synonyms(self) -> list[str]:
        return merged_list(self.synonyms, DEFAULT_SYNONYMS, self.use_default_lists)


class ApplyStopWordsOperator(StoreListsOperator):
    """Build the store's stop words.

    Stop words are part of the index analysis, so a data sync hands them to
    ``create_index`` (this task's XCom); a stop-words-only sync reaches search
    through ``rebuild_index`` and ``publish``.
    """

    def execute(self, context: Context) -> list[str]:
        self.claimed_batch_or_skip(context, applies=applies_stop_words, reason="does not change stop words")
        words = self.merged_stop_words()
        self.log.info("%d stop words: %s", len(words), ", ".join(words))
        return words


class ApplySynonymsOperator(StoreListsOperator):
    """Write the store's synonym set; search-time analyzers pick it up without a reindex.

    On clusters without the Synonyms API (``synonyms_mode: inline``) the rules
    live in the index settings instead, and a synonyms-only sync reaches search
    through ``rebuild_index`` and ``publish``, like a stop-words sync. A cluster with only core analysis
    (``text_analysis: core``) cannot apply synonyms: a synonyms-only sync fails
    saying so, and data syncs go on without them.
    """

    def execute(self, context: Context) -> list[str]:
        batch = self.claimed_batch_or_skip(
            context, applies=applies_synonyms, reason="does not change synonyms"
        )
        from bigcommerce_sync.hooks.search import SearchHook

        rules = self.merged_synonyms()
        hook = SearchHook(self.search_conn_id)
        if hook.text_analysis is TextAnalysis.CORE:
            reason = f"connection {self.search_conn_id!r} says the cluster has only core text analysis"
            if batch.sync_type is SyncType.SYNONYMS:
                raise AirflowFailException(f"cannot apply synonyms: {reason} (no synonym_graph)")
            self.log.warning("Synonyms are not applied: %s", reason)
        elif hook.synonyms_mode is SynonymsMode.API:
            set_id = synonym_set_id(batch.store_hash)
            hook.put_synonym_set(set_id, synonym_set_body(rules))
            self.log.info("Synonym set %s now has %d rules", set_id, len(rules))
        return rules
