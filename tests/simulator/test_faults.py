"""Injected faults: error statuses from a page on, expiry, dropped connections, truncated bodies."""

from __future__ import annotations

import json

import pytest
import requests

from bigcommerce_simulator import SimulatorAdmin
from bigcommerce_simulator.admin import SimulatorAdminError
from tests.simulator.support import StoreApi

STATUS_CODES_TYPE = "/api-docs/getting-started/api-status-codes"


def product_page(api: StoreApi, page: int, store_hash: str = "alpha1") -> requests.Response:
    return api.get(store_hash, "/v3/catalog/products", {"limit": 10, "page": page})


def test_status_fault_applies_from_the_given_page(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/products", 500, from_page=2)

    statuses = [product_page(api, page).status_code for page in (1, 2, 3)]
    failed = product_page(api, 2)

    assert statuses == [200, 500, 500]
    assert failed.json() == {"status": 500, "title": "Internal Server Error", "type": STATUS_CODES_TYPE}
    assert "X-Rate-Limit-Requests-Left" in failed.headers
    assert product_page(api, 2, "twin1").status_code == 200
    assert api.get("alpha1", "/v3/catalog/brands", {"page": 2}).status_code == 200


def test_path_is_a_prefix_so_single_products_are_affected_too(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/products", 503)

    assert api.get("alpha1", "/v3/catalog/products/5").status_code == 503
    assert api.get("alpha1", "/v3/catalog/products").status_code == 503


def test_fault_without_store_hash_applies_to_every_store(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault(None, "/v2/time", 502)

    assert api.get("alpha1", "/v2/time").status_code == 502
    assert api.get("beta1", "/v2/time").status_code == 502


def test_v2_and_pages_faults_use_their_family_body(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/blog/posts", 503)
    admin.add_fault("alpha1", "/v3/content/pages", 500)

    v2 = api.get("alpha1", "/v2/blog/posts")
    pages = api.get("alpha1", "/v3/content/pages")

    assert v2.status_code == 503 and v2.json() == [{"status": 503, "message": "Service Unavailable"}]
    assert pages.status_code == 500 and pages.headers["Content-Type"] == "application/problem+json"


def test_times_makes_the_fault_expire(api: StoreApi, admin: SimulatorAdmin):
    rule = admin.add_fault("alpha1", "/v3/catalog/products", 500, times=2)

    statuses = [product_page(api, 1).status_code for _ in range(4)]

    assert rule["times"] == 2
    assert statuses == [500, 500, 200, 200]
    assert admin.faults() == []
    stats = admin.stats()["stores"]["alpha1"]
    assert stats["faults_injected"] == 2 and stats["responses"] == {"500": 2, "200": 2}


def test_after_spares_the_first_matching_requests(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/products", 503, after=2, times=1)

    statuses = [product_page(api, 1).status_code for _ in range(4)]

    assert statuses == [200, 200, 503, 200]
    with pytest.raises(SimulatorAdminError, match="after must be a non-negative integer"):
        admin.add_fault("alpha1", "/v3/catalog/products", 503, after=-1)


def test_drop_closes_the_connection_without_an_answer(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/products", kind="drop", times=1)

    with pytest.raises(requests.ConnectionError):
        product_page(api, 1)
    assert product_page(api, 1).status_code == 200
    assert admin.stats()["stores"]["alpha1"]["responses"] == {"dropped": 1, "200": 1}


def test_truncate_sends_a_200_with_cut_json(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v3/catalog/products", kind="truncate", from_page=2, times=1)

    intact = product_page(api, 1)
    cut = product_page(api, 2)

    assert intact.status_code == cut.status_code == 200
    assert int(cut.headers["Content-Length"]) == len(cut.content) > 0
    assert cut.content.startswith(b'{"data":[')
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert product_page(api, 2).json()["meta"]["pagination"]["current_page"] == 2


def test_truncating_an_empty_v2_page_still_sends_broken_json(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/blog/posts", kind="truncate")

    response = api.get("alpha1", "/v2/blog/posts", {"page": 99})

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_429_fault_can_mimic_load_shedding_without_rate_limit_headers(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/time", 429, rate_limit_headers=False)

    response = api.get("alpha1", "/v2/time")

    assert response.status_code == 429 and response.content == b""
    assert not [name for name in response.headers if name.lower().startswith("x-rate-limit")]
    assert admin.stats()["stores"]["alpha1"]["rate_limited"] == 0


def test_delete_and_reset_clear_faults(api: StoreApi, admin: SimulatorAdmin):
    admin.add_fault("alpha1", "/v2/time", 500)
    admin.clear_faults()
    assert api.get("alpha1", "/v2/time").status_code == 200

    admin.add_fault("alpha1", "/v2/time", 500)
    admin.reset()
    assert api.get("alpha1", "/v2/time").status_code == 200
    assert admin.faults() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"store_hash": "nosuchstore", "path": "/v2/time", "status": 500},
        {"store_hash": "alpha1", "path": "v2/time", "status": 500},
        {"store_hash": "alpha1", "path": "/v2/time", "status": 200},
        {"store_hash": "alpha1", "path": "/v2/time", "kind": "explode"},
        {"store_hash": "alpha1", "path": "/v2/time", "status": 500, "times": 0},
    ],
)
def test_invalid_fault_rules_are_refused(admin: SimulatorAdmin, rule: dict):
    arguments = {key: value for key, value in rule.items() if key not in ("store_hash", "path")}

    with pytest.raises(SimulatorAdminError, match="400"):
        admin.add_fault(rule["store_hash"], rule["path"], **arguments)


def test_malformed_items_are_served_with_the_fields_they_are_given(api: StoreApi, admin: SimulatorAdmin):
    first_two = [p["id"] for p in product_page(api, 1).json()["data"][:2]]
    admin.add_fault(
        "alpha1",
        "/v3/catalog/products",
        kind="malformed",
        items={first_two[0]: {"price": "free", "images": "none"}, first_two[1]: "junk"},
    )

    served = product_page(api, 1).json()
    untouched = product_page(api, 2)

    assert served["data"][0]["id"] == first_two[0]
    assert (served["data"][0]["price"], served["data"][0]["images"]) == ("free", "none")
    assert served["data"][1] == "junk"
    assert served["meta"]["pagination"]["count"] == 10
    assert untouched.status_code == 200
    assert admin.stats()["stores"]["alpha1"]["faults_by_kind"] == {"malformed": 1}


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "/v3/catalog/products", "kind": "malformed"},
        {"path": "/v3/catalog/products", "kind": "malformed", "items": {"x": 1}},
        {"path": "/v3/catalog/products", "kind": "malformed", "items": []},
        {"path": "/v3/catalog/products", "kind": "truncate", "items": {"1": 1}},
        {"path": "/v3/catalog/products", "kinds": ["malformed"]},
    ],
)
def test_a_malformed_rule_needs_its_items_and_cannot_be_mixed(admin: SimulatorAdmin, rule):
    with pytest.raises(SimulatorAdminError, match="400"):
        admin._call("POST", "faults", rule)
