"""The operations dashboard in a live Airflow: refused without a login; its JSON and its page in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bigcommerce_sync.dashboard import URL_PREFIX
from bigcommerce_sync.health import StoreHealth
from bigcommerce_sync.ops_store import OperationsRepository
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.e2e.browser import Browser, browser_missing
from tests.e2e.conftest import ARTIFACTS, BATCH_DB_CONN_ID, CATALOGS, MANUAL_STORE, RETRY_STORE, LiveStack
from tests.e2e.test_trigger_form import log_in
from tests.operations.batches import completed, failed

pytestmark = pytest.mark.e2e

HEALTHY, FAILING = MANUAL_STORE, RETRY_STORE
SCREENSHOTS = {"page": ARTIFACTS / "dashboard.png", "nav": ARTIFACTS / "dashboard-in-airflow-ui.png"}


@pytest.fixture(scope="module")
def known(live: LiveStack) -> dict[str, int]:
    """A store whose last sync completed (twice, for the chart) and is healthy; one whose last sync failed."""
    ops = OperationsRepository(BATCH_DB_CONN_ID)
    ops.migrate()
    completed(live.batches, HEALTHY, products=40)
    done = completed(live.batches, HEALTHY, products=41)
    broken = failed(live.batches, FAILING, error="store answered 503")
    ops.record_health(StoreHealth(HEALTHY, datetime.now(UTC), 60.0, 1.0, 1.0, 0.9, 0.0, {"counts": {}}))
    return {"done": done.id, "broken": broken.id}


def test_anonymous_requests_are_refused(live: LiveStack):
    for path in ("/", "/overview.json"):
        answer = requests.get(f"{live.airflow.url}{URL_PREFIX}{path}", timeout=30)
        assert answer.status_code == 401, (path, answer.status_code, answer.text[:200])


def test_the_json_behind_the_login(live: LiveStack, known):
    answer = requests.get(
        f"{live.airflow.url}{URL_PREFIX}/overview.json", headers=live.airflow.auth_headers(), timeout=30
    )

    assert answer.status_code == 200
    stores = {s["store_hash"]: s for s in answer.json()["stores"]}
    assert stores[HEALTHY]["last_batch"]["id"] == known["done"]
    assert stores[HEALTHY]["last_batch"]["documents"] == 41
    assert stores[HEALTHY]["health"]["level"] == "healthy"
    assert stores[FAILING]["last_batch"]["status"] == "failed"
    assert any(e["batch_id"] == known["broken"] for e in answer.json()["recent_errors"])
    views = [v for p in live.api.get("plugins")["plugins"] for v in p["external_views"]]
    assert {"name": "BigCommerce sync", "url_route": "bigcommerce-ops"}.items() <= next(
        v for v in views if v["name"] == "BigCommerce sync"
    ).items()


@pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "")
def test_a_person_sees_every_store_the_chart_and_the_failing_store(live: LiveStack, known, tmp_path: Path):
    with Browser(tmp_path / "chromium") as browser:
        log_in(browser, live.airflow.url)
        browser.open(f"{live.airflow.url}{URL_PREFIX}/")
        browser.wait_for("#stores tr.store")
        rows = browser.run_script(
            "return [...document.querySelectorAll('#stores tr.store')].map(r => ({store: r.dataset.store,"
            " status: r.dataset.status, level: r.dataset.level, failing: r.classList.contains('failing'),"
            " text: r.innerText}));"
        )
        bars = browser.run_script(
            "return [...document.querySelectorAll('#durations-chart rect.bar')]"
            ".map(b => b.getBoundingClientRect().height);"
        )
        browser.screenshot(SCREENSHOTS["page"])
        browser.open(f"{live.airflow.url}/plugin/bigcommerce-ops")
        wait_until(
            lambda: browser.find(f"iframe[src*='{URL_PREFIX}/']"),
            bool,
            timeout=30,
            what="the dashboard in the UI",
        )
        browser.screenshot(SCREENSHOTS["nav"])

    by_store = {row["store"]: row for row in rows}
    assert set(CATALOGS) <= set(by_store)  # every store of the registry has its row
    assert by_store[HEALTHY]["status"] == "completed" and by_store[HEALTHY]["level"] == "healthy"
    assert f"#{known['done']}" in by_store[HEALTHY]["text"] and "41" in by_store[HEALTHY]["text"]
    assert by_store[FAILING]["failing"] and by_store[FAILING]["status"] == "failed"
    assert "failed" in by_store[FAILING]["text"]
    assert len(bars) >= 2 and all(height > 0 for height in bars)
