"""Slow-sync alerts: an Airflow deadline alert on every store's sync DAG.

A run is slow when it is still going ``slow_sync_margin_minutes`` after the average of the
DAG's recent successful runs (Airflow's ``AVERAGE_RUNTIME`` reference, counted from when the
run is created). The triggerer then posts an alert to the ops webhook Connection, the one the
operations alerts use. Settings (``[bigcommerce_sync]``, :mod:`bigcommerce_sync.settings`):
``slow_sync_alerts`` (on), ``slow_sync_margin_minutes`` (60), ``slow_sync_min_runs`` (5: no
alert until the DAG has this many successful runs), ``slow_sync_runs`` (20 runs averaged).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

from bigcommerce_sync.alerts import ALERTS_CONN_ID
from bigcommerce_sync.settings import setting_bool, setting_int

log = logging.getLogger(__name__)

SLOW_SYNC_CONDITION = "slow_sync"


def slow_sync_deadline(store_hash: str, *, http_conn_id: str = ALERTS_CONN_ID) -> DeadlineAlert | None:
    """The deadline alert of a store's sync DAG, or ``None`` when slow-sync alerts are off.

    :param store_hash: the store the alert names.
    :param http_conn_id: the webhook Connection the alert is posted to.
    """
    if not setting_bool("slow_sync_alerts", True):
        return None
    return DeadlineAlert(
        reference=DeadlineReference.AVERAGE_RUNTIME(
            max_runs=setting_int("slow_sync_runs", 20), min_runs=setting_int("slow_sync_min_runs", 5)
        ),
        interval=timedelta(minutes=setting_int("slow_sync_margin_minutes", 60)),
        callback=AsyncCallback(
            alert_slow_sync, kwargs={"store_hash": store_hash, "http_conn_id": http_conn_id}
        ),
    )


def slow_sync_alert(store_hash: str, context: dict[str, Any]) -> dict[str, Any]:
    """What the webhook receives: the shape of the operations alerts, condition ``slow_sync``.

    :param store_hash: the store whose run is slow.
    :param context: what Airflow gives a deadline callback: the run and the deadline.
    """
    run, deadline = context.get("dag_run") or {}, context.get("deadline") or {}
    deadline_time = str(deadline.get("deadline_time"))
    return {
        "source": "bigcommerce_sync",
        "kind": "alert",
        "state": "open",
        "store_hash": store_hash,
        "condition": SLOW_SYNC_CONDITION,
        "message": (
            f"sync run {run.get('dag_run_id')} of {run.get('dag_id')} is still running at {deadline_time}, "
            "far longer than its recent successful runs took"
        ),
        "details": {
            "dag_id": run.get("dag_id"),
            "run_id": run.get("dag_run_id"),
            "queued_at": run.get("queued_at"),
            "deadline": deadline_time,
        },
    }


async def alert_slow_sync(*, store_hash: str, http_conn_id: str, context: dict[str, Any]) -> str:
    """Post the slow-sync alert (run by the triggerer when a sync run misses its deadline).

    Returns what happened, as text: Airflow keeps a callback's result in a text column (a dict
    would stop the triggerer).

    :param store_hash: the store whose run is slow.
    :param http_conn_id: the webhook Connection.
    :param context: the run and the deadline, from Airflow.
    """
    from airflow.providers.http.notifications.http import HttpNotifier
    from airflow.sdk.exceptions import AirflowNotFoundException

    body = slow_sync_alert(store_hash, context)
    try:
        await HttpNotifier(http_conn_id=http_conn_id, json=body).async_notify(context)
    except AirflowNotFoundException:
        log.warning("No connection %r: slow-sync alert not sent: %s", http_conn_id, body["message"])
        return f"not sent (no connection {http_conn_id!r}): {body['message']}"
    return f"sent to {http_conn_id!r}: {body['message']}"
