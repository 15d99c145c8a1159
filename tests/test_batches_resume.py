"""Checkpoints on the batch row, and the pause, resume and cancel transitions, on a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bigcommerce_sync.batches import (
    BatchClaimError,
    BatchControlError,
    BatchRepository,
    Checkpoint,
    ImportCounts,
)
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import Entity, SyncMode

FULL = ModePlan(SyncMode.FULL, "asked for")
STORE = "s-resume"


@pytest.fixture
def repo(batch_db_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def processing(repo: BatchRepository, run: str, sync_type: str = "all", plan: ModePlan = FULL):
    return repo.create_processing(
        store_hash=STORE,
        sync_type=sync_type,
        plan=plan,
        is_scheduled=False,
        schedule=None,
        dag_id="d",
        run_id=run,
    )


def test_checkpoints_ride_the_progress_write_and_merge_per_entity(repo):
    batch = processing(repo, "run-cp")
    watermark = datetime(2026, 12, 3, 11, 40, tzinfo=UTC)
    products = Checkpoint({"after_id": 4812}, 2250, 2249, 1, 0, index="bc_s_products_v1", watermark=watermark)

    asked_to_pause = repo.record_progress(batch.id, "products", {"done": 2250}, products)
    repo.record_progress(batch.id, "categories", {"done": 10})  # progress alone leaves checkpoints be
    repo.record_checkpoint(batch.id, "blog_posts", Checkpoint({"page": 1}, 7, 7, done=True))

    row = repo.get(batch.id)
    assert asked_to_pause is False
    assert row.checkpoint(Entity.PRODUCTS) == products
    assert row.checkpoint(Entity.BLOG_POSTS).done and row.checkpoint(Entity.CATEGORIES) is None
    assert Checkpoint.from_json(products.to_json()) == products
    assert (products.where, Checkpoint({"page": 3}).where, Checkpoint().where) == (
        "after id 4812",
        "after page 3",
        "from the start",
    )

    repo.drop_checkpoints(batch.id, ["products"])
    assert set(repo.get(batch.id).checkpoints) == {"blog_posts"}


def test_a_finished_batch_takes_no_checkpoint(repo):
    batch = processing(repo, "run-cp-done")
    repo.complete(batch.id, counts=ImportCounts(), next_run_at=None)

    assert repo.record_progress(batch.id, "products", {"done": 1}, Checkpoint({"after_id": 1}, 1, 1)) is False
    repo.record_checkpoint(batch.id, "products", Checkpoint(done=True))
    assert repo.get(batch.id).checkpoints is None


def paused(repo: BatchRepository, run: str, sync_type: str = "all"):
    batch = processing(repo, run, sync_type)
    repo.request_pause(batch.id)
    return repo.pause(batch.id)


def test_a_pause_is_asked_for_on_a_processing_full_data_sync_and_taken_by_its_run(repo):
    batch = processing(repo, "run-pause")
    assert repo.record_progress(batch.id, "products", {"done": 1}) is False

    asked = repo.request_pause(batch.id)
    again = repo.request_pause(batch.id)

    assert (asked.status, again.pause_requested_at) == ("processing", asked.pause_requested_at)
    assert repo.record_progress(batch.id, "products", {"done": 2}) is True  # the imports learn it here
    done = repo.pause(batch.id)
    assert (done.status, done.finished_at) == ("paused", None) and done.paused_at is not None
    assert (done.dag_id, done.run_id) == ("d", "run-pause")
    # A paused batch takes no progress, and no run completes or fails it.
    assert repo.record_progress(batch.id, "products", {"done": 3}) is False
    with pytest.raises(LookupError):
        repo.complete(batch.id, counts=ImportCounts(), next_run_at=None)
    with pytest.raises(LookupError):
        repo.fail(batch.id, summary="x", counts=ImportCounts(), next_run_at=None)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda repo: processing(repo, "run-p-inc", "product", ModePlan(SyncMode.INCREMENTAL, "x")),
            "only a full",
        ),
        (lambda repo: processing(repo, "run-p-sw", "stop_words"), "only a full sync of all, product"),
        (
            lambda repo: repo.create_pending(store_hash=STORE, sync_type="all", mode="full"),
            "is pending: only",
        ),
        (lambda repo: paused(repo, "run-p-twice"), "is paused: only a processing batch can be paused"),
    ],
)
def test_a_pause_of_a_batch_that_cannot_pause_is_refused_and_changes_nothing(repo, make, message):
    batch = make(repo)

    with pytest.raises(BatchControlError, match=message):
        repo.request_pause(batch.id)

    assert repo.get(batch.id) == batch
    with pytest.raises(BatchControlError, match="batch 987654321 does not exist"):
        repo.request_pause(987654321)


def test_only_a_paused_batch_can_be_paused_by_its_run_or_resumed(repo):
    batch = processing(repo, "run-no-ask")
    with pytest.raises(LookupError):
        repo.pause(batch.id)  # nobody asked
    with pytest.raises(BatchClaimError, match="is processing, not pending or paused"):
        repo.resume(batch_id=batch.id, store_hash=STORE, dag_id="d", run_id="run-other")
    assert repo.get(batch.id) == batch


def test_a_new_run_resumes_a_paused_batch_once_and_its_retried_claim_gets_it_back(repo):
    batch = paused(repo, "run-first")

    for refused, message in (
        ({"store_hash": "other"}, "belongs to store"),
        ({"sync_type": "blog"}, "is a 'all' sync, but the run asked for 'blog'"),
        ({"mode": "incremental"}, "asked for mode 'incremental'"),
    ):
        with pytest.raises(BatchClaimError, match=message):
            repo.resume(
                **{"batch_id": batch.id, "store_hash": STORE, "dag_id": "d", "run_id": "r2", **refused}
            )
    assert repo.get(batch.id) == batch

    resumed = repo.resume(batch_id=batch.id, store_hash=STORE, dag_id="d", run_id="run-second")
    retried = repo.resume(batch_id=batch.id, store_hash=STORE, dag_id="d", run_id="run-second")

    assert (resumed.status, resumed.run_id, resumed.pause_requested_at) == ("processing", "run-second", None)
    assert resumed.resumed_at is not None and resumed.started_at == batch.started_at
    assert (resumed.mode, resumed.mode_reason) == (batch.mode, batch.mode_reason)
    assert retried.id == batch.id
    with pytest.raises(BatchClaimError, match="is processing"):
        repo.resume(batch_id=batch.id, store_hash=STORE, dag_id="d", run_id="run-third")


def test_a_paused_batch_is_cancelled_to_failed_with_its_reason(repo):
    batch = paused(repo, "run-cancel")
    running = processing(repo, "run-cancel-running")

    cancelled = repo.cancel_paused(batch.id, reason="cancelled while paused (by ops)")

    assert (cancelled.status, cancelled.error_summary) == ("failed", "cancelled while paused (by ops)")
    assert cancelled.finished_at is not None
    with pytest.raises(BatchControlError, match="is failed: only a paused batch can be cancelled"):
        repo.cancel_paused(batch.id, reason="again")
    with pytest.raises(BatchControlError, match="is processing: only a paused batch"):
        repo.cancel_paused(running.id, reason="not here")
    assert repo.get(running.id) == running
