"""The per-store counters client tests read: by path and status, 429 causes, quota use per window."""

from __future__ import annotations

import time

from bigcommerce_simulator import SimulatorAdmin
from tests.simulator.support import SPECS, StoreApi


def store_stats(admin: SimulatorAdmin, store_hash: str) -> dict:
    return admin.stats()["stores"][store_hash]


def test_responses_are_counted_by_path_and_status(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/brands", 503, times=1)
    api.get("alpha1", "/v3/catalog/products")
    api.get("alpha1", "/v3/catalog/products/5")
    api.get("alpha1", "/v3/catalog/products/999")
    api.get("alpha1", "/v3/catalog/brands")
    api.get("alpha1", "/v3/catalog/brands")
    api.get("alpha1", "/v2/blog/posts", {"page": 9})

    assert store_stats(admin, "alpha1")["responses_by_path"] == {
        "/v3/catalog/products": {"200": 1},
        "/v3/catalog/products/{id}": {"200": 1, "404": 1},
        "/v3/catalog/brands": {"503": 1, "200": 1},
        "/v2/blog/posts": {"204": 1},
    }


def test_429s_are_split_into_quota_and_load_shedding(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("limited1", "/v2/time", kinds=["429-shedding"], times=1)
    admin.add_fault("limited1", "/v2/store", 429, times=1)

    shed = api.get("limited1", "/v2/time")
    injected = api.get("limited1", "/v2/store")
    for _ in range(3):
        api.get("limited1", "/v3/catalog/brands")
    refused = api.get("limited1", "/v2/time")

    assert shed.status_code == injected.status_code == refused.status_code == 429
    assert "X-Rate-Limit-Requests-Left" not in shed.headers
    assert (
        "X-Rate-Limit-Requests-Left" in injected.headers and "X-Rate-Limit-Requests-Left" in refused.headers
    )
    stats = store_stats(admin, "limited1")
    assert stats["too_many_requests"] == {"quota": 1, "shedding": 1, "injected_with_headers": 1}
    assert stats["rate_limited"] == 1
    assert stats["faults_by_kind"] == {"429-shedding": 1, "429": 1}


def test_quota_use_per_window_shows_when_a_client_used_90_percent(api: StoreApi, admin: SimulatorAdmin):
    for _ in range(4):
        api.get("limited1", "/v2/time")
    usage = store_stats(admin, "limited1")["quota_usage"]
    assert usage == {"quota": 5, "window_ms": 60_000, "max_used_in_window": 4, "windows": [4]}
    assert usage["max_used_in_window"] / usage["quota"] < 0.9

    api.get("limited1", "/v2/time")
    api.get("limited1", "/v2/time")

    usage = store_stats(admin, "limited1")["quota_usage"]
    assert usage["max_used_in_window"] == 5 and usage["windows"] == [5]
    assert usage["max_used_in_window"] / usage["quota"] >= 0.9


def test_each_window_is_listed_with_its_own_count(api: StoreApi, admin: SimulatorAdmin):
    statuses = [api.get("burst1", "/v2/time").status_code for _ in range(3)]
    reset_ms = int(api.get("burst1", "/v2/time").headers["X-Rate-Limit-Time-Reset-Ms"])
    time.sleep(reset_ms / 1000 + 0.02)
    api.get("burst1", "/v2/time")

    usage = store_stats(admin, "burst1")["quota_usage"]
    assert statuses == [200, 200, 429]
    assert usage["quota"] == SPECS["burst1"].quota and usage["window_ms"] == SPECS["burst1"].window_ms
    assert usage["windows"] == [2, 1] and usage["max_used_in_window"] == 2


def test_unlimited_stores_count_windows_too_and_reset_clears_them(api: StoreApi, admin: SimulatorAdmin):
    for _ in range(3):
        api.get("alpha1", "/v2/time")
    api.get("alpha1", "/v2/time", token="wrong")

    assert store_stats(admin, "alpha1")["quota_usage"]["windows"] == [3]
    admin.reset()
    usage = store_stats(admin, "alpha1")["quota_usage"]
    assert usage == {"quota": 0, "window_ms": 30_000, "max_used_in_window": 0, "windows": []}
