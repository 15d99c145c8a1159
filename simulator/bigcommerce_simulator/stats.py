"""Per-store request accounting, reported by ``GET /_simulator/stats``."""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from typing import Any

from .faults import FaultEffect

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
        self._max_in_flight = 0
        self._requests = 0
        self._responses: Counter[str] = Counter()
        self._paths: Counter[str] = Counter()
        self._by_path: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._faults: Counter[str] = Counter()
        self._too_many: Counter[str] = Counter()

    def reset(self) -> None:
        """Zero every counter (requests still in flight keep being tracked)."""
        with self._lock:
            self._requests = 0
            self._responses.clear()
            self._paths.clear()
            self._by_path.clear()
            self._faults.clear()
            self._too_many.clear()
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

    def finish(self, api_path: str, outcome: int | str, fault: FaultEffect | None = None) -> None:
        """Record how a request ended.

        :param api_path: the path below the store prefix.
        :param outcome: the HTTP status, or :data:`DROPPED` for a closed connection.
        :param fault: the injected fault that shaped the outcome, if any.
        """
        with self._lock:
            self._responses[str(outcome)] += 1
            self._by_path[path_key(api_path)][str(outcome)] += 1
            if fault is not None:
                self._faults[fault.label] += 1
            if outcome == 429:
                self._too_many[_too_many_cause(fault)] += 1
            self._in_flight -= 1

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data.

        ``rate_limited`` counts the simulator's own quota refusals, as
        ``too_many_requests["quota"]`` does; ``too_many_requests`` also counts injected 429s
        without the rate-limit headers (``shedding``) and with them (``injected_with_headers``).
        """
        with self._lock:
            return {
                "requests": self._requests,
                "responses": dict(self._responses),
                "responses_by_path": {path: dict(counts) for path, counts in self._by_path.items()},
                "rate_limited": self._too_many["quota"],
                "too_many_requests": {
                    cause: self._too_many[cause] for cause in ("quota", "shedding", "injected_with_headers")
                },
                "faults_injected": self._faults.total(),
                "faults_by_kind": dict(self._faults),
                "paths": dict(self._paths),
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
            }


def _too_many_cause(fault: FaultEffect | None) -> str:
    """Return why a 429 was sent.

    :param fault: the injected fault, or ``None`` for a quota refusal.
    """
    if fault is None:
        return "quota"
    return "injected_with_headers" if fault.rate_limit_headers else "shedding"
