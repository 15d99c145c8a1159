"""The product import path when a fifth of the store's answers go wrong, in every transient way."""

from __future__ import annotations

import os

import pytest

from bigcommerce_simulator import CatalogSpec, SimulatorAdmin, SimulatorProcess, StoreSpec
from bigcommerce_sync.extraction import entity_stream
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError, BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.importing import import_entity
from bigcommerce_sync.index_lifecycle import create_version, seal
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync_dev.connections import bigcommerce_connection
from tests.search.support import cluster_analysis

PRODUCTS = 6000
KINDS = ["500", "502", "503", "429-shedding", "drop", "truncate", "timeout", "duplicates"]


@pytest.fixture(scope="module")
def faulty_store() -> SimulatorAdmin:
    spec = StoreSpec(
        store_hash="faulty", token="faulty-token", catalog=CatalogSpec(seed=9, products=PRODUCTS), quota=0
    )
    with SimulatorProcess([spec]) as process:
        for conn_id, attempts in (("BC_FAULTY", 12), ("BC_FAULTY_STRICT", 4)):
            os.environ[f"AIRFLOW_CONN_{conn_id}"] = bigcommerce_connection(
                process.url,
                "faulty",
                "faulty-token",
                max_attempts=attempts,
                backoff_seconds=0.01,
                timeout=0.5,
            )
        yield SimulatorAdmin(process.url)


@pytest.fixture
def index(search_url) -> str:
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_faulty*"))
    analysis = cluster_analysis(store_hash="faulty")
    return create_version(search, store_hash="faulty", entity=Entity.PRODUCTS, batch_id=1, analysis=analysis)


def import_products(index: str, conn_id: str = "bc_faulty") -> object:
    store = BigCommerceHook(conn_id, max_concurrency=3)
    return import_entity(
        SearchHook(),
        index,
        entity_stream(store, Entity.PRODUCTS),
        task_id="import.products",
        record_errors=lambda errors: pytest.fail(f"no document may fail: {errors}"),
        max_failed_ratio=0.0,
    )


def test_every_product_arrives_exactly_once_despite_a_fifth_of_requests_failing(faulty_store, index):
    faulty_store.reset()
    faulty_store.add_fault("faulty", "/v3/", rate=0.2, kinds=KINDS, seed=42, delay_ms=700)

    result = import_products(index)

    stats = faulty_store.stats()["stores"]["faulty"]
    assert sum(stats["faults_by_kind"].values()) >= 3, stats["faults_by_kind"]
    assert result.indexed == PRODUCTS and result.failed == 0
    assert seal(SearchHook(), index) == PRODUCTS


def test_a_permanent_fault_fails_within_the_retry_budget(faulty_store, index):
    faulty_store.reset()
    faulty_store.add_fault("faulty", "/v3/catalog/products", status=503, from_page=3)

    with pytest.raises(BigCommerceError, match="GET v3/catalog/products: HTTP 503"):
        import_products(index, "bc_faulty_strict")

    paths = faulty_store.stats()["stores"]["faulty"]["responses_by_path"]["/v3/catalog/products"]
    assert 4 <= paths["503"] <= 4 * 3  # at most three pages in flight, each spending its 4 attempts
