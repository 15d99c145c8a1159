"""The import path: stream pages from BigCommerce into a search index.

Pages are fetched in a background thread while the previous ones are
transformed, and documents go to the cluster in a few concurrent bulk requests,
so the store API, this process and the cluster work at the same time; nothing
holds more than a few pages. Documents that cannot be built or indexed are
recorded, counted and skipped; the import fails once they exceed the allowed
share of the entity.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.batches import Checkpoint, EntityCounts, ErrorRecord
from bigcommerce_sync.documents import DocumentError
from bigcommerce_sync.hooks.bigcommerce import Page

if TYPE_CHECKING:
    from bigcommerce_sync.extraction import EntityStream
    from bigcommerce_sync.hooks.search import BulkStats, SearchHook

log = logging.getLogger(__name__)

# What a bulk request answers for its chunk: (ok, item) per action, and the chunk's resends.
ChunkAnswers = tuple[list[tuple[bool, dict[str, Any]]], "BulkStats"]

PREFETCH_PAGES = 4
# Bulk requests in flight: one leaves the cluster idle while this process builds the next
# chunk and waits for the answer; more than a few only queue up in its write thread pool.
BULK_STREAMS = 2
# Young-generation threshold of the garbage collector while importing (Python's default: 700).
GC_YOUNG_THRESHOLD = 10_000
PROGRESS_EVERY_SECONDS = 10.0
# How often an import hands its progress to ``record_progress`` (the batch row): a few seconds, so
# readers see it move, without a write per page on fast imports.
PROGRESS_RECORD_SECONDS = 3.0
ERROR_FLUSH_SIZE = 500


class ImportFailedError(RuntimeError):
    """Too many documents of an entity failed for the import to count as done."""


class ImportPausedError(RuntimeError):
    """A pause was asked for: the import stopped at a page boundary, its checkpoint saved.

    :param checkpoint: where it stopped; every document before it is acknowledged.
    """

    def __init__(self, entity: str, checkpoint: Checkpoint, *, started: bool = True) -> None:
        where = f"paused {checkpoint.where}" if started else f"not started; it will resume {checkpoint.where}"
        super().__init__(f"{entity}: {where} ({checkpoint.indexed:,} documents in {checkpoint.index})")
        self.checkpoint = checkpoint


@dataclass(frozen=True)
class Resumable:
    """How a full import saves its checkpoints, and where it starts.

    :param start: the entity's last checkpoint: the import continues after its position, its
        counts included in the result; a fresh one (with ``index``, and ``watermark`` for
        products) to start from the beginning. The checkpoints saved are copies of it.
    :param save: records the entity's progress and checkpoint in one write (the batch row) and
        answers whether a pause was asked for; called every few seconds at a page boundary, and
        when the import stops (done, failed or paused).
    """

    start: Checkpoint
    save: Callable[[str, dict[str, Any], Checkpoint], bool]


@dataclass(frozen=True)
class ImportResult:
    """What one entity's import did."""

    indexed: int
    failed: int
    duplicates: int
    seconds: float
    retried: int = 0  # documents sent again after the cluster answered 429
    fetched: int = 0  # distinct items read from the store
    listed: int | None = None  # how many items the store said the listing held, when it said
    unchanged: int = 0  # documents not written because the index already held them as they are
    checkpoint: Checkpoint | None = None  # where the import ended: after the last page read


@dataclass(frozen=True)
class ImportSettings:
    """What every write of an import shares: where failures go and how many may fail.

    :param task_id: recorded with each failure.
    :param record_errors: stores a chunk of failures (the batch's ``sync_errors``).
    :param max_failed_ratio: the share of failed documents above which the import fails.
    :param record_progress: given an entity's progress every few seconds (the batch row), if set.
    """

    task_id: str
    record_errors: Callable[[list[ErrorRecord]], Any]
    max_failed_ratio: float
    record_progress: Callable[[str, dict[str, Any]], Any] | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of every write (:func:`delete_ids`, :func:`import_targeted`)."""
        return {
            "task_id": self.task_id,
            "record_errors": self.record_errors,
            "max_failed_ratio": self.max_failed_ratio,
        }

    def import_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`import_entity`: those of every write, and the progress."""
        return {**self.as_kwargs(), "record_progress": self.record_progress}


