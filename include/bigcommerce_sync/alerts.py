"""Which alert conditions hold for a store, from its recent batches and its latest health.

- ``failure_rate``: more than ``max_failure_rate`` of its last finished batches failed (with at
  least ``min_batches`` of them);
- ``repeated_failures``: its last ``repeated`` finished batches all failed;
- ``stuck``: the reaper failed one of its batches lately, or a Pending batch waits unclaimed;
- ``health_critical``: its latest health level is critical.

An alert opens once per store and condition and stays open, without being sent again, until
the condition no longer holds (:class:`~bigcommerce_sync.ops_store.OperationsRepository`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.health import failure_rate
from bigcommerce_sync.ops_store import STUCK_PREFIX

if TYPE_CHECKING:
    from bigcommerce_sync.ops_store import Alert, BatchFact

# The webhook (an http Connection) every alert and report is posted to.
ALERTS_CONN_ID = "ops_alerts_webhook"


@dataclass(frozen=True)
class AlertRules:
    """The thresholds of the alert conditions.

    :param max_failure_rate: the share of failed batches above which a store alerts.
    :param min_batches: finished batches needed before the failure rate counts.
    :param repeated: this many failures in a row alert.
    """

    max_failure_rate: float = 0.5
    min_batches: int = 4
    repeated: int = 3


def conditions(
    *,
    finished: Sequence[BatchFact],
    stuck: Sequence[BatchFact],
    stale_pending: Sequence[BatchFact],
    health_level: str | None,
    rules: AlertRules,
) -> dict[str, str]:
    """The conditions that hold, each with its message.

    :param finished: the store's last finished batches, newest first.
    :param stuck: its batches the reaper failed lately.
    :param stale_pending: its Pending batches nobody claimed in time.
    """
    found: dict[str, str] = {}
    rate = failure_rate([b.status for b in finished])
    if rate is not None and len(finished) >= rules.min_batches and rate > rules.max_failure_rate:
        found["failure_rate"] = (
            f"{rate:.0%} of the last {len(finished)} batches failed (threshold {rules.max_failure_rate:.0%})"
        )
    last = finished[: rules.repeated]
    if len(last) == rules.repeated and all(b.status == "failed" for b in last):
        found["repeated_failures"] = (
            f"the last {rules.repeated} syncs failed (batches {', '.join(str(b.id) for b in last)}); "
            f"latest: {last[0].error_summary}"
        )
    if stuck or stale_pending:
        reaped = [f"batch {b.id} {(b.error_summary or '').removeprefix(STUCK_PREFIX)}" for b in stuck]
        waiting = [f"batch {b.id} Pending since {b.created_at:%Y-%m-%d %H:%M} UTC" for b in stale_pending]
        found["stuck"] = "; ".join(reaped + waiting)
    if health_level == "critical":
        found["health_critical"] = "search health is critical"
    return found


def payload(alert: Alert, *, state: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the webhook receives for an alert opening (``state="open"``) or clearing (``"cleared"``)."""
    return {
        "source": "bigcommerce_sync",
        "kind": "alert",
        "state": state,
        "store_hash": alert.store_hash,
        "condition": alert.condition,
        "message": alert.message,
        "opened_at": alert.opened_at.isoformat(),
        **({"details": dict(details)} if details else {}),
    }
