"""The DAG file parses into one well-formed DAG per valid store, whatever else the registry holds."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bigcommerce_sync import sync_types
from bigcommerce_sync.sync_types import ImportJob, SyncMode, SyncType, TaskRef, import_task, required_tasks

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAG_FILE = DAGS_FOLDER / "bigcommerce_store_sync.py"  # the other DAG files have their own tests
STORE = {"name": "S", "connection_id": "bigcommerce_x", "retries": 2}


def parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stores: list[dict]):
    from airflow.dag_processing.dagbag import DagBag

    registry = tmp_path / "stores.yaml"
    registry.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(registry))
    return DagBag(dag_folder=str(DAG_FILE))


def test_one_dag_per_store_with_groups_tasks_and_settings(tmp_path, monkeypatch):
    from airflow.sdk.definitions.param import process_params

    bag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1", "schedule": "0 3 * * *"}])

    assert bag.import_errors == {}
    dag = bag.dags["bigcommerce_sync_aa1"]
    assert set(dag.task_dict) == {
        "claim_batch",
        "config.stop_words",
        "config.synonyms",
        "index.create_index",
        "index.rebuild_index",
        "import.products",
        "import.categories",
        "import.blogs",
        "publish",
        "finalize",
    }
    assert set(dag.task_group.children) >= {"config", "index", "import"}
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert dag.doc_md and "store:aa1" in dag.tags and "bigcommerce" in dag.tags
    assert {t.retries for t in dag.tasks} == {2}
    assert {t.retry_exponential_backoff for t in dag.tasks} == {2.0}
    assert {t.retry_delay for t in dag.tasks} == {timedelta(seconds=30)}
    assert dag.params["sync_type"] == "all"
    # A teardown without a setup: a run marked failed still runs it, even before the claim succeeded.
    assert dag.task_dict["finalize"].is_teardown
    assert dag.task_dict["finalize"].upstream_task_ids == {"publish"}
    assert not dag.task_dict["claim_batch"].is_setup
    assert dag.task_dict["finalize"].on_failure_fail_dagrun
    for sync_type in SyncType:  # finalize checks these task ids
        assert required_tasks(sync_type) <= set(dag.task_dict)
    assert list(dag.params) == ["sync_type", "mode", "batch_id", "product_ids"]
    # The params are the DAG's alone (not copied into each task: docs/scaling.md); a task gets them.
    assert not any(task.params for task in dag.tasks)
    conf = {"mode": "incremental"}
    params = process_params(dag, dag.task_dict["claim_batch"], conf, suppress_exception=False)
    assert params == {"sync_type": "all", "mode": "incremental", "batch_id": None, "product_ids": None}
    assert dag.params.get_param("product_ids").schema["maxItems"] == 250
    # A targeted sync needs only its claim and the products import to succeed.
    assert required_tasks(SyncType.PRODUCT, SyncMode.TARGETED) == {"claim_batch", "import.products"}


def test_a_store_sets_its_first_retry_delay(tmp_path, monkeypatch):
    bag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "dd4", "retry_delay_seconds": 2}])

    assert {t.retry_delay for t in bag.dags["bigcommerce_sync_dd4"].tasks} == {timedelta(seconds=2)}


def test_a_store_with_two_schedules_runs_on_both_crons(tmp_path, monkeypatch):
    from airflow.sdk import MultipleCronTriggerTimetable

    both = {**STORE, "store_hash": "bb2", "schedule": "0 3 * * 0", "incremental_schedule": "*/15 * * * *"}
    only_incremental = {**STORE, "store_hash": "cc3", "incremental_schedule": "*/15 * * * *"}
    bag = parse(tmp_path, monkeypatch, [both, only_incremental])

    assert bag.import_errors == {}
    timetable = bag.dags["bigcommerce_sync_bb2"].timetable
    assert isinstance(timetable, MultipleCronTriggerTimetable)
    assert [(t.expression, str(t.timezone)) for t in timetable.timetables] == [
        ("0 3 * * 0", "UTC"),
        ("*/15 * * * *", "UTC"),
    ]
    assert bag.dags["bigcommerce_sync_cc3"].timetable.expression == "*/15 * * * *"
    assert required_tasks(SyncType.ALL, SyncMode.INCREMENTAL) == {
        "claim_batch",
        "import.products",
        "import.categories",
        "import.blogs",
    }


def test_every_task_id_the_tasks_refer_to_is_a_task_of_the_dag(tmp_path, monkeypatch):
    dag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1"}]).dags["bigcommerce_sync_aa1"]

    refs = [ref for ref in vars(sync_types).values() if isinstance(ref, TaskRef)]
    refs += [import_task(job) for job in ImportJob]
    assert {ref.task_id for ref in refs} == set(dag.task_dict)
    assert dag.task_dict["publish"].versions_task_ids == ["index.create_index", "index.rebuild_index"]
    assert dag.task_dict["finalize"].count_task_ids == [f"import.{job}" for job in ImportJob]


def test_task_order_runs_imports_in_parallel_between_index_and_publish(tmp_path, monkeypatch):
    dag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1"}]).dags["bigcommerce_sync_aa1"]
    downstream = {task_id: task.downstream_task_ids for task_id, task in dag.task_dict.items()}

    imports = {"import.products", "import.categories", "import.blogs"}
    assert {"config.stop_words", "config.synonyms"} <= downstream["claim_batch"]
    assert downstream["config.stop_words"] == {"index.create_index", "index.rebuild_index"}
    assert downstream["index.create_index"] == downstream["index.rebuild_index"] == imports
    for task_id in imports:
        assert downstream[task_id] == {"publish"}
        assert not downstream[task_id] & imports
    assert downstream["publish"] == {"finalize"}


def test_broken_entry_is_skipped_and_reported_without_breaking_others(tmp_path, monkeypatch, caplog):
    stores = [
        {**STORE, "store_hash": "good1"},
        {**STORE, "store_hash": "bad2", "schedule": "whenever"},
        {**STORE, "store_hash": "good3"},
    ]
    with caplog.at_level(logging.ERROR, logger="bigcommerce_sync.dag_factory"):
        bag = parse(tmp_path, monkeypatch, stores)

    assert bag.import_errors == {}
    assert sorted(bag.dags) == ["bigcommerce_sync_good1", "bigcommerce_sync_good3"]
    assert "store #2 ('bad2'): field 'schedule'" in caplog.text


def test_duplicate_store_ids_are_refused(tmp_path, monkeypatch, caplog):
    stores = [
        {**STORE, "store_hash": "twin"},
        {**STORE, "store_hash": "twin"},
        {**STORE, "store_hash": "solo"},
    ]
    with caplog.at_level(logging.ERROR, logger="bigcommerce_sync.dag_factory"):
        bag = parse(tmp_path, monkeypatch, stores)

    assert sorted(bag.dags) == ["bigcommerce_sync_solo"]
    assert "'twin' appears 2 times" in caplog.text


def test_unreadable_registry_is_an_import_error_of_the_file(tmp_path, monkeypatch):
    registry = tmp_path / "stores.yaml"
    registry.write_text("stores: [", encoding="utf-8")
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(registry))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))

    assert bag.dags == {}
    assert "cannot read the store registry" in next(iter(bag.import_errors.values()))


def test_parsing_context_builds_only_the_requested_store(tmp_path, monkeypatch):
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "bigcommerce_sync_bb2")
    bag = parse(tmp_path, monkeypatch, [{**STORE, "store_hash": h} for h in ("aa1", "bb2", "cc3")])

    assert list(bag.dags) == ["bigcommerce_sync_bb2"]


def test_dag_file_imports_only_from_the_sdk_and_the_project():
    source = DAG_FILE.read_text()

    assert "airflow.models" not in source and "airflow.decorators" not in source
