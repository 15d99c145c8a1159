"""Pacing requests to a BigCommerce store's quota from its ``X-Rate-Limit-*`` headers.

Every response says how many requests are left in the store's window and when it
resets. A client spends freely while more than ``reserve`` requests are left,
then waits for the reset. ``reserve`` covers the requests that every client of
the store may have in flight at once, so several clients (the parallel import
tasks of a store, on any workers) never overdraw the shared quota, and no
coordination between them is needed. Quota use per window is ``quota - reserve``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class QuotaPacer:
    """Holds requests back while the store's quota is down to ``reserve``; thread-safe.

    :param reserve: requests left untouched in each window for other in-flight requests.
    :param clock: a monotonic clock in seconds.
    :param sleep: waits a number of seconds.
    """

    def __init__(
        self,
        reserve: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._left: int | None = None  # None: unknown, e.g. before the first response of a window
        self._resets_at = 0.0
        self._in_flight = 0

    def acquire(self) -> None:
        """Wait until a request may be sent, and count it as in flight."""
        while True:
            with self._lock:
                wait = self._wait_needed()
                if wait <= 0:
                    self._in_flight += 1
                    if self._left is not None:
                        self._left -= 1
                    return
            self._sleep(wait)

    def release(self, headers: Mapping[str, str], status: int) -> None:
        """Record a response: what the store says is left, and when its window resets.

        :param headers: the response headers (case-insensitive mapping).
        :param status: the response status; a 429 with the headers means nothing is left.
        """
        reading = _read(headers)
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if reading is None:
                return
            left, reset_ms, window_ms = reading
            resets_at = self._clock() + reset_ms / 1000
            # Requests still in flight were sent after this response was counted.
            left = 0 if status == 429 else max(0, left - self._in_flight)
            same_window = self._left is not None and resets_at - self._resets_at < window_ms / 2000
            # Answers can arrive out of order: within a window, trust the most cautious reading.
            self._left = min(self._left, left) if same_window else left
            self._resets_at = max(self._resets_at, resets_at) if same_window else resets_at

    def _wait_needed(self) -> float:
        now = self._clock()
        if now >= self._resets_at:
            self._left = None
        if self._left is None or self._left > self.reserve:
            return 0.0
        return self._resets_at - now


def _read(headers: Mapping[str, str]) -> tuple[int, int, int] | None:
    """Return (requests left, ms until reset, window ms), or ``None`` if the headers are absent."""
    names = ("X-Rate-Limit-Requests-Left", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Time-Window-Ms")
    values = [headers.get(name, "") for name in names]
    if not all(value.isdigit() for value in values):
        return None
    left, reset_ms, window_ms = map(int, values)
    return left, reset_ms, window_ms
