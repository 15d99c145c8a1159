"""Running a store's sync DAG with ``dag.test()`` and reading back what it did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bigcommerce_sync.batches import Batch, BatchRepository
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
CONFIG_TASKS = {"config.stop_words", "config.synonyms"}
IMPORT_TASKS = {"import.products", "import.categories", "import.blogs"}


@dataclass(frozen=True)
class SyncRun:
    run_id: str
    state: str
    task_states: dict[str, str]
    batch: Batch | None
    try_numbers: dict[str, int]

    def tasks_in(self, state: str) -> set[str]:
        return {task for task, task_state in self.task_states.items() if task_state == state}


def run_sync(
    dag_id: str, conf: dict[str, Any] | None = None, logical_date: datetime | None = None
) -> SyncRun:
    """Run the DAG file's DAG in-process as Airflow would, and return its run, task states and batch."""
    from airflow.dag_processing.dagbag import DagBag

    return run_dag(DagBag(dag_folder=str(DAGS_FOLDER)).dags[dag_id], conf, logical_date)


def run_dag(dag: Any, conf: dict[str, Any] | None = None, logical_date: datetime | None = None) -> SyncRun:
    """Run ``dag`` (e.g. one built from a store entry the registry does not have) with ``dag.test()``."""
    dag_run = dag.test(run_conf=conf, logical_date=logical_date)
    tis = dag_run.get_task_instances()
    states = {ti.task_id: _name(ti.state) for ti in tis}
    batch = BatchRepository().find_by_run(dag.dag_id, dag_run.run_id)
    return SyncRun(
        dag_run.run_id, _name(dag_run.state), states, batch, {ti.task_id: ti.try_number for ti in tis}
    )


def _name(state: Any) -> str:
    return str(getattr(state, "value", state))


def product_requests_recorded(calls: list[dict]):
    """``BigCommerceHook.get_json`` that records the params of every product list request."""
    real_get_json = BigCommerceHook.get_json

    def get_json(hook: BigCommerceHook, session, endpoint: str, params):
        if endpoint == "v3/catalog/products":
            calls.append(dict(params))
        return real_get_json(hook, session, endpoint, params)

    return get_json
