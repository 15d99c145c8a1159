"""One live Airflow for the chaos tests, on a batch-store Postgres and an Elasticsearch of their own.

The tests stop and restart those two servers under running syncs, so they are not the
session's: nothing else runs on them. Airflow's metadata is on a second Postgres server,
so restarting the batch store's does not also take Airflow's own database away.

Every chaos store retries its tasks 6 times, the first retry after 1-2 s (then doubling),
and its connection retries each store request 5 times, so that a failure the test causes
is retried within the test's bounds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from bigcommerce_simulator import CatalogSpec
from bigcommerce_sync_dev.elasticsearch import ElasticsearchNode
from bigcommerce_sync_dev.postgres import PostgresCluster, create_database
from bigcommerce_sync_dev.stack import DevStack
from tests.chaos.support import Outcome
from tests.live import LiveStack, dag_id, live_airflow, simulated_stores

KILL_STORE = "chaoskill"  # its import task is killed with SIGKILL
SEARCH_STORE = "chaossearch"  # Elasticsearch stops under its import
POSTGRES_STORE = "chaospg"  # the batch store's Postgres restarts under its run
FAULTS_STORE = "chaosfaults"  # 20% of its store requests fail
CATALOGS = {
    KILL_STORE: CatalogSpec(seed=51, products=2500, categories=8, brands=3, pages=3, blog_posts=5),
    SEARCH_STORE: CatalogSpec(seed=52, products=600, categories=8, brands=3, pages=3, blog_posts=5),
    POSTGRES_STORE: CatalogSpec(seed=53, products=600, categories=8, brands=3, pages=3, blog_posts=5),
    FAULTS_STORE: CatalogSpec(seed=54, products=2500, categories=8, brands=3, pages=3, blog_posts=5),
}
# Every store response of these stores is delayed, so a test can act while their imports run.
LATENCY_MS = {KILL_STORE: 1000, SEARCH_STORE: 700, POSTGRES_STORE: 700}
RETRIES = 6
RETRY_DELAY_SECONDS = 1
REQUEST_ATTEMPTS = 5
SEARCH_BASELINE_RUN = "chaos-search-baseline"
FAULTS_RUN = "chaos-store-faults"
FAULT_RATE = 0.2  # of every request to the faults store, drawn from a seed
FAULT_KINDS = ["500", "502", "503", "429-shedding", "drop", "truncate"]


@dataclass(frozen=True)
class ChaosStack:
    """The live Airflow, and the servers the tests stop and start again under it."""

    live: LiveStack
    search_node: ElasticsearchNode
    batch_postgres: PostgresCluster


def registry_entries() -> list[dict]:
    return [
        {
            "store_hash": store_hash,
            "name": f"Chaos {store_hash}",
            "connection_id": f"bigcommerce_{store_hash}",
            "retries": RETRIES,
            "retry_delay_seconds": RETRY_DELAY_SECONDS,
        }
        for store_hash in CATALOGS
    ]


@pytest.fixture(scope="package")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosStack]:
    """Start it all once for the chaos tests; stop and remove it all after the last, even after failures.

    Two syncs start at once and run while the first tests do: a first full sync of the search
    store, so that the search test finds a live index to keep untouched, and the faults store's
    sync, with a fifth of its requests failing.
    """
    workdir = tmp_path_factory.mktemp("chaos-airflow")
    starting_up = Outcome("stack started")
    batch_db = f"bcsync_chaos_{os.getpid()}"
    search_node = ElasticsearchNode({})
    with ExitStack() as services:
        batch_postgres = services.enter_context(PostgresCluster())
        metadata_postgres = services.enter_context(PostgresCluster())
        services.callback(search_node.stop)
        starting = services.enter_context(ThreadPoolExecutor(1))  # exits first: after the start ended
        search_up = starting.submit(search_node.start)  # Elasticsearch starts while Airflow does
        stores = simulated_stores(CATALOGS, "chaos-token-", LATENCY_MS)
        stack = DevStack(
            stores, databases=[batch_db], postgres_url=batch_postgres.url, search=search_node.cluster
        )
        with (
            stack,
            live_airflow(
                workdir,
                stack,
                batch_db=batch_db,
                metadata_db_url=create_database(metadata_postgres.url, "airflow"),
                stores=registry_entries(),
                unpaused=CATALOGS,
                store_connection_extra={"max_attempts": REQUEST_ATTEMPTS, "backoff_seconds": 0.05},
            ) as live,
        ):
            search_up.result()
            starting_up.save()
            live.simulator.add_fault(FAULTS_STORE, "/", rate=FAULT_RATE, kinds=FAULT_KINDS, seed="chaos")
            for store_hash, run_id in ((SEARCH_STORE, SEARCH_BASELINE_RUN), (FAULTS_STORE, FAULTS_RUN)):
                started = live.api.trigger(dag_id(store_hash), {"sync_type": "all"}, run_id)
                assert started.status_code == 200, started.text
            yield ChaosStack(live, search_node, batch_postgres)
