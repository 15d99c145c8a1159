"""The searchable-values DAG file: one DAG for every enabled store, its schedule, tasks and settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bigcommerce_sync.values_dag import VALUES_DAG_ID

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAG_FILE = DAGS_FOLDER / "bigcommerce_searchable_values.py"
STORE = {"name": "S", "connection_id": "bigcommerce_x"}


def parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stores: list[dict], folder: Path = DAG_FILE):
    from airflow.dag_processing.dagbag import DagBag

    registry = tmp_path / "stores.yaml"
    registry.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(registry))
    return DagBag(dag_folder=str(folder))


def test_daily_dag_maps_jobs_with_retries_timeout_and_a_report_that_always_runs(tmp_path, monkeypatch):
    stores = [
        {**STORE, "store_hash": "aa1", "searchable_fields": ["availability"]},
        {**STORE, "store_hash": "off2", "enabled": False},
    ]
    bag = parse(tmp_path, monkeypatch, stores, folder=DAGS_FOLDER)

    assert bag.import_errors == {}
    # Parsed with every other DAG file: the values DAG and the store's sync DAG, none for the disabled store.
    assert {VALUES_DAG_ID, "bigcommerce_sync_aa1"} <= set(bag.dags)
    assert not any("off2" in dag_id for dag_id in bag.dags)
    dag = bag.dags[VALUES_DAG_ID]
    assert (dag.schedule, str(dag.timetable.timezone)) == ("0 2 * * *", "UTC")
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.doc_md and {"bigcommerce", "searchable-values"} <= set(dag.tags)
    assert dag.params["max_values_per_field"] == 1000
    collect = dag.task_dict["collect_values"]
    assert (collect.retries, collect.retry_exponential_backoff) == (3, 2.0)
    assert collect.execution_timeout == timedelta(minutes=5)
    assert [store["store_hash"] for store in dag.task_dict["publish_values"].expand_input.value["store"]] == [
        "aa1"
    ]
    for task_id in ("plan_jobs", "publish_values", "report"):  # failures upstream never stop them
        assert dag.task_dict[task_id].trigger_rule == "all_done"
    downstream = {task_id: task.downstream_task_ids for task_id, task in dag.task_dict.items()}
    assert downstream == {
        "discover_fields": {"plan_jobs"},
        "plan_jobs": {"collect_values"},
        "collect_values": {"publish_values"},
        "publish_values": {"report"},
        "report": set(),
    }


def test_job_timeout_and_cap_come_from_the_airflow_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__VALUES_JOB_TIMEOUT_MINUTES", "2")
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__VALUES_MAX_PER_FIELD", "50")
    dag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1"}]).dags[VALUES_DAG_ID]

    assert dag.task_dict["collect_values"].execution_timeout == timedelta(minutes=2)
    assert dag.params["max_values_per_field"] == 50


def test_a_worker_parsing_a_store_dag_does_not_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "bigcommerce_sync_aa1")

    assert parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1"}]).dags == {}


def test_dag_file_imports_only_from_the_sdk_and_the_project():
    source = DAG_FILE.read_text()

    assert "airflow.models" not in source and "airflow.decorators" not in source
    assert "from airflow.sdk import" in source
