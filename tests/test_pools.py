"""The project's pools: one home for names and sizes, used by the DAGs and every way they are created."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bigcommerce_sync.pools import POOLS, SEARCH_BULK, ensure_pools
from bigcommerce_sync.stores import StoreConfig

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_every_bulk_load_of_a_store_dag_takes_a_search_bulk_slot():
    from bigcommerce_sync.dag_factory import build_store_dag

    dag = build_store_dag(StoreConfig(store_hash="pool1", name="P", connection_id="bigcommerce_pool1"))

    pools = {task.task_id: task.pool for task in dag.tasks}
    bulk = {"import.products", "import.categories", "import.blogs", "index.rebuild_index"}
    assert {task_id for task_id, pool in pools.items() if pool == SEARCH_BULK.name} == bulk
    assert {pool for task_id, pool in pools.items() if task_id not in bulk} == {"default_pool"}
    assert {dag.get_task(task_id).pool_slots for task_id in bulk} == {1}


@pytest.fixture
def local_client(airflow_db):
    from airflow.api.client.local_client import Client

    client = Client()
    yield client
    for pool in POOLS:
        client.delete_pool(name=pool.name)


def test_missing_pools_are_created_and_existing_sizes_kept_unless_set(local_client):
    assert ensure_pools(local_client) == {SEARCH_BULK.name: f"created with {SEARCH_BULK.slots} slots"}
    local_client.create_pool(
        name=SEARCH_BULK.name, slots=9, description="sized by operators", include_deferred=False
    )

    assert ensure_pools(local_client) == {SEARCH_BULK.name: "kept, 9 slots"}
    assert ensure_pools(local_client, {SEARCH_BULK.name: 2}) == {SEARCH_BULK.name: "set to 2 slots"}
    name, slots, description, include_deferred, _ = local_client.get_pool(name=SEARCH_BULK.name)
    assert (name, slots, description, include_deferred) == (
        SEARCH_BULK.name,
        2,
        SEARCH_BULK.description,
        False,
    )
    with pytest.raises(ValueError, match="not a pool of the project: bigcommerce_api"):
        ensure_pools(local_client, {"bigcommerce_api": 4})


def test_the_deployment_files_create_the_same_pools():
    settings = yaml.safe_load((REPO_ROOT / "airflow_settings.yaml").read_text())["airflow"]
    init = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())["services"]["airflow-init"]

    assert settings["pools"] == [
        {"pool_name": p.name, "pool_slot": p.slots, "pool_description": p.description} for p in POOLS
    ]
    assert "python -m bigcommerce_sync.pools" in "\n".join(init["command"])
