"""Runs tasks of a bench store's real DAG in this process, as a worker runs them.

The tasks are the DAG's own operators, built by ``dag_factory`` from the bench
registry; only Airflow's task runner is left out: a task's context is a task
instance whose XComs live in a dict, as in the project's operator tests.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from bench.settings import SETUP_TASK_IDS
from bigcommerce_sync.dag_factory import build_store_dag
from bigcommerce_sync.operators.base import CLAIM_TASK_ID, ClaimedBatch
from bigcommerce_sync.stores import load_registry
from bigcommerce_sync.sync_types import SyncMode, SyncType

if TYPE_CHECKING:
    from datetime import datetime

    from airflow.sdk import DAG


def store_dag(store_hash: str) -> DAG:
    """Build the DAG of ``store_hash`` from the registry (``$BIGCOMMERCE_SYNC_STORES_FILE``)."""
    store = next(s for s in load_registry().stores if s.store_hash == store_hash)
    return build_store_dag(store)


def run_task(dag: DAG, task_id: str, xcoms: dict[str, Any]) -> Any:
    """Execute ``task_id`` of ``dag``; its return value becomes its XCom in ``xcoms``."""
    context = {"ti": SimpleNamespace(xcom_pull=lambda task_ids: xcoms[task_ids])}
    xcoms[task_id] = dag.get_task(task_id).execute(context)
    return xcoms[task_id]


def claimed(
    store_hash: str,
    batch_id: int,
    sync_type: SyncType,
    mode: SyncMode = SyncMode.FULL,
    changed_since: datetime | None = None,
) -> dict[str, Any]:
    """The XComs of a run that claimed batch ``batch_id``: ``claim_batch``'s, which the other tasks read.

    :param changed_since: for an incremental sync, the store time its product read starts from.
    """
    batch = ClaimedBatch(
        batch_id, store_hash, sync_type, mode, is_scheduled=False, changed_since=changed_since
    )
    return {CLAIM_TASK_ID: batch.to_xcom()}


def prepare_sync(store_hash: str, batch_id: int, sync_type: SyncType) -> dict[str, Any]:
    """Run the setup tasks of a full sync of ``sync_type`` for batch ``batch_id``; return the XComs.

    The batch is handed over as ``claim_batch`` would: the other tasks read it from its XCom.
    """
    xcoms = claimed(store_hash, batch_id, sync_type)
    dag = store_dag(store_hash)
    for task_id in SETUP_TASK_IDS:
        run_task(dag, task_id, xcoms)
    return xcoms
