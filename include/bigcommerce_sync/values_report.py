"""The daily report of a searchable-values run: what ran, for which stores and fields, and every error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bigcommerce_sync.value_jobs import ValueJob, ValueRun

NOT_DISCOVERED = "no job ran: discovering the store's fields failed (see the discover_fields log)"
_COUNTS = ("values_processed", "values_new", "values_unchanged", "values_removed")


def _outcome(job: ValueJob) -> str:
    if job.status == "completed":
        return "successful"
    return "skipped" if job.skipped else "failed"


def _tally(jobs: Sequence[ValueJob]) -> dict[str, int]:
    outcomes = [_outcome(job) for job in jobs]
    return {
        "fields": len(jobs),
        **{name: outcomes.count(name) for name in ("successful", "failed", "skipped")},
        **{column: sum(getattr(job, column) or 0 for job in jobs) for column in _COUNTS},
    }


def build_report(
    *,
    run: ValueRun,
    finished_at: datetime,
    stores: Sequence[str],
    jobs: Sequence[ValueJob],
    published: Mapping[str, str],
) -> dict[str, Any]:
    """Return the run's report (JSON-ready).

    :param stores: every store the run was for, whether or not any of its jobs ran.
    :param published: the values index version each store's publish made live.
    """
    per_store = {}
    errors = []
    for store in stores:
        own = [job for job in jobs if job.store_hash == store]
        per_store[store] = {**_tally(own), "published_index": published.get(store)}
        if not own:
            errors.append({"store_hash": store, "field": None, "error": NOT_DISCOVERED})
    errors += [
        {"store_hash": job.store_hash, "field": job.field, "error": job.error}
        for job in jobs
        if job.status == "failed"
    ]
    totals = _tally(jobs)
    return {
        "execution_id": run.run_id,
        "dag_id": run.dag_id,
        "value_run_id": run.id,
        "start": run.started_at.isoformat(),
        "end": finished_at.isoformat(),
        "duration_seconds": round((finished_at - run.started_at).total_seconds(), 3),
        "stores_seen": len(stores),
        "fields_seen": totals.pop("fields"),
        "jobs": {name: totals.pop(name) for name in ("successful", "failed", "skipped")},
        **totals,
        "stores": per_store,
        "errors": errors,
    }


def report_lines(report: Mapping[str, Any]) -> list[str]:
    """The report as log lines: the totals, one line per store, one per error."""
    jobs = report["jobs"]
    lines = [
        f"Searchable values run {report['execution_id']}: {report['start']} -> {report['end']} "
        f"({report['duration_seconds']} s); {report['stores_seen']} stores, {report['fields_seen']} fields; "
        f"jobs {jobs['successful']} successful, {jobs['failed']} failed, {jobs['skipped']} skipped; "
        f"{report['values_processed']} values",
    ]
    for store, summary in report["stores"].items():
        lines.append(
            f"  {store}: {summary['successful']}/{summary['fields']} fields, "
            f"{summary['values_processed']} values "
            f"({summary['values_new']} new, {summary['values_unchanged']} unchanged, "
            f"{summary['values_removed']} removed) -> {summary['published_index'] or 'not published'}"
        )
    lines += [f"  error: {e['store_hash']} {e['field'] or '(store)'}: {e['error']}" for e in report["errors"]]
    return lines
