"""The searchable-values DAG file: one DAG for every enabled store, its schedule, tasks and settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from bigcommerce_sync.operators import values as operators
from bigcommerce_sync.searchable_fields import FieldValue, FieldValuesError
from bigcommerce_sync.spread import SomeItemsFailed
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from bigcommerce_sync.values_dag import VALUES_DAG_ID, build_values_dag

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
    # Each job's share of its group's timeout (the instance's is that times its jobs).
    assert collect.execution_timeout == collect.partial_kwargs["item_timeout"] == timedelta(minutes=5)
    for task_id in ("discover_fields", "publish_values"):
        assert dag.task_dict[task_id].partial_kwargs["item_timeout"] == timedelta(minutes=5)
    for task_id in ("discover_fields", "publish_values"):  # one store a group while they fit
        groups = dag.task_dict[task_id].expand_input.value["stores"]
        assert [[store["store_hash"] for store in group] for group in groups] == [["aa1"]]
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

    assert dag.task_dict["collect_values"].partial_kwargs["item_timeout"] == timedelta(minutes=2)
    assert dag.params["max_values_per_field"] == 50


def test_a_mapped_instance_has_each_item_s_timeout_times_its_items():
    def collect(jobs: int) -> operators.CollectValuesOperator:
        return operators.CollectValuesOperator(
            task_id=f"c{jobs}", jobs=[{"job_id": n} for n in range(jobs)], item_timeout=timedelta(minutes=2)
        )

    assert collect(1).execution_timeout == timedelta(minutes=2)
    assert collect(40).execution_timeout == timedelta(minutes=80)
    stores = [{"store_hash": f"s{n}"} for n in range(3)]
    for operator in (operators.DiscoverFieldsOperator, operators.PublishValuesOperator):
        task = operator(task_id="t", stores=stores, item_timeout=timedelta(minutes=2))
        assert task.execution_timeout == timedelta(minutes=6)


def many_stores(count: int) -> StoreRegistry:
    return StoreRegistry([StoreConfig(store_hash=f"s{n}", **STORE) for n in range(count)])


@pytest.mark.parametrize(("max_map_length", "most"), [(None, 128), ("50", 50)])
def test_3000_stores_take_at_most_the_mapped_task_cap_each_store_once(monkeypatch, max_map_length, most):
    if max_map_length:
        monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", max_map_length)
    dag = build_values_dag(many_stores(3000))

    for task_id in ("discover_fields", "publish_values"):
        groups = dag.task_dict[task_id].expand_input.value["stores"]
        assert len(groups) == most
        assert [store["store_hash"] for group in groups for store in group] == [f"s{n}" for n in range(3000)]


class FakeTI:
    """The XComs a task instance pulls, as every map index's values of a task (and what it pushes)."""

    def __init__(self, xcoms: dict[tuple[str, str], list[Any]] | None = None, try_number: int = 1) -> None:
        self.xcoms = xcoms or {}
        self.pushed: dict[str, Any] = {}
        self.try_number = try_number

    def xcom_pull(self, task_ids: list[str], key: str = "return_value") -> list[Any] | None:
        assert isinstance(task_ids, list)  # so that Airflow answers with a list even for one group
        return self.xcoms.get((task_ids[0], key))

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


class FakePlanRepository:
    def __init__(self, conn_id: str) -> None:
        self.planned: list[tuple[str, str]] = []

    def migrate(self) -> None:
        pass

    def start_run(self, **_: Any) -> SimpleNamespace:
        return SimpleNamespace(id=7)

    def plan(self, run_id: int, store_hash: str, fields: list[str]) -> list[SimpleNamespace]:
        start = len(self.planned)
        self.planned += [(store_hash, field) for field in fields]
        return [SimpleNamespace(id=start + n, store_hash=store_hash, field=f) for n, f in enumerate(fields)]


def context(ti: FakeTI) -> dict[str, Any]:
    return {
        "ti": ti,
        "dag": SimpleNamespace(dag_id=VALUES_DAG_ID),
        "dag_run": SimpleNamespace(start_date=None),
        "run_id": "manual__1",
        "params": {operators.MAX_VALUES_PARAM: 10},
    }


def test_the_plan_of_5000_jobs_is_at_most_128_groups_with_the_stores_of_failed_discoveries_too(monkeypatch):
    monkeypatch.setattr(operators, "ValueJobRepository", FakePlanRepository)
    stores = [operators.value_store(store) for store in many_stores(501).stores]
    found = [{"store_hash": s["store_hash"], "fields": [f"field:f{n}" for n in range(10)]} for s in stores]
    # Two discovery groups: the first succeeded; of the second, s500 failed and the others' fields
    # were pushed as partial results.
    ti = FakeTI(
        {
            ("discover_fields", "return_value"): [found[:250]],
            ("discover_fields", operators.PARTIAL_RESULTS_KEY): [found[250:500]],
        }
    )
    plan = operators.PlanValueJobsOperator(
        task_id="plan_jobs", stores=stores, discover_task_id="discover_fields"
    )

    groups = plan.execute(context(ti))

    assert len(groups) == 128
    jobs = [(job["store_hash"], job["field"]) for group in groups for job in group]
    assert len(jobs) == 5000
    assert jobs == [(f["store_hash"], field) for f in found[:500] for field in f["fields"]]
    assert all(job["max_values"] == 10 for group in groups for job in group)


