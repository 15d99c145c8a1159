"""Several clients of one store under its quota, over HTTP: no 429s, nothing lost."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bigcommerce_simulator import CatalogSpec, SimulatorAdmin, SimulatorProcess, StoreSpec
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.sync_types import ImportJob
from bigcommerce_sync_dev.connections import bigcommerce_connection

QUOTA, WINDOW_MS = 150, 1500  # the Standard plan's quota, its 30 s window compressed
CONCURRENCY = 2
PRODUCTS = 1500
PAGE_SIZE = 10  # many small pages: enough requests to fill several windows


@pytest.fixture(scope="module")
def quota_store() -> SimulatorAdmin:
    spec = StoreSpec(
        store_hash="quotastore",
        token="quota-token",
        catalog=CatalogSpec(seed=5, products=PRODUCTS),
        quota=QUOTA,
        window_ms=WINDOW_MS,
    )
    with SimulatorProcess([spec]) as process:
        os.environ["AIRFLOW_CONN_BC_QUOTASTORE"] = bigcommerce_connection(
            process.url, "quotastore", "quota-token"
        )
        yield SimulatorAdmin(process.url)


def crawl_products() -> list[int]:
    """What one import task does: its own hook, leaving room for all parallel imports."""
    hook = BigCommerceHook(
        "bc_quotastore", max_concurrency=CONCURRENCY, quota_reserve=CONCURRENCY * len(ImportJob)
    )
    return [item["id"] for page in hook.iter_v3_pages("catalog/products", limit=PAGE_SIZE) for item in page]


def test_parallel_imports_use_the_quota_fully_without_a_single_429(quota_store):
    quota_store.reset()

    with ThreadPoolExecutor(max_workers=len(ImportJob)) as pool:
        crawls = list(pool.map(lambda _: crawl_products(), range(len(ImportJob))))

    for ids in crawls:
        assert sorted(ids) == list(range(1, PRODUCTS + 1))
    stats = quota_store.stats()["stores"]["quotastore"]
    assert stats["rate_limited"] == 0
    assert stats["responses"] == {"200": len(ImportJob) * PRODUCTS // PAGE_SIZE}
    full_windows = stats["quota_usage"]["windows"][:-1]  # the last one ends when the work does
    assert full_windows and all(used >= 0.9 * QUOTA for used in full_windows), stats["quota_usage"]
