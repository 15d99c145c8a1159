"""BigCommerceHook against the simulator over HTTP: pagination, retries, errors, secrecy."""

from __future__ import annotations

import logging
import os

import pytest

from bigcommerce_simulator import CatalogSpec, SimulatorAdmin, SimulatorProcess, StoreSpec
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError, BigCommerceHook, BigCommercePermanentError
from bigcommerce_sync_dev.connections import bigcommerce_connection

TOKEN = "secret-token-value-1234567890"
STORES = {
    "emptystore": CatalogSpec(seed=1, products=0, categories=0, brands=0, pages=0, blog_posts=0),
    "pagedstore": CatalogSpec(seed=2, products=501, categories=3, brands=1, pages=2, blog_posts=250),
    "slowstore": CatalogSpec(seed=3, products=120),
}
LATENCY_MS = {"slowstore": 40}


@pytest.fixture(scope="module")
def api() -> SimulatorAdmin:
    specs = [
        StoreSpec(store_hash=h, token=TOKEN, catalog=c, quota=0, latency_ms=LATENCY_MS.get(h, 0))
        for h, c in STORES.items()
    ]
    with SimulatorProcess(specs) as process:
        for spec in specs:
            os.environ[f"AIRFLOW_CONN_BC_{spec.store_hash.upper()}"] = bigcommerce_connection(
                process.url, spec.store_hash, TOKEN, max_attempts=3, backoff_seconds=0.01
            )
        os.environ["AIRFLOW_CONN_BC_WRONGTOKEN"] = bigcommerce_connection(
            process.url, "pagedstore", "not-the-token-abcdefghij", max_attempts=3, backoff_seconds=0.01
        )
        admin = SimulatorAdmin(process.url)
        yield admin


@pytest.fixture
def sim(api: SimulatorAdmin) -> SimulatorAdmin:
    api.reset()
    return api


def hook(store: str) -> BigCommerceHook:
    return BigCommerceHook(f"bc_{store}")


def requests_to(sim: SimulatorAdmin, store: str, path: str) -> int:
    return sim.stats()["stores"][store]["paths"].get(path, 0)


def test_v3_pages_cover_every_item_once_and_stop_at_the_last_page(sim):
    pages = list(hook("pagedstore").iter_v3_pages("catalog/products"))

    assert [len(page) for page in pages] == [250, 250, 1]
    ids = [item["id"] for page in pages for item in page]
    assert len(ids) == len(set(ids)) == 501
    assert requests_to(sim, "pagedstore", "/v3/catalog/products") == 3


def test_v3_empty_store_is_one_empty_page(sim):
    assert list(hook("emptystore").iter_v3_pages("catalog/products")) == [[]]


def test_v2_pages_end_on_204_after_an_exactly_full_page(sim):
    pages = list(hook("pagedstore").iter_v2_pages("blog/posts"))

    assert [len(page) for page in pages] == [250]
    # Page 2 answered 204 No Content, which ends the listing.
    assert sim.stats()["stores"]["pagedstore"]["responses"].get("204") == 1


def test_v2_empty_listing_yields_nothing(sim):
    assert list(hook("emptystore").iter_v2_pages("blog/posts")) == []


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 503},
        {"status": 429, "rate_limit_headers": False},  # load shedding, not quota
        {"kind": "drop"},
        {"kind": "truncate"},
    ],
)
def test_transient_faults_are_retried_and_every_item_arrives_once(sim, fault):
    sim.add_fault("pagedstore", "/v3/catalog/products", from_page=2, times=2, **fault)

    ids = [item["id"] for page in hook("pagedstore").iter_v3_pages("catalog/products") for item in page]

    assert len(ids) == len(set(ids)) == 501
    assert requests_to(sim, "pagedstore", "/v3/catalog/products") == 3 + 2


def test_persistent_5xx_fails_after_the_retry_budget(sim):
    sim.add_fault("pagedstore", "/v3/catalog/brands", status=500)

    with pytest.raises(BigCommerceError, match=r"GET v3/catalog/brands: HTTP 500"):
        list(hook("pagedstore").iter_v3_pages("catalog/brands"))
    assert requests_to(sim, "pagedstore", "/v3/catalog/brands") == 3


@pytest.mark.parametrize("status", [403, 404])
def test_client_errors_fail_at_once(sim, status):
    sim.add_fault("pagedstore", "/v3/content/pages", status=status)

    with pytest.raises(
        BigCommercePermanentError, match=rf"/stores/pagedstore GET v3/content/pages: HTTP {status}"
    ):
        list(hook("pagedstore").iter_v3_pages("content/pages"))
    assert requests_to(sim, "pagedstore", "/v3/content/pages") == 1


def test_wrong_token_fails_at_once_and_the_token_is_never_shown(sim, caplog):
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(BigCommercePermanentError) as raised:
            list(BigCommerceHook("bc_wrongtoken").iter_v3_pages("catalog/products"))

    assert "HTTP 401" in str(raised.value)
    assert "not-the-token" not in str(raised.value) and "not-the-token" not in caplog.text
    assert TOKEN not in caplog.text


def test_connection_test_uses_v2_time(sim):
    assert hook("pagedstore").test_connection() == (True, "Connection successfully tested")
    assert BigCommerceHook("bc_wrongtoken").test_connection()[0] is False


def test_connection_without_store_hash_is_refused(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_BC_NOHASH", '{"conn_type": "http", "host": "http://127.0.0.1:9", "password": "x"}'
    )

    with pytest.raises(BigCommercePermanentError, match="no 'store_hash'"):
        BigCommerceHook("bc_nohash").get_conn()


def test_includes_and_filters_pass_through(sim):
    pages = list(
        hook("pagedstore").iter_v3_pages(
            "catalog/products", {"include": "variants,images,custom_fields", "id:in": "3,7,450"}
        )
    )

    (items,) = pages
    assert [item["id"] for item in items] == [3, 7, 450]
    assert all(item["variants"] and "images" in item and "custom_fields" in item for item in items)
    assert pages[0].total == 3


def test_options_cap_of_ten_per_page_is_followed_concurrently(sim):
    paging = BigCommerceHook("bc_pagedstore", max_concurrency=4)

    pages = list(paging.iter_v3_pages("catalog/products", {"include": "options"}))

    assert {len(page) for page in pages[:-1]} == {10} and len(pages) == 51
    ids = [item["id"] for page in pages for item in page]
    assert ids == list(range(1, 502))


def test_concurrency_is_bounded_and_pages_stay_in_order(sim):
    pages = list(
        BigCommerceHook("bc_slowstore", max_concurrency=3).iter_v3_pages("catalog/products", limit=10)
    )

    assert [item["id"] for page in pages for item in page] == list(range(1, 121))
    assert sim.stats()["stores"]["slowstore"]["max_in_flight"] == 3
