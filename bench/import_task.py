"""Child process: run one import task of a bench store's DAG and measure it.

Payload: ``store_hash``, ``job`` (``products``, ``categories`` or ``blogs``), ``xcoms``
(from the setup tasks), ``out``; optionally ``window_s`` and ``windows`` to stop
reading the product stream after that many quota windows.

The task is the DAG's own ``ImportOperator`` (``execute()``), so the hooks are built
exactly as on a worker. Two functions are wrapped, neither changing what it does:
``importing.import_entity`` to keep each entity's ``ImportResult``, and
``extraction.entity_stream`` to time it (it reads what a transform needs first: the
brands and the category tree for products, the whole tree for categories) and, for
the rate-limited run, to count the items read per quota window and stop after the
last one measured. Each is replaced where it is defined and, if the operator module
or the incremental path (``bigcommerce_sync.incremental``) imported it by name, there
too. All of these modules are imported before the clock starts, whatever the mode.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bench.child import Payload, child_main, cpu_seconds, peak_rss_mb, rss_mb
from bench.tasks import run_task, store_dag

if TYPE_CHECKING:
    from bigcommerce_sync.extraction import EntityStream


class QuotaWindows:
    """Reads a stream only during its first ``count`` quota windows and counts items per window.

    The first window starts when the stream is requested: its first request (the
    brands) opens the store's window at the simulator.

    :param window_s: the quota window, in seconds.
    :param count: how many windows to read.
    """

    def __init__(self, window_s: float, count: int) -> None:
        self.window_s = window_s
        self.items = [0] * count

    def wrap(self, entity_stream: Callable[..., EntityStream]) -> Callable[..., EntityStream]:
        """Return ``entity_stream`` with its pages cut after the last window."""

        def windowed(hook: Any, entity: Any, *position: Any) -> EntityStream:
            started = time.monotonic()
            stream = entity_stream(hook, entity, *position)
            return dataclasses.replace(stream, pages=self._pages(stream.pages, started))

        return windowed

    def _pages(self, pages: Iterator[list[Any]], started: float) -> Iterator[list[Any]]:
        try:
            for page in pages:
                window = int((time.monotonic() - started) // self.window_s)
                if window >= len(self.items):
                    return
                self.items[window] += len(page)
                yield page
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()


def _timing(
    entity_stream: Callable[..., EntityStream], seconds: dict[str, float]
) -> Callable[..., EntityStream]:
    """Return ``entity_stream`` keeping how long each call took in ``seconds``, by entity."""

    def timed(hook: Any, entity: Any, *position: Any) -> EntityStream:
        started = time.perf_counter()
        stream = entity_stream(hook, entity, *position)
        seconds[str(entity)] = time.perf_counter() - started
        return stream

    return timed


def _recording(
    import_entity: Callable[..., Any], results: list[dict[str, Any]], stream_seconds: dict[str, float]
) -> Callable[..., Any]:
    """Return ``import_entity`` keeping each call's entity, counts and seconds in ``results``.

    The seconds include building the entity's stream (``stream_seconds``), which the
    operator does just before it calls ``import_entity``.
    """

    def recorded(hook: Any, index: str, stream: EntityStream, **kwargs: Any) -> Any:
        result = import_entity(hook, index, stream, **kwargs)
        results.append(
            {
                "entity": str(stream.entity),
                "indexed": result.indexed,
                "failed": result.failed,
                "seconds": result.seconds + stream_seconds.get(str(stream.entity), 0.0),
            }
        )
        return result

    return recorded


def _wrap(module: ModuleType, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``module.name`` by ``wrapper(module.name)``, in the modules calling it too if they hold it."""
    from bigcommerce_sync import incremental
    from bigcommerce_sync.operators import imports

    wrapped = wrapper(getattr(module, name))
    for holder in (module, imports, incremental):
        if hasattr(holder, name):
            setattr(holder, name, wrapped)


def measure(payload: Payload) -> dict[str, Any]:
    """Run the import task of the payload and return what it did, how fast and in how much memory."""
    from bigcommerce_sync import extraction, importing

    dag = store_dag(payload["store_hash"])
    entities: list[dict[str, Any]] = []
    stream_seconds: dict[str, float] = {}
    _wrap(importing, "import_entity", lambda original: _recording(original, entities, stream_seconds))
    _wrap(extraction, "entity_stream", lambda original: _timing(original, stream_seconds))
    windows = QuotaWindows(payload["window_s"], payload["windows"]) if payload.get("windows") else None
    if windows is not None:
        _wrap(extraction, "entity_stream", windows.wrap)
    rss_before, cpu_before, started = rss_mb(), cpu_seconds(), time.perf_counter()
    summary = run_task(dag, f"import.{payload['job']}", dict(payload["xcoms"]))
    if not entities:
        raise RuntimeError(
            "the task never called bigcommerce_sync.importing.import_entity; nothing was timed"
        )
    return {
        "summary": summary,
        "entities": entities,
        "wall_s": time.perf_counter() - started,
        "cpu_s": cpu_seconds() - cpu_before,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "items_per_window": windows.items if windows is not None else None,
    }


if __name__ == "__main__":
    child_main(measure)
