"""Builds the webhook applier DAG: pending webhook events of every store applied within seconds."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, Asset, AssetWatcher

from bigcommerce_sync.operators.webhooks import (
    ApplyWebhookEventsOperator,
    PendingStoresOperator,
    applier_store,
)
from bigcommerce_sync.settings import setting_float
from bigcommerce_sync.spread import group_index_template
from bigcommerce_sync.stores import StoreRegistry, load_registry
from bigcommerce_sync.webhooks.trigger import PendingWebhookEventsTrigger

APPLIER_DAG_ID = "bigcommerce_webhook_applier"
EVENTS_ASSET = "bigcommerce_webhook_events"
# Defaults of the deployment settings read below (bigcommerce_sync.settings).
DEFAULT_POLL_SECONDS = 2.0
DEFAULT_REFIRE_SECONDS = 60.0
# A failed application is tried twice more, this long apart, before its events wait for the next run.
RETRY_DELAY = timedelta(seconds=10)

DAG_DOC = """
### Webhook events into search

BigCommerce's callbacks are stored by the webhook receiver (`/bigcommerce-webhooks/<store>` on
the api-server) in the batch store's `webhook_events`. A trigger in the **triggerer** looks for
pending events every few seconds and updates this DAG's asset, which starts a run: no schedule,
nobody triggers it. `stores_with_events` lists the webhook stores with pending events, in groups,
and `apply_events` is mapped over the groups: one store a group (the map index names it) up to
`[bigcommerce_sync] max_mapped_tasks` stores (128, never above `[core] max_map_length`), beyond
that at most that many instances, each applying its stores one after the other (labelled
`first … last (count)`). Each store is applied on its own: one store's failure never stops the
others'; the instance fails at the end naming the failed stores, and its retry applies only what
is still pending.

Each store's events become **targeted** batches in `sync_batches`: the products named by product,
SKU and inventory events are read with `id:in` and written into the live index (deleted when the
store no longer has them), up to 250 products a batch; category events refresh the categories.
Events are marked applied only once their documents are written and searchable; a failed
application leaves them pending, and the trigger fires again for them. See `docs/webhooks.md`.
"""


def build_applier_dag(registry: StoreRegistry | None = None) -> DAG | None:
    """Return the applier DAG for the registry's webhook stores; ``None`` when no store takes webhooks.

    :param registry: the stores; read from ``stores.yaml`` when not given.
    """
    registry = registry or load_registry()
    stores = [applier_store(store) for store in registry.stores if store.webhooks.enabled]
    if not stores:
        return None
    trigger = PendingWebhookEventsTrigger(
        poll_interval=setting_float("webhook_poll_seconds", DEFAULT_POLL_SECONDS),
        refire_after=setting_float("webhook_refire_seconds", DEFAULT_REFIRE_SECONDS),
    )
    events = Asset(
        name=EVENTS_ASSET,
        uri="bigcommerce-sync://sync_db/webhook_events",
        watchers=[AssetWatcher(name="pending_webhook_events", trigger=trigger)],
    )
    with DAG(
        dag_id=APPLIER_DAG_ID,
        description="Apply pending BigCommerce webhook events to the stores' live indexes",
        doc_md=DAG_DOC,
        schedule=[events],
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "webhooks"],
        default_args={"retries": 2, "retry_delay": RETRY_DELAY},
    ) as dag:
        pending = PendingStoresOperator(task_id="stores_with_events", stores=stores)
        ApplyWebhookEventsOperator.partial(
            task_id="apply_events", map_index_template=group_index_template("stores")
        ).expand(stores=pending.output)
    return dag
