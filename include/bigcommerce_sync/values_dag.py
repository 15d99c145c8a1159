"""Builds the searchable-values DAG: every enabled store's field values into its values index, daily."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, Param

from bigcommerce_sync.operators.values import (
    MAX_VALUES_PARAM,
    CollectValuesOperator,
    DiscoverFieldsOperator,
    PlanValueJobsOperator,
    PublishValuesOperator,
    ValuesReportOperator,
    value_store,
)
from bigcommerce_sync.settings import setting_int
from bigcommerce_sync.spread import group_index_template, spread
from bigcommerce_sync.stores import StoreRegistry, load_registry

VALUES_DAG_ID = "bigcommerce_searchable_values"
SCHEDULE = "0 2 * * *"  # daily, 02:00 UTC
# Defaults of the deployment settings read below (bigcommerce_sync.settings).
DEFAULT_TIMEOUT_MINUTES = 5
DEFAULT_MAX_VALUES = 1000
JOB_RETRIES = 3
# collect_values' map index: the group's first job (store and field), and its last and size when it has more.
JOBS_INDEX_TEMPLATE = (
    "{{ task.jobs[0]['store_hash'] ~ ' ' ~ task.jobs[0]['field'] if task.jobs else 'none' }}"
    "{{ ' … ' ~ task.jobs[-1]['store_hash'] ~ ' ' ~ task.jobs[-1]['field'] ~ ' (' ~ task.jobs|length ~ ')'"
    " if task.jobs|length > 1 else '' }}"
)

DAG_DOC = """
### Searchable values of every store

Daily at 02:00 UTC (or by hand), for every enabled store of the registry: find its searchable
fields in the live product index (brand, category with its path, each option such as Color or
Size, each custom field, and the store's `searchable_fields`), then **one job per store and field**
collects the field's values with their product counts by aggregations, most frequent first, at
most `max_values_per_field`. No BigCommerce request is made.

**Groups**: `discover_fields` and `publish_values` map over groups of stores, `collect_values`
over groups of jobs: at most `[bigcommerce_sync] max_mapped_tasks` (128) instances each, never
more than `[core] max_map_length`; one store or job an instance while they fit. An instance runs
each item of its group whatever the others do, and fails at the end naming the items that failed.
A `collect_values` retry skips the jobs already completed or failed. A mapped instance's timeout
is `values_job_timeout_minutes` times the jobs or stores of its group.

Each job is a row in the batch store (`value_jobs`: pending → processing → completed or failed,
with values processed, new, unchanged and removed since the field's last completed job). A failed
store or field never stops the others. `publish_values` builds each store's new
`bc_<store>_values` version and swaps the alias; `report` always runs and stores, logs and returns
the run's report (`value_runs.report`).
"""


def build_values_dag(
    registry: StoreRegistry | None = None,
    *,
    job_timeout: timedelta | None = None,
    max_values: int | None = None,
) -> DAG:
    """Return the searchable-values DAG for the registry's enabled stores.

    :param registry: the stores; read from ``stores.yaml`` when not given.
    :param job_timeout: each job's (or store's) share of its mapped instance's ``execution_timeout``
        (that times the jobs or stores of its group), and the other tasks' timeout; default
        ``[bigcommerce_sync] values_job_timeout_minutes`` (5).
    :param max_values: the default of the ``max_values_per_field`` param; default
        ``[bigcommerce_sync] values_max_per_field`` (1,000).
    """
    registry = registry or load_registry()
    stores = [value_store(store) for store in registry.stores]
    if job_timeout is None:
        minutes = setting_int("values_job_timeout_minutes", DEFAULT_TIMEOUT_MINUTES)
        job_timeout = timedelta(minutes=minutes)
    if max_values is None:
        max_values = setting_int("values_max_per_field", DEFAULT_MAX_VALUES)
    with DAG(
        dag_id=VALUES_DAG_ID,
        description="Collect every store's searchable field values into its values index",
        doc_md=DAG_DOC,
        schedule=SCHEDULE,
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "searchable-values"],
        params={
            MAX_VALUES_PARAM: Param(
                max_values,
                type="integer",
                minimum=1,
                maximum=10_000,
                title="Values per field",
                description="At most this many values per field, most frequent first.",
            )
        },
        default_args={
            "retries": JOB_RETRIES,
            "retry_delay": timedelta(seconds=30),
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": timedelta(minutes=10),
            "execution_timeout": job_timeout,
        },
    ) as dag:
        store_groups = spread(stores)
        discover = DiscoverFieldsOperator.partial(
            task_id="discover_fields",
            map_index_template=group_index_template("stores"),
            item_timeout=job_timeout,
        ).expand(stores=store_groups)
        plan = PlanValueJobsOperator(
            task_id="plan_jobs", stores=stores, discover_task_id="discover_fields", trigger_rule="all_done"
        )
        collect = CollectValuesOperator.partial(
            task_id="collect_values", map_index_template=JOBS_INDEX_TEMPLATE, item_timeout=job_timeout
        ).expand(jobs=plan.output)
        publish = PublishValuesOperator.partial(
            task_id="publish_values",
            trigger_rule="all_done",
            map_index_template=group_index_template("stores"),
            item_timeout=job_timeout,
        ).expand(stores=store_groups)
        report = ValuesReportOperator(
            task_id="report",
            stores=[store["store_hash"] for store in stores],
            publish_task_id="publish_values",
            trigger_rule="all_done",
        )
        discover >> plan >> collect >> publish >> report
    return dag
