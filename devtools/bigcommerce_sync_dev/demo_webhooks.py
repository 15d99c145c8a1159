"""Webhooks for ``make airflow``: the simulator's demo store calls the live receiver back.

The demo store's registry entry gets ``webhooks`` (the receiver on the local api-server), a
fresh secret goes into its connection, and once Airflow is up the simulator is allowed http
hooks, the store's hooks are registered by the product's own registration function, and a
first full sync gives the applier a live index. From then on an edit through the simulator's
control API is searchable within seconds, with nobody triggering anything (docs/webhooks.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bigcommerce_sync_dev.connections import bigcommerce_connection, env_name
from bigcommerce_sync_dev.demo import DEMO_STORE

if TYPE_CHECKING:
    from bigcommerce_sync_dev.local_airflow import LocalAirflow
    from bigcommerce_sync_dev.stack import DevStack

RECEIVER_PREFIX = "/bigcommerce-webhooks"


def webhook_settings(home: Path, port: int, secret: str) -> dict[str, str]:
    """Airflow settings for a demo registry whose demo store takes webhooks, and the secret's connection.

    :param home: where the registry copy is written.
    :param port: the api-server's port (the receiver's).
    :param secret: the shared secret.
    """
    from bigcommerce_sync.stores import stores_file

    registry = yaml.safe_load(stores_file().read_text(encoding="utf-8"))
    receiver = {"enabled": True, "receiver_url": f"http://127.0.0.1:{port}{RECEIVER_PREFIX}"}
    for entry in registry["stores"]:
        if entry.get("store_hash") == DEMO_STORE:
            entry["webhooks"] = receiver
    path = home / "stores.yaml"
    path.write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")
    secret_connection = json.dumps({"conn_type": "generic", "password": secret})
    return {
        "BIGCOMMERCE_SYNC_STORES_FILE": str(path),
        env_name(f"bigcommerce_webhook_{DEMO_STORE}"): secret_connection,
    }


def connect_demo_store(stack: DevStack, airflow: LocalAirflow, secret: str) -> None:
    """Register the demo store's hooks on the simulator.

    Its first full sync is the operations DAG's (unpaused at start, it gives every store that
    never synced one): a second trigger here would run it twice.

    :param stack: the dev stack (its simulator serves the demo store).
    :param airflow: the running Airflow.
    :param secret: the shared secret.
    """
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.stores import StoreConfig
    from bigcommerce_sync.webhooks.registration import ensure_hooks

    stack.simulator.admin.configure_webhooks(allow_insecure_destinations=True)
    conn_id = f"demo_webhooks_{DEMO_STORE}"
    (spec,) = [s for s in stack.stores if s.store_hash == DEMO_STORE]
    os.environ[env_name(conn_id)] = bigcommerce_connection(stack.simulator.url, DEMO_STORE, spec.token)
    webhooks = {"enabled": True, "receiver_url": f"{airflow.url}{RECEIVER_PREFIX}"}
    store = StoreConfig(store_hash=DEMO_STORE, name=DEMO_STORE, connection_id=conn_id, webhooks=webhooks)
    ensure_hooks(BigCommerceHook(conn_id), store, secret)
