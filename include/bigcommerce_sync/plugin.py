"""The Airflow plugin of this project, registered as an ``airflow.plugins`` entry point.

Airflow loads the plugins in every process that asks for any of them: the api-server, and each
task process at its first SQL query (the SQL hooks look up hook-lineage readers). So importing
this module loads nothing but Airflow's plugin class; the apps, the middleware and the nav entry
(FastAPI and Airflow's API modules, about 1 s of CPU) are built when the api-server first reads
them.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.plugins_manager import AirflowPlugin


class BigCommerceSyncPlugin(AirflowPlugin):
    """Guards the api-server (a trigger whose conf Airflow could not hand to its tasks gets 400),
    serves the webhook receiver (``docs/webhooks.md``) and the operations dashboard
    (``docs/operations.md``)."""

    name = "bigcommerce_sync"

    @cached_property
    def fastapi_root_middlewares(self) -> list[dict[str, Any]]:
        from bigcommerce_sync.api_guard import LargeNumberGuard

        return [{"middleware": LargeNumberGuard, "args": [], "kwargs": {}, "name": "Large number guard"}]

    @cached_property
    def fastapi_apps(self) -> list[dict[str, Any]]:
        from bigcommerce_sync import dashboard
        from bigcommerce_sync.webhooks.receiver import URL_PREFIX, create_app

        return [
            # Not behind Airflow's login: BigCommerce authenticates each callback with the store's secret.
            {"app": create_app(), "url_prefix": URL_PREFIX, "name": "BigCommerce webhook receiver"},
            dashboard.FASTAPI_APP,  # behind Airflow's login; a nav entry of the UI (docs/operations.md)
        ]

    @cached_property
    def external_views(self) -> list[dict[str, Any]]:
        from bigcommerce_sync import dashboard

        return [dashboard.NAV_ENTRY]
