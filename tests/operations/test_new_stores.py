"""Which stores get a first sync: never completed one, no batch lately, and no run of theirs under way."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from bigcommerce_sync.operators.operations import NewStoresOperator
from tests.operations.batches import completed, failed


def store(store_hash: str) -> dict:
    return {"store_hash": store_hash, "dag_id": f"bigcommerce_sync_{store_hash}"}


def test_only_stores_with_nothing_done_nothing_tried_and_nothing_running(ops, repo):
    completed(repo, "nsdone")  # synced once: never again from here
    failed(repo, "nstried")  # its first sync failed just now: not again before retry_after
    running = {"bigcommerce_sync_nsbusy"}  # a scheduled run is starting: no second one
    asked: list[tuple] = []

    def get_dr_count(*, dag_id: str, states: list[str]) -> int:
        asked.append((dag_id, tuple(states)))
        return int(dag_id in running)

    operator = NewStoresOperator(
        task_id="new_stores",
        stores=[store(s) for s in ("nsdone", "nstried", "nsbusy", "nsnew")],
        retry_after=timedelta(hours=6),
    )

    assert operator.execute({"ti": SimpleNamespace(get_dr_count=get_dr_count)}) == ["bigcommerce_sync_nsnew"]
    assert ("bigcommerce_sync_nsbusy", ("queued", "running")) in asked
