"""Callbacks: catalog edits POSTed to the registered hooks, with the documented shape, retries, duplicates."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bigcommerce_simulator.webhook_delivery import RETRY_SECONDS
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.simulator.openapi import errors_of, require_spec_dir, validator
from tests.simulator.support import SPECS, StoreApi

STORE = "alpha1"
HEADERS = {"X-Sync-Webhook-Secret": "delivery-secret"}


class Receiver:
    """A local HTTP endpoint that records callbacks and answers with the statuses it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.statuses: list[int] = []  # answered in turn; 200 once exhausted
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server interface)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/{STORE}"

    def bodies(self) -> list[dict]:
        return [body for _, body in self.received]


@pytest.fixture
def receiver(admin) -> Iterator[Receiver]:
    admin.configure_webhooks(allow_insecure_destinations=True, retry_scale=0.001)
    endpoint = Receiver()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def register(api: StoreApi, scope: str, destination: str) -> dict:
    response = api.session.post(
        f"{api.base_url}/stores/{STORE}/v3/hooks",
        json={"scope": scope, "destination": destination, "headers": HEADERS},
        headers={"X-Auth-Token": SPECS[STORE].token},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def received(receiver: Receiver, count: int) -> list[dict]:
    return wait_until(receiver.bodies, lambda bodies: len(bodies) >= count, timeout=30, what="callbacks")


def test_each_edit_is_delivered_with_the_documented_payload_and_the_hooks_headers(api, admin, receiver):
    require_spec_dir()
    for scope in ("store/product/*", "store/sku/updated", "store/category/updated"):
        register(api, scope, receiver.url)
    product = api.json(STORE, "/v3/catalog/products", {"limit": 1, "include": "variants"})["data"][0]
    variant = product["variants"][0]["id"]
    category = api.json(STORE, "/v3/catalog/categories", {"limit": 1})["data"][0]["id"]
    brand = api.json(STORE, "/v3/catalog/brands", {"limit": 1})["data"][0]["id"]

    admin.update_product(STORE, product["id"], {"name": "Delivered Lamp"})
    admin.update_variant(STORE, product["id"], variant, {"price": 3.5})
    admin.update_item(STORE, "categories", category, {"name": "Delivered Shelf"})
    admin.update_item(STORE, "brands", brand, {"name": "No event for brands"})
    admin.delete_product(STORE, product["id"])
    bodies = received(receiver, 4)

    assert [(b["scope"], b["data"]) for b in bodies] == [
        ("store/product/updated", {"type": "product", "id": product["id"]}),
        (
            "store/sku/updated",
            {"type": "sku", "id": variant, "sku": {"product_id": product["id"], "variant_id": variant}},
        ),
        ("store/category/updated", {"type": "category", "id": category}),
        ("store/product/deleted", {"type": "product", "id": product["id"]}),
    ]
    for body in bodies:
        schema = "#/components/schemas/" + body["scope"].replace("/", "_")
        assert errors_of(validator("webhooks.v3.yml", schema), body) == []
        assert body["producer"] == f"stores/{STORE}" and len(body["hash"]) == 40
    assert all(h["X-Sync-Webhook-Secret"] == HEADERS["X-Sync-Webhook-Secret"] for h, _ in receiver.received)
    assert len({body["hash"] for body in bodies}) == 4


def test_failed_deliveries_are_retried_on_the_compressed_schedule(api, admin, receiver):
    register(api, "store/product/updated", receiver.url)
    receiver.statuses = [500, 503]

    admin.update_product(STORE, 1, {"name": "Retried Lamp"})
    bodies = received(receiver, 3)

    attempts = [(d["attempt"], d["status"]) for d in admin.webhook_deliveries()]
    assert attempts == [(1, 500), (2, 503), (3, 200)]
    assert len({body["hash"] for body in bodies}) == 1  # the same callback each time


def test_a_hook_whose_deliveries_keep_failing_is_deactivated(api, admin, receiver):
    admin.configure_webhooks(retry_scale=0.00001)
    hook = register(api, "store/product/updated", receiver.url)
    receiver.statuses = [500] * (len(RETRY_SECONDS) + 1)

    admin.update_product(STORE, 1, {"name": "Undeliverable Lamp"})

    def state() -> bool:
        return api.json(STORE, f"/v3/hooks/{hook['id']}")["data"]["is_active"]

    assert wait_until(state, lambda active: not active, timeout=30, what="the hook deactivated") is False
    assert len(admin.webhook_deliveries()) == len(RETRY_SECONDS) + 1


def test_duplicates_are_sent_when_asked(api, admin, receiver):
    admin.configure_webhooks(duplicate_every=2)
    register(api, "store/product/updated", receiver.url)

    for product in (1, 2):
        admin.update_product(STORE, product, {"name": f"Twice Lamp {product}"})
    bodies = received(receiver, 3)

    assert [b["data"]["id"] for b in bodies] == [1, 2, 2]
    assert bodies[1]["hash"] == bodies[2]["hash"]
    assert [d["duplicate"] for d in admin.webhook_deliveries()] == [False, False, True]


def test_http_destinations_need_the_test_setting(api, admin):
    body = {"scope": "store/product/updated", "destination": "http://127.0.0.1:8080/hooks"}
    url, token = f"{api.base_url}/stores/{STORE}/v3/hooks", {"X-Auth-Token": SPECS[STORE].token}

    refused = api.session.post(url, json=body, headers=token)
    admin.configure_webhooks(allow_insecure_destinations=True)
    accepted = api.session.post(url, json=body, headers=token)

    assert (refused.status_code, accepted.status_code) == (422, 200)
    assert "destination" in refused.json()["errors"]


@pytest.mark.parametrize(
    "settings",
    [{"retry_scale": 0}, {"duplicate_every": -1}, {"allow_insecure_destinations": "yes"}, {"x": 1}],
)
def test_bad_settings_are_refused_and_change_nothing(admin, settings):
    from bigcommerce_simulator.admin import SimulatorAdminError

    with pytest.raises(SimulatorAdminError):
        admin.configure_webhooks(**settings)
    assert admin.configure_webhooks() == {
        "retry_scale": 1.0,
        "duplicate_every": 0,
        "allow_insecure_destinations": False,
    }
