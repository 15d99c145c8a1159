"""A small client for the simulator's ``/_simulator/`` control API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class SimulatorAdminError(RuntimeError):
    """The control API refused a request (e.g. an invalid fault rule)."""


class SimulatorAdmin:
    """Reads stats and manages fault rules of a running simulator.

    :param url: the simulator base URL, e.g. ``http://127.0.0.1:54321``.
    :param timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        """Return ``{"status": "ok", "stores": [...]}``."""
        return self._call("GET", "health")

    def stats(self) -> dict[str, Any]:
        """Return ``{"stores": {store_hash: counters}}``.

        Counters: ``requests``, ``responses`` (by status, plus ``dropped``), ``rate_limited``
        (quota 429s), ``faults_injected``, ``paths`` (hits per path), ``in_flight`` and
        ``max_in_flight`` (peak concurrent requests).
        """
        return self._call("GET", "stats")

    def reset(self) -> None:
        """Clear counters, fault rules and rate-limit windows."""
        self._call("POST", "reset")

    def add_fault(
        self,
        store_hash: str | None,
        path: str,
        status: int | None = None,
        *,
        kind: str = "status",
        from_page: int = 1,
        times: int | None = None,
        rate_limit_headers: bool = True,
    ) -> dict[str, Any]:
        """Register a fault rule and return it (with its ``id``).

        :param store_hash: the store it applies to, or ``None`` for every store.
        :param path: path prefix below the store, e.g. ``/v3/catalog/products``.
        :param status: HTTP status to answer with when ``kind`` is ``"status"``.
        :param kind: ``"status"``, ``"drop"`` (close the connection) or ``"truncate"`` (cut the JSON).
        :param from_page: the first ``page`` value affected (requests without ``page`` are page 1).
        :param times: how many requests it affects before expiring; ``None`` for all.
        :param rate_limit_headers: ``False`` omits the ``X-Rate-Limit-*`` headers (load shedding).
        """
        rule = {
            "store_hash": store_hash,
            "path": path,
            "status": status,
            "kind": kind,
            "from_page": from_page,
            "times": times,
            "rate_limit_headers": rate_limit_headers,
        }
        return self._call("POST", "faults", rule)["fault"]

    def faults(self) -> list[dict[str, Any]]:
        """Return the active fault rules."""
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "faults")

    def _call(self, method: str, endpoint: str, payload: object = None) -> dict[str, Any]:
        """Send one control request and decode the JSON answer.

        :param method: HTTP method.
        :param endpoint: the part after ``/_simulator/``.
        :param payload: JSON body, if any.
        :raises SimulatorAdminError: when the simulator answers with an error status.
        """
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.url}/_simulator/{endpoint}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            message = f"{method} /_simulator/{endpoint} failed: {error.code} {detail}"
            raise SimulatorAdminError(message) from None
