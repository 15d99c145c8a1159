"""The batch state machine: Pending -> Processing -> Completed | Failed.

Every transition is one SQL statement whose ``WHERE`` clause states the only
status it may leave from, so a transition either happens atomically or changes
nothing. This module is the only place that writes ``sync_batches``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.providers.common.sql.hooks.handlers import fetch_all_handler, fetch_one_handler

from bigcommerce_sync.migrations import migrate
from bigcommerce_sync.sync_types import MODE_SYNC_TYPES, Entity, SyncMode, SyncType

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow.providers.postgres.hooks.postgres import PostgresHook

BATCH_DB_CONN_ID = "sync_db"
# The column of sync_batches that counts each entity's documents.
ENTITY_COUNT_COLUMNS = {
    Entity.PRODUCTS: "products_count",
    Entity.CATEGORIES: "categories_count",
    Entity.PAGES: "pages_count",
    Entity.BLOG_POSTS: "blog_posts_count",
}
FAILED_DOCUMENTS_COLUMN = "failed_documents"
DELETED_DOCUMENTS_COLUMN = "deleted_documents"
COUNT_COLUMNS = (*ENTITY_COUNT_COLUMNS.values(), FAILED_DOCUMENTS_COLUMN, DELETED_DOCUMENTS_COLUMN)
# What this code can run; the table also allows a mode ('incremental') it cannot yet.
RUNNABLE_SYNC_TYPES = tuple(t.value for t in SyncType)
RUNNABLE_MODES = tuple(m.value for m in SyncMode)
# Each mode with the sync types it accepts, as ``mode:sync_type``.
RUNNABLE_COMBINATIONS = tuple(f"{mode}:{t}" for mode, types in MODE_SYNC_TYPES.items() for t in types)
_BATCH_COLUMNS = (
    "id, store_hash, sync_type, mode, status, is_scheduled, schedule, next_run_at, created_at, "
    "started_at, finished_at, products_count, categories_count, pages_count, blog_posts_count, "
    "failed_documents, deleted_documents, dag_id, run_id, error_summary"
)


# The batch a run names: this store's, and of the type and mode the run asked for, if it asked.
_THE_BATCH_ASKED_FOR = (
    "WHERE id = %(id)s AND store_hash = %(store)s "
    "AND (%(type)s::text IS NULL OR sync_type = %(type)s) "
    "AND (%(mode)s::text IS NULL OR mode = %(mode)s)"
)


class BatchClaimError(Exception):
    """A requested batch cannot be claimed by this run; nothing was changed."""


class UnrunnableBatchError(BatchClaimError):
    """A Pending batch of this store is of a sync type or mode this code cannot run; nothing was changed."""


@dataclass(frozen=True)
class Batch:
    """One row of ``sync_batches``."""

    id: int
    store_hash: str
    sync_type: str
    mode: str
    status: str
    is_scheduled: bool
    schedule: str | None
    next_run_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    products_count: int | None
    categories_count: int | None
    pages_count: int | None
    blog_posts_count: int | None
    failed_documents: int | None
    deleted_documents: int | None
    dag_id: str | None
    run_id: str | None
    error_summary: str | None


@dataclass(frozen=True)
class ErrorRecord:
    """One failure to keep in ``sync_errors``: a task's, or a single document's."""

    task_id: str
    message: str
    entity: str | None = None
    item_id: str | None = None


@dataclass(frozen=True)
class ImportCounts:
    """What imports counted: documents per entity, documents that failed, and documents deleted.

    In a full sync the documents are those now in each new index version; in a targeted
    sync, those it indexed into the live index, and ``deleted`` the documents it removed
    from it. An import task's XCom, e.g. ``{"products": 1200, "failed_documents": 0}``
    (``deleted_documents`` only when the import deleted documents); finalize adds the
    imports' counts up and records them in the batch's count columns.
    """

    documents: Mapping[Entity, int] = field(default_factory=dict)
    failed: int = 0
    deleted: int | None = None  # None: the import deletes nothing (a full sync's), and the column stays empty

    @classmethod
    def from_xcom(cls, value: Mapping[str, Any]) -> ImportCounts:
        others = (FAILED_DOCUMENTS_COLUMN, DELETED_DOCUMENTS_COLUMN)
        documents = {Entity(key): int(n) for key, n in value.items() if key not in others}
        deleted = value.get(DELETED_DOCUMENTS_COLUMN)
        return cls(
            documents, int(value.get(FAILED_DOCUMENTS_COLUMN, 0)), None if deleted is None else int(deleted)
        )

    def to_xcom(self) -> dict[str, int]:
        return {
            **{str(entity): n for entity, n in self.documents.items()},
            FAILED_DOCUMENTS_COLUMN: self.failed,
            **({} if self.deleted is None else {DELETED_DOCUMENTS_COLUMN: self.deleted}),
        }

    def __add__(self, other: ImportCounts) -> ImportCounts:
        documents = {
            e: self.documents.get(e, 0) + other.documents.get(e, 0)
            for e in {*self.documents, *other.documents}
        }
        deleted = (
            None
            if self.deleted is None and other.deleted is None
            else (self.deleted or 0) + (other.deleted or 0)
        )
        return ImportCounts(documents, self.failed + other.failed, deleted)

    def columns(self) -> dict[str, int]:
        """The counts by ``sync_batches`` column, as :meth:`BatchRepository.complete` takes them."""
        by_entity = {ENTITY_COUNT_COLUMNS[entity]: n for entity, n in self.documents.items()}
        deleted = {} if self.deleted is None else {DELETED_DOCUMENTS_COLUMN: self.deleted}
        return {**by_entity, FAILED_DOCUMENTS_COLUMN: self.failed, **deleted}


class BatchRepository:
    """Reads and moves batches in the batch store (its own database, never Airflow's).

    :param postgres_conn_id: the Airflow connection of the batch store.
    """

    def __init__(self, postgres_conn_id: str = BATCH_DB_CONN_ID) -> None:
        # Imported here: DAG files import this module, and parsing should not pay for the driver.
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        self.hook: PostgresHook = PostgresHook(postgres_conn_id=postgres_conn_id)

    def migrate(self) -> list[str]:
        """Bring the schema up to date; return the migrations applied."""
        return migrate(self.hook)

    def create_pending(self, *, store_hash: str, sync_type: str, mode: str) -> Batch:
        """Record a batch for a later run to claim (how other systems queue work)."""
        return self._one(
            f"INSERT INTO sync_batches (store_hash, sync_type, mode) VALUES (%s, %s, %s) "
            f"RETURNING {_BATCH_COLUMNS}",
            (store_hash, sync_type, mode),
        )

    def create_processing(
        self,
        *,
        store_hash: str,
        sync_type: str,
        mode: str,
        is_scheduled: bool,
        schedule: str | None,
        dag_id: str,
        run_id: str,
    ) -> Batch:
        """Create a batch already claimed by this run; a retried claim gets the same row back."""
        return self._one(
            "INSERT INTO sync_batches (store_hash, sync_type, mode, status, is_scheduled, schedule, "
            "dag_id, run_id, started_at) VALUES (%s, %s, %s, 'processing', %s, %s, %s, %s, now()) "
            "ON CONFLICT (dag_id, run_id) WHERE run_id IS NOT NULL "
            "DO UPDATE SET run_id = EXCLUDED.run_id WHERE sync_batches.status = 'processing' "
            f"RETURNING {_BATCH_COLUMNS}",
            (store_hash, sync_type, mode, is_scheduled, schedule, dag_id, run_id),
        )

    def claim(
        self,
        *,
        batch_id: int,
        store_hash: str,
        is_scheduled: bool,
        dag_id: str,
        run_id: str,
        sync_type: str | None = None,
        mode: str | None = None,
    ) -> Batch:
        """Move a Pending batch of this store, of a type and mode this code runs, to Processing for this run.

        :param sync_type: if given, the batch must be of this type.
        :param mode: if given, the batch must be of this mode.
        :raises UnrunnableBatchError: the batch's type or mode is one this code cannot run.
        :raises BatchClaimError: the batch is missing, another store's, not Pending,
            or not of the type or mode asked for.
        """
        claimed = self._one_or_none(
            "UPDATE sync_batches SET status = 'processing', started_at = now(), "
            "is_scheduled = %(scheduled)s, dag_id = %(dag_id)s, run_id = %(run_id)s "
            f"{_THE_BATCH_ASKED_FOR} "
            "AND mode || ':' || sync_type = ANY(%(runnable)s) "
            "AND (status = 'pending' "
            "     OR (status = 'processing' AND dag_id = %(dag_id)s AND run_id = %(run_id)s)) "
            f"RETURNING {_BATCH_COLUMNS}",
            {
                "scheduled": is_scheduled,
                "dag_id": dag_id,
                "run_id": run_id,
                "id": batch_id,
                "store": store_hash,
                "type": sync_type,
                "mode": mode,
                "runnable": list(RUNNABLE_COMBINATIONS),
            },
        )
        if claimed is None:
            self._refuse_claim(batch_id, store_hash, sync_type, mode)
        return claimed

    def fail_pending(
        self,
        batch_id: int,
        *,
        store_hash: str,
        dag_id: str,
        run_id: str,
        summary: str,
        sync_type: str | None = None,
        mode: str | None = None,
    ) -> Batch | None:
        """Pending -> Failed for a run that cannot or did not claim it; ``None`` if no such batch.

        Only a batch the run could have claimed moves: this store's, and of the type and mode
        the run asked for, if it asked. The run's ids are recorded, as a claim would.

        :param summary: why, as ``error_summary``.
        :param sync_type: if given, the batch must be of this type.
        :param mode: if given, the batch must be of this mode.
        """
        return self._one_or_none(
            "UPDATE sync_batches SET status = 'failed', started_at = now(), finished_at = now(), "
            "error_summary = %(summary)s, dag_id = %(dag_id)s, run_id = %(run_id)s "
            f"{_THE_BATCH_ASKED_FOR} AND status = 'pending' "
            f"RETURNING {_BATCH_COLUMNS}",
            {
                "summary": summary,
                "dag_id": dag_id,
                "run_id": run_id,
                "id": batch_id,
                "store": store_hash,
                "type": sync_type,
                "mode": mode,
            },
        )

    def complete(self, batch_id: int, *, counts: dict[str, int], next_run_at: datetime | None) -> Batch:
        """Processing -> Completed, with the counts by column (see :meth:`ImportCounts.columns`)."""
        assignments = _count_assignments(counts)
        return self._one(
            f"UPDATE sync_batches SET status = 'completed', finished_at = now(), "
            f"next_run_at = %(next_run_at)s{assignments} "
            f"WHERE id = %(batch_id)s AND status = 'processing' RETURNING {_BATCH_COLUMNS}",
            {"batch_id": batch_id, "next_run_at": next_run_at, **counts},
        )

    def fail(
        self, batch_id: int, *, summary: str, counts: dict[str, int], next_run_at: datetime | None
    ) -> Batch:
        """Processing -> Failed, keeping the counts of what did get done."""
        assignments = _count_assignments(counts)
        return self._one(
            f"UPDATE sync_batches SET status = 'failed', finished_at = now(), "
            f"error_summary = %(summary)s, next_run_at = %(next_run_at)s{assignments} "
            f"WHERE id = %(batch_id)s AND status = 'processing' RETURNING {_BATCH_COLUMNS}",
            {"batch_id": batch_id, "summary": summary, "next_run_at": next_run_at, **counts},
        )

    def record_errors(self, batch_id: int, store_hash: str, errors: Iterable[ErrorRecord]) -> int:
        """Append failures to ``sync_errors`` in one statement; return how many."""
        rows = list(errors)
        if rows:
            self.hook.run(
                "INSERT INTO sync_errors (batch_id, store_hash, task_id, entity, item_id, message) "
                "SELECT %s, %s, * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])",
                parameters=(
                    batch_id,
                    store_hash,
                    [e.task_id for e in rows],
                    [e.entity for e in rows],
                    [e.item_id for e in rows],
                    [e.message for e in rows],
                ),
            )
        return len(rows)

    def get(self, batch_id: int) -> Batch | None:
        return self._one_or_none(f"SELECT {_BATCH_COLUMNS} FROM sync_batches WHERE id = %s", (batch_id,))

    def find_by_run(self, dag_id: str, run_id: str) -> Batch | None:
        """Return the batch an Airflow run claimed, if any."""
        return self._one_or_none(
            f"SELECT {_BATCH_COLUMNS} FROM sync_batches WHERE dag_id = %s AND run_id = %s", (dag_id, run_id)
        )

    def errors(self, batch_id: int) -> list[dict[str, Any]]:
        """Return the batch's error rows, oldest first."""
        rows = self.hook.run(
            "SELECT task_id, entity, item_id, message, created_at, store_hash FROM sync_errors "
            "WHERE batch_id = %s ORDER BY id",
            parameters=(batch_id,),
            handler=fetch_all_handler,
        )
        keys = ("task_id", "entity", "item_id", "message", "created_at", "store_hash")
        return [dict(zip(keys, row, strict=True)) for row in rows or []]

    def _refuse_claim(
        self, batch_id: int, store_hash: str, sync_type: str | None, mode: str | None
    ) -> NoReturn:
        """Raise the error saying why the claim matched no row."""
        found = self.get(batch_id)
        if found is None:
            raise BatchClaimError(f"batch {batch_id} does not exist")
        if found.store_hash != store_hash:
            raise BatchClaimError(
                f"batch {batch_id} belongs to store {found.store_hash!r}, not {store_hash!r}"
            )
        if sync_type is not None and found.sync_type != sync_type:
            raise BatchClaimError(
                f"batch {batch_id} is a {found.sync_type!r} sync, but the run asked for {sync_type!r}"
            )
        if mode is not None and found.mode != mode:
            raise BatchClaimError(
                f"batch {batch_id} is a {found.mode!r} sync, but the run asked for mode {mode!r}"
            )
        if found.status != "pending":
            raise BatchClaimError(
                f"batch {batch_id} is {found.status}, not pending; only a pending batch can be claimed"
            )
        if found.sync_type not in RUNNABLE_SYNC_TYPES:
            raise UnrunnableBatchError(
                f"batch {batch_id} has sync type {found.sync_type!r}, which this DAG cannot run "
                f"(it runs {', '.join(RUNNABLE_SYNC_TYPES)})"
            )
        if found.mode not in RUNNABLE_MODES:
            raise UnrunnableBatchError(
                f"batch {batch_id} has mode {found.mode!r}, which this DAG cannot run "
                f"(it runs {', '.join(RUNNABLE_MODES)})"
            )
        accepted = " or ".join(repr(t.value) for t in MODE_SYNC_TYPES[SyncMode(found.mode)])
        raise UnrunnableBatchError(
            f"batch {batch_id} is a {found.sync_type!r} sync in mode {found.mode!r}, which this DAG "
            f"cannot run (mode {found.mode!r} runs sync type {accepted} only)"
        )

    def _one(self, sql: str, parameters: Any) -> Batch:
        batch = self._one_or_none(sql, parameters)
        if batch is None:
            raise LookupError(f"no batch row matched: {sql.split(' WHERE ')[-1][:120]}")
        return batch

    def _one_or_none(self, sql: str, parameters: Any) -> Batch | None:
        row = self.hook.run(sql, parameters=parameters, handler=fetch_one_handler)
        return Batch(*row) if row else None


def _count_assignments(counts: dict[str, int]) -> str:
    """``, col = %(col)s`` for each count; only known count columns may be set."""
    unknown = set(counts) - set(COUNT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown batch counts: {sorted(unknown)}")
    return "".join(f", {column} = %({column})s" for column in counts)
