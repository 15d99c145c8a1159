"""On a live Airflow of its own: the operations DAG gives a store that never synced its first full sync.

Its own Airflow, because the operations DAG acts on every store of its registry: next to the
e2e stores it would start syncs under their tests.
"""

from __future__ import annotations

import os

import pytest

from bigcommerce_simulator import CatalogSpec, StoreSpec
from bigcommerce_sync.index_lifecycle import alias_name
from bigcommerce_sync.operations_dag import FIRST_SYNC_CONF, OPERATIONS_DAG_ID
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync_dev.local_airflow import wait_until
from bigcommerce_sync_dev.stack import DevStack
from tests.live import LiveStack, dag_id, live_airflow

pytestmark = pytest.mark.e2e

NEW_STORE = "opsnewstore"
CATALOG = CatalogSpec(seed=51, products=25, categories=3, brands=2, pages=2, blog_posts=2)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, dev_stack) -> LiveStack:
    workdir = tmp_path_factory.mktemp("ops-airflow")
    batch_db, metadata_db = f"bcsync_ops_{os.getpid()}", f"bcsync_ops_airflow_{os.getpid()}"
    store = StoreSpec(store_hash=NEW_STORE, token="ops-first-sync-token", catalog=CATALOG)
    stack = DevStack(
        [store],
        databases=[batch_db, metadata_db],
        postgres_url=dev_stack.postgres_url,
        search=dev_stack.search,
    )
    entry = {
        "store_hash": NEW_STORE,
        "name": "New store",
        "connection_id": f"bigcommerce_{NEW_STORE}",
        "schedule": None,
    }
    with (
        stack,
        live_airflow(
            workdir,
            stack,
            batch_db=batch_db,
            metadata_db_url=stack.database_url(metadata_db),
            stores=[entry],
            unpaused=[NEW_STORE],
        ) as live,
    ):
        yield live


def test_a_store_that_never_synced_gets_one_full_sync_from_the_operations_dag(live: LiveStack):
    store_dag = dag_id(NEW_STORE)
    assert live.api.dag_runs(store_dag) == []

    live.airflow.wait_for_dag(OPERATIONS_DAG_ID)
    live.api.set_paused(OPERATIONS_DAG_ID, False)  # the scheduler starts its latest interval's run
    [first_sync] = wait_until(
        lambda: live.api.dag_runs(store_dag), bool, timeout=240, what="a first sync run"
    )
    finished = live.api.wait_for_run(store_dag, first_sync["dag_run_id"])
    ops_run = live.api.wait_for_run(OPERATIONS_DAG_ID, live.api.dag_runs(OPERATIONS_DAG_ID)[0]["dag_run_id"])
    live.api.set_paused(OPERATIONS_DAG_ID, True)

    assert (first_sync["conf"], first_sync["triggered_by"]) == (FIRST_SYNC_CONF, "operator")
    assert (finished["state"], ops_run["state"]) == ("success", "success")
    batch = live.batches.find_by_run(store_dag, first_sync["dag_run_id"])
    assert (batch.status, batch.sync_type, batch.mode) == ("completed", "all", "full")
    assert batch.products_count == CATALOG.products
    assert live.search.count(alias_name(NEW_STORE, Entity.PRODUCTS)) == CATALOG.products
    assert len(live.api.dag_runs(store_dag)) == 1  # one first sync, not one per operations run
