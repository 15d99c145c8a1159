"""The batch state machine: Pending -> Processing -> Completed | Failed, and Processing <-> Paused.

Every transition is one SQL statement whose ``WHERE`` clause states the only
status it may leave from, so a transition either happens atomically or changes
nothing. This module is the only place that writes ``sync_batches``.

A full data sync can be paused: ops ask for it on the Processing batch (``request_pause``), its
imports stop at a page boundary with their checkpoints saved, and its run's finalize moves it
to Paused (``pause``). A new run of the store with the batch's id resumes it (``resume``:
Paused -> Processing); a Paused batch can also be cancelled (``cancel_paused``: Paused -> Failed).
"""

from __future__ import annotations

import json
from dataclasses import asdict, astuple, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.providers.common.sql.hooks.handlers import fetch_all_handler, fetch_one_handler

from bigcommerce_sync.migrations import migrate
from bigcommerce_sync.sync_types import MODE_SYNC_TYPES, Entity, SyncMode, imports_documents

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from bigcommerce_sync.mode_plan import ModePlan

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
ENTITY_COUNTS_COLUMN = "entity_counts"
COUNT_COLUMNS = (
    *ENTITY_COUNT_COLUMNS.values(),
    FAILED_DOCUMENTS_COLUMN,
    DELETED_DOCUMENTS_COLUMN,
    ENTITY_COUNTS_COLUMN,
)
# What this code can run: each mode with the sync types it accepts, as ``mode:sync_type`` (the
# table's CHECKs allow every sync type and mode, not only these combinations).
RUNNABLE_COMBINATIONS = tuple(f"{mode}:{t}" for mode, types in MODE_SYNC_TYPES.items() for t in types)
_BATCH_COLUMNS = (
    "id, store_hash, sync_type, mode, status, is_scheduled, schedule, next_run_at, created_at, "
    "started_at, finished_at, products_count, categories_count, pages_count, blog_posts_count, "
    "failed_documents, deleted_documents, dag_id, run_id, error_summary, mode_reason, changed_since, "
    "watermark, entity_counts, checkpoints, pause_requested_at, paused_at, resumed_at"
)


# What can be paused: full syncs that import documents (their versions are filled from checkpoints).
PAUSABLE_SYNC_TYPES = tuple(t.value for t in MODE_SYNC_TYPES[SyncMode.FULL] if imports_documents(t))

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


class BatchControlError(Exception):
    """Ops asked for a pause, resume or cancel the batch's state does not allow; nothing was changed."""


class BatchNotFoundError(BatchControlError):
    """Ops named a batch that does not exist."""


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
    mode_reason: str | None  # why the batch ran in its mode (asked for, scheduled, or a fallback)
    changed_since: datetime | None  # an incremental sync's products changed since this store time
    watermark: datetime | None  # the store time its product read began
    entity_counts: dict[str, dict[str, int]] | None  # per entity: fetched, indexed, deleted, failed
    checkpoints: dict[str, dict[str, Any]] | None = None  # per entity: a full import's Checkpoint
    pause_requested_at: datetime | None = None  # ops asked for a pause; the imports stop at a page boundary
    paused_at: datetime | None = None  # when the batch last became Paused
    resumed_at: datetime | None = None  # when a run last resumed it (Paused -> Processing)

    def checkpoint(self, entity: Entity) -> Checkpoint | None:
        """The entity's checkpoint, if its import saved one."""
        saved = (self.checkpoints or {}).get(str(entity))
        return None if saved is None else Checkpoint.from_json(saved)


@dataclass(frozen=True)
class ErrorRecord:
    """One failure to keep in ``sync_errors``: a task's, or a single document's."""

    task_id: str
    message: str
    entity: str | None = None
    item_id: str | None = None


