"""Builds the webhook registration DAG: every webhook store's hooks on BigCommerce kept right, daily."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG

from bigcommerce_sync.operators.webhooks import EnsureWebhooksOperator
from bigcommerce_sync.spread import group_index_template, spread
from bigcommerce_sync.stores import StoreRegistry, load_registry

REGISTRATION_DAG_ID = "bigcommerce_webhook_registration"
SCHEDULE = "15 1 * * *"  # daily, 01:15 UTC

DAG_DOC = """
### Webhook registration

Daily (or by hand), for every store with webhooks enabled: make sure its hooks exist on
BigCommerce (`/v3/hooks`) for every subscribed scope, active, pointing at the store's receiver
URL, with the secret header from the store's secret connection. Missing hooks are created, wrong
or deactivated ones updated, right ones left alone. A hook BigCommerce deactivated (48 h of
failed deliveries or 90 idle days) is reported as a warning in the task log. The same as
`python -m bigcommerce_sync.webhooks.registration ensure`. See `docs/webhooks.md`.

`ensure_hooks` is mapped over groups of stores: one store a group (the map index names it) up to
`[bigcommerce_sync] max_mapped_tasks` stores (128, never above `[core] max_map_length`), beyond
that at most that many instances, each ensuring its stores one after the other (labelled
`first … last (count)`). Each instance reads the registry once; one store's failure never stops
the others', and the instance fails at the end naming the failed stores.
"""


def build_registration_dag(registry: StoreRegistry | None = None) -> DAG | None:
    """Return the registration DAG for the registry's webhook stores; ``None`` when there are none.

    :param registry: the stores; read from ``stores.yaml`` when not given.
    """
    registry = registry or load_registry()
    stores = [store.store_hash for store in registry.stores if store.webhooks.enabled]
    if not stores:
        return None
    with DAG(
        dag_id=REGISTRATION_DAG_ID,
        description="Keep every webhook store's hooks on BigCommerce as they should be",
        doc_md=DAG_DOC,
        schedule=SCHEDULE,
        catchup=False,
        max_active_runs=1,
        tags=["bigcommerce", "webhooks"],
        default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    ) as dag:
        EnsureWebhooksOperator.partial(
            task_id="ensure_hooks", map_index_template=group_index_template("store_hashes", None)
        ).expand(store_hashes=spread(stores))
    return dag
