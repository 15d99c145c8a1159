"""The plugin: cheap to load in a task process, complete in the api-server."""

from __future__ import annotations

import subprocess
import sys

from bigcommerce_sync.plugin import BigCommerceSyncPlugin


def test_loading_the_plugin_imports_neither_fastapi_nor_airflows_api():
    # Every task process loads the plugins at its first SQL query (hook lineage).
    probe = (
        "import sys, airflow.sdk, bigcommerce_sync.plugin as p; p.BigCommerceSyncPlugin(); "
        "print(sorted(m for m in ('fastapi', 'airflow.api_fastapi', 'bigcommerce_sync.dashboard') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.splitlines()[-1] == "[]"  # after any log line of Airflow's configuration


def test_the_api_server_gets_both_apps_the_guard_and_the_nav_entry_once():
    plugin = BigCommerceSyncPlugin()
    assert [app["url_prefix"] for app in plugin.fastapi_apps] == ["/bigcommerce-webhooks", "/bigcommerce-ops"]
    assert plugin.fastapi_apps is plugin.fastapi_apps, "one app each, built once"
    assert [m["name"] for m in plugin.fastapi_root_middlewares] == ["Large number guard"]
    assert [view["href"] for view in plugin.external_views] == ["/bigcommerce-ops/"]
    assert BigCommerceSyncPlugin.validate() is None
