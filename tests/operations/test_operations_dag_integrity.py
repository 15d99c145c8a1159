"""The operations DAG file: two DAGs, their schedules, tasks and what each task waits for."""

from __future__ import annotations

import pytest

from bigcommerce_sync.operations_dag import build_operations_dag
from bigcommerce_sync.operators.operations import ops_store
from tests.dags.sync_runs import DAGS_FOLDER


def test_operations_and_report_dags(test_registry_file):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / "bigcommerce_operations.py"))

    assert bag.import_errors == {}
    ops, report = bag.dags["bigcommerce_operations"], bag.dags["bigcommerce_daily_report"]
    assert {"bigcommerce", "operations"} <= set(ops.tags) and ops.doc_md and report.doc_md
    assert (ops.max_active_runs, ops.catchup) == (1, False)
    assert (ops.schedule, report.schedule, str(report.timetable.timezone)) == (
        "*/5 * * * *",
        "0 2 * * *",
        "UTC",
    )
    assert set(ops.task_dict) == {"reap_batches", "store_health", "alerts", "new_stores", "first_sync"}
    # Alerts run whatever the reaper and the health of each store did; the other parts wait for nothing.
    alerts = ops.task_dict["alerts"]
    assert alerts.upstream_task_ids == {"reap_batches", "store_health"} and alerts.trigger_rule == "all_done"
    assert ops.task_dict["reap_batches"].upstream_task_ids == set()
    assert ops.task_dict["store_health"].upstream_task_ids == set()
    assert ops.task_dict["first_sync"].upstream_task_ids == {"new_stores"}
    assert set(report.task_dict) == {"report"} and "report_date" in report.params


def registry_of(count: int):
    from bigcommerce_sync.stores import StoreConfig, StoreRegistry

    return StoreRegistry(
        [
            StoreConfig(
                store_hash=f"many{n:05d}", name=f"Store {n}", connection_id=f"bigcommerce_many{n:05d}"
            )
            for n in range(count)
        ]
    )


@pytest.mark.parametrize("max_map_length,most", [(None, 128), ("50", 50)])
def test_per_store_tasks_take_every_store_once_in_few_instances(monkeypatch, max_map_length, most):
    if max_map_length:
        monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", max_map_length)
    registry = registry_of(3_000)
    hashes = [store.store_hash for store in registry.stores]

    dag = build_operations_dag(registry)

    health_groups = dag.get_task("store_health").expand_input.value["stores"]
    alert_groups = dag.get_task("alerts").expand_input.value["store_hashes"]
    assert len(health_groups) == most and len(alert_groups) == most
    assert [store["store_hash"] for group in health_groups for store in group] == hashes
    assert [store_hash for group in alert_groups for store_hash in group] == hashes
    # Each instance is named by its group: first store … last store (size).
    assert "task.stores[0]['store_hash']" in dag.get_task("store_health").partial_kwargs["map_index_template"]
    assert "task.store_hashes[0]" in dag.get_task("alerts").partial_kwargs["map_index_template"]


def test_a_few_stores_keep_an_instance_each():
    dag = build_operations_dag(registry_of(3))
    assert dag.get_task("store_health").expand_input.value["stores"] == [
        [ops_store(store)] for store in registry_of(3).stores
    ]
    assert dag.get_task("alerts").expand_input.value["store_hashes"] == [
        ["many00000"],
        ["many00001"],
        ["many00002"],
    ]


@pytest.mark.parametrize(
    "setting,max_mapped,limit", [(None, None, 20), ("5", None, 5), (None, "3", 3), ("0", None, 0)]
)
def test_first_syncs_a_run_are_the_setting_never_more_than_first_sync_maps(
    monkeypatch, setting, max_mapped, limit
):
    if setting:
        monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__OPS_FIRST_SYNCS_PER_RUN", setting)
    if max_mapped:
        monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", max_mapped)
    assert build_operations_dag(registry_of(3)).get_task("new_stores").limit == limit
