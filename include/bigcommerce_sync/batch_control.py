"""Ops control of a sync: pause, resume and cancel a batch, for the ops CLI and the dashboard's JSON.

- **pause**: a Processing full data sync is asked to pause (``BatchRepository.request_pause``); its
  imports stop at the next page boundary with their checkpoints saved, and its run's finalize
  moves it to Paused.
- **resume**: a Paused batch gets a new run of its store's DAG with the conf ``{"batch_id": N}``
  (Airflow's REST API); the run's claim moves it back to Processing and the imports continue from
  their checkpoints.
- **cancel**: a Processing batch's run is marked failed (REST API), and finalize records the batch
  Failed, as a cancel by hand does; a Paused batch (no run holds it) goes to Failed at once and its
  unpublished versions are dropped (left to retention if the cluster cannot be reached).

The REST calls go through :class:`AirflowRuns`, which carries a bearer token: the ops CLI's from the
``airflow_api`` Connection, the dashboard's the caller's own, so Airflow applies its permissions.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.batches import BatchControlError, BatchNotFoundError, ErrorRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from bigcommerce_sync.batches import Batch, BatchRepository

log = logging.getLogger(__name__)

ACTIONS = ("pause", "resume", "cancel")
CANCEL_TASK_ID = "ops.cancel"  # the task id of a cancel's row in sync_errors


class AirflowRunsError(BatchControlError):
    """Airflow's REST API refused a call; nothing of the batch was changed here."""


@dataclass(frozen=True)
class ControlResult:
    """What an action did, as the CLI prints it and the dashboard answers it."""

    batch_id: int
    action: str
    status: str  # the batch's status after the action
    message: str
    run_id: str | None = None  # the run that resumes it, or the run marked failed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AirflowRuns:
    """Triggers and marks runs through Airflow's REST API (v2) with a bearer token.

    :param url: the api-server's base URL, e.g. ``http://localhost:8080``.
    :param token: an access token (``POST /auth/token``, or the caller's own).
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> dict[str, Any]:
        """Start a run of ``dag_id`` with ``conf`` (no logical date); return it as the API answers."""
        return self._call("POST", f"dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})

    def mark_failed(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Mark a run failed (its running tasks stop; finalize, a teardown, still runs)."""
        return self._call("PATCH", f"dags/{dag_id}/dagRuns/{run_id}", {"state": "failed"})

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import requests

        answer = requests.request(
            method,
            f"{self.url}/api/v2/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        if not answer.ok:
            raise AirflowRunsError(
                f"Airflow answered {method} /api/v2/{path} with HTTP {answer.status_code}: "
                f"{answer.text[:300]}"
            )
        return answer.json()


def pause(repository: BatchRepository, batch_id: int) -> ControlResult:
    """Ask a Processing full data sync to pause.

    :raises BatchControlError: the batch cannot pause (missing, not Processing, not a full data sync).
    """
    batch = repository.request_pause(batch_id)
    return ControlResult(
        batch.id,
        "pause",
        batch.status,
        f"batch {batch.id}: pause asked for at {batch.pause_requested_at:%Y-%m-%d %H:%M:%S} UTC; its imports "
        "stop at the next page boundary with their checkpoints saved, and it becomes paused when its run "
        f"{batch.run_id} ends",
        batch.run_id,
    )


def resume(repository: BatchRepository, batch_id: int, runs: Callable[[], AirflowRuns]) -> ControlResult:
    """Start the run that resumes a Paused batch.

    :param runs: gives the REST API client (only called when a run is to be started).

    :raises BatchControlError: the batch is missing or not Paused (a batch still pausing says so).
    :raises AirflowRunsError: Airflow refused the trigger.
    """
    from bigcommerce_sync.stores import DAG_ID_PREFIX

    batch = _existing(repository, batch_id)
    if batch.status != "paused":
        still = (
            f" (a pause was asked for at {batch.pause_requested_at:%H:%M:%S} UTC: resume once its run ended)"
            if batch.status == "processing" and batch.pause_requested_at is not None
            else ""
        )
        raise BatchControlError(
            f"batch {batch_id} is {batch.status}{still}: only a paused batch can be resumed"
        )
    run = runs().trigger(f"{DAG_ID_PREFIX}{batch.store_hash}", {"batch_id": batch.id})
    return ControlResult(
        batch.id,
        "resume",
        batch.status,
        f"batch {batch.id}: run {run['dag_run_id']} of {run['dag_id']} resumes it from its checkpoints "
        f"({run['state']})",
        run["dag_run_id"],
    )


def cancel(
    repository: BatchRepository, batch_id: int, runs: Callable[[], AirflowRuns], *, by: str
) -> ControlResult:
    """Cancel a Processing batch (its run is marked failed) or a Paused one (Failed at once).

    :param runs: gives the REST API client (only called for a Processing batch's run).
    :param by: who cancels, for the reason recorded (e.g. ``the ops command line``, a user name).
    :raises BatchControlError: the batch is missing, or neither Processing nor Paused.
    :raises AirflowRunsError: Airflow refused to mark the run failed.
    """
    batch = _existing(repository, batch_id)
    if batch.status == "processing" and batch.dag_id and batch.run_id:
        runs().mark_failed(batch.dag_id, batch.run_id)
        return ControlResult(
            batch.id,
            "cancel",
            batch.status,
            f"batch {batch.id}: run {batch.run_id} of {batch.dag_id} marked failed; its finalize records the "
            "batch failed and drops its unpublished versions",
            batch.run_id,
        )
    if batch.status == "processing":  # the webhook applier's batches: several to a run, none of its own
        raise BatchControlError(f"batch {batch_id} is processing with no Airflow run of its own to cancel")
    if batch.status != "paused":
        raise BatchControlError(
            f"batch {batch_id} is {batch.status}: only a processing or paused batch can be cancelled"
        )
    reason = f"cancelled while paused, by {by}"
    failed = repository.cancel_paused(batch.id, reason=reason)
    repository.record_errors(batch.id, batch.store_hash, [ErrorRecord(CANCEL_TASK_ID, reason)])
    dropped = _drop_unpublished(failed)
    return ControlResult(
        failed.id,
        "cancel",
        failed.status,
        f"batch {failed.id}: {reason}; {dropped}",
    )


def _existing(repository: BatchRepository, batch_id: int) -> Batch:
    batch = repository.get(batch_id)
    if batch is None:
        raise BatchNotFoundError(f"batch {batch_id} does not exist")
    return batch


def _drop_unpublished(batch: Batch) -> str:
    """Drop the cancelled batch's versions no alias serves; should that fail, retention drops them later."""
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.index_lifecycle import discard_unpublished
    from bigcommerce_sync.stores import load_registry

    stores = {store.store_hash: store for store in load_registry().stores}
    store = stores.get(batch.store_hash)
    try:
        search = SearchHook(store.search_connection_id) if store else SearchHook()
        dropped = discard_unpublished(search, store_hash=batch.store_hash, batch_id=batch.id)
    except Exception as error:  # the batch is failed already; the next publish's retention cleans up
        log.warning("batch %d: unpublished versions not dropped: %s", batch.id, error)
        return f"its unpublished versions were not dropped ({error}); the next publish's retention drops them"
    return f"unpublished versions dropped: {', '.join(dropped) or 'none'}"