@dataclass(frozen=True)
class DeleteResult:
    """What deleting documents by id did."""

    deleted: int  # documents removed
    absent: int  # ids the index did not hold (nothing to do)
    failed: int  # deletions the cluster refused


class _Failures:
    """Buffers per-document failures and hands them to ``record`` in chunks.

    :param already: failures before a checkpoint the import resumed from (recorded then).
    """

    def __init__(
        self, task_id: str, entity: str, record: Callable[[list[ErrorRecord]], Any], already: int = 0
    ) -> None:
        self.task_id, self.entity, self.record = task_id, entity, record
        self.count = already
        self.first: str | None = None
        self._pending: list[ErrorRecord] = []

    def add(self, item_id: Any, message: str) -> None:
        self.count += 1
        self.first = self.first or f"{self.entity} {item_id}: {message}"
        self._pending.append(
            ErrorRecord(self.task_id, message, self.entity, None if item_id is None else str(item_id))
        )
        if len(self._pending) >= ERROR_FLUSH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.record(self._pending)
            self._pending = []


def import_entity(
    hook: SearchHook,
    index: str,
    stream: EntityStream,
    *,
    task_id: str,
    record_errors: Callable[[list[ErrorRecord]], Any],
    max_failed_ratio: float,
    write_if: Callable[[dict[str, Any]], bool] | None = None,
    record_progress: Callable[[str, dict[str, Any]], Any] | None = None,
    resumable: Resumable | None = None,
) -> ImportResult:
    """Load every item of ``stream`` into ``index``.

    :param hook: the search hook.
    :param index: the index to write: a version being built, or a live alias.
    :param stream: the entity's pages and transform.
    :param task_id: recorded with each failure.
    :param record_errors: stores a chunk of failures (the batch's ``sync_errors``).
    :param max_failed_ratio: the share of failed documents above which the import fails.
    :param write_if: sees every document built; those it refuses are counted unchanged, not written.
    :param record_progress: given the entity and its progress (items done and total, rate, seconds
        left) after the first page, every few seconds, and when done.
    :param resumable: a full import's checkpoints (instead of ``record_progress``): ``stream``
        starts after ``resumable.start``, whose counts the result includes; the progress and the
        checkpoint go to ``resumable.save`` together. The checkpoint covers only the pages whose
        every document the cluster acknowledged. When ``save`` answers that a pause was asked for,
        no page is read after the current one, the documents in flight are acknowledged, the
        checkpoint saved, and :class:`ImportPausedError` raised. A failing import saves its last
        checkpoint before it raises.
    """
    from bigcommerce_sync.hooks.search import BulkStats

    start = resumable.start if resumable is not None else Checkpoint()
    started = time.monotonic()
    bulk_stats = BulkStats()
    failures = _Failures(task_id, stream.entity, record_errors, already=start.failed)
    acknowledged = _Acknowledged(start)
    progress = _Progress(stream.entity, started, record_progress, resumable, acknowledged)
    unique = _Unique(stream.item_key, already=start.duplicates)
    prefetched = _prefetched(stream.pages)
    try:
        with _fewer_collections():
            pages = unique.items(prefetched)
            actions = _actions(pages, stream, index, failures, progress, max_failed_ratio, write_if, unique)
            for ok, item in bulk_in_streams(hook, actions, bulk_stats):
                acknowledged.answer(ok)
                if not ok:
                    _record_rejection(item, failures)
    except BaseException:
        failures.flush()
        progress.save()  # the last checkpoint: the retry starts there
        raise
    finally:
        prefetched.close()  # no more pages are read: the prefetch thread stops
    failures.flush()
    indexed = acknowledged.indexed
    if progress.pause_requested:
        progress.save()
        raise ImportPausedError(stream.entity, acknowledged.checkpoint)
    _check_failures(stream.entity, indexed, failures, max_failed_ratio)
    progress.log(indexed, done=True, bulk_stats=bulk_stats)
    progress.save(done=True)
    return ImportResult(
        indexed=indexed,
        failed=failures.count,
        duplicates=unique.repeats,
        seconds=time.monotonic() - started,
        retried=bulk_stats.retried,
        fetched=progress.items,
        listed=progress.total,
        unchanged=progress.unchanged,
        checkpoint=acknowledged.checkpoint,
    )


