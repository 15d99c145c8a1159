"""What every task of a sync run shares: the batch it works for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from bigcommerce_sync.batches import BATCH_DB_CONN_ID, BatchRepository, ErrorRecord
from bigcommerce_sync.sync_types import CLAIM_TASK, SyncMode, SyncType

if TYPE_CHECKING:
    from airflow.sdk import Context

    from bigcommerce_sync.batches import Batch

CLAIM_TASK_ID = CLAIM_TASK.task_id


@dataclass(frozen=True)
class ClaimedBatch:
    """The batch a run claimed, as ``claim_batch`` hands it to the other tasks."""

    batch_id: int
    store_hash: str
    sync_type: SyncType
    mode: SyncMode
    is_scheduled: bool
    product_ids: tuple[int, ...] = ()  # a targeted sync's products, from the run's conf
    changed_since: datetime | None = None  # an incremental sync reads products changed since then

    @classmethod
    def from_xcom(cls, value: Mapping[str, Any]) -> ClaimedBatch:
        return cls(
            batch_id=int(value["batch_id"]),
            store_hash=str(value["store_hash"]),
            sync_type=SyncType(value["sync_type"]),
            mode=SyncMode(value["mode"]),
            is_scheduled=bool(value["is_scheduled"]),
            product_ids=tuple(int(i) for i in value.get("product_ids") or ()),
            changed_since=_datetime_or_none(value.get("changed_since")),
        )

    @classmethod
    def from_batch(cls, batch: Batch, product_ids: tuple[int, ...] = ()) -> ClaimedBatch:
        """The claimed batch as its row in the batch store records it, with the run's product ids."""
        return cls(
            batch_id=batch.id,
            store_hash=batch.store_hash,
            sync_type=SyncType(batch.sync_type),
            mode=SyncMode(batch.mode),
            is_scheduled=batch.is_scheduled,
            product_ids=product_ids,
            changed_since=batch.changed_since,
        )

    def to_xcom(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "sync_type": self.sync_type.value,
            "mode": self.mode.value,
            "product_ids": list(self.product_ids),
            "changed_since": None if self.changed_since is None else self.changed_since.isoformat(),
        }

    @property
    def description(self) -> str:
        """``product`` for a full sync, ``targeted product`` otherwise (as in "a targeted product sync")."""
        return str(self.sync_type) if self.mode is SyncMode.FULL else f"{self.mode} {self.sync_type}"


class BatchTaskOperator(BaseOperator):
    """Base of the tasks that work for the batch ``claim_batch`` claimed.

    :param claim_task_id: the setup task whose XCom is the claimed batch.
    :param batch_db_conn_id: the batch store's Postgres connection.
    """

    def __init__(
        self, *, claim_task_id: str = CLAIM_TASK_ID, batch_db_conn_id: str = BATCH_DB_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.claim_task_id = claim_task_id
        self.batch_db_conn_id = batch_db_conn_id

    def claimed_batch(self, context: Context) -> ClaimedBatch:
        return ClaimedBatch.from_xcom(context["ti"].xcom_pull(task_ids=self.claim_task_id))

    def claimed_batch_or_skip(
        self, context: Context, *, applies: Callable[[SyncType, SyncMode], bool], reason: str
    ) -> ClaimedBatch:
        """Return the claimed batch, or skip this task when its work does not apply to the sync type and mode.

        :param applies: whether a sync of a type, in a mode, needs this task's work.
        :param reason: why it does not, as in "a blog sync <reason>" (the skip's message).
        """
        batch = self.claimed_batch(context)
        if not applies(batch.sync_type, batch.mode):
            raise AirflowSkipException(f"a {batch.description} sync {reason}")
        return batch


def _datetime_or_none(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def record_task_failure(context: Context) -> None:
    """Failure callback: keep the failed task's full error in ``sync_errors``."""
    ti = context["ti"]
    batch = ti.xcom_pull(task_ids=CLAIM_TASK_ID)
    if not batch:
        return  # nothing was claimed, so there is no batch to record against
    exception = context.get("exception")
    message = f"{type(exception).__name__}: {exception}" if exception else "task failed without an exception"
    conn_id = getattr(context["task"], "batch_db_conn_id", BATCH_DB_CONN_ID)
    BatchRepository(conn_id).record_errors(
        int(batch["batch_id"]), str(batch["store_hash"]), [ErrorRecord(ti.task_id, message)]
    )
