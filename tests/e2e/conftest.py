"""One running Airflow 3 for all the e2e tests, with its own stores, batch store, search and store API.

The api-server, scheduler, dag-processor and triggerer run as separate processes
(:func:`tests.live.live_airflow`) in their own ``AIRFLOW_HOME``; nothing of this test
process's Airflow configuration reaches them. They read the stores from a registry
written here, and reach the batch store, Elasticsearch and the simulator through the
connection names production uses. This process reads the same batch store and search
cluster under its own connection ids, so the session-wide ``sync_db`` of
``tests/conftest.py`` stays untouched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bigcommerce_simulator import CatalogSpec
from bigcommerce_sync_dev.connections import env_name, free_port
from bigcommerce_sync_dev.stack import DevStack
from tests.live import BATCH_DB_CONN_ID, SEARCH_CONN_ID, LiveStack, dag_id, live_airflow, simulated_stores

__all__ = ["BATCH_DB_CONN_ID", "SEARCH_CONN_ID", "LiveStack", "dag_id"]

MANUAL_STORE = "e2estore"  # runs only when triggered
CRON_STORE = "e2ecron"  # every minute, by the scheduler
SLOW_STORE = "e2eslow"  # every store response delayed, so a run can be caught importing
RETRY_STORE = "e2eretry"  # tasks retry, so a run can be caught with a task up for retry
MODES_STORE = "e2emodes"  # full every other minute, incremental every minute, by the scheduler
WEBHOOK_STORE = "e2ehooks"  # takes webhooks: the receiver stores its callbacks, the applier applies them
DEADLINE_STORE = "e2edeadline"  # product syncs only, so its usual run time is known
CATALOGS = {
    MANUAL_STORE: CatalogSpec(seed=41, products=40, categories=6, brands=3, pages=4, blog_posts=5),
    CRON_STORE: CatalogSpec(seed=42, products=12, categories=3, brands=2, pages=2, blog_posts=3),
    SLOW_STORE: CatalogSpec(seed=43, products=12, categories=3, brands=2, pages=2, blog_posts=3),
    RETRY_STORE: CatalogSpec(seed=44, products=3, categories=2, brands=1, pages=1, blog_posts=2),
    MODES_STORE: CatalogSpec(seed=45, products=20, categories=3, brands=2, pages=2, blog_posts=2),
    WEBHOOK_STORE: CatalogSpec(seed=46, products=60, categories=4, brands=2, pages=2, blog_posts=2),
    DEADLINE_STORE: CatalogSpec(seed=47, products=12, categories=2, brands=1, pages=1, blog_posts=1),
}
SCHEDULES = {CRON_STORE: "* * * * *", MODES_STORE: "*/2 * * * *"}
INCREMENTAL_SCHEDULES = {MODES_STORE: "* * * * *"}
RETRIES = {RETRY_STORE: 1}
LATENCY_MS = {SLOW_STORE: 3000}
WEBHOOK_SECRET = "e2e-webhook-secret-of-e2ehooks"  # only ever in the store's secret connection
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


def registry_entries(receiver_url: str) -> list[dict[str, Any]]:
    """The stores the live Airflow serves, one DAG each; the webhook store's hooks go to ``receiver_url``."""
    return [
        {
            "store_hash": store_hash,
            "name": f"E2E {store_hash}",
            "connection_id": f"bigcommerce_{store_hash}",
            "schedule": SCHEDULES.get(store_hash),
            "incremental_schedule": INCREMENTAL_SCHEDULES.get(store_hash),
            "retries": RETRIES.get(store_hash, 0),
            "webhooks": {"enabled": store_hash == WEBHOOK_STORE, "receiver_url": receiver_url},
        }
        for store_hash in CATALOGS
    ]


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory, dev_stack) -> Iterator[LiveStack]:
    """Start everything once for these tests; stop and drop it all after the last, even after failures.

    Package scope, not session: the rest of the suite then runs without an idle Airflow beside it.
    The session's Postgres server and Elasticsearch are shared; databases and stores are this package's.
    """
    workdir = tmp_path_factory.mktemp("live-airflow")
    batch_db, metadata_db = f"bcsync_e2e_{os.getpid()}", f"bcsync_e2e_airflow_{os.getpid()}"
    stack = DevStack(
        simulated_stores(CATALOGS, "e2e-token-", LATENCY_MS),
        databases=[batch_db, metadata_db],
        postgres_url=dev_stack.postgres_url,
        search=dev_stack.search,
    )
    with stack:
        port = free_port()
        receiver_url = f"http://127.0.0.1:{port}/bigcommerce-webhooks"
        settings = {
            env_name(f"bigcommerce_webhook_{WEBHOOK_STORE}"): json.dumps(
                {"conn_type": "generic", "password": WEBHOOK_SECRET}
            ),
            # A run alerts as slow as soon as it outlasts the average of the store's earlier
            # successful runs (test_slow_sync_alert.py); without the alerts Connection, nothing is sent.
            "AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_MIN_RUNS": "1",
            "AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_MARGIN_MINUTES": "0",
        }
        with live_airflow(
            workdir,
            stack,
            batch_db=batch_db,
            metadata_db_url=stack.database_url(metadata_db),
            stores=registry_entries(receiver_url),
            unpaused=(MANUAL_STORE, SLOW_STORE, RETRY_STORE),
            settings=settings,
            port=port,
        ) as live:
            yield live