def import_targeted(
    hook: SearchHook,
    index: str,
    stream: EntityStream,
    wanted_ids: Iterable[int],
    *,
    task_id: str,
    record_errors: Callable[[list[ErrorRecord]], Any],
    max_failed_ratio: float,
) -> EntityCounts:
    """Write the items of ``stream`` into the live ``index``, then delete the wanted ids the stream lacked.

    The stream holds the store's items among ``wanted_ids``; an id it lacks is one
    the store does not have (any more), so its document, if any, goes.

    :param hook: the search hook.
    :param index: the live index to write, through its alias.
    :param stream: the store's items among ``wanted_ids``.
    :param wanted_ids: the ids asked for.
    :param task_id: recorded with each failure.
    :param record_errors: stores a chunk of failures (the batch's ``sync_errors``).
    :param max_failed_ratio: the share of failed documents above which the import fails.
    """
    found: set[Any] = set()
    written = import_entity(
        hook,
        index,
        replace(stream, pages=noting_keys(stream.pages, stream.item_key, found)),
        task_id=task_id,
        record_errors=record_errors,
        max_failed_ratio=max_failed_ratio,
    )
    gone = [str(i) for i in dict.fromkeys(wanted_ids) if i not in found]
    removed = delete_ids(
        hook, index, gone, task_id=task_id, record_errors=record_errors, max_failed_ratio=max_failed_ratio
    )
    log.info(
        "%s: %d written, %d deleted, %d in neither the store nor %s",
        stream.entity,
        written.indexed,
        removed.deleted,
        removed.absent,
        index,
    )
    return EntityCounts(written.fetched, written.indexed, removed.deleted, written.failed + removed.failed)


def delete_ids(
    hook: SearchHook,
    index: str,
    ids: Iterable[str],
    *,
    task_id: str,
    record_errors: Callable[[list[ErrorRecord]], Any],
    max_failed_ratio: float,
    entity: str = "document",
) -> DeleteResult:
    """Delete the documents ``ids`` from ``index``; ids it does not hold count as absent.

    :param hook: the search hook.
    :param index: the live index, through its alias.
    :param ids: the document ids.
    :param task_id: recorded with each failure.
    :param record_errors: stores a chunk of failures (the batch's ``sync_errors``).
    :param max_failed_ratio: the share of failed deletions above which this fails.
    :param entity: what the documents are, for the failures.
    """
    failures = _Failures(task_id, entity, record_errors)
    deleted = absent = 0
    try:
        for ok, item in hook.delete_documents(index, ids):
            result = next(iter(item.values()))
            if ok:
                deleted += 1
            elif result.get("result") == "not_found":
                absent += 1
            else:
                _record_rejection(item, failures)
    finally:
        failures.flush()
    _check_failures(entity, deleted + absent, failures, max_failed_ratio)
    return DeleteResult(deleted, absent, failures.count)


def noting_keys(
    pages: Iterable[list[dict[str, Any]]], key: str, seen: set[Any]
) -> Iterator[list[dict[str, Any]]]:
    """Pass ``pages`` on, adding each item's ``key`` to ``seen``."""
    for page in pages:
        keys = (item.get(key) for item in page if isinstance(item, dict))
        seen.update(k for k in keys if isinstance(k, int | str))  # not a list or object id: unhashable
        yield page


