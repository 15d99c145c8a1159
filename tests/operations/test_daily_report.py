"""The daily report: its numbers from known batches, stored, sent, with the searchable-values summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bigcommerce_sync.operations_dag import build_report_dag
from bigcommerce_sync.ops_report import build_report, percentile
from bigcommerce_sync.ops_store import BatchFact
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from tests.operations.batches import completed, failed, processing
from tests.operations.support import WEBHOOK_CONN_ID, bodies

BUSY, IDLE = "reportbusy", "reportidle"
REGISTRY = StoreRegistry(
    [StoreConfig(store_hash=s, name=s, connection_id=f"bigcommerce_{s}") for s in (BUSY, IDLE)]
)


def test_report_of_known_batches_is_stored_logged_and_sent(ops, repo, receiver):
    done = [completed(repo, BUSY, products=n) for n in (10, 20, 30)]
    broken = failed(repo, BUSY, error="store answered 503")
    running = processing(repo, BUSY)
    today = datetime.now(UTC).date()

    build_report_dag(REGISTRY, http_conn_id=WEBHOOK_CONN_ID).test(run_conf={"report_date": today.isoformat()})

    report = ops.report(today)
    busy = report["stores"][BUSY]
    assert busy["batches"] == {"pending": 0, "processing": 1, "completed": 3, "failed": 1}
    assert busy["documents_synced"] == 60
    assert busy["failures"] == [
        {
            "batch_id": broken.id,
            "store_hash": BUSY,
            "sync_type": "all",
            "mode": "full",
            "error": "first: store answered 503",
        }
    ]
    durations = sorted((b.finished_at - b.started_at).total_seconds() for b in done)
    assert busy["duration_seconds"]["p50"] == round(durations[1], 3)
    assert report["stores"][IDLE]["batches"] == {"pending": 0, "processing": 0, "completed": 0, "failed": 0}
    assert report["stores"][IDLE]["health"] == {"level": "unknown", "score": None}
    assert report["total"]["batches"]["completed"] >= 3 and running.id
    assert "searchable_values" in report
    sent = [body for body in bodies(receiver) if body.get("kind") == "daily_report"]
    assert [body["date"] for body in sent] == [today.isoformat()]
    assert sent[0]["stores"][BUSY] == busy


def fact(i: int, status: str, seconds: float, documents: int = 0) -> BatchFact:
    start = datetime(2026, 12, 2, 3, tzinfo=UTC)
    return BatchFact(
        i,
        "s",
        "all",
        "full",
        status,
        start,
        start,
        start + timedelta(seconds=seconds),
        "d",
        f"r{i}",
        None,
        documents,
        None,
    )


def test_percentiles_of_the_completed_durations():
    batches = [fact(i, "completed", seconds) for i, seconds in enumerate(range(1, 101))]
    batches.append(fact(200, "failed", 5000))

    report = build_report(
        day=datetime(2026, 12, 2).date(),
        stores=["s"],
        batches=batches,
        first_errors={},
        health={},
        values_report=None,
    )

    assert report["total"]["duration_seconds"] == {"p50": 50.5, "p95": 95.05}
    assert percentile([], 50) is None and percentile([7.0], 95) == 7.0
    assert report["total"]["failures"][0]["batch_id"] == 200
