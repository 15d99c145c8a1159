"""FinalizeBatchOperator on the real batch store: its outcome, and retries that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from bigcommerce_sync.batches import BatchRepository, EntityCounts, ErrorRecord, ImportCounts
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.operators.batch import FinalizeBatchOperator
from bigcommerce_sync.sync_types import Entity, SyncMode

IMPORTS = ["import.products", "import.categories", "import.blogs"]
DAG_ID = "bigcommerce_sync_fin"


@pytest.fixture
def repo(batch_db_url, search_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def finalize(
    batch_id: int, states: dict[str, str], counts: list[Any], conf: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Finalize run ``run-<batch_id>``, whose tasks ended in ``states``; no claim XCom, as after a kill."""
    ti = SimpleNamespace(
        dag_id=DAG_ID,
        run_id=f"run-{batch_id}",
        task_id="finalize",
        xcom_pull=lambda task_ids: [*counts],
        get_task_states=lambda dag_id, run_ids: {run_ids[0]: {**states, "finalize": "running"}},
    )
    operator = FinalizeBatchOperator(
        task_id="finalize",
        count_task_ids=IMPORTS,
        schedule=None,
        search_conn_id="elasticsearch_default",
        store_hash="fin",
    )
    params = {"sync_type": "all", "mode": "full", "batch_id": None}
    return operator.execute({"ti": ti, "dag_run": SimpleNamespace(conf=conf or {}), "params": params})


def processing_batch(repo: BatchRepository) -> int:
    """A batch claimed by the run :func:`finalize` finalizes."""
    batch = repo.create_pending(store_hash="fin", sync_type="all", mode="full")
    return repo.claim(
        batch_id=batch.id,
        store_hash="fin",
        is_scheduled=False,
        dag_id=DAG_ID,
        run_id=f"run-{batch.id}",
        plan=ModePlan(SyncMode.FULL, "asked for"),
    ).id


def test_success_records_counts_and_a_retry_changes_nothing(repo):
    batch_id = processing_batch(repo)
    watermark = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    counts = [
        ImportCounts({Entity.PRODUCTS: EntityCounts(6, 5, 0, 1)}, watermark).to_xcom(),
        ImportCounts({Entity.CATEGORIES: EntityCounts(2, 2), Entity.PAGES: EntityCounts(1, 1)}).to_xcom(),
        None,
    ]
    states = {"claim_batch": "success", "import.products": "success", "import.blogs": "success"}
    states |= {task: "success" for task in ("config.stop_words", "config.synonyms", "index.create_index")}
    states |= {"import.categories": "success", "publish": "success"}

    assert finalize(batch_id, states, counts) == {"batch_id": batch_id, "status": "completed"}
    first = repo.get(batch_id)
    assert (first.products_count, first.categories_count, first.pages_count, first.failed_documents) == (
        5,
        2,
        1,
        1,
    )
    assert first.blog_posts_count is None
    assert first.entity_counts["products"] == {"fetched": 6, "indexed": 5, "deleted": 0, "failed": 1}
    assert first.watermark == watermark

    assert finalize(batch_id, states, counts) == {"batch_id": batch_id, "status": "completed"}
    assert repo.get(batch_id) == first


def test_a_task_killed_without_an_error_gets_one_and_a_retry_adds_no_more(repo):
    batch_id = processing_batch(repo)
    states = {"claim_batch": "success", "import.products": "failed", "publish": "upstream_failed"}

    for _ in range(2):  # the second time is a retry: it must add nothing
        with pytest.raises(
            AirflowFailException, match=f"batch {batch_id} failed: import.products: task failed"
        ):
            finalize(batch_id, states, [None, None, None])

    errors = repo.errors(batch_id)
    assert [(e["task_id"], e["store_hash"]) for e in errors] == [("import.products", "fin")]
    assert "without reporting an error" in errors[0]["message"]
    assert repo.get(batch_id).error_summary.startswith("import.products: task failed without reporting")


def test_the_first_recorded_task_error_becomes_the_summary(repo):
    batch_id = processing_batch(repo)
    repo.record_errors(batch_id, "fin", [ErrorRecord("import.blogs", "BigCommerceError: HTTP 503")])
    states = {"claim_batch": "success", "import.blogs": "failed", "import.products": "success"}

    with pytest.raises(AirflowFailException):
        finalize(batch_id, states, [None, None, None])

    assert repo.get(batch_id).error_summary == "import.blogs: BigCommerceError: HTTP 503"
    assert len(repo.errors(batch_id)) == 1


def test_a_run_cancelled_between_tasks_is_failed_not_completed(repo):
    batch_id = processing_batch(repo)
    done = ("claim_batch", "config.stop_words", "config.synonyms", "index.create_index")
    states = {task: "success" for task in done} | {task: "skipped" for task in [*IMPORTS, "publish"]}

    with pytest.raises(AirflowFailException, match="the run ended before these tasks finished: import.blogs"):
        finalize(batch_id, states, [None, None, None])

    batch = repo.get(batch_id)
    assert batch.status == "failed" and batch.products_count is None
    assert "publish (skipped)" in batch.error_summary


NOTHING_RAN = {task: "skipped" for task in ["claim_batch", "config.stop_words", "config.synonyms", *IMPORTS]}


def test_a_run_cancelled_before_its_claim_fails_the_pending_batch_its_conf_names(repo):
    pending = repo.create_pending(store_hash="fin", sync_type="blog", mode="full")

    with pytest.raises(
        AirflowFailException, match=f"batch {pending.id} failed: finalize: the run was cancelled"
    ):
        finalize(pending.id, NOTHING_RAN, [None, None, None], conf={"batch_id": pending.id})

    batch = repo.get(pending.id)
    assert (batch.status, batch.dag_id, batch.run_id) == ("failed", DAG_ID, f"run-{pending.id}")
    reason = "the run was cancelled before it claimed a batch (claim_batch skipped)"
    assert batch.error_summary == f"finalize: {reason}"
    assert batch.started_at is not None and batch.finished_at is not None
    assert [(e["task_id"], e["message"]) for e in repo.errors(pending.id)] == [("finalize", reason)]


@pytest.mark.parametrize(
    ("store_hash", "sync_type", "conf_type"),
    [("other", "all", None), ("fin", "blog", "product")],
    ids=["another store's", "another type than the conf asks"],
)
def test_a_refused_claim_leaves_the_batch_its_conf_names_untouched(repo, store_hash, sync_type, conf_type):
    pending = repo.create_pending(store_hash=store_hash, sync_type=sync_type, mode="full")
    conf = {"batch_id": pending.id} | ({"sync_type": conf_type} if conf_type else {})

    with pytest.raises(
        AirflowFailException, match="no batch to record: claim_batch failed before it claimed"
    ):
        finalize(pending.id, {**NOTHING_RAN, "claim_batch": "failed"}, [None, None, None], conf=conf)

    assert repo.get(pending.id) == pending
    assert repo.errors(pending.id) == []


def test_a_run_cancelled_before_its_claim_without_a_batch_id_has_nothing_to_record(repo):
    with pytest.raises(AirflowFailException, match=r"no batch to record: .* \(claim_batch skipped\)$"):
        finalize(10**12, NOTHING_RAN, [None, None, None])

    assert repo.find_by_run(DAG_ID, f"run-{10**12}") is None
