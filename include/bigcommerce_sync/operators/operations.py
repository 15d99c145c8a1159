"""The operations tasks: reap stuck batches, measure health, alert, find new stores, report daily."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook, BaseOperator

from bigcommerce_sync.alerts import ALERTS_CONN_ID, AlertRules, conditions, payload
from bigcommerce_sync.batches import BATCH_DB_CONN_ID, BatchRepository
from bigcommerce_sync.ops_store import STUCK_PREFIX, OperationsRepository
from bigcommerce_sync.spread import each_on_its_own

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.ops_store import BatchFact
    from bigcommerce_sync.stores import StoreConfig

# The last finished batches a store's failure rate and repeated failures are judged on.
RECENT_BATCHES = 10
REPORT_DATE_PARAM = "report_date"


def ops_store(store: StoreConfig) -> dict[str, Any]:
    """What the per-store operations tasks need of a registry entry (their mapped argument)."""
    return {
        "store_hash": store.store_hash,
        "dag_id": store.dag_id,
        "connection_id": store.connection_id,
        "search_conn_id": store.search_connection_id,
        "schedules": [store.schedule, store.incremental_schedule],
    }


def _store_hash(store: dict[str, Any]) -> str:
    return store["store_hash"]


def notify(context: Context, http_conn_id: str, body: dict[str, Any]) -> bool:
    """Send ``body`` with the http provider's notifier; ``False`` (nothing sent) without the connection."""
    from airflow.providers.http.notifications.http import HttpNotifier
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(http_conn_id)
    except AirflowNotFoundException:
        return False
    HttpNotifier(http_conn_id=http_conn_id, json=body).notify(context)
    return True


