"""Per-store quotas, the X-Rate-Limit-* headers, latency and request accounting."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bigcommerce_simulator import SimulatorAdmin
from tests.simulator.support import StoreApi

RATE_HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Time-Window-Ms",
)


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        ("/v3/catalog/products", "default", 200),
        ("/v2/blog/posts?page=50", "default", 204),
        ("/v3/catalog/products/12345", "default", 404),
        ("/v3/catalog/products", "wrong", 401),
    ],
)
def test_every_store_response_carries_the_rate_limit_headers(
    api: StoreApi, path: str, token: str, status: int
):
    response = api.get("limited1", path, token=token)

    assert response.status_code == status
    assert all(response.headers[name].isdigit() for name in RATE_HEADERS)
    assert response.headers["X-Rate-Limit-Requests-Quota"] == "5"
    assert response.headers["X-Rate-Limit-Time-Window-Ms"] == "60000"
    assert 0 < int(response.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 60000


def test_spent_quota_answers_429_with_retry_after_and_is_counted(api: StoreApi, admin: SimulatorAdmin):
    lefts = [api.get("limited1", "/v2/time").headers["X-Rate-Limit-Requests-Left"] for _ in range(5)]
    refused = api.get("limited1", "/v3/catalog/products")

    assert lefts == ["4", "3", "2", "1", "0"]
    assert refused.status_code == 429 and refused.content == b""
    assert refused.headers["X-Rate-Limit-Requests-Left"] == "0"
    retry_after = int(refused.headers["X-Retry-After"])
    assert 1 <= retry_after <= 60
    stats = admin.stats()["stores"]["limited1"]
    assert stats["requests"] == 6 and stats["rate_limited"] == 1
    assert stats["responses"] == {"200": 5, "429": 1}
    assert stats["paths"] == {"/v2/time": 5, "/v3/catalog/products": 1}


def test_rejected_credentials_do_not_spend_the_quota(api: StoreApi):
    for _ in range(3):
        assert api.get("limited1", "/v2/time", token="wrong").status_code == 401

    assert api.get("limited1", "/v2/time").headers["X-Rate-Limit-Requests-Left"] == "4"


def test_reset_restores_the_quota(api: StoreApi, admin: SimulatorAdmin):
    for _ in range(6):
        api.get("limited1", "/v2/time")

    admin.reset()

    assert api.get("limited1", "/v2/time").status_code == 200


def test_the_quota_refreshes_when_the_window_ends(api: StoreApi):
    assert [api.get("burst1", "/v2/time").status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get("burst1", "/v2/time")
    assert refused.headers["X-Retry-After"] == "1"

    time.sleep(int(refused.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.02)

    renewed = api.get("burst1", "/v2/time")
    assert renewed.status_code == 200 and renewed.headers["X-Rate-Limit-Requests-Left"] == "1"


def test_unlimited_quota_still_sends_plausible_headers(api: StoreApi):
    responses = [api.get("alpha1", "/v2/time") for _ in range(3)]

    quotas = {int(r.headers["X-Rate-Limit-Requests-Quota"]) for r in responses}
    lefts = [int(r.headers["X-Rate-Limit-Requests-Left"]) for r in responses]
    assert len(quotas) == 1 and quotas.pop() >= 1_000_000
    assert lefts[0] > lefts[1] > lefts[2] > 0
    assert responses[0].headers["X-Rate-Limit-Time-Window-Ms"] == "30000"


def test_latency_is_added_and_concurrency_is_recorded(sim_process, admin: SimulatorAdmin):
    def timed_request(_: int) -> float:
        client = StoreApi(sim_process.url)
        started = time.perf_counter()
        assert client.get("slow1", "/v2/time").status_code == 200
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=3) as pool:
        durations = list(pool.map(timed_request, range(3)))

    assert min(durations) >= 0.15
    stats = admin.stats()["stores"]["slow1"]
    assert stats["requests"] == 3 and stats["max_in_flight"] == 3 and stats["in_flight"] == 0
