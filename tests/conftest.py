"""The test session: a throwaway Airflow home and real stand-ins for every outside part.

Airflow runs for real (``dag.test()``) on a SQLite metadata DB; the dev stack
(:mod:`bigcommerce_sync_dev.stack`) provides the rest: a fresh batch-store database on
a real PostgreSQL server, a real Elasticsearch 9, and the project's BigCommerce
simulator over HTTP.
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
        # dag.test() of a DAG with a deadline alert fails in Airflow 3.3.2 when the run succeeds: it
        # looks the alert up by the definition instead of its id ('dict' object has no attribute
        # 'hex'). The live Airflow of the e2e tests runs them (tests/e2e/test_slow_sync_alert.py).
        "AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_ALERTS": "False",
    }
)

import pytest  # noqa: E402

TEST_BATCH_DB = f"bcsync_test_{os.getpid()}"
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
def dev_stack():
    """Postgres, Elasticsearch and the simulator, wired as the production connection ids."""
    from bigcommerce_sync_dev.stack import DevStack

    with DevStack(sim_store_specs(), databases=[TEST_BATCH_DB]) as stack:
        connections = stack.connections(batch_db=TEST_BATCH_DB, max_attempts=3, backoff_seconds=0.01)
        os.environ.update(connections)
        yield stack


@pytest.fixture(scope="session")
def batch_db_url(dev_stack) -> str:
    """The batch-store database (the ``sync_db`` connection)."""
    return dev_stack.database_url(TEST_BATCH_DB)


@pytest.fixture(scope="session")
def search_url(dev_stack) -> str:
    """The Elasticsearch cluster (the ``elasticsearch_default`` connection)."""
    return dev_stack.search.url


@pytest.fixture
def full_analysis(dev_stack) -> None:
    """Skip, saying why, unless the cluster has every analysis component (synonyms, folding)."""
    if not dev_stack.search.has_full_analysis:
        pytest.skip(
            f"Elasticsearch at {dev_stack.search.url} lacks the analysis-common module "
            "(the minimal distribution); set ELASTICSEARCH_URL to a stock Elasticsearch 9 to run this"
        )


@pytest.fixture
def core_analysis(dev_stack) -> None:
    """Skip unless the cluster has only core analysis (the minimal distribution)."""
    if dev_stack.search.has_full_analysis:
        pytest.skip(f"Elasticsearch at {dev_stack.search.url} has full analysis")


def sim_store_specs() -> list:
    from bigcommerce_simulator import CatalogSpec, StoreSpec

    return [
        StoreSpec(store_hash=name, token=f"token-of-{name}", catalog=CatalogSpec(**catalog), quota=0)
        for name, catalog in SIM_CATALOGS.items()
    ]


@pytest.fixture(scope="session")
def simulator(dev_stack):
    """The BigCommerce simulator's control API; it serves the test stores."""
    return dev_stack.simulator.admin


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
