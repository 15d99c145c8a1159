"""The api-server middleware that refuses numbers Airflow could not hand to its tasks."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bigcommerce_sync.api_guard import LARGEST_NUMBER, unrepresentable_numbers
from bigcommerce_sync.plugin import BigCommerceSyncPlugin

TRIGGER = "/api/v2/dags/some_dag/dagRuns"


@pytest.fixture
def client() -> TestClient:
    """An app that echoes what it received, behind the guard as the plugin installs it."""
    app = FastAPI()

    @app.post(TRIGGER)
    async def trigger(body: dict) -> dict:
        return body

    (entry,) = BigCommerceSyncPlugin().fastapi_root_middlewares
    app.add_middleware(entry["middleware"], *entry["args"], **entry["kwargs"])
    return TestClient(app)


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (
            '{"logical_date": null, "conf": {"batch_id": 9223372036854775808}}',
            "conf.batch_id: 9223372036854775808",
        ),
        (
            '{"logical_date": null, "conf": {"junk": 1000000000000000000000000000000}}',
            "conf.junk: 1" + "0" * 30,
        ),
        ('{"conf": {"junk": 1%s}}' % ("0" * 300), "conf.junk: 1e+300"),
        ('{"logical_date": null, "conf": {"junk": 1e30}}', "conf.junk: 1e+30"),
        ('{"conf": {"list": [1, -9223372036854775809]}}', "conf.list[1]: -9223372036854775809"),
        ('{"conf": {"batch_id": NaN}}', "conf.batch_id: nan"),
        ('{"conf": {"x": Infinity}}', "conf.x: inf"),
    ],
)
def test_a_number_beyond_64_bits_gets_400_and_never_reaches_the_api(client: TestClient, raw: str, where: str):
    response = client.post(TRIGGER, content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert where in response.json()["detail"]


def test_everything_else_passes_through_unchanged(client: TestClient):
    body = {"logical_date": None, "conf": {"batch_id": LARGEST_NUMBER, "low": -LARGEST_NUMBER, "ratio": 0.5}}

    response = client.post(TRIGGER, json=body)

    assert (response.status_code, response.json()) == (200, body)


@pytest.mark.parametrize("raw", [b"not json", b'{"conf": ' + b"[" * 5000 + b"]" * 5000 + b"}"])
def test_bodies_it_cannot_parse_are_left_to_the_api(client: TestClient, raw: bytes):
    response = client.post(TRIGGER, content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code in {400, 422}  # FastAPI's own answers: 422 not JSON, 400 too deep


def test_each_offending_number_is_named_by_where_it_is():
    document = {"a": [True, 2**63 - 1, {"b": 2**63}], "c": -(2**64)}

    assert list(unrepresentable_numbers(document)) == [f"a[2].b: {2**63}", f"c: {-(2**64)}"]


def test_a_deeply_nested_number_is_found():
    document: list = [1e30]
    for _ in range(5000):  # deeper than Python's recursion limit
        document = [document]

    assert list(unrepresentable_numbers({"conf": document})) == [f"conf{'[0]' * 5001}: 1e+30"]
