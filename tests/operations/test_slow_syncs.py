"""Slow-sync alerts: the deadline each sync DAG carries, and what its callback posts."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from bigcommerce_sync.dag_factory import build_store_dag
from bigcommerce_sync.slow_syncs import SLOW_SYNC_CONDITION, alert_slow_sync, slow_sync_deadline
from bigcommerce_sync.stores import StoreConfig
from tests.operations.support import WEBHOOK_CONN_ID, bodies

DEADLINE_CONTEXT = {
    "dag_run": {
        "dag_id": "bigcommerce_sync_slowstore",
        "dag_run_id": "manual__slow",
        "queued_at": "2026-12-03T10:00:00Z",
    },
    "deadline": {"id": "0193", "deadline_time": "2026-12-03T10:41:00+00:00"},
}


def test_the_margin_and_the_runs_averaged_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_ALERTS", "True")
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_MARGIN_MINUTES", "45")
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_MIN_RUNS", "3")

    alert = slow_sync_deadline("slowstore")
    dag = build_store_dag(
        StoreConfig(store_hash="slowstore", name="Slow", connection_id="bigcommerce_slowstore")
    )

    assert alert.interval == timedelta(minutes=45)
    assert (alert.reference.max_runs, alert.reference.min_runs) == (20, 3)
    assert alert.callback.kwargs == {"store_hash": "slowstore", "http_conn_id": "ops_alerts_webhook"}
    assert dag.deadline == [alert]


def test_no_deadline_when_slow_sync_alerts_are_off(monkeypatch):
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_ALERTS", "False")

    assert slow_sync_deadline("slowstore") is None


def test_the_callback_posts_the_alert_naming_the_store_and_the_run(receiver):
    result = asyncio.run(
        alert_slow_sync(store_hash="slowstore", http_conn_id=WEBHOOK_CONN_ID, context=DEADLINE_CONTEXT)
    )

    [sent] = bodies(receiver)
    # Airflow stores a callback's result in a text column: it must be text.
    assert result == f"sent to {WEBHOOK_CONN_ID!r}: {sent['message']}"
    assert (sent["kind"], sent["state"], sent["condition"]) == ("alert", "open", SLOW_SYNC_CONDITION)
    assert sent["store_hash"] == "slowstore"
    assert sent["details"]["run_id"] == "manual__slow"
    assert "manual__slow" in sent["message"] and "2026-12-03T10:41:00" in sent["message"]


def test_without_the_connection_the_callback_says_it_sent_nothing():
    assert "AIRFLOW_CONN_OPS_NO_SUCH_WEBHOOK" not in os.environ

    result = asyncio.run(
        alert_slow_sync(store_hash="slowstore", http_conn_id="ops_no_such_webhook", context=DEADLINE_CONTEXT)
    )

    assert result.startswith("not sent (no connection 'ops_no_such_webhook')")
