"""Authentication, unknown stores and resources, and the documented error body shapes."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import requests

from tests.simulator.support import StoreApi

STATUS_CODES_TYPE = "/api-docs/getting-started/api-status-codes"


@pytest.mark.parametrize("token", [None, "wrong-token", "token-beta1"])
def test_v3_rejects_missing_wrong_or_foreign_tokens_with_the_v3_body(api: StoreApi, token: str | None):
    response = api.get("alpha1", "/v3/catalog/products", token=token)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "title", "type"}
    assert body["status"] == 401 and body["type"] == STATUS_CODES_TYPE and body["title"]


def test_v2_rejects_a_wrong_token_with_the_v2_array_body(api: StoreApi):
    response = api.get("alpha1", "/v2/time", token="wrong-token")

    assert response.status_code == 401
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["status"] == 401 and body[0]["message"]


def test_pages_v3_errors_are_problem_json(api: StoreApi):
    response = api.get("alpha1", "/v3/content/pages", token=None)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_unknown_store_is_404(api: StoreApi):
    v3 = api.get("nosuchstore", "/v3/catalog/products", token="anything")
    v2 = api.get("nosuchstore", "/v2/time", token="anything")

    assert v3.status_code == 404 and v3.json()["status"] == 404 and v3.json()["type"] == STATUS_CODES_TYPE
    assert v2.status_code == 404 and v2.json()[0]["status"] == 404


def test_single_product_found_and_missing(api: StoreApi):
    found = api.get("alpha1", "/v3/catalog/products/7", {"include": "variants,images"})
    missing = api.get("alpha1", "/v3/catalog/products/61")

    assert found.status_code == 200
    body = found.json()
    assert body["meta"] == {} and body["data"]["id"] == 7
    assert body["data"]["variants"] and body["data"]["images"]
    assert missing.status_code == 404
    assert missing.json() == {
        "status": 404,
        "title": "The requested product was not found.",
        "type": STATUS_CODES_TYPE,
    }


def test_single_product_equals_its_list_entry(api: StoreApi):
    listed = api.json("alpha1", "/v3/catalog/products", {"id:in": "7", "include": "variants,custom_fields"})
    single = api.json("alpha1", "/v3/catalog/products/7", {"include": "variants,custom_fields"})

    assert listed["data"] == [single["data"]]


def test_unknown_path_is_404_in_the_family_shape(api: StoreApi):
    v3 = api.get("alpha1", "/v3/catalog/widgets")
    v2 = api.get("alpha1", "/v2/orders")

    assert v3.status_code == 404 and v3.json()["status"] == 404
    assert v2.status_code == 404 and v2.json() == [
        {"status": 404, "message": "The requested resource was not found."}
    ]


def test_paths_outside_stores_are_404(sim_process):
    response = requests.get(f"{sim_process.url}/v3/catalog/products", timeout=10)

    assert response.status_code == 404 and response.json()["status"] == 404


def test_writes_are_405(sim_process):
    response = requests.post(
        f"{sim_process.url}/stores/alpha1/v3/catalog/products",
        json={"name": "x"},
        headers={"X-Auth-Token": "token-alpha1"},
        timeout=10,
    )

    assert response.status_code == 405 and response.json()["status"] == 405


def test_unknown_parameters_are_ignored_except_on_pages_v3(api: StoreApi):
    plain = api.get("alpha1", "/v3/catalog/brands", {"limit": 3})
    products = api.get("alpha1", "/v3/catalog/brands", {"limit": 3, "date_modified:min": "2024-01-01"})
    pages = api.get("alpha1", "/v3/content/pages", {"sort": "name"})

    assert products.status_code == 200 and products.json()["data"] == plain.json()["data"]
    assert pages.status_code == 400 and pages.headers["Content-Type"] == "application/problem+json"
    assert pages.json()["detail"] == "Unsupported query parameter(s): sort"


def test_wrongly_typed_values_are_422(api: StoreApi):
    ids = api.get("alpha1", "/v3/catalog/products", {"id:in": "1,two"})
    include = api.get("alpha1", "/v3/catalog/products", {"include": "variants,gizmos"})
    pages = api.get("alpha1", "/v3/content/pages", {"id:in": "x"})

    assert ids.status_code == 422 and ids.json()["errors"] == {
        "id:in": "must be a comma-separated list of integers"
    }
    assert include.status_code == 422 and "gizmos" in include.json()["errors"]["include"]
    assert pages.status_code == 422 and pages.headers["Content-Type"] == "application/problem+json"
    assert pages.json()["errors"] == ["id:in: must be a comma-separated list of integers"]


def test_keep_alive_serves_several_requests_on_one_connection(sim_process):
    connection = http.client.HTTPConnection(urlsplit(sim_process.url).netloc, timeout=10)
    statuses, sockets = [], []
    for path in ("/v2/time", "/v2/blog/posts?page=99", "/v3/catalog/products/999"):
        connection.request("GET", f"/stores/alpha1{path}", headers={"X-Auth-Token": "token-alpha1"})
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        sockets.append(connection.sock)
    connection.close()

    assert statuses == [200, 204, 404]
    assert sockets[0] is not None and sockets.count(sockets[0]) == 3
