"""Which stores get a first sync: never completed one, no batch lately, and no run of theirs under way."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from bigcommerce_sync.operators.operations import NewStoresOperator
from tests.operations.batches import completed, failed, processing


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
        limit=20,
    )

    assert operator.execute({"ti": SimpleNamespace(get_dr_count=get_dr_count)}) == ["bigcommerce_sync_nsnew"]
    assert ("bigcommerce_sync_nsbusy", ("queued", "running")) in asked


def test_a_run_asks_for_at_most_its_limit_in_registry_order_and_the_next_run_for_the_next(ops, repo, capfd):
    stores = [store(f"nscap{n:02d}") for n in range(30)]  # a fresh deployment: none ever synced
    asked: list[str] = []

    def get_dr_count(*, dag_id: str, states: list[str]) -> int:
        asked.append(dag_id)
        return 0

    operator = NewStoresOperator(task_id="new_stores", stores=stores, retry_after=timedelta(hours=6), limit=5)
    context = {"ti": SimpleNamespace(get_dr_count=get_dr_count)}
    dag_ids = [s["dag_id"] for s in stores]

    first = operator.execute(context)
    assert first == dag_ids[:5]
    assert asked == dag_ids[:5]  # enough for this run: Airflow is not asked about the others
    assert "25 more stores without a sync wait for the next runs" in capfd.readouterr().out

    for dag_id in first:  # their first syncs started: each has its batch
        processing(repo, dag_id.removeprefix("bigcommerce_sync_"))
    asked.clear()
    assert operator.execute(context) == dag_ids[5:10]
    assert asked == dag_ids[5:10]


def test_a_store_with_a_run_under_way_leaves_its_place_to_the_next(ops, repo):
    stores = [store(f"nsslot{n}") for n in range(4)]
    running = {"bigcommerce_sync_nsslot0"}
    operator = NewStoresOperator(task_id="new_stores", stores=stores, retry_after=timedelta(hours=6), limit=2)

    def get_dr_count(*, dag_id: str, states: list[str]) -> int:
        return int(dag_id in running)

    assert operator.execute({"ti": SimpleNamespace(get_dr_count=get_dr_count)}) == [
        "bigcommerce_sync_nsslot1",
        "bigcommerce_sync_nsslot2",
    ]
