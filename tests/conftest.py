"""The test session: a throwaway Airflow home and real stand-ins for every outside part.

Airflow runs for real (``dag.test()``) on a SQLite metadata DB; the batch store is
a fresh database on a real PostgreSQL server; search is osmem-server; the store
API is the project's BigCommerce simulator over HTTP.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="bcsync-airflow-"))
TEST_STORES_FILE = AIRFLOW_HOME / "stores.yaml"

# Airflow reads its configuration when first imported, so this comes before any test imports it.
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME}/airflow.db",
        "BIGCOMMERCE_SYNC_STORES_FILE": str(TEST_STORES_FILE),
    }
)

import pytest  # noqa: E402

from bigcommerce_sync import devstack  # noqa: E402

# Two stores: one manual-only with enough products for several pages, one on a schedule.
SIM_CATALOGS = {
    "teststore": dict(seed=11, products=600, categories=24, brands=6, pages=9, blog_posts=7),
    "schedstore": dict(seed=12, products=30, categories=5, brands=2, pages=3, blog_posts=4),
}
TEST_REGISTRY = {
    "stores": [
        {
            "store_hash": "teststore",
            "name": "Test Store",
            "connection_id": "bigcommerce_teststore",
            "schedule": None,
            "retries": 0,
            "stop_words": ["widget"],
            "synonyms": ["hoodie, sweatshirt"],
        },
        {
            "store_hash": "schedstore",
            "name": "Scheduled Store",
            "connection_id": "bigcommerce_schedstore",
            "schedule": "0 4 * * *",
            "retries": 0,
        },
    ]
}


@pytest.fixture(scope="session")
def batch_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh batch-store database, wired as the ``sync_db`` connection."""
    server = devstack.postgres_server_url(tmp_path_factory.mktemp("postgres"))
    name = f"bcsync_test_{os.getpid()}"
    url = devstack.create_database(server, name, recreate=True)
    os.environ["AIRFLOW_CONN_SYNC_DB"] = devstack.postgres_connection(url)
    yield url
    devstack.drop_database(server, name)


@pytest.fixture(scope="session")
def search_url() -> str:
    """osmem-server, wired as the ``elasticsearch_default`` connection."""
    with devstack.search_stand_in() as url:
        os.environ["AIRFLOW_CONN_ELASTICSEARCH_DEFAULT"] = devstack.search_connection(url)
        yield url


def sim_store_specs() -> list:
    from bigcommerce_sync.simulator import CatalogSpec, StoreSpec

    return [
        StoreSpec(store_hash=name, token=f"token-of-{name}", catalog=CatalogSpec(**catalog), quota=0)
        for name, catalog in SIM_CATALOGS.items()
    ]


@pytest.fixture(scope="session")
def simulator():
    """The BigCommerce simulator serving the test stores, with a connection per store."""
    from bigcommerce_sync.simulator import SimulatorAdmin, SimulatorProcess

    specs = sim_store_specs()
    with SimulatorProcess(specs) as process:
        for spec in specs:
            conn = devstack.bigcommerce_connection(
                process.url, spec.store_hash, spec.token, max_attempts=3, backoff_seconds=0.01
            )
            os.environ[f"AIRFLOW_CONN_BIGCOMMERCE_{spec.store_hash.upper()}"] = conn
        admin = SimulatorAdmin(process.url)
        yield admin


@pytest.fixture
def sim(simulator):
    """The simulator with its faults and counters cleared after the test."""
    yield simulator
    simulator.reset(catalog=True)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata DB (SQLite in the throwaway home)."""
    from airflow.utils.db import resetdb

    resetdb()


@pytest.fixture(scope="session")
def test_registry_file() -> Path:
    TEST_STORES_FILE.write_text(yaml.safe_dump(TEST_REGISTRY), encoding="utf-8")
    return TEST_STORES_FILE


@pytest.fixture(scope="session")
def sync_stack(batch_db_url, search_url, simulator, airflow_db, test_registry_file) -> None:
    """Everything a real sync run needs."""
