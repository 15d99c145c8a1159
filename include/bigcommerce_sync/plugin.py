"""The Airflow plugin of this project, registered as an ``airflow.plugins`` entry point."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from bigcommerce_sync import dashboard
from bigcommerce_sync.api_guard import LargeNumberGuard
from bigcommerce_sync.webhooks.receiver import URL_PREFIX, create_app


class BigCommerceSyncPlugin(AirflowPlugin):
    """Guards the api-server (a trigger whose conf Airflow could not hand to its tasks gets 400),
    serves the webhook receiver (``docs/webhooks.md``) and the operations dashboard
    (``docs/operations.md``)."""

    name = "bigcommerce_sync"
    fastapi_root_middlewares = [
        {"middleware": LargeNumberGuard, "args": [], "kwargs": {}, "name": "Large number guard"}
    ]
    fastapi_apps = [
        # Not behind Airflow's login: BigCommerce authenticates each callback with the store's secret.
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "BigCommerce webhook receiver"},
        dashboard.FASTAPI_APP,  # behind Airflow's login; a nav entry of the UI (docs/operations.md)
    ]
    external_views = [dashboard.NAV_ENTRY]
