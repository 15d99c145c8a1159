"""The daily operations report: per store and in total, what the syncs of one UTC day did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from statistics import quantiles
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bigcommerce_sync.ops_store import BatchFact, OperationsRepository

STATUSES = ("pending", "processing", "completed", "failed")


def percentile(values: Sequence[float], pct: int) -> float | None:
    """The ``pct``-th percentile (inclusive method), ``None`` without values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(quantiles(values, n=100, method="inclusive")[pct - 1], 3)


def _summary(batches: Sequence[BatchFact], first_errors: Mapping[int, str]) -> dict[str, Any]:
    statuses = Counter(b.status for b in batches)
    durations = [b.duration_seconds for b in batches if b.status == "completed" and b.finished_at]
    return {
        "batches": {status: statuses.get(status, 0) for status in STATUSES},
        "documents_synced": sum(b.documents for b in batches if b.status == "completed"),
        "duration_seconds": {"p50": percentile(durations, 50), "p95": percentile(durations, 95)},
        "failures": [
            {
                "batch_id": b.id,
                "store_hash": b.store_hash,
                "sync_type": b.sync_type,
                "mode": b.mode,
                "error": first_errors.get(b.id) or b.error_summary,
            }
            for b in batches
            if b.status == "failed"
        ],
    }


def build_report(
    *,
    day: date,
    stores: Sequence[str],
    batches: Sequence[BatchFact],
    first_errors: Mapping[int, str],
    health: Mapping[str, Mapping[str, Any]],
    values_report: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The report of ``day`` (JSON-ready).

    :param stores: the registry's stores (a store without batches is listed with zeros).
    :param batches: the batches created that day.
    :param first_errors: each failed batch's first ``sync_errors`` message.
    :param health: each store's latest health row.
    :param values_report: the last searchable-values run's report, summarized in the report.
    """
    every = sorted({*stores, *(b.store_hash for b in batches)})
    per_store = {
        store: {
            **_summary([b for b in batches if b.store_hash == store], first_errors),
            "health": _health(health.get(store)),
        }
        for store in every
    }
    levels = Counter(s["health"]["level"] for s in per_store.values())
    return {
        "date": day.isoformat(),
        "stores": per_store,
        "total": {**_summary(batches, first_errors), "health_levels": dict(sorted(levels.items()))},
        "searchable_values": _values(values_report),
    }


def collect_report(ops: OperationsRepository, day: date, stores: Sequence[str]) -> dict[str, Any]:
    """Read what the report of ``day`` needs from the batch store and build it."""
    since = datetime.combine(day, time(0), UTC)
    batches = ops.batches(since=since, until=since + timedelta(days=1))
    return build_report(
        day=day,
        stores=stores,
        batches=batches,
        first_errors=ops.first_errors([b.id for b in batches if b.status == "failed"]),
        health=ops.latest_health(stores),
        values_report=ops.latest_values_report(since + timedelta(days=1, hours=3)),
    )


def _health(row: Mapping[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"level": "unknown", "score": None}
    return {"level": row["level"], "score": row["score"], "measured_at": str(row["measured_at"])}


def _values(report: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    keys = ("execution_id", "end", "stores_seen", "fields_seen", "jobs", "values_processed", "errors")
    return {key: report.get(key) for key in keys}


def report_lines(report: Mapping[str, Any]) -> list[str]:
    """The report as log lines: the total, one line per store, one per failure."""

    def line(name: str, s: Mapping[str, Any]) -> str:
        b, d = s["batches"], s["duration_seconds"]
        return (
            f"{name}: {b['completed']} completed, {b['failed']} failed, {b['processing']} processing, "
            f"{b['pending']} pending; {s['documents_synced']} documents; "
            f"duration p50 {d['p50']} s, p95 {d['p95']} s"
        )

    lines = [f"Operations report {report['date']}", line("total", report["total"])]
    for store, summary in report["stores"].items():
        lines.append(f"  {line(store, summary)}; health {summary['health']['level']}")
    lines += [
        f"  failed: batch {f['batch_id']} {f['store_hash']} {f['mode']} {f['sync_type']}: {f['error']}"
        for f in report["total"]["failures"]
    ]
    values = report["searchable_values"]
    lines.append(
        f"  searchable values: run {values['execution_id']}, {values['jobs']}, "
        f"{values['values_processed']} values, {len(values['errors'] or [])} errors"
        if values
        else "  searchable values: no run yet"
    )
    return lines
