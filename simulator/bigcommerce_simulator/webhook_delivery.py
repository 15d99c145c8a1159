"""Webhook callbacks: every catalog edit is POSTed to the store's active hooks, as BigCommerce does.

A callback carries the documented payload ``{scope, store_id, data, hash, created_at,
producer}`` (``hash``: the SHA-1 of the rest) and the hook's own ``headers``. A delivery
answered with anything but 2xx, or not answered, is tried again after 60, 180, 300 …
86,400 s (the documented schedule); after the last failure the hook is deactivated.
Deliveries run in one background thread, so an edit never waits for them.

Settings (``PUT /_simulator/webhooks``), all back to their defaults on a reset:

- ``retry_scale``: multiplies the retry schedule (``0.001`` makes a day 86 s), for tests;
- ``duplicate_every``: every Nth callback is sent twice (0: never), as BigCommerce sometimes does;
- ``allow_insecure_destinations``: hooks may point at http URLs on any port (tests only; the
  documented rule, https on port 443, is the default).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .rng import stream_key

RETRY_SECONDS = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
DELIVERY_TIMEOUT_SECONDS = 10.0
LOG_SIZE = 10_000


@dataclass(frozen=True)
class DeliverySettings:
    """How callbacks are delivered (see the module's docstring)."""

    retry_scale: float = 1.0
    duplicate_every: int = 0
    allow_insecure_destinations: bool = False

    def changed(self, changes: dict[str, Any]) -> DeliverySettings:
        """Return these settings with ``changes``; raise ``ValueError`` for unknown or invalid ones."""
        known = {f.name: f.type for f in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown webhook settings: {sorted(unknown)}")
        updated = replace(self, **changes)
        if not isinstance(updated.allow_insecure_destinations, bool):
            raise ValueError("allow_insecure_destinations must be a boolean")
        if isinstance(updated.duplicate_every, bool) or not isinstance(updated.duplicate_every, int):
            raise ValueError("duplicate_every must be an integer")
        if not isinstance(updated.retry_scale, int | float) or updated.retry_scale <= 0:
            raise ValueError("retry_scale must be a positive number")
        if updated.duplicate_every < 0:
            raise ValueError("duplicate_every must be >= 0")
        return updated


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    hooks: Any = field(compare=False)  # the store's HookRegistry
    hook_id: int = field(compare=False)
    url: str = field(compare=False)
    headers: dict[str, str] = field(compare=False)
    payload: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)
    duplicate: bool = field(compare=False, default=False)


def callback_payload(store_hash: str, scope: str, data: dict[str, Any]) -> dict[str, Any]:
    """The documented callback body; ``hash`` is the SHA-1 of the JSON of the other fields."""
    body = {
        "scope": scope,
        "store_id": str(stream_key(store_hash, "store-id") % 10**7),
        "data": data,
        "created_at": int(time.time()),
        "producer": f"stores/{store_hash}",
    }
    body["hash"] = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return body


def scope_matches(hook_scope: str, scope: str) -> bool:
    """Whether a hook's scope (exact, or a wildcard such as ``store/product/*``) takes ``scope``."""
    return hook_scope == scope or (hook_scope.endswith("/*") and scope.startswith(hook_scope[:-1]))


class WebhookDispatcher:
    """Queues callbacks and delivers them on their schedule from one background thread."""

    def __init__(self) -> None:
        self.settings = DeliverySettings()
        self._queue: list[_Delivery] = []
        self._seq = itertools.count()
        self._sent = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def configure(self, changes: dict[str, Any]) -> DeliverySettings:
        """Change the settings; raise ``ValueError`` for bad ones (nothing changed then)."""
        with self._wake:
            self.settings = self.settings.changed(changes)
            return self.settings

    def publish(self, store: Any, scope: str, data: dict[str, Any]) -> None:
        """Queue the callback of an event to every active hook of ``store`` that takes ``scope``.

        :param store: the store's state (its ``spec.store_hash`` and ``hooks``).
        :param scope: e.g. ``store/product/updated``.
        :param data: e.g. ``{"type": "product", "id": 205}``.
        """
        targets = [h for h in store.hooks.all() if h["is_active"] and scope_matches(h["scope"], scope)]
        if not targets:
            return
        payload = callback_payload(store.spec.store_hash, scope, data)
        with self._wake:
            for hook in targets:
                self._sent += 1
                every = self.settings.duplicate_every
                copies = 2 if every and self._sent % every == 0 else 1
                for copy in range(copies):
                    self._push(store.hooks, hook, payload, duplicate=copy > 0)
            self._wake.notify()
            self._start()

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far, oldest first: hook, scope, hash, attempt, status, duplicate."""
        with self._wake:
            return list(self._log)

    def reset(self) -> None:
        """Drop queued deliveries and the log; settings back to their defaults."""
        with self._wake:
            self._queue.clear()
            self._log.clear()
            self._sent = 0
            self.settings = DeliverySettings()

    def _push(self, hooks: Any, hook: dict[str, Any], payload: dict[str, Any], *, duplicate: bool) -> None:
        delivery = _Delivery(
            time.monotonic(),
            next(self._seq),
            hooks,
            hook["id"],
            hook["destination"],
            dict(hook.get("headers") or {}),
            payload,
            duplicate=duplicate,
        )
        heapq.heappush(self._queue, delivery)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue or self._queue[0].due > time.monotonic():
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._wake.wait(timeout=wait)
                delivery = heapq.heappop(self._queue)
            status = _post(delivery)
            self._record(delivery, status)

    def _record(self, delivery: _Delivery, status: int | str) -> None:
        ok = isinstance(status, int) and 200 <= status < 300
        with self._wake:
            self._log.append(
                {
                    "hook_id": delivery.hook_id,
                    "scope": delivery.payload["scope"],
                    "hash": delivery.payload["hash"],
                    "data": delivery.payload["data"],
                    "attempt": delivery.attempt + 1,
                    "status": status,
                    "duplicate": delivery.duplicate,
                }
            )
            if ok:
                return
            if delivery.attempt >= len(RETRY_SECONDS):
                delivery.hooks.deactivate(delivery.hook_id)
                return
            delay = RETRY_SECONDS[delivery.attempt] * self.settings.retry_scale
            due, attempt = time.monotonic() + delay, delivery.attempt + 1
            heapq.heappush(self._queue, replace(delivery, due=due, seq=next(self._seq), attempt=attempt))
            self._wake.notify()


def _post(delivery: _Delivery) -> int | str:
    """POST the callback; return the HTTP status, or the error's name when there was no answer."""
    request = urllib.request.Request(
        delivery.url,
        data=json.dumps(delivery.payload).encode(),
        headers={**delivery.headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError) as error:
        return type(error).__name__