@dataclass(frozen=True)
class EntityCounts:
    """What a sync did to one entity's documents.

    :param fetched: items read from the store.
    :param indexed: documents written (created or updated); in a full sync, the documents
        in the new index version.
    :param deleted: documents removed from the live index (never in a full sync).
    :param failed: items that could not be built, written or deleted.
    """

    fetched: int = 0
    indexed: int = 0
    deleted: int = 0
    failed: int = 0

    def __add__(self, other: EntityCounts) -> EntityCounts:
        return EntityCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class Checkpoint:
    """Where one entity's import into the batch's new index version stands.

    Every item before ``position`` was read, and its document acknowledged by the cluster (or
    recorded as failed), so an import that starts again continues after it and the counts are
    those of the items before it. Saved on the batch row (``checkpoints``) with the progress.

    :param position: ``{"after_id": n}`` for a list read in id order (the next read asks for
        ``id:greater`` n), ``{"page": n}`` for a list read by page number (the next read starts at
        page n + 1), or ``None``: nothing is acknowledged yet, or the entity is read whole.
    :param fetched: items read before the position.
    :param indexed: documents the cluster acknowledged before the position.
    :param failed: items before the position that could not be built or indexed.
    :param duplicates: repeated items skipped before the position.
    :param done: the version holds the whole entity and is sealed: it is not read again.
    :param index: the version written.
    :param watermark: products: the store time the first read began; a resumed read keeps it, so
        the next incremental sync reads every product changed since the part before the pause.
    """

    position: Mapping[str, int] | None = None
    fetched: int = 0
    indexed: int = 0
    failed: int = 0
    duplicates: int = 0
    done: bool = False
    index: str | None = None
    watermark: datetime | None = None

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Checkpoint:
        watermark = value.get("watermark")
        return cls(
            position=dict(value["position"]) if value.get("position") else None,
            fetched=int(value.get("fetched", 0)),
            indexed=int(value.get("indexed", 0)),
            failed=int(value.get("failed", 0)),
            duplicates=int(value.get("duplicates", 0)),
            done=bool(value.get("done", False)),
            index=value.get("index"),
            watermark=None if watermark is None else datetime.fromisoformat(watermark),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "position": None if self.position is None else dict(self.position),
            "watermark": None if self.watermark is None else self.watermark.isoformat(),
        }

    @property
    def where(self) -> str:
        """Where the import continues, as in "resuming after id 4812"."""
        position = self.position or {}
        if "after_id" in position:
            return f"after id {position['after_id']}"
        if "page" in position:
            return f"after page {position['page']}"
        return "from the start"

    def counts(self) -> EntityCounts:
        return EntityCounts(fetched=self.fetched, indexed=self.indexed, failed=self.failed)


