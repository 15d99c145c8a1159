"""What ops look at: every store's last sync, health, 30-day success and durations, failures, errors,
processing, paused and pending batches. One JSON-ready picture for the dashboard, its JSON and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bigcommerce_sync.ops_store import BatchFact, OperationsRepository

WINDOW = timedelta(days=30)
RECENT_ERRORS = 20


def _batch(b: BatchFact) -> dict[str, Any]:
    return {
        "id": b.id,
        "store_hash": b.store_hash,
        "sync_type": b.sync_type,
        "mode": b.mode,
        "status": b.status,
        "created_at": b.created_at.isoformat(),
        "started_at": b.started_at.isoformat() if b.started_at else None,
        "finished_at": b.finished_at.isoformat() if b.finished_at else None,
        "duration_seconds": b.duration_seconds,
        "documents": b.documents,
        "error_summary": b.error_summary,
        "progress": b.progress,
        "run_id": b.run_id,
        "pause_requested_at": b.pause_requested_at.isoformat() if b.pause_requested_at else None,
        "paused_at": b.paused_at.isoformat() if b.paused_at else None,
        "resumed_at": b.resumed_at.isoformat() if b.resumed_at else None,
    }


def _store(store_hash: str, batches: Sequence[BatchFact], health: dict[str, Any] | None) -> dict[str, Any]:
    own = [b for b in batches if b.store_hash == store_hash]
    finished = [b for b in own if b.status in ("completed", "failed")]
    completed = [b for b in finished if b.status == "completed"]
    return {
        "store_hash": store_hash,
        "last_batch": _batch(own[-1]) if own else None,
        "health": None
        if health is None
        else {k: health[k] for k in ("score", "level", "coverage", "freshness", "quality", "failure_rate")},
        "success_rate_30d": len(completed) / len(finished) if finished else None,
        "failures_30d": len(finished) - len(completed),
        "durations_30d": [
            {"batch_id": b.id, "finished_at": b.finished_at.isoformat(), "seconds": b.duration_seconds}
            for b in completed
        ],
    }


def overview(ops: OperationsRepository, stores: Sequence[str], now: datetime) -> dict[str, Any]:
    """The picture at ``now`` of the registry's ``stores`` (and any other store with recent batches)."""
    batches = ops.batches(since=now - WINDOW)
    every = sorted({*stores, *(b.store_hash for b in batches)})
    health = ops.latest_health(every)
    pending = ops.pending_since(now)
    return {
        "generated_at": now.isoformat(),
        "stores": [_store(s, batches, health.get(s)) for s in every],
        "processing": [_batch(b) for b in ops.processing()],
        "paused": [_batch(b) for b in ops.paused()],
        "pending": [_batch(b) for b in pending],
        "queue_depth": len(pending),
        "open_alerts": [
            {
                "store_hash": a.store_hash,
                "condition": a.condition,
                "message": a.message,
                "opened_at": str(a.opened_at),
            }
            for a in ops.alerts(open_only=True)
        ],
        "recent_errors": [
            {**e, "created_at": e["created_at"].isoformat()} for e in ops.recent_errors(RECENT_ERRORS)
        ],
    }
