"""The webhook receiver on a real batch store: what it stores, what it refuses, what it never logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from bigcommerce_sync.webhooks.event_store import WebhookEventRepository
from bigcommerce_sync.webhooks.receiver import MAX_BODY_BYTES, SECRET_HEADER, create_app
from tests.webhooks.support import (
    callback,
    clean_events,
    product_updated,
    secret_connection,
    webhook_store,
    write_registry,
)

STORE, OTHER = "hookstore", "otherstore"
SECRET, OTHER_SECRET = "s3cr3t-of-hookstore-9f2c", "s3cr3t-of-otherstore-71aa"
URL = f"/{STORE}"


@pytest.fixture
def events(dev_stack) -> WebhookEventRepository:
    return clean_events()


@pytest.fixture
def client(events, tmp_path, monkeypatch, caplog) -> TestClient:
    registry = [
        webhook_store(STORE),
        webhook_store(OTHER),
        webhook_store("offstore", enabled=False),
        webhook_store("nosecret"),
        {**webhook_store("disabled"), "enabled": False},
    ]
    monkeypatch.setenv(
        "BIGCOMMERCE_SYNC_STORES_FILE", str(write_registry(tmp_path / "stores.yaml", registry))
    )
    for store, secret in ((STORE, SECRET), (OTHER, OTHER_SECRET), ("offstore", SECRET), ("disabled", SECRET)):
        for key, value in secret_connection(f"bigcommerce_webhook_{store}", secret).items():
            monkeypatch.setenv(key, value)
    caplog.set_level(logging.DEBUG)
    return TestClient(create_app())


def stored(events: WebhookEventRepository) -> list[tuple]:
    return events.hook.get_records(
        "SELECT store_hash, scope, target, target_id, event_hash, applied_at FROM webhook_events ORDER BY id"
    )


def post(client: TestClient, payload, *, secret: str | None = SECRET, url: str = URL, **kwargs):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    if isinstance(payload, bytes):
        return client.post(url, content=payload, headers=headers, **kwargs)
    return client.post(url, json=payload, headers=headers, **kwargs)


def test_a_valid_callback_is_stored_before_the_answer(client, events):
    payload = product_updated(STORE, 205)

    answer = post(client, payload)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "stored"
    assert stored(events) == [(STORE, "store/product/updated", "product", 205, payload["hash"], None)]


def test_a_replayed_callback_is_answered_but_stored_once(client, events):
    payload = product_updated(STORE, 205)

    first, replay = post(client, payload), post(client, payload)

    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json() == {"status": "duplicate", "event_id": None}
    assert len(stored(events)) == 1


@pytest.mark.parametrize(
    ("scope", "data", "target"),
    [
        ("store/product/deleted", {"type": "product", "id": 7}, ("product", 7)),
        (
            "store/sku/updated",
            {"type": "sku", "id": 461, "sku": {"product_id": 206, "variant_id": 9}},
            ("product", 206),
        ),
        (
            "store/sku/inventory/updated",
            {"type": "sku", "id": 461, "inventory": {"product_id": 167, "method": "absolute", "value": 2}},
            ("product", 167),
        ),
        (
            "store/product/inventory/order/updated",
            {
                "type": "product",
                "id": 167,
                "inventory": {"product_id": 167, "method": "relative", "value": -3},
            },
            ("product", 167),
        ),
        ("store/category/deleted", {"type": "category", "id": "42"}, ("category", 42)),
    ],
)
def test_each_event_names_what_to_refresh(client, events, scope, data, target):
    answer = post(client, callback(STORE, scope, data))

    assert answer.status_code == 200, answer.text
    assert [row[2:4] for row in stored(events)] == [target]


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("", 401), ("wrong-secret", 403), (OTHER_SECRET, 403), (SECRET + "x", 403)],
)
def test_callbacks_without_the_stores_secret_are_refused(client, events, secret, status):
    answer = post(client, product_updated(STORE, 1), secret=secret)

    assert answer.status_code == status
    assert stored(events) == []


def test_a_callback_forged_for_another_store_is_refused(client, events):
    """Right secret for the URL's store, but the payload says another store raised it."""
    answer = post(client, product_updated(OTHER, 1))

    assert answer.status_code == 422
    assert "producer" in answer.text
    assert stored(events) == []


@pytest.mark.parametrize("store", ["nostore", "offstore", "disabled", "Bad-Hash", "a%2Fb"])
def test_stores_that_take_no_webhooks_are_not_found(client, events, store):
    answer = post(client, product_updated(store, 1), url=f"/{store}")

    assert answer.status_code == 404
    assert stored(events) == []


def test_a_store_without_its_secret_connection_is_refused_for_a_retry(client, events):
    answer = post(client, product_updated("nosecret", 1), url="/nosecret")

    assert answer.status_code == 503
    assert stored(events) == []


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"{not json", 400),
        (b"", 400),
        (b"[" * 100_000 + b"]" * 100_000, 413),
        (b"[1, 2]", 422),
        ({k: v for k, v in product_updated(STORE, 1).items() if k != "hash"}, 422),
        (product_updated(STORE, 1, scope="store/cart/created"), 422),
        (product_updated(STORE, 1, scope="store/category/updated"), 422),
        (product_updated(STORE, 0), 422),
        (product_updated(STORE, 2**63), 422),
        (product_updated(STORE, "abc"), 422),
        (callback(STORE, "store/sku/updated", {"type": "sku", "id": 4}), 422),
        (product_updated(STORE, 1, hash="'; DROP TABLE webhook_events; --"), 422),
        (product_updated(STORE, 1, producer="stores/"), 422),
    ],
)
def test_malformed_callbacks_are_refused(client, events, payload, status):
    answer = post(client, payload)

    assert answer.status_code == status, answer.text
    assert stored(events) == []


def test_an_oversized_body_is_refused_by_its_declared_length(client, events):
    payload = product_updated(STORE, 1, padding="x" * MAX_BODY_BYTES)

    answer = post(client, payload)

    assert answer.status_code == 413
    assert stored(events) == []


def test_an_oversized_body_without_a_length_is_refused_while_read(client, events):
    def chunks():
        yield b'{"scope": "store/product/updated", "padding": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    answer = client.post(URL, content=chunks(), headers={SECRET_HEADER: SECRET})

    assert answer.status_code == 413
    assert stored(events) == []


def test_the_secret_is_never_logged_or_echoed(client, events, caplog):
    answers = [
        post(client, product_updated(STORE, 3)),
        post(client, product_updated(STORE, 3)),
        post(client, product_updated(STORE, 4), secret=SECRET[:-1]),
        post(client, product_updated(OTHER, 5)),
        post(client, b"{not json"),
        post(client, product_updated("nosecret", 1), url="/nosecret", secret=SECRET),
    ]

    assert [a.status_code for a in answers] == [200, 200, 403, 422, 400, 503]
    assert "webhook store/product/updated for product 3" in caplog.text  # the receiver does log
    for text in [caplog.text, *(a.text for a in answers)]:
        assert SECRET not in text and SECRET[:-1] not in text and OTHER_SECRET not in text


def test_the_plugin_mounts_the_receiver_under_its_prefix():
    from bigcommerce_sync.plugin import BigCommerceSyncPlugin

    apps = {app["url_prefix"]: app["app"] for app in BigCommerceSyncPlugin().fastapi_apps}

    assert [route.path for route in apps["/bigcommerce-webhooks"].routes] == ["/{store_hash}"]
