"""Per-store request quota in fixed windows, with BigCommerce's rate-limit headers.

Each request spends one unit of the store's quota; the quota refreshes when the window
(30 s by default) ends. A quota of 0 means unlimited, announced with a large nominal quota
so that clients reading the headers still see plausible values.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

UNLIMITED_NOMINAL_QUOTA = 7_000_000  # the Enterprise figure the docs listed until 2022
WINDOW_HISTORY = 1000  # past windows kept for ``usage()``


@dataclass(frozen=True)
class RateDecision:
    """The outcome of spending one request.

    :param allowed: ``False`` when the quota was already spent.
    :param headers: the ``X-Rate-Limit-*`` headers (plus ``X-Retry-After`` when refused).
    """

    allowed: bool
    headers: dict[str, str]


class FixedWindowLimiter:
    """A thread-safe request counter that refuses requests past the quota until the window ends.

    :param quota: requests allowed per window; 0 for unlimited.
    :param window_ms: window length in milliseconds.
    :param clock: monotonic time source in seconds (replaceable in tests).
    """

    def __init__(self, quota: int, window_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._quota = quota
        self._window_ms = window_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = -math.inf
        self._used = 0
        self._finished_windows: deque[int] = deque(maxlen=WINDOW_HISTORY)
        self._max_used = 0

    def consume(self) -> RateDecision:
        """Spend one request if the quota allows it and return the headers to send."""
        with self._lock:
            reset_ms = self._roll_window()
            if self._quota and self._used >= self._quota:
                retry_after = max(1, math.ceil(reset_ms / 1000))
                headers = self._headers(reset_ms) | {"X-Retry-After": str(retry_after)}
                return RateDecision(False, headers)
            self._used += 1
            self._max_used = max(self._max_used, self._used)
            return RateDecision(True, self._headers(reset_ms))

    def peek(self) -> dict[str, str]:
        """Return the current headers without spending a request (for rejected credentials)."""
        with self._lock:
            return self._headers(self._roll_window())

    def usage(self) -> dict[str, object]:
        """Return the quota use per window since the last reset.

        ``windows`` lists the requests spent in each window that saw any (the latest last,
        at most :data:`WINDOW_HISTORY`); ``max_used_in_window`` is the highest of them all.
        ``quota`` is 0 when unlimited.
        """
        with self._lock:
            return {
                "quota": self._quota,
                "window_ms": self._window_ms,
                "max_used_in_window": self._max_used,
                "windows": [*self._finished_windows, *([self._used] if self._used else [])],
            }

    def reset(self) -> None:
        """Start a fresh window with the full quota and forget the past windows."""
        with self._lock:
            self._window_start = -math.inf
            self._used = 0
            self._finished_windows.clear()
            self._max_used = 0

    def _roll_window(self) -> int:
        """Open a new window if the current one ended; return milliseconds until it ends."""
        now_ms = self._clock() * 1000
        if now_ms - self._window_start >= self._window_ms:
            if self._used:
                self._finished_windows.append(self._used)
            self._window_start = now_ms
            self._used = 0
        # ceil() of a float sum can overshoot by 1 ms right at the window start.
        return min(self._window_ms, max(0, math.ceil(self._window_start + self._window_ms - now_ms)))

    def _headers(self, reset_ms: int) -> dict[str, str]:
        """Return the ``X-Rate-Limit-*`` headers for the current window.

        :param reset_ms: milliseconds until the quota refreshes.
        """
        quota = self._quota or UNLIMITED_NOMINAL_QUOTA
        return {
            "X-Rate-Limit-Requests-Left": str(max(quota - self._used, 0)),
            "X-Rate-Limit-Requests-Quota": str(quota),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Time-Window-Ms": str(self._window_ms),
        }