def test_a_store_failing_discovery_leaves_the_others_fields_as_partial_results(monkeypatch):
    def discover(hook: Any, store_hash: str, extra: list[str]) -> list:
        if store_hash == "s1":
            raise ConnectionError("search cluster unreachable")
        return [operators.SearchableField.from_key("brand:brand")]

    monkeypatch.setattr(operators, "discover_fields", discover)
    monkeypatch.setattr("bigcommerce_sync.hooks.search.SearchHook", lambda conn_id: None)
    stores = [operators.value_store(store) for store in many_stores(3).stores]
    ti = FakeTI()

    with pytest.raises(SomeItemsFailed, match="1 of 3 failed: store s1"):
        operators.DiscoverFieldsOperator(task_id="discover_fields", stores=stores).execute(context(ti))

    assert ti.pushed[operators.PARTIAL_RESULTS_KEY] == [
        {"store_hash": "s0", "fields": ["brand:brand"]},
        {"store_hash": "s2", "fields": ["brand:brand"]},
    ]


class FakeJobs:
    """Value jobs by id with their status, as the batch store moves them."""

    rows: dict[int, SimpleNamespace]  # the test's jobs, set by the test

    def __init__(self, conn_id: str) -> None:
        self.jobs = self.rows

    def start(self, job_id: int) -> SimpleNamespace:
        job = self.jobs[job_id]
        if job.status not in ("pending", "processing"):
            raise operators.ValueJobError(f"value job {job_id} is {job.status}")
        job.status = "processing"
        return job

    def get(self, job_id: int) -> SimpleNamespace:
        return self.jobs[job_id]

    def previous_counts(self, job: SimpleNamespace) -> dict[str, int]:
        return {}

    def complete(self, job_id: int, values: list, changes: Any) -> None:
        self.jobs[job_id].status, self.jobs[job_id].values_processed = "completed", changes.processed

    def fail(self, job_id: int, error: str) -> None:
        self.jobs[job_id].status, self.jobs[job_id].error = "failed", error

    def note_error(self, job_id: int, error: str) -> None:
        self.jobs[job_id].error = error


def test_a_collect_group_runs_every_job_retries_what_may_succeed_and_skips_what_ended(monkeypatch):
    calls: list[str] = []

    def collect(hook: Any, store_hash: str, field: Any, max_values: int) -> list[FieldValue]:
        calls.append(store_hash)
        if store_hash == "gone":
            raise FieldValuesError("bc_gone_products serves no index")
        if store_hash == "flaky" and calls.count("flaky") == 1:
            raise ConnectionError("reset by peer")
        return [FieldValue("a", "a", 3)]

    monkeypatch.setattr(operators, "collect_values", collect)
    monkeypatch.setattr("bigcommerce_sync.hooks.search.SearchHook", lambda conn_id: None)
    monkeypatch.setattr(operators, "ValueJobRepository", FakeJobs)
    stores = ("gone", "flaky", "fine")
    rows = {
        n: SimpleNamespace(store_hash=s, field="brand:brand", status="pending", error=None)
        for n, s in enumerate(stores)
    }
    monkeypatch.setattr(FakeJobs, "rows", rows, raising=False)
    jobs = [
        {"job_id": n, "store_hash": s, "field": "brand:brand", "search_conn_id": "es", "max_values": 5}
        for n, s in enumerate(stores)
    ]
    task = operators.CollectValuesOperator(task_id="collect_values", jobs=jobs, retries=3)

    # First try: every job runs; the connection error leaves tries, so Airflow retries the group.
    with pytest.raises(SomeItemsFailed) as first:
        task.execute(context(FakeTI(try_number=1)))
    assert not isinstance(first.value, operators.AirflowFailException)
    assert calls == ["gone", "flaky", "fine"]
    assert [rows[n].status for n in range(3)] == ["failed", "processing", "completed"]
    assert rows[1].error == "ConnectionError: reset by peer"

    # The retry runs only the unfinished job, then fails for good naming the job that failed.
    with pytest.raises(operators.AirflowFailException, match="1 of 3 failed: gone brand:brand"):
        task.execute(context(FakeTI(try_number=2)))
    assert calls == ["gone", "flaky", "fine", "flaky"]
    assert [rows[n].status for n in range(3)] == ["failed", "completed", "completed"]


def test_a_retryable_error_on_the_last_try_fails_the_job(monkeypatch):
    def collect(hook: Any, store_hash: str, field: Any, max_values: int) -> list[FieldValue]:
        raise ConnectionError("reset by peer")

    monkeypatch.setattr(operators, "collect_values", collect)
    monkeypatch.setattr("bigcommerce_sync.hooks.search.SearchHook", lambda conn_id: None)
    monkeypatch.setattr(operators, "ValueJobRepository", FakeJobs)
    row = SimpleNamespace(store_hash="s", field="brand:brand", status="processing", error=None)
    monkeypatch.setattr(FakeJobs, "rows", {0: row}, raising=False)
    job = {"job_id": 0, "store_hash": "s", "field": "brand:brand", "search_conn_id": "es", "max_values": 5}
    task = operators.CollectValuesOperator(task_id="collect_values", jobs=[job], retries=3)

    with pytest.raises(operators.AirflowFailException, match="s brand:brand"):
        task.execute(context(FakeTI(try_number=4)))
    assert (row.status, row.error) == ("failed", "ConnectionError: reset by peer")


def test_a_worker_parsing_a_store_dag_does_not_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "bigcommerce_sync_aa1")

    assert parse(tmp_path, monkeypatch, [{**STORE, "store_hash": "aa1"}]).dags == {}


def test_dag_file_imports_only_from_the_sdk_and_the_project():
    source = DAG_FILE.read_text()

    assert "airflow.models" not in source and "airflow.decorators" not in source
    assert "from airflow.sdk import" in source
