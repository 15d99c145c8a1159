"""Per-store request accounting, reported by ``GET /_simulator/stats``."""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

_NUMERIC_SEGMENT = re.compile(r"/\d+(?=/|$)")
DROPPED = "dropped"


def path_key(api_path: str) -> str:
    """Return the path with numeric IDs folded, so ``/v3/catalog/products/7`` counts as ``.../{id}``.

    :param api_path: the path below the store prefix.
    """
    return _NUMERIC_SEGMENT.sub("/{id}", api_path)


class StoreStats:
    """Thread-safe counters for one store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._requests = 0
        self._responses: Counter[str] = Counter()
        self._paths: Counter[str] = Counter()
        self._rate_limited = 0
        self._faults = 0
        self._max_in_flight = 0

    def reset(self) -> None:
        """Zero every counter (requests still in flight keep being tracked)."""
        with self._lock:
            self._requests = 0
            self._responses.clear()
            self._paths.clear()
            self._rate_limited = 0
            self._faults = 0
            self._max_in_flight = self._in_flight

    def begin(self, api_path: str) -> None:
        """Record the arrival of a request.

        :param api_path: the path below the store prefix.
        """
        with self._lock:
            self._requests += 1
            self._paths[path_key(api_path)] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def finish(self, outcome: int | str, injected: bool = False) -> None:
        """Record how a request ended.

        :param outcome: the HTTP status, or :data:`DROPPED` for a closed connection.
        :param injected: whether a fault rule produced the outcome.
        """
        with self._lock:
            self._responses[str(outcome)] += 1
            self._faults += injected
            self._rate_limited += outcome == 429 and not injected
            self._in_flight -= 1

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        with self._lock:
            return {
                "requests": self._requests,
                "responses": dict(self._responses),
                "rate_limited": self._rate_limited,
                "faults_injected": self._faults,
                "paths": dict(self._paths),
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
            }