@dataclass(frozen=True)
class ImportCounts:
    """What imports did, per entity, and the store time at which a product read began.

    An import task's XCom; finalize adds the imports' counts up and records them on
    the batch: per entity in ``entity_counts``, and in the summary count columns.
    ``watermark`` is the store's clock (``/v2/time``) when the product read began: an
    incremental sync reads products changed since the last completed batch's.
    """

    entities: Mapping[Entity, EntityCounts] = field(default_factory=dict)
    watermark: datetime | None = None

    @classmethod
    def from_xcom(cls, value: Mapping[str, Any]) -> ImportCounts:
        entities = {Entity(name): EntityCounts(**counts) for name, counts in value["entities"].items()}
        watermark = value.get("watermark")
        return cls(entities, None if watermark is None else datetime.fromisoformat(watermark))

    def to_xcom(self) -> dict[str, Any]:
        return {
            "entities": {str(entity): asdict(counts) for entity, counts in self.entities.items()},
            "watermark": None if self.watermark is None else self.watermark.isoformat(),
        }

    def __add__(self, other: ImportCounts) -> ImportCounts:
        entities = {
            e: self.entities.get(e, EntityCounts()) + other.entities.get(e, EntityCounts())
            for e in {*self.entities, *other.entities}
        }
        return ImportCounts(entities, self.watermark or other.watermark)

    def columns(self) -> dict[str, Any]:
        """The counts by ``sync_batches`` column; none when nothing was imported (they stay empty)."""
        if not self.entities:
            return {}
        total = sum(self.entities.values(), EntityCounts())
        return {
            **{ENTITY_COUNT_COLUMNS[entity]: counts.indexed for entity, counts in self.entities.items()},
            FAILED_DOCUMENTS_COLUMN: total.failed,
            DELETED_DOCUMENTS_COLUMN: total.deleted,
            ENTITY_COUNTS_COLUMN: json.dumps(
                {str(entity): asdict(counts) for entity, counts in sorted(self.entities.items())}
            ),
        }


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
        plan: ModePlan,
        is_scheduled: bool,
        schedule: str | None,
        dag_id: str,
        run_id: str | None,
    ) -> Batch:
        """Create a batch claimed by this run, in ``plan``'s mode; a retried claim gets the same row back.

        :param run_id: the Airflow run the batch belongs to; ``None`` for a run that makes several
            batches (the webhook applier), which no retry looks up by run.
        """
        return self._one(
            "INSERT INTO sync_batches (store_hash, sync_type, mode, mode_reason, changed_since, status, "
            "is_scheduled, schedule, dag_id, run_id, started_at) "
            "VALUES (%s, %s, %s, %s, %s, 'processing', %s, %s, %s, %s, now()) "
            "ON CONFLICT (dag_id, run_id) WHERE run_id IS NOT NULL "
            "DO UPDATE SET run_id = EXCLUDED.run_id WHERE sync_batches.status = 'processing' "
            f"RETURNING {_BATCH_COLUMNS}",
            (
                store_hash,
                sync_type,
                plan.mode.value,
                plan.reason,
                plan.changed_since,
                is_scheduled,
                schedule,
                dag_id,
                run_id,
            ),
        )

    def claim(
        self,
        *,
        batch_id: int,
        store_hash: str,
        is_scheduled: bool,
        dag_id: str,
        run_id: str,
        plan: ModePlan,
        sync_type: str | None = None,
        mode: str | None = None,
    ) -> Batch:
        """Move a Pending batch of this store, of a type and mode this code runs, to Processing for this run.

        :param plan: the mode the batch runs in and why (an incremental batch may fall back to full).
        :param sync_type: if given, the batch must be of this type.
        :param mode: if given, the batch must be of this mode.
        :raises UnrunnableBatchError: the batch's type or mode is one this code cannot run.
        :raises BatchClaimError: the batch is missing, another store's, not Pending,
            or not of the type or mode asked for.
        """
        claimed = self._one_or_none(
            "UPDATE sync_batches SET status = 'processing', started_at = now(), "
            "is_scheduled = %(scheduled)s, dag_id = %(dag_id)s, run_id = %(run_id)s, "
            "mode = %(run_mode)s, mode_reason = %(mode_reason)s, changed_since = %(changed_since)s "
            f"{_THE_BATCH_ASKED_FOR} "
            "AND mode || ':' || sync_type = ANY(%(runnable)s) AND status = 'pending' "
            # A retry of this run's claim gets its batch back, though the claim may have changed its mode.
            "OR (id = %(id)s AND status = 'processing' AND dag_id = %(dag_id)s AND run_id = %(run_id)s) "
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
                "run_mode": plan.mode.value,
                "mode_reason": plan.reason,
                "changed_since": plan.changed_since,
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

    def complete(self, batch_id: int, *, counts: ImportCounts, next_run_at: datetime | None) -> Batch:
        """Processing -> Completed, with the imports' counts and the watermark of its product read."""
        columns = counts.columns()
        return self._one(
            f"UPDATE sync_batches SET status = 'completed', finished_at = now(), "
            f"next_run_at = %(next_run_at)s, watermark = %(watermark)s{_count_assignments(columns)} "
            f"WHERE id = %(batch_id)s AND status = 'processing' RETURNING {_BATCH_COLUMNS}",
            {"batch_id": batch_id, "next_run_at": next_run_at, "watermark": counts.watermark, **columns},
        )

    def fail(
        self, batch_id: int, *, summary: str, counts: ImportCounts, next_run_at: datetime | None
    ) -> Batch:
        """Processing -> Failed, keeping the counts of what did get done (but no watermark to start from)."""
        columns = counts.columns()
        return self._one(
            f"UPDATE sync_batches SET status = 'failed', finished_at = now(), "
            f"error_summary = %(summary)s, next_run_at = %(next_run_at)s{_count_assignments(columns)} "
            f"WHERE id = %(batch_id)s AND status = 'processing' RETURNING {_BATCH_COLUMNS}",
            {"batch_id": batch_id, "summary": summary, "next_run_at": next_run_at, **columns},
        )

    def request_pause(self, batch_id: int) -> Batch:
        """Ask a Processing full data sync to pause; it stays Processing until its run ends.

        Its imports learn it from their next progress write, stop at that page boundary with
        their checkpoints saved, and the run's finalize moves the batch to Paused. Asking again
        keeps the first request's time.

        :raises BatchControlError: the batch is missing, not Processing, or not a full data sync.
        """
        asked = self._one_or_none(
            "UPDATE sync_batches SET pause_requested_at = coalesce(pause_requested_at, now()) "
            "WHERE id = %s AND status = 'processing' AND mode = 'full' AND sync_type = ANY(%s) "
            f"RETURNING {_BATCH_COLUMNS}",
            (batch_id, list(PAUSABLE_SYNC_TYPES)),
        )
        if asked is None:
            self._refuse_control(batch_id, "paused", "processing")
        return asked

    def pause(self, batch_id: int) -> Batch:
        """Processing -> Paused: its run ended with the imports stopped at their checkpoints (finalize).

        Only a batch a pause was asked for moves; its run ids stay until a run resumes it.
        """
        return self._one(
            "UPDATE sync_batches SET status = 'paused', paused_at = now() "
            "WHERE id = %s AND status = 'processing' AND pause_requested_at IS NOT NULL "
            f"RETURNING {_BATCH_COLUMNS}",
            (batch_id,),
        )

    def resume(
        self,
        *,
        batch_id: int,
        store_hash: str,
        dag_id: str,
        run_id: str,
        sync_type: str | None = None,
        mode: str | None = None,
    ) -> Batch:
        """Paused -> Processing for a new run of the store (``claim_batch`` with the paused batch's id).

        The batch keeps its mode, counts and checkpoints; the run's ids replace the paused run's,
        and the pause request is cleared. A retry of this run's claim gets its batch back.

        :param sync_type: if given, the batch must be of this type.
        :param mode: if given, the batch must be of this mode.
        :raises BatchClaimError: the batch is missing, another store's, not Paused, or not of the
            type or mode asked for.
        """
        resumed = self._one_or_none(
            "UPDATE sync_batches SET status = 'processing', resumed_at = now(), pause_requested_at = NULL, "
            "dag_id = %(dag_id)s, run_id = %(run_id)s "
            f"{_THE_BATCH_ASKED_FOR} AND status = 'paused' "
            "OR (id = %(id)s AND status = 'processing' AND dag_id = %(dag_id)s AND run_id = %(run_id)s) "
            f"RETURNING {_BATCH_COLUMNS}",
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "id": batch_id,
                "store": store_hash,
                "type": sync_type,
                "mode": mode,
            },
        )
        if resumed is None:
            self._refuse_claim(batch_id, store_hash, sync_type, mode)
        return resumed

    def cancel_paused(self, batch_id: int, *, reason: str) -> Batch:
        """Paused -> Failed: ops cancelled a paused batch (no run holds it), with ``reason`` as its summary.

        :raises BatchControlError: the batch is missing or not Paused.
        """
        cancelled = self._one_or_none(
            "UPDATE sync_batches SET status = 'failed', finished_at = now(), error_summary = %s "
            f"WHERE id = %s AND status = 'paused' RETURNING {_BATCH_COLUMNS}",
            (reason, batch_id),
        )
        if cancelled is None:
            self._refuse_control(batch_id, "cancelled here", "paused")
        return cancelled

    def fail_stuck(self, batch_id: int, *, reason: str) -> Batch | None:
        """Processing -> Failed for a batch no run will finish (its run ended, or it ran past a timeout).

        Returns ``None`` when the batch is no longer Processing (its run finalized it meanwhile).

        :param reason: why, as ``error_summary``.
        """
        return self._one_or_none(
            "UPDATE sync_batches SET status = 'failed', finished_at = now(), error_summary = %s "
            f"WHERE id = %s AND status = 'processing' RETURNING {_BATCH_COLUMNS}",
            (reason, batch_id),
        )

    def record_progress(
        self,
        batch_id: int,
        entity: str,
        progress: Mapping[str, Any],
        checkpoint: Checkpoint | None = None,
    ) -> bool:
        """Set one entity's live progress, and its checkpoint if given, on a Processing batch.

        One statement, merging that entity's keys, so parallel imports never overwrite each other
        (a finished batch keeps its last progress). Returns whether a pause was asked for: the
        imports learn it from the write they make anyway.

        :param entity: the entity the import is reading.
        :param progress: items done and total, rate, seconds left, when measured.
        :param checkpoint: where a full import stands (every document before it acknowledged).
        """
        row = self.hook.run(
            "UPDATE sync_batches SET progress = coalesce(progress, '{}'::jsonb) "
            "|| jsonb_build_object(%(entity)s::text, %(progress)s::jsonb), "
            "checkpoints = CASE WHEN %(checkpoint)s::jsonb IS NULL THEN checkpoints "
            "ELSE coalesce(checkpoints, '{}'::jsonb) "
            "|| jsonb_build_object(%(entity)s::text, %(checkpoint)s::jsonb) END "
            "WHERE id = %(id)s AND status = 'processing' RETURNING pause_requested_at IS NOT NULL",
            parameters={
                "entity": entity,
                "progress": json.dumps(progress),
                "checkpoint": None if checkpoint is None else json.dumps(checkpoint.to_json()),
                "id": batch_id,
            },
            handler=fetch_one_handler,
        )
        return bool(row and row[0])

    def record_checkpoint(self, batch_id: int, entity: str, checkpoint: Checkpoint) -> None:
        """Set one entity's checkpoint on a Processing batch (e.g. done, once its version is sealed)."""
        self.hook.run(
            "UPDATE sync_batches SET checkpoints = coalesce(checkpoints, '{}'::jsonb) "
            "|| jsonb_build_object(%s::text, %s::jsonb) WHERE id = %s AND status = 'processing'",
            parameters=(entity, json.dumps(checkpoint.to_json()), batch_id),
        )

    def drop_checkpoints(self, batch_id: int, entities: Iterable[str]) -> None:
        """Forget the entities' checkpoints on a Processing batch (their versions are gone: start over)."""
        self.hook.run(
            "UPDATE sync_batches SET checkpoints = checkpoints - %s::text[] "
            "WHERE id = %s AND status = 'processing'",
            parameters=(list(entities), batch_id),
        )

    def last_watermark(self, store_hash: str) -> datetime | None:
        """The store time at which the store's latest completed product read began, if any."""
        row = self.hook.run(
            "SELECT max(watermark) FROM sync_batches "
            "WHERE store_hash = %s AND status = 'completed' AND watermark IS NOT NULL",
            parameters=(store_hash,),
            handler=fetch_one_handler,
        )
        return row[0] if row else None

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
                f"batch {batch_id} is {found.status}, not pending or paused; only a pending batch can be "
                "claimed, or a paused one resumed"
            )
        accepted = " or ".join(repr(t.value) for t in MODE_SYNC_TYPES[SyncMode(found.mode)])
        raise UnrunnableBatchError(
            f"batch {batch_id} is a {found.sync_type!r} sync in mode {found.mode!r}, which this DAG "
            f"cannot run (mode {found.mode!r} runs sync type {accepted} only)"
        )

    def _refuse_control(self, batch_id: int, action: str, allowed: str) -> NoReturn:
        """Raise the error saying why a pause or cancel matched no row."""
        found = self.get(batch_id)
        if found is None:
            raise BatchNotFoundError(f"batch {batch_id} does not exist")
        if found.status == allowed and action == "paused":
            raise BatchControlError(
                f"batch {batch_id} is a {found.mode} {found.sync_type} sync: only a full sync of "
                f"{', '.join(PAUSABLE_SYNC_TYPES)} can be paused (the others are short, and retried whole)"
            )
        raise BatchControlError(f"batch {batch_id} is {found.status}: only a {allowed} batch can be {action}")

    def _one(self, sql: str, parameters: Any) -> Batch:
        batch = self._one_or_none(sql, parameters)
        if batch is None:
            raise LookupError(f"no batch row matched: {sql.split(' WHERE ')[-1][:120]}")
        return batch

    def _one_or_none(self, sql: str, parameters: Any) -> Batch | None:
        row = self.hook.run(sql, parameters=parameters, handler=fetch_one_handler)
        return Batch(*row) if row else None


def _count_assignments(counts: Mapping[str, Any]) -> str:
    """``, col = %(col)s`` for each count; only known count columns may be set."""
    unknown = set(counts) - set(COUNT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown batch counts: {sorted(unknown)}")
    return "".join(f", {column} = %({column})s" for column in counts)
