"""The registry's ``webhooks`` settings: off by default, a receiver URL when on, the secret's connection."""

from __future__ import annotations

import pytest

from bigcommerce_sync.stores import load_registry
from tests.test_stores import GOOD, write

RECEIVER = "https://airflow.example.com/bigcommerce-webhooks"


def test_webhooks_are_off_by_default_and_the_secret_has_a_default_connection(tmp_path):
    (store,) = load_registry(write(tmp_path, [GOOD])).stores

    assert store.webhooks.enabled is False
    assert store.webhook_secret_conn_id == f"bigcommerce_webhook_{GOOD['store_hash']}"


def test_enabled_webhooks_keep_their_url_and_named_connection(tmp_path):
    webhooks = {"enabled": True, "receiver_url": RECEIVER, "secret_connection_id": "wh_secret"}
    (store,) = load_registry(write(tmp_path, [{**GOOD, "webhooks": webhooks}])).stores

    assert str(store.webhooks.receiver_url) == RECEIVER
    assert store.webhook_secret_conn_id == "wh_secret"


@pytest.mark.parametrize(
    ("webhooks", "words"),
    [
        ({"enabled": True}, "enabled webhooks need receiver_url"),
        ({"enabled": True, "receiver_url": "not a url"}, "valid URL"),
        ({"enabled": True, "receiver_url": RECEIVER, "secret_connection_id": ""}, "at least 1 character"),
        ({"enabled": True, "receiver_url": RECEIVER, "secret": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_webhook_settings_skip_the_entry_saying_why(tmp_path, webhooks, words):
    registry = load_registry(write(tmp_path, [{**GOOD, "webhooks": webhooks}]))

    assert registry.stores == []
    assert any("field 'webhooks" in p and words in p for p in registry.problems), registry.problems