class OperationsOperator(BaseOperator):
    """Base of the operations tasks.

    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(self, *, batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_db_conn_id = batch_db_conn_id

    def repository(self) -> OperationsRepository:
        ops = OperationsRepository(self.batch_db_conn_id)
        ops.migrate()
        return ops


class ReapBatchesOperator(OperationsOperator):
    """Fail the Processing batches no run will finish; report Pending batches nobody claimed.

    :param timeout: a batch Processing longer than this fails, whatever its run's state.
    :param pending_after: a Pending batch older than this is reported as unclaimed.
    """

    def __init__(self, *, timeout: timedelta, pending_after: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout = timeout
        self.pending_after = pending_after

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.reaper import airflow_run_state, stuck_reason

        ops, batches = self.repository(), BatchRepository(self.batch_db_conn_id)
        now, run_state = datetime.now(UTC), airflow_run_state(context["ti"])
        failed = []
        for fact in ops.processing():
            reason = stuck_reason(fact, run_state, now=now, timeout=self.timeout)
            if reason and batches.fail_stuck(fact.id, reason=reason):
                self.log.warning("Batch %d of %s failed: %s", fact.id, fact.store_hash, reason)
                failed.append({"batch_id": fact.id, "store_hash": fact.store_hash, "reason": reason})
        pending = ops.pending_since(now - self.pending_after)
        for fact in pending:
            self.log.warning("Batch %d of %s unclaimed since %s", fact.id, fact.store_hash, fact.created_at)
        return {"failed": failed, "stale_pending": [fact.id for fact in pending]}


class StoreHealthOperator(OperationsOperator):
    """Measure the health of a group of stores, each on its own; keep each in the ``store_health``
    series and return the summaries by store hash.

    A store whose health cannot be measured (no connection, say) is logged and never stops the
    others' from being recorded; the task then fails naming it (:class:`SomeItemsFailed`).

    :param stores: the group, each store as :func:`ops_store` gives it.
    """

    def __init__(self, *, stores: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores

    def execute(self, context: Context) -> dict[str, dict[str, Any]]:
        ops, now = self.repository(), datetime.now(UTC)
        paused = ops.paused()  # one query for the group, not one per store

        def measure_one(store: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            return store["store_hash"], self._measure(ops, store, now, paused)

        measured = each_on_its_own(self.stores, measure_one, name=_store_hash, log=self.log)
        return dict(measured)

    def _measure(
        self, ops: OperationsRepository, store: dict[str, Any], now: datetime, paused: list[BatchFact]
    ) -> dict[str, Any]:
        from bigcommerce_sync.health import freshness_thresholds, measure, quality_shares, store_counts
        from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
        from bigcommerce_sync.hooks.search import SearchHook

        store_hash = store["store_hash"]
        search = SearchHook(store["search_conn_id"])
        last = ops.last_completed(store_hash)
        health = measure(
            store_hash=store_hash,
            now=now,
            last_completed_at=last.finished_at if last else None,
            thresholds=freshness_thresholds(store["schedules"], now),
            counts=store_counts(BigCommerceHook(store["connection_id"]), search, store_hash),
            shares=quality_shares(search, store_hash),
            recent_statuses=[b.status for b in ops.latest_finished(store_hash, RECENT_BATCHES)],
            paused_batches=[b.id for b in paused if b.store_hash == store_hash],
        )
        ops.record_health(health)
        self.log.info("Health of %s: %s; %s", store_hash, health.summary(), health.details)
        return health.summary()


class StoreAlertsOperator(OperationsOperator):
    """Open, send and clear the alerts of a group of stores, each on its own: one alert per store and
    condition until it clears.

    A store whose alerts fail is logged and never stops the others'; the task then fails naming it
    (:class:`SomeItemsFailed`).

    :param store_hashes: the group of stores.
    :param http_conn_id: the webhook the http notifier posts to (an ``http`` Connection).
    :param rules: the thresholds.
    :param stuck_window: a batch the reaper failed within this keeps the ``stuck`` alert open.
    :param pending_after: a Pending batch older than this keeps the ``stuck`` alert open.
    """

    def __init__(
        self,
        *,
        store_hashes: list[str],
        http_conn_id: str = ALERTS_CONN_ID,
        rules: AlertRules | None = None,
        stuck_window: timedelta = timedelta(hours=1),
        pending_after: timedelta = timedelta(hours=1),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store_hashes = store_hashes
        self.http_conn_id = http_conn_id
        self.rules = rules
        self.stuck_window = stuck_window
        self.pending_after = pending_after

    def execute(self, context: Context) -> dict[str, dict[str, Any]]:
        ops, now = self.repository(), datetime.now(UTC)
        stale_pending = ops.pending_since(now - self.pending_after)  # one query for the group

        def alert_one(store_hash: str) -> tuple[str, dict[str, Any]]:
            return store_hash, self._alert(context, ops, store_hash, now, stale_pending)

        return dict(each_on_its_own(self.store_hashes, alert_one, name=str, log=self.log))

    def _alert(
        self,
        context: Context,
        ops: OperationsRepository,
        store_hash: str,
        now: datetime,
        stale_pending: list[BatchFact],
    ) -> dict[str, Any]:
        found = self._conditions(ops, store_hash, now, stale_pending)
        opened = [c for c, message in found.items() if ops.open_alert(store_hash, c, message)]
        cleared = ops.clear_alerts(store_hash, found)
        sent = []
        for alert in ops.unsent_alerts(store_hash):
            if not notify(context, self.http_conn_id, payload(alert, state="open")):
                self.log.warning(
                    "No connection %r: %s alert of %s not sent",
                    self.http_conn_id,
                    alert.condition,
                    store_hash,
                )
                continue
            ops.mark_sent(alert.id)
            sent.append(alert.condition)
        for alert in cleared:
            if alert.sent_at is not None:
                notify(context, self.http_conn_id, payload(alert, state="cleared"))
        result = {"open": sorted(found), "opened": opened, "sent": sent}
        result["cleared"] = [alert.condition for alert in cleared]
        self.log.info("Alerts of %s: %s", store_hash, result)
        return result

    def _conditions(
        self, ops: OperationsRepository, store_hash: str, now: datetime, stale_pending: list[BatchFact]
    ) -> dict[str, str]:
        finished = ops.latest_finished(store_hash, RECENT_BATCHES)
        health = ops.latest_health([store_hash]).get(store_hash)
        return conditions(
            finished=finished,
            stuck=[
                b
                for b in finished
                if (b.error_summary or "").startswith(STUCK_PREFIX)
                and b.finished_at > now - self.stuck_window
            ],
            stale_pending=[b for b in stale_pending if b.store_hash == store_hash],
            health_level=health["level"] if health else None,
            rules=self.rules or AlertRules(),
        )


class NewStoresOperator(OperationsOperator):
    """Return the sync DAG ids of at most ``limit`` stores, in registry order, that never completed a
    sync, had no batch lately, and have no run queued or running (a first scheduled run may be
    starting; Airflow is asked through the SDK).

    The others wait for the next runs: a fresh deployment of thousands of stores gets its first
    syncs a few at a time, never all at once (nor more than Airflow maps, ``[core] max_map_length``).

    :param stores: the registry's stores, as :func:`ops_store` gives them.
    :param retry_after: a store whose first sync did not complete gets another after this long.
    :param limit: the most first syncs one run asks for.
    """

    def __init__(
        self, *, stores: list[dict[str, Any]], retry_after: timedelta, limit: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.retry_after = retry_after
        self.limit = limit

    def execute(self, context: Context) -> list[str]:
        ops = self.repository()
        known = ops.stores_with_batches_since(
            [s["store_hash"] for s in self.stores], datetime.now(UTC) - self.retry_after
        )
        candidates = [s["dag_id"] for s in self.stores if s["store_hash"] not in known]
        ti, new, asked = context["ti"], [], 0
        for dag_id in candidates:
            if len(new) >= self.limit:
                break  # enough for this run: Airflow is not asked about the others
            asked += 1
            if not ti.get_dr_count(dag_id=dag_id, states=["queued", "running"]):
                new.append(dag_id)
        self.log.info("Stores without a completed sync, first syncs asked for: %s", new or "none")
        if waiting := len(candidates) - asked:
            self.log.info(
                "%d more stores without a sync wait for the next runs (at most %d first syncs a run)",
                waiting,
                self.limit,
            )
        return new


class DailyReportOperator(OperationsOperator):
    """Build the day's operations report; store it, log it, send it; return its totals.

    The day is the ``report_date`` param, else the day before the run (UTC).

    :param stores: the registry's store hashes.
    :param http_conn_id: the webhook the http notifier posts the report to.
    """

    def __init__(self, *, stores: list[str], http_conn_id: str = ALERTS_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stores = stores
        self.http_conn_id = http_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from bigcommerce_sync.ops_report import collect_report, report_lines

        ops, day = self.repository(), _report_day(context)
        report = collect_report(ops, day, self.stores)
        ops.save_report(day, report)
        for line in report_lines(report):
            self.log.info("%s", line)
        body = {"source": "bigcommerce_sync", "kind": "daily_report", **report}
        sent = notify(context, self.http_conn_id, body)
        return {"date": day.isoformat(), "batches": report["total"]["batches"], "sent": sent}


def _report_day(context: Context) -> date:
    asked = (context.get("params") or {}).get(REPORT_DATE_PARAM)
    if asked:
        return date.fromisoformat(asked)
    return (context["dag_run"].run_after - timedelta(days=1)).date()
