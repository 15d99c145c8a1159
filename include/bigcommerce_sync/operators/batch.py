"""The first and the last task of a sync run: claim the batch, then finalize it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException
from croniter import croniter

from bigcommerce_sync.batches import (
    BATCH_DB_CONN_ID,
    BatchClaimError,
    BatchRepository,
    Checkpoint,
    ErrorRecord,
    ImportCounts,
    UnrunnableBatchError,
)
from bigcommerce_sync.mode_plan import ModePlan, plan_mode, scheduled_mode
from bigcommerce_sync.operators.base import CLAIM_TASK_ID, BatchTaskOperator, ClaimedBatch
from bigcommerce_sync.sync_request import InvalidSyncRequest, SyncRequest, parse_sync_request
from bigcommerce_sync.sync_types import Entity, SyncMode, SyncType, required_tasks

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.batches import Batch

_FINISHED_OK = {"success", "skipped"}
FINAL_STATUSES = {"completed", "failed"}
PAUSED = "paused"
_SILENT_FAILURE = "task failed without reporting an error (killed, timed out, or marked failed by hand)"


class ClaimBatchOperator(BaseOperator):
    """Validate the run's conf, then claim its batch (the first task).

    With ``batch_id`` in the conf, that Pending batch of this store is claimed, or that Paused
    batch resumed (Paused -> Processing: its imports continue from their checkpoints into the same
    index versions); without, a batch is created already claimed. Any problem fails the run at
    once, with no retry and no row changed, except a Pending batch of this store
    whose type or mode this DAG cannot run: no run ever could, so it is failed
    for good, saying why. A targeted sync is refused, changing no row, while the
    store has no live product index to update.

    The claim also settles the batch's mode (:mod:`bigcommerce_sync.mode_plan`): the
    conf's, the Pending batch's, or for a scheduled run the mode of the cron that
    fired; an incremental sync with nothing to start from runs full. The batch row
    records the mode and why.

    :param store_hash: the store this DAG syncs.
    :param schedule: the store's cron schedule for full syncs, recorded on the batch.
    :param incremental_schedule: the store's cron schedule for incremental syncs.
    :param incremental_overlap: how far before the last watermark an incremental product read starts.
    :param search_conn_id: the search cluster's connection.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self,
        *,
        store_hash: str,
        schedule: str | None,
        incremental_schedule: str | None = None,
        incremental_overlap: timedelta = timedelta(minutes=5),
        search_conn_id: str,
        batch_db_conn_id: str = BATCH_DB_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store_hash = store_hash
        self.schedule = schedule
        self.incremental_schedule = incremental_schedule
        self.incremental_overlap = incremental_overlap
        self.search_conn_id = search_conn_id
        self.batch_db_conn_id = batch_db_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        dag_run = context["dag_run"]
        try:
            request = parse_sync_request(dag_run.conf, context["params"])
        except InvalidSyncRequest as error:
            raise AirflowFailException(str(error)) from None
        if request.mode is SyncMode.TARGETED:
            self._require_live_products()
        repository = BatchRepository(self.batch_db_conn_id)
        repository.migrate()
        is_scheduled = dag_run.run_type == "scheduled"
        plan = self._plan(repository, request, dag_run)
        resuming = self._resuming(repository, request, dag_run.dag_id, dag_run.run_id)
        if resuming:
            batch = self._resume(repository, request, dag_run.dag_id, dag_run.run_id)
        else:
            batch = self._claim(repository, request, plan, is_scheduled, dag_run.dag_id, dag_run.run_id)
            self.log.info(
                "Claimed batch %d: %s %s sync of store %s (%s)",
                batch.id,
                batch.mode,
                batch.sync_type,
                batch.store_hash,
                batch.mode_reason,
            )
        return ClaimedBatch.from_batch(batch, tuple(request.product_ids or ())).to_xcom()

    def _resuming(self, repository: BatchRepository, request: SyncRequest, dag_id: str, run_id: str) -> bool:
        """Whether the conf names a Paused batch of this store (or one this run resumed: a retried claim)."""
        if request.batch_id is None:
            return False
        found = repository.get(request.batch_id)
        return (
            found is not None
            and found.store_hash == self.store_hash
            and (
                found.status == PAUSED
                or (found.resumed_at is not None and (found.dag_id, found.run_id) == (dag_id, run_id))
            )
        )

    def _resume(self, repository: BatchRepository, request: SyncRequest, dag_id: str, run_id: str) -> Batch:
        """Paused -> Processing for this run; the imports continue from the checkpoints."""
        try:
            batch = repository.resume(
                batch_id=request.batch_id,
                store_hash=self.store_hash,
                dag_id=dag_id,
                run_id=run_id,
                sync_type=request.sync_type.value if "sync_type" in request.explicit else None,
                mode=request.mode.value if "mode" in request.explicit else None,
            )
        except BatchClaimError as error:
            raise AirflowFailException(f"cannot resume: {error}") from None
        where = {
            entity: "done" if saved.get("done") else Checkpoint.from_json(saved).where
            for entity, saved in sorted((batch.checkpoints or {}).items())
        }
        self.log.info(
            "Resumed batch %d: %s %s sync of store %s, paused at %s; checkpoints: %s",
            batch.id,
            batch.mode,
            batch.sync_type,
            batch.store_hash,
            batch.paused_at,
            ", ".join(f"{entity} {at}" for entity, at in where.items()) or "none (nothing was imported yet)",
        )
        return batch

    def _require_live_products(self) -> None:
        """A targeted sync updates the live product index: refuse it, writing nothing, if there is none."""
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.index_lifecycle import IndexLifecycleError, live_alias

        try:
            live_alias(SearchHook(self.search_conn_id), store_hash=self.store_hash, entity=Entity.PRODUCTS)
        except IndexLifecycleError as error:
            raise AirflowFailException(f"cannot run a targeted sync: {error}") from None

    def _plan(self, repository: BatchRepository, request: SyncRequest, dag_run: Any) -> ModePlan:
        """Settle the mode the batch runs in, and why."""
        pending = repository.get(request.batch_id) if request.batch_id is not None else None
        if pending is not None and pending.store_hash != self.store_hash:
            pending = None  # the claim refuses another store's batch
        sync_type, mode = request.sync_type, request.mode
        if pending is not None and "sync_type" not in request.explicit:
            sync_type = SyncType(pending.sync_type)
        if "mode" in request.explicit:
            why = "mode asked for in the run's conf"
        elif pending is not None:
            mode, why = SyncMode(pending.mode), f"the mode pending batch {pending.id} was created with"
        elif dag_run.run_type == "scheduled":
            mode, why = scheduled_mode(
                dag_run.logical_date or dag_run.run_after,
                full_schedule=self.schedule,
                incremental_schedule=self.incremental_schedule,
            )
        else:
            why = "the default mode"
        if mode is not SyncMode.INCREMENTAL:
            return ModePlan(mode, why)
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.index_lifecycle import live_entities

        return plan_mode(
            mode,
            sync_type,
            why,
            live=live_entities(SearchHook(self.search_conn_id), self.store_hash),
            watermark=repository.last_watermark(self.store_hash),
            overlap=self.incremental_overlap,
        )

    def _claim(
        self,
        repository: BatchRepository,
        request: SyncRequest,
        plan: ModePlan,
        is_scheduled: bool,
        dag_id: str,
        run_id: str,
    ) -> Batch:
        if request.batch_id is None:
            return repository.create_processing(
                store_hash=self.store_hash,
                sync_type=request.sync_type.value,
                plan=plan,
                is_scheduled=is_scheduled,
                schedule=self.schedule,
                dag_id=dag_id,
                run_id=run_id,
            )
        targeted = request.mode is SyncMode.TARGETED
        try:
            self._refuse_pending_targeted_without_ids(repository, request)
            return repository.claim(
                batch_id=request.batch_id,
                store_hash=self.store_hash,
                is_scheduled=is_scheduled,
                dag_id=dag_id,
                run_id=run_id,
                plan=plan,
                # The product ids are the run's, so the batch must be a targeted product sync.
                sync_type=SyncType.PRODUCT.value
                if targeted
                else (request.sync_type.value if "sync_type" in request.explicit else None),
                mode=request.mode.value if targeted or "mode" in request.explicit else None,
            )
        except UnrunnableBatchError as error:
            self._fail_unrunnable(repository, request.batch_id, str(error), dag_id, run_id)
            raise AirflowFailException(f"cannot run: {error}") from None
        except BatchClaimError as error:
            raise AirflowFailException(f"cannot claim: {error}") from None

    @staticmethod
    def _refuse_pending_targeted_without_ids(repository: BatchRepository, request: SyncRequest) -> None:
        """A Pending targeted batch gets its product ids from the run's conf: without them, claim nothing."""
        reason = targeted_batch_without_ids(repository, request)
        if reason:
            raise BatchClaimError(reason)

    def _fail_unrunnable(
        self, repository: BatchRepository, batch_id: int, reason: str, dag_id: str, run_id: str
    ) -> None:
        """Record why no run can ever do this batch: Pending -> Failed, and the error row."""
        failed = repository.fail_pending(
            batch_id,
            store_hash=self.store_hash,
            dag_id=dag_id,
            run_id=run_id,
            summary=f"{self.task_id}: {reason}",
        )
        if failed is not None:
            repository.record_errors(batch_id, self.store_hash, [ErrorRecord(self.task_id, reason)])


