"""Pause a live sync through the dashboard's JSON, resume it with the ops command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from bigcommerce_sync_dev.connections import env_name
from bigcommerce_sync_dev.local_airflow import PASSWORD, USERNAME, wait_until
from tests.e2e.airflow_api import FINISHED_TASK_STATES
from tests.e2e.conftest import BATCH_DB_CONN_ID, CATALOGS, SLOW_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(SLOW_STORE)


def ops_cli(live: LiveStack, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bigcommerce_sync.ops`` as ops run it: the batch store and the REST API as Connections."""
    api = {"conn_type": "http", "host": live.airflow.url, "login": USERNAME, "password": PASSWORD}
    env = {
        **os.environ,
        "AIRFLOW_CONN_SYNC_DB": os.environ[env_name(BATCH_DB_CONN_ID)],
        "AIRFLOW_CONN_AIRFLOW_API": json.dumps(api),
    }
    return subprocess.run(
        [sys.executable, "-m", "bigcommerce_sync.ops", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_sync_paused_through_the_dashboard_json_is_resumed_by_the_ops_cli(live: LiveStack):
    run_id = "e2e-pause-resume"
    live.api.trigger(DAG_ID, {"sync_type": "product"}, run_id=run_id)
    # Every store response takes 3 s: the products import is caught reading its brands and categories.
    live.api.wait_for_task(DAG_ID, run_id, "import.products", {"running"})
    batch = live.batches.find_by_run(DAG_ID, run_id)

    paused = requests.post(
        f"{live.airflow.url}/bigcommerce-ops/batches/{batch.id}/pause",
        headers={"Authorization": f"Bearer {live.airflow.token()}"},
        timeout=30,
    )
    anonymous = requests.post(f"{live.airflow.url}/bigcommerce-ops/batches/{batch.id}/pause", timeout=30)

    assert (paused.status_code, paused.json()["status"]) == (200, "processing"), paused.text
    assert anonymous.status_code == 401
    live.api.wait_for_task(DAG_ID, run_id, "finalize", FINISHED_TASK_STATES, timeout=120)
    first = live.api.wait_for_run(DAG_ID, run_id)
    states = live.api.task_states(DAG_ID, run_id)
    assert first["state"] == "success" and states["import.products"] == "skipped"
    assert states["publish"] == "skipped"
    held = live.batches.get(batch.id)
    assert held.status == "paused"
    # A pause asked before the import's first page is answered leaves no checkpoint: it resumes
    # from the start, into the same version.
    saved = (held.checkpoints or {}).get("products")
    assert saved is None or saved["index"] == f"bc_{SLOW_STORE}_products_v{batch.id}"
    aliases_before = live.search.alias_targets(f"bc_{SLOW_STORE}_products")
    assert f"bc_{SLOW_STORE}_products_v{batch.id}" not in aliases_before  # nothing of it went live

    resumed = ops_cli(live, "resume", str(batch.id))

    assert resumed.returncode == 0, resumed.stderr
    assert f"batch {batch.id}: run " in resumed.stdout and "resumes it from its checkpoints" in resumed.stdout
    done = wait_until(
        lambda: live.batches.get(batch.id),
        lambda b: b.status in ("completed", "failed"),
        timeout=120,
        what=f"batch {batch.id} completed by the resumed run",
    )
    assert done.status == "completed", done.error_summary
    assert done.run_id != run_id and done.resumed_at is not None
    assert live.search.alias_targets(f"bc_{SLOW_STORE}_products") == [f"bc_{SLOW_STORE}_products_v{batch.id}"]
    assert (
        live.search.count(f"bc_{SLOW_STORE}_products") == done.products_count == CATALOGS[SLOW_STORE].products
    )
    assert done.entity_counts["products"]["fetched"] == done.products_count
    # Other systems get the refusals as HTTP statuses, saying why.
    headers = {"Authorization": f"Bearer {live.airflow.token()}"}
    again = requests.post(
        f"{live.airflow.url}/bigcommerce-ops/batches/{batch.id}/pause", headers=headers, timeout=30
    )
    missing = requests.post(
        f"{live.airflow.url}/bigcommerce-ops/batches/987654321/cancel", headers=headers, timeout=30
    )
    assert (again.status_code, again.json()["message"]) == (
        409,
        f"batch {batch.id} is completed: only a processing batch can be paused",
    )
    assert (missing.status_code, missing.json()["message"]) == (404, "batch 987654321 does not exist")
