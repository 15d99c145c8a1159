"""The README's trigger examples (``examples/``), run as written against the live Airflow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CATALOGS, MANUAL_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parent / "examples"
DAG_ID = dag_id(MANUAL_STORE)
CATALOG = CATALOGS[MANUAL_STORE]


def run_example(command: list[str], live: LiveStack, **env: str) -> list[str]:
    """Run an example as a reader would, pointed at the live Airflow; return its output lines."""
    result = subprocess.run(
        command,
        env={**os.environ, "AIRFLOW": live.airflow.url, "STORE": MANUAL_STORE, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout.splitlines()


def test_the_curl_example_syncs_products_and_reports_its_batch(live: LiveStack):
    run_id = "e2e-docs-curl"

    lines = run_example(["bash", str(EXAMPLES / "trigger_with_curl.sh")], live, RUN_ID=run_id)

    triggered, *progress, last = (json.loads(line) for line in lines if line.strip())
    assert (triggered["dag_run_id"], triggered["state"], triggered["conf"]) == (
        run_id,
        "queued",
        {"sync_type": "product"},
    )
    assert all(line["state"] in {"queued", "running"} for line in progress)
    batch = live.batches.find_by_run(DAG_ID, run_id)
    finalized = {"batch_id": batch.id, "status": "completed"}
    assert last == {"state": "success", "results": {"finalize": finalized}}
    assert (batch.sync_type, batch.products_count) == ("product", CATALOG.products)


def test_the_client_example_claims_the_pending_batch_it_is_given(live: LiveStack):
    pending = live.batches.create_pending(store_hash=MANUAL_STORE, sync_type="category", mode="full")
    run_id = "e2e-docs-client"

    command = [sys.executable, str(EXAMPLES / "trigger_with_client.py")]
    lines = run_example(command, live, RUN_ID=run_id, BATCH_ID=str(pending.id))

    assert lines == [f"triggered {run_id}: queued", f"{run_id}: success"]
    batch = live.batches.get(pending.id)
    assert (batch.status, batch.run_id) == ("completed", run_id)
    assert (batch.categories_count, batch.pages_count) == (CATALOG.categories, CATALOG.pages)
