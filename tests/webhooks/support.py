"""What the webhook tests share: callbacks as BigCommerce sends them, a registry with webhook stores."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import yaml

from bigcommerce_sync_dev.connections import env_name

RECEIVER_URL = "https://airflow.example.com/bigcommerce-webhooks"


def callback(store_hash: str, scope: str, data: dict[str, Any], /, **changes: Any) -> dict[str, Any]:
    """A callback payload of the documented shape; ``hash`` is the SHA-1 of the rest, as BigCommerce's."""
    payload = {
        "scope": scope,
        "store_id": "1025646",
        "data": data,
        "created_at": int(time.time()),
        "producer": f"stores/{store_hash}",
    }
    payload["hash"] = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return {**payload, **changes}


def product_updated(store_hash: str, product_id: Any, /, **changes: Any) -> dict[str, Any]:
    return callback(store_hash, "store/product/updated", {"type": "product", "id": product_id}, **changes)


def webhook_store(store_hash: str, **webhooks: Any) -> dict[str, Any]:
    """A registry entry whose webhooks are on (unless ``webhooks`` says otherwise)."""
    return {
        "store_hash": store_hash,
        "name": f"Webhook store {store_hash}",
        "connection_id": f"bigcommerce_{store_hash}",
        "webhooks": {"enabled": True, "receiver_url": RECEIVER_URL, **webhooks},
    }


def write_registry(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"stores": entries}), encoding="utf-8")
    return path


def secret_connection(conn_id: str, secret: str) -> dict[str, str]:
    """The environment variable of a connection holding ``secret`` in its password."""
    return {env_name(conn_id): json.dumps({"conn_type": "generic", "password": secret})}


def clean_events(conn_id: str | None = None):
    """The events table, migrated and emptied (a test starts with no event)."""
    from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

    events = WebhookEventRepository(conn_id) if conn_id else WebhookEventRepository()
    events.migrate()
    events.hook.run("DELETE FROM webhook_events")
    return events


def receive(events, *payloads: dict[str, Any]) -> list[int | None]:
    """Store callbacks as the receiver does; return their event ids (``None`` for duplicates)."""
    from bigcommerce_sync.webhooks.callbacks import Callback

    return [events.record(Callback.model_validate(p), json.dumps(p)) for p in payloads]
