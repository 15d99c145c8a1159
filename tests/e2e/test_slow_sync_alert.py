"""A sync run far slower than the store's earlier runs is flagged by its Airflow deadline alert."""

from __future__ import annotations

import pytest
from pendulum import parse as parse_time

from bigcommerce_sync.alerts import ALERTS_CONN_ID
from bigcommerce_sync.slow_syncs import SLOW_SYNC_CONDITION
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.conftest import DEADLINE_STORE, LiveStack, dag_id
from tests.operations.support import bodies, recording_server

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(DEADLINE_STORE)
STALL_S = 30  # far longer than a whole product sync of this small store takes


def slow_sync_alerts(received: list[dict]) -> list[dict]:
    return [body for body in bodies(received) if body.get("condition") == SLOW_SYNC_CONDITION]


def test_a_run_outlasting_the_usual_is_alerted_by_its_deadline_while_it_runs(live: LiveStack):
    live.api.set_paused(DAG_ID, False)
    usual = "e2e-slow-sync-usual"
    triggered = live.api.trigger(DAG_ID, {"sync_type": "product"}, run_id=usual)
    assert triggered.status_code == 200, triggered.text
    usual_run = live.api.wait_for_run(DAG_ID, usual)
    assert usual_run["state"] == "success"
    # The deadline: the slow run's start plus the usual run's duration (the only one averaged).
    usual_seconds = (parse_time(usual_run["end_date"]) - parse_time(usual_run["start_date"])).total_seconds()

    with recording_server() as (port, received):
        connection = {"connection_id": ALERTS_CONN_ID, "conn_type": "http", "host": "127.0.0.1", "port": port}
        assert live.api.call("POST", "connections", json={**connection, "schema": "http"}).status_code == 201
        try:
            # The store holds its first product page this long: the run outlasts its deadline.
            live.simulator.add_fault(
                DEADLINE_STORE, "/v3/catalog/products", kind="slow", delay_ms=STALL_S * 1000, times=1
            )
            slow = "e2e-slow-sync-stalled"
            triggered = live.api.trigger(DAG_ID, {"sync_type": "product"}, run_id=slow)
            assert triggered.status_code == 200, triggered.text

            [alert] = wait_until(
                lambda: slow_sync_alerts(received),
                bool,
                timeout=usual_seconds + STALL_S + 60,
                what="slow-sync alert",
            )
            run_while_alerted = live.api.dag_run(DAG_ID, slow)
            finished = live.api.wait_for_run(DAG_ID, slow)
        finally:
            live.simulator.clear_faults()
            live.api.call("DELETE", f"connections/{ALERTS_CONN_ID}")

    assert run_while_alerted["state"] == "running"  # flagged while it runs, not after
    assert finished["state"] == "success"
    assert (alert["store_hash"], alert["details"]["run_id"]) == (DEADLINE_STORE, slow)
    assert slow in alert["message"]
    assert all(body["details"]["run_id"] != usual for body in slow_sync_alerts(received))
