"""The CeleryExecutor end to end: two workers share three stores' syncs, the search_bulk pool caps them.

Its own Airflow (``LocalAirflow(executor="celery")``: a Redis broker, the metadata database as
Celery's result backend, two ``airflow celery worker`` processes) on the session's Postgres and
Elasticsearch, serving three small stores with a tight quota. A package apart from ``tests/e2e``,
so that it never runs beside that package's live Airflow.
"""

from __future__ import annotations

import os
from contextlib import closing

import psycopg
import pytest

from bigcommerce_simulator import CatalogSpec, StoreSpec
from bigcommerce_sync.pools import SEARCH_BULK
from bigcommerce_sync_dev.fan_out import peak_overlap, sync_at_once
from bigcommerce_sync_dev.stack import DevStack
from tests.live import live_airflow

pytestmark = pytest.mark.e2e

STORES = [f"celery{n}" for n in range(1, 4)]
POOL_SLOTS = 2  # fewer than the imports ready at once (3 per store), so the pool is what holds them
QUOTA, WINDOW_MS = 10, 2_000  # a sync spends more than one window: the imports must pace themselves


@pytest.fixture(scope="module")
def celery_airflow(tmp_path_factory, dev_stack):
    batch_db, metadata_db = f"bcsync_celery_{os.getpid()}", f"bcsync_celery_airflow_{os.getpid()}"
    stores = [
        StoreSpec(
            store_hash,
            f"token-of-{store_hash}",
            CatalogSpec(seed=60 + n, products=300, categories=8, brands=3, pages=3, blog_posts=6),
            quota=QUOTA,
            window_ms=WINDOW_MS,
        )
        for n, store_hash in enumerate(STORES)
    ]
    entries = [
        {"store_hash": s, "name": f"Celery {s}", "connection_id": f"bigcommerce_{s}", "retries": 0}
        for s in STORES
    ]
    stack = DevStack(
        stores,
        databases=[batch_db, metadata_db],
        postgres_url=dev_stack.postgres_url,
        search=dev_stack.search,
    )
    with (
        stack,
        live_airflow(
            tmp_path_factory.mktemp("celery-airflow"),
            stack,
            batch_db=batch_db,
            metadata_db_url=stack.database_url(metadata_db),
            stores=entries,
            executor="celery",
            pool_slots={SEARCH_BULK.name: POOL_SLOTS},
        ) as live,
    ):
        yield live, stack.database_url(batch_db)


def test_three_stores_at_once_on_two_celery_workers(celery_airflow):
    live, batch_db_url = celery_airflow

    runs = sync_at_once(live.airflow, STORES, {"sync_type": "all"}, timeout=600)

    assert {run.store_hash: run.run["state"] for run in runs} == dict.fromkeys(STORES, "success")
    with closing(psycopg.connect(batch_db_url)) as db:
        batches = db.execute("SELECT store_hash, status, products_count FROM sync_batches").fetchall()
    assert sorted(batches) == [(store_hash, "completed", 300) for store_hash in STORES]
    ran = [ti for run in runs for ti in run.task_instances if ti["state"] in ("success", "skipped")]
    # Both workers took tasks (each task instance's hostname names its worker).
    assert {ti["hostname"] for ti in ran} == set(live.airflow.worker_names)
    # Every store's bulk loads went through the pool: never more than its slots at once, and the pool
    # was full at some point (nine imports became ready for eight worker slots).
    bulk = [ti for ti in ran if ti["pool"] == SEARCH_BULK.name]
    assert len(bulk) == 4 * len(STORES)  # three imports and rebuild_index (skipped) per store
    assert peak_overlap(bulk) == POOL_SLOTS
    # No store's quota was overdrawn, although every sync needed more than one window.
    stats = live.simulator.stats()["stores"]
    assert {s: stats[s]["responses"].get("429", 0) for s in STORES} == dict.fromkeys(STORES, 0)
    assert all(len(stats[s]["quota_usage"]["windows"]) > 1 for s in STORES), stats
