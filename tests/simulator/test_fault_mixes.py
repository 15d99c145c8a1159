"""Faults at a rate with mixed kinds, timeouts, slow answers and items repeated across pages."""

from __future__ import annotations

import time

import pytest
import requests

from bigcommerce_simulator import SimulatorAdmin
from tests.simulator.support import StoreApi

PRODUCTS = "/v3/catalog/products"
MIXED_KINDS = ["500", "503", "429-shedding", "drop", "truncate", "timeout"]
REQUESTS = 200


def outcome(api: StoreApi, page: int) -> str:
    """Return what a client sees: ``ok``, a status (``429-shedding`` without rate headers),
    ``no answer`` (closed connection) or ``broken json``."""
    try:
        response = api.get("alpha1", PRODUCTS, {"limit": 5, "page": page})
    except requests.ConnectionError:
        return "no answer"
    if response.status_code == 429 and "X-Rate-Limit-Requests-Left" not in response.headers:
        return "429-shedding"
    if response.status_code != 200:
        return str(response.status_code)
    try:
        response.json()
    except ValueError:
        return "broken json"
    return "ok"


def run_mixed_faults(api: StoreApi, admin: SimulatorAdmin, seed: int) -> tuple[list[str], dict]:
    """Send :data:`REQUESTS` product requests under a 20% mixed fault rule; return outcomes and stats."""
    admin.reset()
    admin.add_fault("alpha1", PRODUCTS, rate=0.2, kinds=MIXED_KINDS, seed=seed, delay_ms=20)
    outcomes = [outcome(api, index % 12 + 1) for index in range(REQUESTS)]
    return outcomes, admin.stats()["stores"]["alpha1"]


def wait_until_idle(admin: SimulatorAdmin, store_hash: str) -> dict:
    """Return the store's stats once no request is in flight (held requests end by themselves)."""
    deadline = time.monotonic() + 10
    while (stats := admin.stats()["stores"][store_hash])["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.02)
    return stats


def test_a_rate_rule_fails_about_that_share_with_every_listed_kind(api: StoreApi, admin: SimulatorAdmin):
    outcomes, stats = run_mixed_faults(api, admin, seed=7)

    failures = [result for result in outcomes if result != "ok"]
    assert 0.12 * REQUESTS <= len(failures) <= 0.28 * REQUESTS
    assert stats["faults_injected"] == len(failures)
    by_kind = stats["faults_by_kind"]
    assert set(by_kind) == set(MIXED_KINDS)
    assert (
        failures.count("no answer") == by_kind["drop"] + by_kind["timeout"] == stats["responses"]["dropped"]
    )
    assert failures.count("broken json") == by_kind["truncate"]
    assert failures.count("429-shedding") == by_kind["429-shedding"] == stats["too_many_requests"]["shedding"]
    assert (failures.count("500"), failures.count("503")) == (by_kind["500"], by_kind["503"])


def test_the_same_seed_fails_the_same_requests_and_another_seed_does_not(
    api: StoreApi, admin: SimulatorAdmin
):
    first, first_stats = run_mixed_faults(api, admin, seed=7)
    again, again_stats = run_mixed_faults(api, admin, seed=7)
    other, _ = run_mixed_faults(api, admin, seed=8)

    assert again == first and again_stats["faults_by_kind"] == first_stats["faults_by_kind"]
    assert other != first


def test_a_rate_applies_to_a_single_status_and_respects_times(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/time", 503, rate=0.25, seed=3, times=10)

    statuses = [api.get("alpha1", "/v2/time").status_code for _ in range(120)]

    assert statuses.count(503) == 10 and set(statuses) == {200, 503}
    assert statuses.index(503) < 40 and admin.faults() == []
    assert admin.stats()["stores"]["alpha1"]["faults_by_kind"] == {"503": 10}


def test_a_spared_request_lets_the_next_matching_rule_draw(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/time", 500, rate=0.5, seed=1)
    admin.add_fault("alpha1", "/v2/time", 502)

    statuses = {api.get("alpha1", "/v2/time").status_code for _ in range(30)}

    assert statuses == {500, 502}


def test_timeout_holds_the_request_then_closes_without_an_answer(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/time", kind="timeout", delay_ms=500, times=2)

    with pytest.raises(requests.ReadTimeout):
        api.get("alpha1", "/v2/time", timeout=0.05)
    with pytest.raises(requests.ConnectionError):
        api.get("alpha1", "/v2/time")

    stats = wait_until_idle(admin, "alpha1")
    assert stats["faults_by_kind"] == {"timeout": 2} and stats["responses"] == {"dropped": 2}
    assert api.get("alpha1", "/v2/time").status_code == 200


def test_slow_holds_the_request_then_answers(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", PRODUCTS, kind="slow", delay_ms=500, times=2)

    with pytest.raises(requests.ReadTimeout):
        api.get("alpha1", PRODUCTS, timeout=0.05)
    patient = api.get("alpha1", PRODUCTS)

    assert patient.status_code == 200 and len(patient.json()["data"]) == 50
    assert "X-Rate-Limit-Requests-Left" in patient.headers
    stats = wait_until_idle(admin, "alpha1")
    assert stats["faults_by_kind"] == {"slow": 2} and stats["responses"] == {"200": 2}


def test_duplicates_start_a_page_early_so_it_repeats_the_previous_page(api: StoreApi, admin: SimulatorAdmin):
    normal = api.json("alpha1", PRODUCTS, {"limit": 10, "page": 3})
    admin.add_fault("alpha1", PRODUCTS, kind="duplicates", from_page=3, times=1, duplicate_count=3)

    pages = [api.json("alpha1", PRODUCTS, {"limit": 10, "page": page}) for page in range(1, 7)]

    ids = [[product["id"] for product in body["data"]] for body in pages]
    assert ids[1] == list(range(11, 21)) and ids[2] == list(range(18, 28))
    assert pages[2]["meta"] == normal["meta"]
    seen = [product_id for page_ids in ids for product_id in page_ids]
    assert len(seen) == 60 and len(set(seen)) == 57
    assert set(range(1, 61)) - set(seen) == {28, 29, 30}
    assert admin.stats()["stores"]["alpha1"]["faults_by_kind"] == {"duplicates": 1}


def test_duplicates_on_a_v2_list_and_never_on_page_one(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/blog/posts", kind="duplicates", times=1, duplicate_count=2)

    first = api.json("alpha1", "/v2/blog/posts", {"limit": 5})
    assert admin.faults()[0]["times"] == 1
    second = api.json("alpha1", "/v2/blog/posts", {"limit": 5, "page": 2})

    assert [post["id"] for post in first] == [12, 11, 10, 9, 8]
    assert [post["id"] for post in second] == [9, 8, 7, 6, 5]
    assert admin.faults() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "/v2/time", "kinds": ["500"], "status": 500},
        {"path": "/v2/time", "kinds": []},
        {"path": "/v2/time", "kinds": ["600"]},
        {"path": "/v2/time", "kinds": ["explode"]},
        {"path": "/v2/time", "kinds": ["status"]},
        {"path": "/v2/time", "status": 500, "rate": 0},
        {"path": "/v2/time", "status": 500, "rate": 1.5},
        {"path": "/v2/time", "kind": "timeout", "delay_ms": -1},
        {"path": "/v2/time", "kind": "duplicates", "duplicate_count": 0},
    ],
)
def test_invalid_rate_and_mix_rules_are_refused(sim_process, rule: dict):
    response = requests.post(f"{sim_process.url}/_simulator/faults", json=rule, timeout=10)

    assert response.status_code == 400 and response.json()["error"]
