"""Injected failures: error statuses, dropped connections and truncated bodies.

A rule matches requests to one store (or any store) whose path below the store prefix
starts with the rule's path and whose ``page`` parameter (1 when absent) is at least
``from_page``. It fires ``times`` times (forever when ``None``) and then expires.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

FAULT_KINDS = ("status", "drop", "truncate")


@dataclass
class FaultRule:
    """One injected failure.

    :param rule_id: identifier assigned by the registry.
    :param path: path prefix below ``/stores/{store_hash}``, e.g. ``/v3/catalog/products``.
    :param kind: ``status`` (answer with ``status``), ``drop`` (close without answering) or
        ``truncate`` (a 200 whose JSON body is cut short).
    :param store_hash: the store it applies to, or ``None`` for all stores.
    :param status: the HTTP status for ``kind="status"``.
    :param from_page: the first ``page`` value affected.
    :param times: remaining activations, ``None`` for unlimited.
    :param rate_limit_headers: send the ``X-Rate-Limit-*`` headers (``False`` mimics load shedding).
    """

    rule_id: int
    path: str
    kind: str = "status"
    store_hash: str | None = None
    status: int | None = None
    from_page: int = 1
    times: int | None = None
    rate_limit_headers: bool = True

    def matches(self, store_hash: str, api_path: str, page: int) -> bool:
        """Return whether this rule applies to a request.

        :param store_hash: the addressed store.
        :param api_path: the path below the store prefix.
        :param page: the request's ``page`` parameter (1 when absent).
        """
        return (
            (self.store_hash is None or self.store_hash == store_hash)
            and api_path.startswith(self.path)
            and page >= self.from_page
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as JSON-ready data, with ``id`` for ``rule_id``."""
        data = asdict(self)
        data["id"] = data.pop("rule_id")
        return data


def parse_fault(data: dict[str, Any], rule_id: int, store_hashes: set[str]) -> FaultRule:
    """Validate a ``POST /_simulator/faults`` body and build the rule.

    :param data: the decoded JSON body.
    :param rule_id: the identifier to assign.
    :param store_hashes: the stores the server knows.
    :raises ValueError: with a readable message when the body is invalid.
    """
    kind = data.get("kind") or "status"
    store_hash = data.get("store_hash")
    path = data.get("path")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    if store_hash is not None and store_hash not in store_hashes:
        raise ValueError(f"unknown store_hash {store_hash!r}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("path must be a string starting with '/', e.g. '/v3/catalog/products'")
    status = data.get("status")
    if kind == "status" and not (isinstance(status, int) and 400 <= status <= 599):
        raise ValueError("status must be an integer from 400 to 599 when kind is 'status'")
    times = data.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be null or a positive integer")
    from_page = data.get("from_page") or 1
    if not isinstance(from_page, int) or from_page < 1:
        raise ValueError("from_page must be a positive integer")
    return FaultRule(
        rule_id=rule_id,
        path=path,
        kind=kind,
        store_hash=store_hash,
        status=status,
        from_page=from_page,
        times=times,
        rate_limit_headers=bool(data.get("rate_limit_headers", True)),
    )


class FaultRegistry:
    """The active fault rules, shared by all request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, data: dict[str, Any], store_hashes: set[str]) -> FaultRule:
        """Validate and register a rule; earlier rules win when several match.

        :param data: the decoded JSON body of ``POST /_simulator/faults``.
        :param store_hashes: the stores the server knows.
        :raises ValueError: when the body is invalid.
        """
        with self._lock:
            rule = parse_fault(data, self._next_id, store_hashes)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        """Return the active rules as JSON-ready data."""
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def take(self, store_hash: str, api_path: str, page: int) -> FaultRule | None:
        """Return the first matching rule and count one activation (expiring it when used up).

        :param store_hash: the addressed store.
        :param api_path: the path below the store prefix.
        :param page: the request's ``page`` parameter (1 when absent).
        """
        with self._lock:
            for rule in self._rules:
                if rule.matches(store_hash, api_path, page):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times == 0:
                            self._rules.remove(rule)
                    return rule
            return None