def bulk_in_streams(
    hook: SearchHook, actions: Iterable[dict[str, Any]], stats: BulkStats, streams: int = BULK_STREAMS
) -> Iterator[tuple[bool, dict[str, Any]]]:
    """Send ``actions`` in chunks, up to ``streams`` bulk requests at once; yield ``(ok, item)`` in order.

    Each chunk goes through :meth:`SearchHook.bulk`, so every document is accounted
    for and 429s are resent as there. While chunks are in flight the next one is
    built (the caller's transform runs in this thread), so building and indexing overlap.

    :param hook: the search hook.
    :param actions: the bulk actions.
    :param stats: adds up the resends of every chunk.
    :param streams: bulk requests in flight at most.
    """
    from bigcommerce_sync.hooks.search import BULK_CHUNK_DOCS

    pool = ThreadPoolExecutor(max_workers=streams, thread_name_prefix="bulk")
    in_flight: deque[Future[ChunkAnswers]] = deque()
    source_error: Exception | None = None
    try:
        actions = iter(actions)
        while source_error is None:
            chunk: list[dict[str, Any]] = []
            try:
                chunk.extend(islice(actions, BULK_CHUNK_DOCS))
            except Exception as error:  # raised below, once what was built is in
                # The store failed (or too many documents did): what was built is still sent and
                # answered, so a checkpoint can cover it and a retry need not read it again.
                source_error = error
            if not chunk:
                break
            in_flight.append(pool.submit(_bulk_chunk, hook, chunk))
            if len(in_flight) > streams:  # one chunk waits built while ``streams`` are sent
                yield from _answers(in_flight.popleft(), stats)
        while in_flight:
            yield from _answers(in_flight.popleft(), stats)
        if source_error is not None:
            raise source_error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _bulk_chunk(hook: SearchHook, chunk: list[dict[str, Any]]) -> ChunkAnswers:
    from bigcommerce_sync.hooks.search import BulkStats

    stats = BulkStats()  # one per chunk: the streams do not share a counter
    return list(hook.bulk(chunk, stats)), stats


