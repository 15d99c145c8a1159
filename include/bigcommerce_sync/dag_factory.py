"""Builds one sync DAG per store of the registry."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from pathlib import Path

from airflow.sdk import DAG, MultipleCronTriggerTimetable, Param, TaskGroup, get_parsing_context
from airflow.sdk.definitions.param import ParamsDict

from bigcommerce_sync.operators.base import record_task_failure
from bigcommerce_sync.operators.batch import ClaimBatchOperator, FinalizeBatchOperator
from bigcommerce_sync.operators.config import ApplyStopWordsOperator, ApplySynonymsOperator
from bigcommerce_sync.operators.imports import ImportOperator
from bigcommerce_sync.operators.index import (
    CreateIndexOperator,
    PublishIndexOperator,
    RebuildIndexOperator,
)
from bigcommerce_sync.pools import SEARCH_BULK
from bigcommerce_sync.shards import configured_shards, shards_built_by
from bigcommerce_sync.slow_syncs import slow_sync_deadline
from bigcommerce_sync.stores import DAG_ID_PREFIX, StoreConfig, StoreRegistry, load_registry
from bigcommerce_sync.sync_request import sync_params
from bigcommerce_sync.sync_types import (
    CLAIM_TASK,
    CONFIG_GROUP,
    CREATE_INDEX_TASK,
    FINALIZE_TASK,
    IMPORT_GROUP,
    INDEX_GROUP,
    PUBLISH_TASK,
    REBUILD_INDEX_TASK,
    STOP_WORDS_TASK,
    SYNONYMS_TASK,
    ImportJob,
    SyncType,
    import_task,
)

log = logging.getLogger(__name__)

DAG_DOC = """
### BigCommerce search sync: {name} (`{store_hash}`)

Brings the store's products, categories with web pages and blog posts, and its
search configuration (stop words, synonyms) into Elasticsearch. Each run is a
*batch* in the batch store: Pending → Processing → Completed or Failed.

Trigger with a sync type (`all`, `product`, `category`, `blog`, `stop_words`,
`synonyms`), or with the `batch_id` of a pending batch to claim. A full sync
builds new index versions and switches the `bc_{store_hash}_*` aliases to them
only when every import succeeded. An `incremental` sync writes what changed since
the last sync into the live indexes and deletes what the store lost, within the
store's deletion limit. A `targeted` product sync updates the listed `product_ids`
in the live product index and deletes those the store no longer has.

