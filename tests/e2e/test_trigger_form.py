"""The UI's trigger form offers the sync params, and a sync triggered from it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigcommerce_sync.sync_request import sync_params
from bigcommerce_sync.sync_types import SyncMode, SyncType
from bigcommerce_sync_dev.local_airflow import PASSWORD, USERNAME, wait_until
from tests.e2e.browser import Browser, browser_missing
from tests.e2e.conftest import ARTIFACTS, CATALOGS, MANUAL_STORE, LiveStack, dag_id

pytestmark = pytest.mark.e2e

DAG_ID = dag_id(MANUAL_STORE)
PARAMS = sync_params(SyncType.ALL)  # the store's default_sync_type is all
SCREENSHOTS = {"form": ARTIFACTS / "trigger-form.png", "choices": ARTIFACTS / "trigger-form-sync-types.png"}
DIALOG = "[data-scope=dialog][data-part=content]"


def test_the_api_gives_the_form_its_params(live: LiveStack):
    params = live.api.get(f"dags/{DAG_ID}/details")["params"]

    assert list(params) == ["sync_type", "mode", "batch_id", "product_ids"]
    for name, param in PARAMS.items():
        assert params[name]["value"] == param.value
        assert params[name]["description"] == param.description
        assert params[name]["schema"] == param.schema
    assert params["sync_type"]["schema"]["title"] == "Sync type"
    assert params["sync_type"]["schema"]["enum"] == [t.value for t in SyncType]


@pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "")
def test_the_trigger_form_offers_the_params_and_starts_the_sync_chosen(live: LiveStack, tmp_path: Path):
    run_id = "e2e-from-the-trigger-form"
    with Browser(tmp_path / "chromium") as browser:
        log_in(browser, live.airflow.url)
        browser.open(f"{live.airflow.url}/dags/{DAG_ID}")
        browser.click(browser.wait_for("[data-testid=trigger-dag-button]"))
        form_text = wait_until(
            lambda: dialog_text(browser), has_run_parameters, timeout=30, what="the trigger form"
        )
        browser.screenshot(SCREENSHOTS["form"])  # kept for people to look at, as are the choices below

        for param in PARAMS.values():
            assert param.schema["title"] in form_text and param.description in form_text
        choices = open_choices(browser, "Sync type")
        browser.screenshot(SCREENSHOTS["choices"])
        assert choices == [PARAMS["sync_type"].schema["values_display"][t.value] for t in SyncType]
        choose(browser, "Blog posts")
        assert open_choices(browser, "Mode") == [mode.value for mode in SyncMode]
        choose(browser, "incremental")
        # Product ids, a list, renders no ``element_`` input (the conf below shows what it sends).
        assert form_values(browser) == {"sync_type": "blog", "mode": "incremental", "batch_id": ""}
        set_run_id(browser, run_id)
        browser.click(browser.wait_for(f"{DIALOG} [data-testid=trigger-dag-submit]"))
        run = live.api.wait_for_run(DAG_ID, run_id)

    assert run["state"] == "success" and run["triggered_by"] == "ui"
    # The form sends every param, and, unlike a REST trigger without one, a logical date.
    assert run["conf"] == {"sync_type": "blog", "mode": "incremental", "batch_id": None, "product_ids": None}
    assert run["logical_date"] is not None
    batch = live.batches.find_by_run(DAG_ID, run_id)
    assert (batch.status, batch.sync_type, batch.is_scheduled) == ("completed", "blog", False)
    # Incremental when the blog index is live already (an earlier test synced the store), else full.
    assert batch.mode_reason.startswith("mode asked for in the run's conf")
    assert batch.entity_counts["blog_posts"]["fetched"] == CATALOGS[MANUAL_STORE].blog_posts


def log_in(browser: Browser, url: str) -> None:
    """Sign in through the simple auth manager's login page, as a person does."""
    browser.open(f"{url}/auth/login")
    browser.type(browser.wait_for("input[name=username]"), USERNAME)
    browser.type(browser.wait_for("input[name=password]"), PASSWORD)
    browser.click(browser.wait_for("button[type=submit]:not([disabled])"))
    wait_until(
        lambda: browser.run_script("return location.href;"),
        lambda location: "/auth/login" not in location,
        timeout=30,
        what="the login to finish",
    )


def dialog_text(browser: Browser) -> str:
    return browser.run_script(f"const d = document.querySelector('{DIALOG}'); return d ? d.innerText : '';")


def has_run_parameters(text: str) -> bool:
    """The dialog has rendered its Run Parameters section, down to the last field."""
    return "Run Parameters" in text and "Product ids" in text


def open_choices(browser: Browser, label: str) -> list[str]:
    """Open the drop-down of the field labelled ``label``; return the choices it lists."""
    field_id = browser.run_script(
        f"return Array.from(document.querySelectorAll('{DIALOG} label'))"
        ".find(l => l.innerText.trim().startsWith(arguments[0])).htmlFor;",
        label,
    )
    browser.click(browser.wait_for(f"[id='{field_id}']"))
    listed = f"return Array.from(document.querySelectorAll('{DIALOG} [role=option]')).map(o => o.innerText);"
    return wait_until(lambda: browser.run_script(listed), bool, timeout=10, what=f"the {label} choices")


def choose(browser: Browser, choice: str) -> None:
    browser.run_script(
        f"Array.from(document.querySelectorAll('{DIALOG} [role=option]'))"
        ".find(o => o.innerText === arguments[0]).click();",
        choice,
    )


def form_values(browser: Browser) -> dict[str, str]:
    """What the form would send: its ``element_<param>`` inputs."""
    return browser.run_script(
        f"return Object.fromEntries(Array.from(document.querySelectorAll('{DIALOG} [name^=element_]'))"
        ".map(e => [e.name.replace('element_', ''), e.value]));"
    )


def set_run_id(browser: Browser, run_id: str) -> None:
    browser.click(browser.wait_for(f"{DIALOG} [id$=':trigger:advancedOptions']"))
    field = f"{DIALOG} input[name=dagRunId]"
    browser.type(browser.wait_for(field), run_id)
    # On a loaded machine the form can still be rendering: submit only once it holds the whole id.
    wait_until(
        lambda: browser.run_script(f"return document.querySelector('{field}').value;"),
        lambda value: value == run_id,
        timeout=30,
        what="the run id in the form",
    )