def _answers(sent: Future[ChunkAnswers], stats: BulkStats) -> list[tuple[bool, dict[str, Any]]]:
    results, chunk_stats = sent.result()
    stats.retried += chunk_stats.retried
    stats.rounds += chunk_stats.rounds
    return results


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often while importing.

    Decoded pages and documents are millions of short-lived containers. With the
    default threshold the collector ran every 700 of them, each time promoting the
    pages still in use to an older generation that later collections rescan: about a
    third of the import's CPU. Reference counting frees the documents as soon as
    they are sent, so collecting every 10,000 allocations keeps memory flat.
    (Freezing the worker's heap as well measured slower, not faster.)
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _actions(
    pages: Iterable[list[dict[str, Any]]],
    stream: EntityStream,
    index: str,
    failures: _Failures,
    progress: _Progress,
    max_failed_ratio: float,
    write_if: Callable[[dict[str, Any]], bool] | None,
    unique: _Unique,
) -> Iterator[dict[str, Any]]:
    built = 0
    for page in pages:
        for item in page:
            try:
                document = stream.to_document(item)
            except DocumentError as error:
                failures.add(item.get(stream.item_key) if isinstance(item, dict) else None, str(error))
                continue
            if write_if is not None and not write_if(document):
                progress.unchanged += 1
                continue
            built += 1
            yield {"_index": index, "_id": str(document["id"]), "_source": document}
        progress.page(page)
        progress.acknowledged.page_built(page, built, failures.count, progress.items, unique.repeats)
        if progress.total and failures.count > max_failed_ratio * progress.total:
            # No number of good documents still to come can bring the share back under the limit.
            _check_failures(stream.entity, progress.total - failures.count, failures, max_failed_ratio)
        if progress.pause_requested:
            return  # a page boundary: what was built is sent and acknowledged, nothing more is read


class _Acknowledged:
    """The checkpoint: the last page whose every document the cluster acknowledged.

    The pages' documents go out in chunks, several bulk requests at once, and the answers come
    back in order; a page is acknowledged once as many answers came back as documents were built
    up to its end. Its position and the counts up to it then make the checkpoint.

    :param start: the checkpoint the import started from (its counts included).
    """

    def __init__(self, start: Checkpoint) -> None:
        self.checkpoint = start
        self.indexed = start.indexed
        self._answered = self._rejected = 0
        self._position = start.position
        # Per page built and not yet acknowledged: documents built up to its end, and the checkpoint
        # it makes without the answers' counts (failed: those of building alone).
        self._pages: deque[tuple[int, Checkpoint]] = deque()

    def page_built(self, page: list[Any], built: int, failed: int, fetched: int, duplicates: int) -> None:
        """Note a page whose documents are all built (``built`` in all so far, in this try).

        :param failed: every failure so far (the answers' rejections included).
        :param fetched: items read up to this page's end.
        :param duplicates: repeated items skipped up to its end.
        """
        self._position = getattr(page, "position", None) or self._position
        partial = replace(
            self.checkpoint,
            position=self._position,
            fetched=fetched,
            failed=failed - self._rejected,  # building's failures: the rejections are added when answered
            duplicates=duplicates,
        )
        self._pages.append((built, partial))
        self._advance()

    def answer(self, ok: bool) -> None:
        """Count one bulk answer, in order."""
        self._answered += 1
        if ok:
            self.indexed += 1
        else:
            self._rejected += 1
        if self._pages and self._pages[0][0] <= self._answered:
            self._advance()

    def _advance(self) -> None:
        while self._pages and self._pages[0][0] <= self._answered:
            _, partial = self._pages.popleft()
            self.checkpoint = replace(partial, indexed=self.indexed, failed=partial.failed + self._rejected)


class _Unique:
    """Drops items seen before in the stream: offset pages repeat items when the store shifts under them.

    :param already: repeats skipped before a checkpoint the import resumed from.
    """

    def __init__(self, key: str, already: int = 0) -> None:
        self.key = key
        self.repeats = already
        self._seen: set[Any] = set()

    def items(self, pages: Iterable[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        for page in pages:
            fresh = [item for item in page if self._first_time(item)]
            self.repeats += len(page) - len(fresh)
            yield _with_total(fresh, page)

    def _first_time(self, item: Any) -> bool:
        key = item.get(self.key) if isinstance(item, dict) else None
        if key is None or isinstance(key, list | dict):
            return True  # let the transform report the item's missing or unhashable id
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def _with_total(items: list[dict[str, Any]], page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` with the page's total, number and position, if it has them."""
    if not isinstance(page, Page):
        return items
    return Page(items, page.total, number=page.number, position=page.position)


def _record_rejection(item: dict[str, Any], failures: _Failures) -> None:
    result = next(iter(item.values()))
    error = result.get("error") or {}
    reason = error.get("reason", error) if isinstance(error, dict) else error
    failures.add(result.get("_id"), f"rejected by search (HTTP {result.get('status')}): {reason}")


def _check_failures(entity: str, indexed: int, failures: _Failures, max_ratio: float) -> None:
    total = indexed + failures.count
    if failures.count and failures.count > max_ratio * total:
        raise ImportFailedError(
            f"{entity}: {failures.count} of {total} documents failed "
            f"({failures.count / total:.1%}, allowed {max_ratio:.1%}); first: {failures.first}"
        )


def _prefetched(pages: Iterator[list[dict[str, Any]]], depth: int = PREFETCH_PAGES) -> Iterator[list[Any]]:
    """Iterate ``pages`` in a background thread, ``depth`` pages ahead of the consumer."""
    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if not _put(buffer, ("page", page), stop):
                    return
            _put(buffer, ("end", None), stop)
        except BaseException as error:  # handed over to the consumer, which re-raises it
            _put(buffer, ("error", error), stop)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:  # a consumer that stopped early: the source's requests end here too
                close()

    producer = threading.Thread(target=produce, name="bigcommerce-prefetch", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = buffer.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        producer.join(timeout=5)


def _put(buffer: queue.Queue[tuple[str, Any]], entry: tuple[str, Any], stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            buffer.put(entry, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


class _Progress:
    """Logs pages, items, rate and time left every few seconds, and hands them to ``record``, if any.

    With ``resumable``, the figures go to its ``save`` with the checkpoint instead, and the answer
    says whether a pause was asked for (:attr:`pause_requested`).
    """

    def __init__(
        self,
        entity: str,
        started: float,
        record: Callable[[str, dict[str, Any]], Any] | None = None,
        resumable: Resumable | None = None,
        acknowledged: _Acknowledged | None = None,
    ) -> None:
        self.entity, self.started, self.record, self.resumable = entity, started, record, resumable
        self.acknowledged = acknowledged or _Acknowledged(Checkpoint())
        self.pages = self.unchanged = 0
        self.items = self._items_before = self.acknowledged.checkpoint.fetched  # a resumed import's too
        self.total: int | None = None
        self.pause_requested = False
        self._last_log = self._last_record = started

    def page(self, page: list[Any]) -> None:
        self.pages += 1
        self.items += len(page)
        self.total = getattr(page, "total", self.total)
        now = time.monotonic()
        if now - self._last_log >= PROGRESS_EVERY_SECONDS:
            self.log(None)
        if self.pages == 1 or now - self._last_record >= PROGRESS_RECORD_SECONDS:
            self.save()

    def rate(self) -> float:
        return (self.items - self._items_before) / max(time.monotonic() - self.started, 1e-9)

    def seconds_left(self, done: bool = False) -> float | None:
        rate = self.rate()
        return (self.total - self.items) / rate if self.total and rate and not done else None

    def save(self, *, done: bool = False) -> None:
        """Hand the progress to ``record`` (or to ``resumable`` with the checkpoint); a failure to
        record it never fails the import."""
        if self.record is None and self.resumable is None:
            return
        self._last_record = time.monotonic()
        left = self.seconds_left(done)
        figures = {
            "done": self.items,
            "total": self.items if done and self.total is None else self.total,  # v2 lists give none
            "rate": round(self.rate(), 1),
            "eta_seconds": None if left is None else round(left, 1),
            "finished": done,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            if self.resumable is not None:
                checkpoint = self.acknowledged.checkpoint
                if self.resumable.save(self.entity, figures, checkpoint):
                    self.pause_requested = True
            elif self.record is not None:
                self.record(self.entity, figures)
        except Exception as error:  # progress is for readers; the import goes on without it
            log.warning("%s: progress not recorded: %s", self.entity, error)

    def log(self, indexed: int | None, *, done: bool = False, bulk_stats: BulkStats | None = None) -> None:
        self._last_log = time.monotonic()
        rate, left = self.rate(), self.seconds_left(done)
        of_total = f" of {self.total}" if self.total is not None else ""
        retries = (
            f", {bulk_stats.retried} documents sent again after HTTP 429 ({bulk_stats.rounds} retries)"
            if bulk_stats and bulk_stats.retried
            else ""
        )
        before = f" ({self._items_before} before the checkpoint)" if self._items_before else ""
        log.info(
            "%s %s: %d pages, %d%s items read%s%s, %.0f items/s%s%s",
            self.entity,
            "done" if done else "progress",
            self.pages,
            self.items,
            of_total,
            before,
            f", {indexed} indexed" if indexed is not None else "",
            rate,
            "" if left is None else f", about {left:.0f}s left",
            retries,
        )