class FinalizeBatchOperator(BatchTaskOperator):
    """Record how the run ended (teardown task): Completed with counts, or Failed with why.

    Runs after success, failure, or a run marked failed by hand, whatever state
    the other tasks were left in: it is a teardown with no setup, so Airflow
    neither skips it with a claim that never succeeded nor skips it when the run
    is marked failed. It finds the run's batch by the run's ids, which the claim
    records, not by the claim's XCom, which a claim killed after its update lacks.

    The batch is Completed only if every task its sync type needs succeeded. A
    failed batch's index versions that no alias serves are dropped, whatever its
    sync type (live aliases are never touched), and the task then fails too, so
    that the run shows as failed. A run that ended before it claimed the Pending
    batch its conf names fails that batch.

    A batch a pause was asked for, whose run ended with no task failed and publish not run
    (its imports stopped at their checkpoints and were skipped), becomes Paused: its versions
    stay, unpublished, for the run that resumes it, and this task (hence the run) succeeds. If
    publish did run, the pause came too late and the batch completes.

    :param count_task_ids: the import tasks whose XCom holds counts per entity.
    :param schedule: the store's cron schedule for full syncs, for a scheduled batch's next run time.
    :param incremental_schedule: the store's cron schedule for incremental syncs, likewise.
    :param search_conn_id: the search cluster's connection.
    :param store_hash: the store this DAG syncs.
    """

    def __init__(
        self,
        *,
        count_task_ids: list[str],
        schedule: str | None,
        incremental_schedule: str | None = None,
        search_conn_id: str,
        store_hash: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.count_task_ids = count_task_ids
        self.schedule = schedule
        self.incremental_schedule = incremental_schedule
        self.search_conn_id = search_conn_id
        self.store_hash = store_hash

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        repository = BatchRepository(self.batch_db_conn_id)
        current = repository.find_by_run(ti.dag_id, ti.run_id)
        if current is None:
            self._close_unclaimed(context, repository)
        if current.status in {*FINAL_STATUSES, PAUSED}:
            # A retry of this task after the batch was written, or a claim that failed the batch.
            self.log.info("Batch %d is already %s", current.id, current.status)
            if current.status == "failed":
                raise AirflowFailException(f"batch {current.id} failed: {current.error_summary}")
            return {"batch_id": current.id, "status": current.status}
        batch = ClaimedBatch.from_batch(current)
        unsuccessful = self._unsuccessful_tasks(ti, batch)
        if _pausing(current, unsuccessful):
            paused = repository.pause(batch.batch_id)
            self.log.info(
                "Batch %d paused (asked at %s): its unpublished versions and checkpoints stay; a run of "
                'this DAG with the conf {"batch_id": %d} resumes it. Not run: %s',
                paused.id,
                paused.pause_requested_at,
                paused.id,
                ", ".join(unsuccessful),
            )
            return {"batch_id": paused.id, "status": paused.status}
        if unsuccessful:
            self._discard_unpublished(batch)
        counts = self._counts(ti)
        next_run_at = self._next_run_at(context) if batch.is_scheduled else None
        if not unsuccessful:
            done = repository.complete(batch.batch_id, counts=counts, next_run_at=next_run_at)
            self.log.info("Batch %d completed: %s", done.id, counts)
            return {"batch_id": done.id, "status": done.status}
        summary = self._failure_summary(repository, batch, unsuccessful)
        failed = repository.fail(batch.batch_id, summary=summary, counts=counts, next_run_at=next_run_at)
        raise AirflowFailException(f"batch {failed.id} failed: {summary}")

    def _close_unclaimed(self, context: Context, repository: BatchRepository) -> NoReturn:
        """No batch has this run's ids: fail the Pending batch the conf names, if it could have been claimed.

        A refused claim (missing batch, another store's, not Pending, another type or
        mode) matches no Pending batch here either, so its row stays untouched.
        """
        ti = context["ti"]
        reason = self._why_unclaimed(ti)
        try:
            request = parse_sync_request(context["dag_run"].conf, context["params"])
        except InvalidSyncRequest:
            request = None  # claim_batch refused it, writing nothing; neither does this
        if request is None or request.batch_id is None:
            raise AirflowFailException(f"no batch to record: {reason}")
        if targeted_batch_without_ids(repository, request):  # a later run with the ids can claim it
            raise AirflowFailException(
                f"no batch to record: {reason}; batch {request.batch_id} left as it was"
            )
        failed = repository.fail_pending(
            request.batch_id,
            store_hash=self.store_hash,
            dag_id=ti.dag_id,
            run_id=ti.run_id,
            summary=f"{self.task_id}: {reason}",
            sync_type=request.sync_type.value if "sync_type" in request.explicit else None,
            mode=request.mode.value if "mode" in request.explicit else None,
        )
        if failed is None:
            raise AirflowFailException(
                f"no batch to record: {reason}; batch {request.batch_id} left as it was"
            )
        repository.record_errors(failed.id, self.store_hash, [ErrorRecord(self.task_id, reason)])
        raise AirflowFailException(f"batch {failed.id} failed: {failed.error_summary}")

    def _discard_unpublished(self, batch: ClaimedBatch) -> None:
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.index_lifecycle import discard_unpublished

        dropped = discard_unpublished(
            SearchHook(self.search_conn_id), store_hash=batch.store_hash, batch_id=batch.batch_id
        )
        self.log.info("Dropped the failed batch's unpublished indexes: %s", dropped)

    def _counts(self, ti: Any) -> ImportCounts:
        """The imports' counts added up; empty when no import ran (their columns stay empty)."""
        pulled = ti.xcom_pull(task_ids=self.count_task_ids) or []
        return sum((ImportCounts.from_xcom(value) for value in pulled if value), ImportCounts())

    def _why_unclaimed(self, ti: Any) -> str:
        claim_state = self._task_states(ti).get(CLAIM_TASK_ID, "none")
        if claim_state == "failed":
            return f"{CLAIM_TASK_ID} failed before it claimed a batch (its log says why)"
        return f"the run was cancelled before it claimed a batch ({CLAIM_TASK_ID} {claim_state})"

    @staticmethod
    def _task_states(ti: Any) -> dict[str, str]:
        """Return ``{task_id: state name}`` of every task of this run, in task id order."""
        states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
        return {task_id: _state_name(state) for task_id, state in sorted(states.items())}

    def _unsuccessful_tasks(self, ti: Any, batch: ClaimedBatch) -> dict[str, str]:
        """Tasks that failed, and required tasks that did not succeed (e.g. skipped by a cancel)."""
        named = self._task_states(ti)
        required = required_tasks(batch.sync_type, batch.mode)
        return {
            task_id: state
            for task_id, state in named.items()
            if task_id != ti.task_id
            and (state not in _FINISHED_OK or (task_id in required and state != "success"))
        }

    def _failure_summary(
        self, repository: BatchRepository, batch: ClaimedBatch, tasks: dict[str, str]
    ) -> str:
        """Return the first task error; record one for failures that reported none (e.g. killed)."""
        recorded = {
            e["task_id"]: e["message"] for e in repository.errors(batch.batch_id) if e["item_id"] is None
        }
        failed = [task_id for task_id, state in tasks.items() if state == "failed"]
        silent = [ErrorRecord(t, _SILENT_FAILURE) for t in failed if t not in recorded]
        if not failed:
            unfinished = ", ".join(f"{task_id} ({state})" for task_id, state in tasks.items())
            silent = [ErrorRecord(self.task_id, f"the run ended before these tasks finished: {unfinished}")]
        repository.record_errors(batch.batch_id, batch.store_hash, silent)
        first = next((f"{t}: {recorded[t]}" for t in failed if t in recorded), None)
        return first or f"{silent[0].task_id}: {silent[0].message}"

    def _next_run_at(self, context: Context) -> datetime | None:
        """The next time either of the store's schedules fires."""
        dag_run = context["dag_run"]
        base = dag_run.logical_date or dag_run.run_after
        crons = [cron for cron in (self.schedule, self.incremental_schedule) if cron]
        return min((croniter(cron, base).get_next(datetime) for cron in crons), default=None)


def targeted_batch_without_ids(repository: BatchRepository, request: SyncRequest) -> str | None:
    """Say why the Pending batch ``request`` names cannot be claimed: targeted, but the conf gives no ids."""
    pending = repository.get(request.batch_id) if request.batch_id is not None else None
    if pending is None or pending.mode != SyncMode.TARGETED or request.product_ids:
        return None
    return (
        f'batch {pending.id} is a targeted sync: the conf must give its product_ids (with "mode": "targeted")'
    )


def _pausing(batch: Batch, unsuccessful: dict[str, str]) -> bool:
    """A pause was asked for and took effect: what did not succeed (publish at least) was skipped."""
    return (
        batch.pause_requested_at is not None
        and bool(unsuccessful)
        and set(unsuccessful.values()) == {"skipped"}
    )


def _state_name(state: Any) -> str:
    """``TaskInstanceState.FAILED`` and ``"failed"`` both become ``"failed"``; no state is ``"none"``."""
    return str(getattr(state, "value", state)).lower()
