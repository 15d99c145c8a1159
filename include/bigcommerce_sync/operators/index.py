"""The index tasks: build the batch's index versions (empty, or copies of the live ones), and publish them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowSkipException

from bigcommerce_sync.analysis import SynonymsMode, analysis_settings
from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.index_lifecycle import (
    alias_name,
    apply_retention,
    copy_live,
    create_version,
    live_entities,
    publish,
    version_name,
)
from bigcommerce_sync.operators.base import BatchTaskOperator
from bigcommerce_sync.operators.config import StoreListsOperator
from bigcommerce_sync.sync_types import (
    Entity,
    SyncType,
    entities,
    imports_documents,
    publishes,
    rebuilds_live,
)

if TYPE_CHECKING:
    from airflow.sdk import Context


@dataclass(frozen=True)
class NewVersions:
    """The index versions a task built, by entity: ``create_index``'s and ``rebuild_index``'s XCom."""

    by_entity: Mapping[Entity, str]

    @classmethod
    def from_xcom(cls, value: Mapping[str, str]) -> NewVersions:
        return cls({Entity(entity): str(index) for entity, index in value.items()})

    def to_xcom(self) -> dict[str, str]:
        return {str(entity): index for entity, index in self.by_entity.items()}


class CreateIndexOperator(BatchTaskOperator):
    """Create an empty, bulk-load-ready index version for each entity the sync imports.

    For a resumed batch, a version whose entity has a checkpoint is kept as it is (its import
    continues from the checkpoint); a checkpoint whose version is gone is dropped, and that
    entity starts over in a new empty version.

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
        batch = self.claimed_batch_or_skip(
            context, applies=imports_documents, reason="builds no new index version"
        )
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
        repository = BatchRepository(self.batch_db_conn_id)
        row = repository.get(batch.batch_id)
        versions: dict[Entity, str] = {}
        lost: list[str] = []
        for entity in entities(batch.sync_type):
            saved = row.checkpoint(entity) if row is not None else None
            name = version_name(batch.store_hash, entity, batch.batch_id)
            if saved is not None and hook.index_exists(name):
                self.log.info(
                    "Kept %s: batch %d resumes %s %s (%d documents in it)",
                    name,
                    batch.batch_id,
                    entity,
                    "done" if saved.done else saved.where,
                    saved.indexed,
                )
                versions[entity] = name
                continue
            if saved is not None:
                lost.append(str(entity))
                self.log.warning("%s is gone: %s starts over, its checkpoint dropped", name, entity)
            versions[entity] = create_version(
                hook, store_hash=batch.store_hash, entity=entity, batch_id=batch.batch_id, analysis=analysis
            )
        if lost:
            repository.drop_checkpoints(batch.batch_id, lost)
        created = NewVersions(versions)
        self.log.info("Index versions %s", created.to_xcom())
        return created.to_xcom()


class RebuildIndexOperator(StoreListsOperator):
    """Copy the store's live indexes into new sealed versions with the current analysis.

    A ``stop_words`` sync, and a ``synonyms`` sync on a cluster that keeps synonyms
    in the index settings (``synonyms_mode: inline``), change only the analysis: the
    live documents are copied (scroll and bulk, no store reads) and ``publish``
    swaps the copies in. Returns the new version of each entity, like ``create_index``.
    """

    def execute(self, context: Context) -> dict[str, str]:
        batch = self.claimed_batch_or_skip(
            context, applies=rebuilds_live, reason="builds its indexes from the store"
        )
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook(self.search_conn_id)
        if batch.sync_type is SyncType.SYNONYMS and hook.synonyms_mode is SynonymsMode.API:
            raise AirflowSkipException("the synonym set reached search already; no index needs rebuilding")
        analysis = analysis_settings(
            stop_words=self.merged_stop_words(),
            synonyms=self.merged_synonyms(),
            mode=hook.synonyms_mode,
            store_hash=batch.store_hash,
            text_analysis=hook.text_analysis,
        )
        rebuilt: dict[Entity, str] = {}
        for entity in live_entities(hook, batch.store_hash):
            index, count = copy_live(
                hook, store_hash=batch.store_hash, entity=entity, batch_id=batch.batch_id, analysis=analysis
            )
            self.log.info("%s: %d live documents copied into %s", entity, count, index)
            rebuilt[entity] = index
        return NewVersions(rebuilt).to_xcom()


class PublishIndexOperator(BatchTaskOperator):
    """Switch the aliases to the batch's new versions in one atomic call, then apply retention.

    This task is the only one that moves aliases. The versions are those
    ``create_index`` or ``rebuild_index`` built (their XComs).

    :param versions_task_ids: the tasks whose XCom holds new versions by entity.
    :param search_conn_id: the search cluster's connection.
    :param keep_previous_indexes: older versions kept per entity for rollback.
    """

    def __init__(
        self, *, versions_task_ids: list[str], search_conn_id: str, keep_previous_indexes: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.versions_task_ids = versions_task_ids
        self.search_conn_id = search_conn_id
        self.keep_previous_indexes = keep_previous_indexes

    def execute(self, context: Context) -> dict[str, str]:
        batch = self.claimed_batch_or_skip(context, applies=publishes, reason="builds no index version")
        row = BatchRepository(self.batch_db_conn_id).get(batch.batch_id)
        if row is not None and row.pause_requested_at is not None:
            # Its imports stopped at their checkpoints: the versions are incomplete. The run that
            # resumes the batch publishes them once every import is done.
            raise AirflowSkipException(
                f"batch {batch.batch_id} is pausing: the aliases stay as they are until a resumed run "
                "publishes it"
            )
        built = self._built_versions(context)
        if built is None:  # e.g. a synonyms sync that reached search through the synonym set
            raise AirflowSkipException(f"this {batch.sync_type} sync built no index version")
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook(self.search_conn_id)
        versions = {alias_name(batch.store_hash, entity): index for entity, index in built.items()}
        publish(hook, versions)
        for entity, index in built.items():
            dropped = apply_retention(
                hook, store_hash=batch.store_hash, entity=entity, keep_previous=self.keep_previous_indexes
            )
            self.log.info("%s is live; retention dropped %s", index, dropped)
        return versions

    def _built_versions(self, context: Context) -> dict[Entity, str] | None:
        """The new versions by entity, or None when no task built any (all skipped)."""
        ti = context["ti"]
        pulled = [ti.xcom_pull(task_ids=task_id) for task_id in self.versions_task_ids]
        built = [NewVersions.from_xcom(value) for value in pulled if value is not None]
        if not built:
            return None
        return {entity: index for versions in built for entity, index in versions.by_entity.items()}
