"""The index tasks: create the batch's index versions, and publish them when loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowSkipException

from bigcommerce_sync.analysis import analysis_settings
from bigcommerce_sync.index_lifecycle import (
    alias_name,
    apply_retention,
    create_version,
    publish,
    version_name,
)
from bigcommerce_sync.operators.base import BatchTaskOperator
from bigcommerce_sync.sync_types import entities

if TYPE_CHECKING:
    from airflow.sdk import Context


class CreateIndexOperator(BatchTaskOperator):
    """Create an empty, bulk-load-ready index version for each entity the sync imports.

    :param stop_words_task_id: the task whose XCom holds the stop words.
    :param synonyms_task_id: the task whose XCom holds the synonym rules.
    :param search_conn_id: the search cluster's connection.
    """

    def __init__(
        self, *, stop_words_task_id: str, synonyms_task_id: str, search_conn_id: str, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stop_words_task_id = stop_words_task_id
        self.synonyms_task_id = synonyms_task_id
        self.search_conn_id = search_conn_id

    def execute(self, context: Context) -> dict[str, str]:
        batch = self.claimed_batch(context)
        wanted = entities(batch.sync_type)
        if not wanted:
            raise AirflowSkipException(f"a {batch.sync_type} sync imports no documents")
        from bigcommerce_sync.hooks.search import SearchHook

        ti = context["ti"]
        hook = SearchHook(self.search_conn_id)
        analysis = analysis_settings(
            stop_words=ti.xcom_pull(task_ids=self.stop_words_task_id),
            synonyms=ti.xcom_pull(task_ids=self.synonyms_task_id),
            mode=hook.synonyms_mode,
            store_hash=batch.store_hash,
            text_analysis=hook.text_analysis,
        )
        created = {
            str(entity): create_version(
                hook, store_hash=batch.store_hash, entity=entity, batch_id=batch.batch_id, analysis=analysis
            )
            for entity in wanted
        }
        self.log.info("Created index versions %s", created)
        return created


class PublishIndexOperator(BatchTaskOperator):
    """Switch the aliases to the batch's loaded versions in one atomic call, then apply retention.

    :param search_conn_id: the search cluster's connection.
    :param keep_previous_indexes: older versions kept per entity for rollback.
    """

    def __init__(self, *, search_conn_id: str, keep_previous_indexes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.search_conn_id = search_conn_id
        self.keep_previous_indexes = keep_previous_indexes

    def execute(self, context: Context) -> dict[str, str]:
        batch = self.claimed_batch(context)
        wanted = entities(batch.sync_type)
        if not wanted:
            raise AirflowSkipException(f"a {batch.sync_type} sync publishes no index")
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook(self.search_conn_id)
        versions = {
            alias_name(batch.store_hash, e): version_name(batch.store_hash, e, batch.batch_id) for e in wanted
        }
        publish(hook, versions)
        for entity in wanted:
            dropped = apply_retention(
                hook, store_hash=batch.store_hash, entity=entity, keep_previous=self.keep_previous_indexes
            )
            self.log.info(
                "%s is live; retention dropped %s", versions[alias_name(batch.store_hash, entity)], dropped
            )
        return versions
