"""The Airflow plugin of this project, registered as an ``airflow.plugins`` entry point."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from bigcommerce_sync.api_guard import LargeNumberGuard


class BigCommerceSyncPlugin(AirflowPlugin):
    """Guards the api-server: a trigger whose conf Airflow could not hand to its tasks gets 400."""

    name = "bigcommerce_sync"
    fastapi_root_middlewares = [
        {"middleware": LargeNumberGuard, "args": [], "kwargs": {}, "name": "Large number guard"}
    ]
