"""Chaos on a live Airflow: each sync ends Completed after retries (or Failed saying why), never stuck.

Each case breaks one thing under a running full sync: the import task's process is
killed, Elasticsearch stops and comes back, the batch store's Postgres restarts, or a
fifth of the store's requests fail. Each then checks that the run ended within its
bounds, that its batch is Completed, that the live aliases did not move before the
sync published, and that search holds every catalog item exactly once. What each case
measured goes to ``artifacts/chaos/outcomes.json`` (docs/chaos.md).
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from bigcommerce_sync.index_lifecycle import version_name
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.chaos.conftest import (
    CATALOGS,
    FAULT_KINDS,
    FAULT_RATE,
    FAULTS_RUN,
    FAULTS_STORE,
    KILL_STORE,
    POSTGRES_STORE,
    SEARCH_BASELINE_RUN,
    SEARCH_STORE,
    ChaosStack,
)
from tests.chaos.support import (
    IMPORTS,
    Outcome,
    assert_closed_cleanly,
    assert_published_exactly_once,
    live_targets,
    product_pages_asked,
    task_instance,
    tries,
    trigger,
    wait_for_closed_batch,
    wait_until_importing_products,
)
from tests.live import dag_id

pytestmark = pytest.mark.chaos

SEARCH_DOWN_SECONDS = 3.0
POSTGRES_DOWN_LIMIT = 60.0


def test_an_import_killed_with_sigkill_is_retried_and_the_batch_completes(chaos: ChaosStack):
    live, outcome = chaos.live, Outcome("import killed with SIGKILL")
    run_id = "chaos-kill-import"
    before = live_targets(live, KILL_STORE)
    asked_before = product_pages_asked(live, KILL_STORE)
    trigger(live, KILL_STORE, run_id)

    # Half of its 10 product pages asked for: documents in the index or on their way, more to come.
    wait_until_importing_products(live, KILL_STORE, asked_before, pages=5)
    saved = live.batches.find_by_run(dag_id(KILL_STORE), run_id).checkpoint(Entity.PRODUCTS)
    running = task_instance(live, KILL_STORE, run_id, "import.products")
    assert (running["state"], running["try_number"]) == ("running", 1), running
    process = psutil.Process(running["pid"])  # the task's own process, as the supervisor reports it
    assert "airflow" in " ".join(process.parent().cmdline()), process.parent().cmdline()
    os.kill(running["pid"], signal.SIGKILL)
    killed_at = time.monotonic()
    assert live_targets(live, KILL_STORE) == before  # nothing moved by the kill

    batch = wait_for_closed_batch(live, KILL_STORE, run_id)
    taken = tries(live, KILL_STORE, run_id)
    last_try = _log_lines(live, KILL_STORE, run_id, "import.products", taken["import.products"])
    resumed = [line for line in last_try if "resuming" in line]
    outcome.note(
        status=batch.status,
        checkpoint_when_killed=saved and f"{saved.indexed} products indexed ({saved.where})",
        tries={t: n for t, n in taken.items() if n > 1},
        seconds_from_kill_to_end=round(time.monotonic() - killed_at, 1),
        retry_log=resumed,
    )
    outcome.save()
    assert batch.status == "completed", batch
    assert taken["import.products"] == 2  # the killed try, then the one that finished the import
    # The retry went on from the import's last checkpoint (from the start if none was saved yet).
    assert resumed and resumed[0].startswith("products: resuming "), resumed
    assert_published_exactly_once(live, KILL_STORE, batch, CATALOGS[KILL_STORE])


def test_twenty_percent_of_store_requests_failing_are_retried_and_the_batch_completes(chaos: ChaosStack):
    live, outcome = chaos.live, Outcome("20% of BigCommerce requests failing")
    run_id = FAULTS_RUN  # started with the stack, beside the first test, with the fault rule in place
    assert [(f["store_hash"], f["rate"], f["kinds"]) for f in live.simulator.faults()] == [
        (FAULTS_STORE, FAULT_RATE, FAULT_KINDS)
    ]
    try:
        batch = wait_for_closed_batch(live, FAULTS_STORE, run_id)
    finally:
        live.simulator.clear_faults()

    stats = live.simulator.stats()["stores"][FAULTS_STORE]
    taken = tries(live, FAULTS_STORE, run_id)
    retried = sum(
        _log_count(live, FAULTS_STORE, run_id, task, attempt, "retrying in")
        for task in IMPORTS
        for attempt in range(1, taken[task] + 1)
    )
    outcome.note(
        status=batch.status,
        requests=stats["requests"],
        failed_requests=stats["faults_injected"],
        failed_by_kind=stats["faults_by_kind"],
        requests_retried_by_the_hook=retried,
        import_tries=[taken[task] for task in IMPORTS],
    )
    outcome.save()
    assert batch.status == "completed", batch
    assert 0.1 <= stats["faults_injected"] / stats["requests"] <= 0.3, stats
    # Every failed request was retried: by the hook, or (its attempts spent) by a retry of its task.
    assert retried + sum(taken[task] - 1 for task in IMPORTS) >= stats["faults_injected"]
    assert_published_exactly_once(live, FAULTS_STORE, batch, CATALOGS[FAULTS_STORE])


def test_search_stopped_mid_bulk_and_restarted_leaves_the_live_index_and_the_batch_completes(
    chaos: ChaosStack,
):
    live, outcome = chaos.live, Outcome("Elasticsearch stopped mid-bulk and restarted")
    baseline = wait_for_closed_batch(live, SEARCH_STORE, SEARCH_BASELINE_RUN)
    assert baseline.status == "completed", baseline
    published = {entity: [version_name(SEARCH_STORE, entity, baseline.id)] for entity in Entity}
    assert live_targets(live, SEARCH_STORE) == published
    run_id = "chaos-search-restart"
    asked_before = product_pages_asked(live, SEARCH_STORE)
    trigger(live, SEARCH_STORE, run_id)

    wait_until_importing_products(live, SEARCH_STORE, asked_before)
    stopping = time.monotonic()
    chaos.search_node.stop(keep_data=True)
    stopped = time.monotonic()
    time.sleep(SEARCH_DOWN_SECONDS)
    chaos.search_node.start()  # the same port and data; returns once the cluster is green
    back = time.monotonic()
    assert live_targets(live, SEARCH_STORE) == published  # the failure moved no alias
    states_when_back = live.api.task_states(dag_id(SEARCH_STORE), run_id)

    batch = wait_for_closed_batch(live, SEARCH_STORE, run_id)
    taken = tries(live, SEARCH_STORE, run_id)
    outcome.note(
        status=batch.status,
        seconds_stopping=round(stopped - stopping, 1),
        seconds_down=round(back - stopped, 1),
        states_when_back={t: s for t, s in states_when_back.items() if t in IMPORTS},
        tries={t: n for t, n in taken.items() if n > 1},
        seconds_from_back_to_end=round(time.monotonic() - back, 1),
    )
    outcome.save()
    assert max(taken[task] for task in IMPORTS) >= 2  # the outage failed an import, which was retried
    assert_closed_cleanly(live, SEARCH_STORE, batch, CATALOGS[SEARCH_STORE], published)


def test_the_batch_store_restarted_mid_run_is_retried_and_the_batch_completes(chaos: ChaosStack):
    live, outcome = chaos.live, Outcome("batch store's Postgres restarted mid-run")
    run_id = "chaos-postgres-restart"
    before = live_targets(live, POSTGRES_STORE)
    asked_before = product_pages_asked(live, POSTGRES_STORE)
    trigger(live, POSTGRES_STORE, run_id)

    wait_until_importing_products(live, POSTGRES_STORE, asked_before)
    chaos.batch_postgres.stop(keep_data=True)
    stopped = time.monotonic()
    try:
        # Down until a task of the run fails on it (an import saving its progress, or finalize).
        met_outage = wait_until(
            lambda: live.api.task_states(dag_id(POSTGRES_STORE), run_id),
            lambda states: "up_for_retry" in states.values(),
            timeout=POSTGRES_DOWN_LIMIT,
            what="a task failed by the batch store's outage",
        )
    finally:
        chaos.batch_postgres.start()
    back = time.monotonic()

    batch = wait_for_closed_batch(live, POSTGRES_STORE, run_id)
    taken = tries(live, POSTGRES_STORE, run_id)
    outcome.note(
        status=batch.status,
        seconds_down=round(back - stopped, 1),
        failed_by_the_outage=sorted(t for t, state in met_outage.items() if state == "up_for_retry"),
        tries={t: n for t, n in taken.items() if n > 1},
        seconds_from_back_to_end=round(time.monotonic() - back, 1),
    )
    outcome.save()
    assert all(taken[task] >= 2 for task, state in met_outage.items() if state == "up_for_retry")
    assert_closed_cleanly(live, POSTGRES_STORE, batch, CATALOGS[POSTGRES_STORE], before)


def _log_lines(live, store_hash: str, run_id: str, task_id: str, try_number: int) -> list[str]:
    events = live.api.task_log(dag_id(store_hash), run_id, task_id, try_number)
    return [str(event.get("event", "")) for event in events]


def _log_count(live, store_hash: str, run_id: str, task_id: str, try_number: int, text: str) -> int:
    return sum(text in line for line in _log_lines(live, store_hash, run_id, task_id, try_number))