Schedule: full `{schedule}`, incremental `{incremental_schedule}`.
"""


def build_store_dag(store: StoreConfig) -> DAG:
    """Return the sync DAG of one store.

    :param store: the store's registry entry.
    """
    with DAG(
        dag_id=store.dag_id,
        description=f"Sync BigCommerce store {store.name} into search",
        doc_md=DAG_DOC.format(
            name=store.name,
            store_hash=store.store_hash,
            schedule=store.schedule or "none",
            incremental_schedule=store.incremental_schedule or "none",
        ),
        schedule=_timetable(store),
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "search-sync", f"store:{store.store_hash}"],
        deadline=slow_sync_deadline(store.store_hash),
        default_args={
            "retries": store.retries,
            "retry_delay": timedelta(seconds=store.retry_delay_seconds),
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": timedelta(minutes=10),
            "execution_timeout": timedelta(hours=6),
            "on_failure_callback": record_task_failure,
        },
    ) as dag:
        search = {"search_conn_id": store.search_connection_id}
        schedules = {"schedule": store.schedule, "incremental_schedule": store.incremental_schedule}
        claim = ClaimBatchOperator(
            task_id=CLAIM_TASK.name,
            store_hash=store.store_hash,
            incremental_overlap=timedelta(seconds=store.incremental_overlap_seconds),
            **schedules,
            **search,
        )
        lists = {
            "stop_words": store.stop_words,
            "synonyms": store.synonyms,
            "use_default_lists": store.use_default_lists,
        }
        with TaskGroup(CONFIG_GROUP) as config:
            ApplyStopWordsOperator(task_id=STOP_WORDS_TASK.name, **search, **lists)
            ApplySynonymsOperator(task_id=SYNONYMS_TASK.name, **search, **lists)
        with TaskGroup(INDEX_GROUP) as index:
            CreateIndexOperator(
                task_id=CREATE_INDEX_TASK.name,
                stop_words_task_id=STOP_WORDS_TASK.task_id,
                synonyms_task_id=SYNONYMS_TASK.task_id,
                trigger_rule="none_failed",
                **search,
            )
            RebuildIndexOperator(
                task_id=REBUILD_INDEX_TASK.name,
                trigger_rule="none_failed",
                pool=SEARCH_BULK.name,
                **search,
                **lists,
            )
        with TaskGroup(IMPORT_GROUP) as imports:
            for job in ImportJob:
                ImportOperator(
                    task_id=import_task(job).name,
                    job=job,
                    bigcommerce_conn_id=store.connection_id,
                    api_concurrency=store.api_concurrency,
                    max_failed_ratio=store.max_failed_ratio,
                    max_deletion_ratio=store.max_deletion_ratio,
                    deletion_allowance=store.deletion_allowance,
                    trigger_rule="none_failed",
                    pool=SEARCH_BULK.name,
                    **search,
                )
        publish = PublishIndexOperator(
            task_id=PUBLISH_TASK.name,
            versions_task_ids=[CREATE_INDEX_TASK.task_id, REBUILD_INDEX_TASK.task_id],
            keep_previous_indexes=store.keep_previous_indexes,
            trigger_rule="none_failed",
            **search,
        )
        finalize = FinalizeBatchOperator(
            task_id=FINALIZE_TASK.name,
            count_task_ids=[import_task(job).task_id for job in ImportJob],
            **schedules,
            store_hash=store.store_hash,
            on_failure_callback=None,  # it records the batch's failure itself
            **search,
        )
        # A teardown, so that marking the run failed leaves it to run; without a setup, so that
        # Airflow does not skip it when the claim never succeeded (retrying, or not yet started).
        teardown = finalize.as_teardown(on_failure_fail_dagrun=True)
        claim >> config >> index >> imports >> publish >> teardown
    # The trigger form's params, given once the tasks exist: given to DAG(), Airflow copies them
    # into each task, and serializing those copies was most of a DAG's parse (docs/scaling.md).
    # A task's params are still the DAG's, merged with its own when it runs.
    dag.params.update(_trigger_params(store.default_sync_type))
    return dag


def _trigger_params(default_sync_type: SyncType) -> dict[str, Param]:
    """The DAG's params, new objects for each DAG; their defaults checked once per sync type.

    Airflow checks a scheduled DAG's param defaults when they are given to ``DAG()``; the
    same check, made here once, since a store's defaults depend only on its sync type.
    """
    _check_param_defaults(default_sync_type)
    return sync_params(default_sync_type)


@functools.cache
def _check_param_defaults(default_sync_type: SyncType) -> None:
    ParamsDict(sync_params(default_sync_type)).validate()


def _timetable(store: StoreConfig) -> str | MultipleCronTriggerTimetable | None:
    """Run on the full and the incremental cron; the claim picks each run's mode from the cron that fired."""
    crons = [cron for cron in (store.schedule, store.incremental_schedule) if cron]
    if len(crons) < 2:
        return crons[0] if crons else None
    return MultipleCronTriggerTimetable(*crons, timezone="UTC")


def build_store_dags(
    registry: StoreRegistry | None = None, *, shard: int = 0, dag_file: str | Path | None = None
) -> dict[str, DAG]:
    """Build the DAG of every valid, enabled store of the file's shard; report its skipped entries.

    With ``[bigcommerce_sync] store_dag_shards`` above 1 the stores are split across DAG files
    (:mod:`bigcommerce_sync.shards`); each file builds its shard's stores and reports the bad
    entries among them, so each is reported once. When a worker parses a file for one task, only
    that task's DAG is built, whichever file it parses: a task queued before its store moved to
    another file still finds its DAG.

    :param registry: the stores, all built; read from ``stores.yaml`` when not given.
    :param shard: the shard the calling file builds.
    :param dag_file: the calling file, given by shard 0's: it also builds the shards whose file
        is missing beside it.
    """
    wanted = get_parsing_context().dag_id
    if registry is None:
        registry = _registry_part(wanted, shard, dag_file)
    for problem in registry.problems:
        log.error("Skipped store entry: %s", problem)
    return {
        store.dag_id: build_store_dag(store)
        for store in registry.stores
        if wanted is None or wanted == store.dag_id
    }


def _registry_part(wanted: str | None, shard: int, dag_file: str | Path | None) -> StoreRegistry:
    """The stores a file builds: the worker's one store, or the file's shards."""
    shard_count = configured_shards()
    if wanted is not None:
        return load_registry(only_store=wanted.removeprefix(DAG_ID_PREFIX), shard_count=shard_count)
    shards = shards_built_by(shard, shard_count, dag_file)
    return load_registry(shards=shards, shard_count=shard_count) if shards else StoreRegistry(stores=[])
