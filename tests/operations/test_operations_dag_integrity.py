"""The operations DAG file: two DAGs, their schedules, tasks and what each task waits for."""

from __future__ import annotations

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
