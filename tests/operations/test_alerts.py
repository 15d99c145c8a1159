"""Alerts: sent once through the http notifier to a local receiver, and not again until they clear."""

from __future__ import annotations

from bigcommerce_sync.operations_dag import build_operations_dag
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from tests.operations.batches import completed, failed
from tests.operations.support import WEBHOOK_CONN_ID, bodies

STORE = "alertstore"  # no connection and no DAG: its health and first sync fail, its alerts do not
REGISTRY = StoreRegistry(
    [StoreConfig(store_hash=STORE, name="Alerting", connection_id="bigcommerce_alertstore")]
)


def alerts_sent(received: list[dict]) -> list[tuple[str, str]]:
    return [(body["condition"], body["state"]) for body in bodies(received) if body["store_hash"] == STORE]


def test_an_alert_is_sent_once_and_again_only_after_it_cleared(ops, repo, receiver):
    dag = build_operations_dag(REGISTRY, http_conn_id=WEBHOOK_CONN_ID)
    for _ in range(3):
        failed(repo, STORE)

    dag.test()
    assert alerts_sent(receiver) == [("repeated_failures", "open")]
    assert "the last 3 syncs failed" in bodies(receiver)[0]["message"]

    dag.test()  # still failing: nothing new is sent
    assert alerts_sent(receiver) == [("repeated_failures", "open")]

    failed(repo, STORE)  # 4 of 4 failed: the failure rate now alerts too, once
    dag.test()
    dag.test()
    assert alerts_sent(receiver) == [("repeated_failures", "open"), ("failure_rate", "open")]

    completed(repo, STORE)  # the repeated failures clear; 4 of 5 failed keeps the failure rate open
    dag.test()
    assert alerts_sent(receiver)[2:] == [("repeated_failures", "cleared")]
    open_now = {(a.store_hash, a.condition) for a in ops.alerts(open_only=True)}
    assert (STORE, "failure_rate") in open_now and (STORE, "repeated_failures") not in open_now

    for _ in range(3):
        failed(repo, STORE)
    dag.test()  # failing again after it cleared: a new alert
    assert alerts_sent(receiver)[3:] == [("repeated_failures", "open")]
