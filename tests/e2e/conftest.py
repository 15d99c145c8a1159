"""One running Airflow 3 for all the e2e tests, with its own stores, batch store, search and store API.

The api-server, scheduler and dag-processor run as separate processes
(:class:`~bigcommerce_sync.local_airflow.LocalAirflow`) in their own
``AIRFLOW_HOME``; nothing of this test process's Airflow configuration reaches
them. They read the stores from a registry written here, and reach the batch
store, osmem-server and the simulator through the connection names production
uses. This process reads the same batch store and search server under its own
connection ids, so the session-wide ``sync_db`` of ``tests/conftest.py`` stays
untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bigcommerce_sync import devstack
from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.local_airflow import LocalAirflow
from bigcommerce_sync.simulator import CatalogSpec, SimulatorProcess, StoreSpec
from tests.e2e.airflow_api import AirflowApi

MANUAL_STORE = "e2estore"  # runs only when triggered
CRON_STORE = "e2ecron"  # every minute, by the scheduler
SLOW_STORE = "e2eslow"  # every store response delayed, so a run can be caught importing
CATALOGS = {
    MANUAL_STORE: CatalogSpec(seed=41, products=40, categories=6, brands=3, pages=4, blog_posts=5),
    CRON_STORE: CatalogSpec(seed=42, products=12, categories=3, brands=2, pages=2, blog_posts=3),
    SLOW_STORE: CatalogSpec(seed=43, products=12, categories=3, brands=2, pages=2, blog_posts=3),
}
SCHEDULES = {CRON_STORE: "* * * * *"}
LATENCY_MS = {SLOW_STORE: 3000}
BATCH_DB_CONN_ID = "e2e_sync_db"
SEARCH_CONN_ID = "e2e_search"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


def dag_id(store_hash: str) -> str:
    return f"bigcommerce_sync_{store_hash}"


@dataclass(frozen=True)
class LiveStack:
    """The running Airflow and what a test needs to drive it and check what it did."""

    airflow: LocalAirflow
    api: AirflowApi
    batches: BatchRepository
    search: SearchHook


def write_registry(path: Path) -> Path:
    """The stores the live Airflow serves, one DAG each."""
    stores = [
        {
            "store_hash": store_hash,
            "name": f"E2E {store_hash}",
            "connection_id": f"bigcommerce_{store_hash}",
            "schedule": SCHEDULES.get(store_hash),
            "retries": 0,
        }
        for store_hash in CATALOGS
    ]
    path.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    return path


def simulated_stores() -> list[StoreSpec]:
    return [
        StoreSpec(
            store_hash=store_hash,
            token=f"e2e-token-{store_hash}",
            catalog=catalog,
            quota=0,
            latency_ms=LATENCY_MS.get(store_hash, 0),
        )
        for store_hash, catalog in CATALOGS.items()
    ]


def connections(batch_db_url: str, search_url: str, simulator_url: str) -> dict[str, str]:
    """The live Airflow's connections, under the names production uses."""
    stores = {
        f"AIRFLOW_CONN_BIGCOMMERCE_{spec.store_hash.upper()}": devstack.bigcommerce_connection(
            simulator_url, spec.store_hash, spec.token, max_attempts=2, backoff_seconds=0.01
        )
        for spec in simulated_stores()
    }
    return {
        "AIRFLOW_CONN_SYNC_DB": devstack.postgres_connection(batch_db_url),
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT": devstack.search_connection(search_url),
        **stores,
    }


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """Start everything once for these tests; stop and drop it all after the last, even after failures.

    Package scope, not session: the rest of the suite then runs without an idle Airflow beside it.
    """
    workdir = tmp_path_factory.mktemp("live-airflow")
    server = devstack.postgres_server_url(workdir)
    with ExitStack() as stack:
        batch_db_url = fresh_database(stack, server, f"bcsync_e2e_{os.getpid()}")
        metadata_db_url = fresh_database(stack, server, f"bcsync_e2e_airflow_{os.getpid()}")
        search_url = stack.enter_context(devstack.search_stand_in())
        simulator = stack.enter_context(SimulatorProcess(simulated_stores()))
        settings = {
            **connections(batch_db_url, search_url, simulator.url),
            "BIGCOMMERCE_SYNC_STORES_FILE": str(write_registry(workdir / "stores.yaml")),
        }
        own_connections(stack, batch_db_url, search_url)
        airflow = LocalAirflow(workdir / "airflow-home", settings, metadata_db_url=metadata_db_url)
        stack.enter_context(airflow)
        api = AirflowApi(airflow.url, airflow.token())
        for store_hash in CATALOGS:
            airflow.wait_for_dag(dag_id(store_hash))
        for store_hash in (MANUAL_STORE, SLOW_STORE):
            api.set_paused(dag_id(store_hash), False)
        batches = BatchRepository(BATCH_DB_CONN_ID)
        batches.migrate()  # other systems create Pending batches before any run has claimed one
        yield LiveStack(airflow, api, batches, SearchHook(SEARCH_CONN_ID))


def fresh_database(stack: ExitStack, server: str, name: str) -> str:
    """Create an empty database, dropped when the stack closes; return its URL."""
    url = devstack.create_database(server, name, recreate=True)
    stack.callback(devstack.drop_database, server, name)
    return url


def own_connections(stack: ExitStack, batch_db_url: str, search_url: str) -> None:
    """Let this process read the live Airflow's batch store and search server, until the stack closes."""
    added = {
        f"AIRFLOW_CONN_{BATCH_DB_CONN_ID.upper()}": devstack.postgres_connection(batch_db_url),
        f"AIRFLOW_CONN_{SEARCH_CONN_ID.upper()}": devstack.search_connection(search_url),
    }
    os.environ.update(added)
    stack.callback(lambda: [os.environ.pop(key, None) for key in added])
