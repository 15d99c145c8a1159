"""Builds the operations DAGs: ``bigcommerce_operations`` (every few minutes) and the daily report."""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param

from bigcommerce_sync.alerts import ALERTS_CONN_ID
from bigcommerce_sync.operators.operations import (
    REPORT_DATE_PARAM,
    DailyReportOperator,
    NewStoresOperator,
    ReapBatchesOperator,
    StoreAlertsOperator,
    StoreHealthOperator,
    ops_store,
)
from bigcommerce_sync.settings import setting_int
from bigcommerce_sync.spread import group_index_template, max_mapped_tasks, spread
from bigcommerce_sync.stores import StoreRegistry, load_registry

OPERATIONS_DAG_ID = "bigcommerce_operations"
REPORT_DAG_ID = "bigcommerce_daily_report"
OPERATIONS_SCHEDULE = "*/5 * * * *"
REPORT_SCHEDULE = "0 2 * * *"  # daily, 02:00 UTC
FIRST_SYNC_CONF = {"sync_type": "all", "mode": "full"}
# Default of [bigcommerce_sync] ops_first_syncs_per_run: a fresh deployment's first syncs, a few a run.
DEFAULT_FIRST_SYNCS_PER_RUN = 20

OPERATIONS_DOC = """
### Operations: stuck batches, health, alerts, first syncs

Every 5 minutes; each part is its own task, and the per-store parts are mapped over the
stores of the registry in groups (at most `[bigcommerce_sync] max_mapped_tasks` instances, 128,
never above `[core] max_map_length`; one store an instance when they fit). Within a group each
store is handled on its own: a store failing never stops the others, and its instance fails at
the end naming it; one failing part never blocks the others.

- **reap_batches**: a Processing batch whose Airflow run ended, or is gone, or that has been
  Processing longer than the timeout becomes Failed, with the reason in `error_summary`
  (`stuck: …`); Pending batches nobody claimed within the limit are reported.
- **store_health** (per group of stores): freshness, coverage, failure rate and quality, a score
  0–100 and a level, appended to the `store_health` series for each store.
- **alerts** (per group of stores): failure rate over the threshold, repeated failures, stuck
  batches, health critical; each sent once through the http notifier (Connection
  `ops_alerts_webhook`) and not again until it clears.
- **new_stores → first_sync**: a full sync for each store that never completed one, at most
  `[bigcommerce_sync] ops_first_syncs_per_run` (20) a run, in registry order; the others get
  theirs on the next runs.

See `docs/operations.md`.
"""

REPORT_DOC = """
### Daily operations report

At 02:00 UTC, for the day before (or the `report_date` param): per store and in total, batches
by status, documents synced, durations p50/p95, failures with their first error, health level,
and the last searchable-values run's summary. Stored in `ops_reports`, logged, and sent through
the http notifier (Connection `ops_alerts_webhook`, when defined).
"""


def build_operations_dag(registry: StoreRegistry | None = None, *, http_conn_id: str = ALERTS_CONN_ID) -> DAG:
    """Return the operations DAG for the registry's enabled stores.

    :param registry: the stores; read from ``stores.yaml`` when not given.
    :param http_conn_id: the alerts webhook Connection.
    """
    stores = [ops_store(store) for store in (registry or load_registry()).stores]
    pending_after = timedelta(minutes=setting_int("ops_pending_after_minutes", 60))
    with DAG(
        dag_id=OPERATIONS_DAG_ID,
        description="Fail stuck batches, measure every store's health, alert, start first syncs",
        doc_md=OPERATIONS_DOC,
        schedule=OPERATIONS_SCHEDULE,
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "operations"],
        default_args={"retries": 0, "execution_timeout": timedelta(minutes=4)},
    ) as dag:
        reap = ReapBatchesOperator(
            task_id="reap_batches",
            timeout=timedelta(hours=setting_int("ops_stuck_timeout_hours", 12)),
            pending_after=pending_after,
        )
        health = StoreHealthOperator.partial(
            task_id="store_health", map_index_template=group_index_template("stores")
        ).expand(stores=spread(stores))
        alerts = StoreAlertsOperator.partial(
            task_id="alerts",
            http_conn_id=http_conn_id,
            pending_after=pending_after,
            trigger_rule="all_done",
            map_index_template=group_index_template("store_hashes", None),
        ).expand(store_hashes=spread([store["store_hash"] for store in stores]))
        new_stores = NewStoresOperator(
            task_id="new_stores",
            stores=stores,
            retry_after=timedelta(hours=setting_int("ops_first_sync_retry_hours", 6)),
            limit=first_syncs_per_run(),
        )
        TriggerDagRunOperator.partial(task_id="first_sync", conf=FIRST_SYNC_CONF).expand(
            trigger_dag_id=new_stores.output
        )
        [reap, health] >> alerts
    return dag


def first_syncs_per_run() -> int:
    """``[bigcommerce_sync] ops_first_syncs_per_run`` (20), never more than ``first_sync`` maps to
    (:func:`max_mapped_tasks`); 0 starts none."""
    asked = setting_int("ops_first_syncs_per_run", DEFAULT_FIRST_SYNCS_PER_RUN)
    return max(0, min(asked, max_mapped_tasks()))


def build_report_dag(registry: StoreRegistry | None = None, *, http_conn_id: str = ALERTS_CONN_ID) -> DAG:
    """Return the daily report DAG.

    :param registry: the stores; read from ``stores.yaml`` when not given.
    :param http_conn_id: the webhook the report is sent to.
    """
    stores = [store.store_hash for store in (registry or load_registry()).stores]
    with DAG(
        dag_id=REPORT_DAG_ID,
        description="The daily operations report of every store's syncs",
        doc_md=REPORT_DOC,
        schedule=REPORT_SCHEDULE,
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "operations"],
        params={
            REPORT_DATE_PARAM: Param(
                None,
                type=["null", "string"],
                format="date",
                title="Report date",
                description="The UTC day to report; empty: the day before the run.",
            )
        },
        default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    ) as dag:
        DailyReportOperator(task_id="report", stores=stores, http_conn_id=http_conn_id)
    return dag
