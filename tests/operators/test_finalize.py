"""FinalizeBatchOperator on the real batch store: its outcome, and retries that change nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from bigcommerce_sync.batches import BatchRepository, ErrorRecord
from bigcommerce_sync.operators.base import CLAIM_TASK_ID
from bigcommerce_sync.operators.batch import FinalizeBatchOperator

IMPORTS = ["import.products", "import.categories", "import.blogs"]


@pytest.fixture
def repo(batch_db_url, search_url) -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()
    return repository


def finalize(batch_id: int, states: dict[str, str], counts: list[Any]) -> dict[str, Any]:
    claimed = {
        "batch_id": batch_id,
        "store_hash": "fin",
        "sync_type": "all",
        "mode": "full",
        "is_scheduled": False,
    }
    xcoms = {CLAIM_TASK_ID: claimed}
    ti = SimpleNamespace(
        dag_id="bigcommerce_sync_fin",
        run_id=f"run-{batch_id}",
        task_id="finalize",
        xcom_pull=lambda task_ids: [*counts] if isinstance(task_ids, list) else xcoms[task_ids],
        get_task_states=lambda dag_id, run_ids: {run_ids[0]: {**states, "finalize": "running"}},
    )
    operator = FinalizeBatchOperator(
        task_id="finalize", count_task_ids=IMPORTS, schedule=None, search_conn_id="elasticsearch_default"
    )
    return operator.execute({"ti": ti})


def processing_batch(repo: BatchRepository) -> int:
    batch = repo.create_pending(store_hash="fin", sync_type="all", mode="full")
    return repo.claim(
        batch_id=batch.id, store_hash="fin", is_scheduled=False, dag_id="d", run_id=f"r{batch.id}"
    ).id


def test_success_records_counts_and_a_retry_changes_nothing(repo):
    batch_id = processing_batch(repo)
    counts = [
        {"products": 5, "failed_documents": 1},
        {"categories": 2, "pages": 1, "failed_documents": 0},
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
