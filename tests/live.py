"""A live Airflow on the dev stack, as the e2e and the chaos tests start it.

:func:`live_airflow` starts the api-server, scheduler, dag-processor and triggerer
(:class:`~bigcommerce_sync_dev.local_airflow.LocalAirflow`) in their own ``AIRFLOW_HOME``,
serving the stores of a registry written here, and reaching the dev stack's batch
store, Elasticsearch and simulator through the connection names production uses.
This process reads the same batch store and search cluster under its own connection
ids, so the session-wide ``sync_db`` of ``tests/conftest.py`` stays untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bigcommerce_simulator import CatalogSpec, SimulatorAdmin, StoreSpec
from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync_dev.connections import env_name, postgres_connection
from bigcommerce_sync_dev.elasticsearch import SearchCluster
from bigcommerce_sync_dev.local_airflow import LocalAirflow
from bigcommerce_sync_dev.stack import DevStack
from tests.e2e.airflow_api import AirflowApi

BATCH_DB_CONN_ID = "e2e_sync_db"
SEARCH_CONN_ID = "e2e_search"


def dag_id(store_hash: str) -> str:
    return f"bigcommerce_sync_{store_hash}"


@dataclass(frozen=True)
class LiveStack:
    """The running Airflow and what a test needs to drive it and check what it did."""

    airflow: LocalAirflow
    api: AirflowApi
    batches: BatchRepository
    search: SearchHook
    simulator: SimulatorAdmin


def simulated_stores(
    catalogs: Mapping[str, CatalogSpec], token_prefix: str, latency_ms: Mapping[str, int]
) -> list[StoreSpec]:
    """The simulator's stores of a live stack: no quota, each with its catalog and latency.

    :param catalogs: each store's catalog, by store hash.
    :param token_prefix: the tokens are this and the store hash.
    :param latency_ms: the stores that answer late, and how late.
    """
    return [
        StoreSpec(
            store_hash=store_hash,
            token=f"{token_prefix}{store_hash}",
            catalog=catalog,
            quota=0,
            latency_ms=latency_ms.get(store_hash, 0),
        )
        for store_hash, catalog in catalogs.items()
    ]


@contextmanager
def live_airflow(
    workdir: Path,
    stack: DevStack,
    *,
    batch_db: str,
    metadata_db_url: str,
    stores: list[dict[str, Any]],
    unpaused: Iterable[str] = (),
    settings: Mapping[str, str] | None = None,
    port: int | None = None,
    store_connection_extra: Mapping[str, Any] | None = None,
    executor: str = "local",
    pool_slots: Mapping[str, int] | None = None,
) -> Iterator[LiveStack]:
    """Run an Airflow serving ``stores`` on the running ``stack`` until the block ends.

    :param workdir: holds the registry and the Airflow home.
    :param stack: the entered dev stack: its simulator serves every store of ``stores``.
    :param batch_db: the stack's database that holds the batches.
    :param metadata_db_url: an empty database for Airflow's metadata (on any server).
    :param stores: the registry's entries.
    :param unpaused: the stores whose DAGs are unpaused once parsed (all start paused).
    :param settings: more variables for every component (e.g. a webhook secret's connection).
    :param port: the api-server's port; a free one if ``None``.
    :param store_connection_extra: extras of every store connection; by default 2 attempts per
        request, 10 ms apart.
    :param executor: ``local`` or ``celery`` (a Redis broker and two workers; :class:`LocalAirflow`).
    :param pool_slots: sizes of the project's pools, by name; their defaults when not given.
    """
    extra = {"max_attempts": 2, "backoff_seconds": 0.01, **(store_connection_extra or {})}
    registry = workdir / "stores.yaml"
    registry.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    with own_connections(stack.database_url(batch_db), stack.search):
        environment = {
            **stack.connections(batch_db=batch_db, **extra),
            "BIGCOMMERCE_SYNC_STORES_FILE": str(registry),
            **(settings or {}),
        }
        home = workdir / "airflow-home"
        airflow = LocalAirflow(
            home,
            environment,
            metadata_db_url=metadata_db_url,
            port=port,
            executor=executor,
            pool_slots=pool_slots,
        )
        with airflow:
            api = AirflowApi(airflow.url, airflow.token())
            for store in stores:
                airflow.wait_for_dag(dag_id(store["store_hash"]))
            for store_hash in unpaused:
                api.set_paused(dag_id(store_hash), False)
            batches = BatchRepository(BATCH_DB_CONN_ID)
            batches.migrate()  # other systems create Pending batches before any run has claimed one
            yield LiveStack(airflow, api, batches, SearchHook(SEARCH_CONN_ID), stack.simulator.admin)


@contextmanager
def own_connections(batch_db_url: str, search: SearchCluster) -> Iterator[None]:
    """Let this process read the live Airflow's batch store and search cluster, until the block ends."""
    added = {
        env_name(BATCH_DB_CONN_ID): postgres_connection(batch_db_url),
        env_name(SEARCH_CONN_ID): search.connection(),
    }
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)
