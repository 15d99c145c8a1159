"""Injected failures, scripted or at a rate.

A rule matches requests to one store (or any store) whose path below the store prefix
starts with the rule's path and whose ``page`` parameter (1 when absent) is at least
``from_page``. It spares the first ``after`` matching requests, then fires on every one,
or, with ``rate``, on a share of them decided by a pseudo-random draw from ``seed`` and the
number of matching requests seen so far, so the same request sequence fails the same way on
every run. A rule either has one ``kind`` or mixes several ``kinds`` (drawn the same way).
It fires ``times`` times (forever when ``None``) and then expires.

Kinds: ``status`` (answer with ``status``), ``drop`` (close without answering),
``truncate`` (a 200 whose JSON body is cut short), ``timeout`` (hold the request for
``delay_ms``, then close without answering), ``slow`` (hold it for ``delay_ms``, then
answer normally), ``duplicates`` (on page 2 or later, start the page
``duplicate_count`` items early, repeating the end of the previous page as offset
pagination does when items are inserted between requests; a ``duplicates`` rule only
matches page 2 or later, and a ``duplicates`` draw of a mix leaves page 1 unchanged and
uncounted) and ``malformed`` (serve some items of a list page malformed: ``items`` maps an
item ID to what it becomes, the fields of an object merged into the item, any other JSON
value in its place; a store's data that breaks its own API shape, for hostile-input tests;
a page without those items is served unchanged and uncounted). In ``kinds``, a status is
written as its number (``"503"``), and ``"429-shedding"`` is a 429 without the
``X-Rate-Limit-*`` headers (load shedding). ``malformed`` cannot be mixed.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from .rng import mix, stream_key

FAULT_KINDS = ("status", "drop", "truncate", "timeout", "slow", "duplicates", "malformed")
MIXABLE_KINDS = ("drop", "truncate", "timeout", "slow", "duplicates")
MIXED = "mixed"
SHEDDING = "429-shedding"
DEFAULT_DELAY_MS = 5000
MAX_DELAY_MS = 120_000
DEFAULT_DUPLICATE_COUNT = 2
UNIT = 2.0**-53


@dataclass(frozen=True)
class FaultEffect:
    """What a fired rule does to one request.

    :param label: the counter name: a status such as ``"503"``, ``"429-shedding"``, or the kind.
    :param kind: one of :data:`FAULT_KINDS`.
    :param status: the HTTP status when ``kind`` is ``status``.
    :param rate_limit_headers: whether the answer carries the ``X-Rate-Limit-*`` headers.
    :param delay_ms: how long ``timeout`` and ``slow`` hold the request.
    :param duplicate_count: how many items ``duplicates`` repeats.
    :param items: what ``malformed`` makes of items, by item ID (a string).
    """

    label: str
    kind: str
    status: int | None = None
    rate_limit_headers: bool = True
    delay_ms: int = DEFAULT_DELAY_MS
    duplicate_count: int = DEFAULT_DUPLICATE_COUNT
    items: dict[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass
class FaultRule:
    """One injected failure.

    :param rule_id: identifier assigned by the registry.
    :param path: path prefix below ``/stores/{store_hash}``, e.g. ``/v3/catalog/products``.
    :param kind: one of :data:`FAULT_KINDS`, or ``mixed`` when ``kinds`` is set.
    :param store_hash: the store it applies to, or ``None`` for all stores.
    :param status: the HTTP status for ``kind="status"``.
    :param from_page: the first ``page`` value affected.
    :param after: matching requests spared before the rule starts to fire (e.g. the first pages
        of a listing whose requests carry no ``page``).
    :param times: remaining activations, ``None`` for unlimited.
    :param rate_limit_headers: send the ``X-Rate-Limit-*`` headers (``False`` mimics load shedding).
    :param rate: the share of matching requests that fail (0 < rate <= 1), ``None`` for all.
    :param kinds: the outcomes to mix, e.g. ``["500", "429-shedding", "drop"]``, or ``None``.
    :param seed: seeds the draws of ``rate`` and ``kinds``.
    :param delay_ms: how long ``timeout`` and ``slow`` hold a request.
    :param duplicate_count: how many items of the previous page ``duplicates`` repeats.
    :param items: for ``malformed``, what each listed item becomes, by item ID.
    :param matched: matching requests seen so far (the position of the next draw).
    """

    rule_id: int
    path: str
    kind: str = "status"
    store_hash: str | None = None
    status: int | None = None
    from_page: int = 1
    after: int = 0
    times: int | None = None
    rate_limit_headers: bool = True
    rate: float | None = None
    kinds: list[str] | None = None
    seed: int | str = 0
    delay_ms: int = DEFAULT_DELAY_MS
    duplicate_count: int = DEFAULT_DUPLICATE_COUNT
    items: dict[str, Any] | None = None
    matched: int = 0

    def matches(self, store_hash: str, api_path: str, page: int) -> bool:
        """Return whether this rule applies to a request (``duplicates`` alone needs page 2 or later).

        :param store_hash: the addressed store.
        :param api_path: the path below the store prefix.
        :param page: the request's ``page`` parameter (1 when absent).
        """
        first_page = max(self.from_page, 2) if self.kind == "duplicates" else self.from_page
        return (
            (self.store_hash is None or self.store_hash == store_hash)
            and api_path.startswith(self.path)
            and page >= first_page
        )

    def draw(self) -> FaultEffect | None:
        """Count one matching request and return what it suffers, or ``None`` when it is spared."""
        position, self.matched = self.matched, self.matched + 1
        if position < self.after:
            return None
        if self.rate is not None and (self._bits("rate", position) >> 11) * UNIT >= self.rate:
            return None
        if self.kinds:
            return self.effect(self.kinds[self._bits("kind", position) % len(self.kinds)])
        if self.kind != "status":
            return self.effect(self.kind)
        shedding = self.status == 429 and not self.rate_limit_headers
        return self.effect(SHEDDING if shedding else str(self.status))

    def effect(self, label: str) -> FaultEffect:
        """Return the effect named ``label`` with this rule's settings.

        :param label: a kind other than ``status``, a status number, or ``429-shedding``.
        """
        options = {"delay_ms": self.delay_ms, "duplicate_count": self.duplicate_count, "items": self.items}
        if label == SHEDDING:
            return FaultEffect(label, "status", 429, False, **options)
        if label.isdigit():
            return FaultEffect(label, "status", int(label), self.rate_limit_headers, **options)
        return FaultEffect(label, label, None, self.rate_limit_headers, **options)

    def _bits(self, purpose: str, position: int) -> int:
        """Return 64 pseudo-random bits for one draw.

        :param purpose: ``rate`` or ``kind``.
        :param position: the matching request's position.
        """
        return mix(stream_key(self.seed, f"fault-{purpose}"), position)

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
    store_hash = data.get("store_hash")
    path = data.get("path")
    if store_hash is not None and store_hash not in store_hashes:
        raise ValueError(f"unknown store_hash {store_hash!r}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("path must be a string starting with '/', e.g. '/v3/catalog/products'")
    times = data.get("times")
    if times is not None and (not _is_int(times) or times < 1):
        raise ValueError("times must be null or a positive integer")
    from_page = data.get("from_page") or 1
    if not _is_int(from_page) or from_page < 1:
        raise ValueError("from_page must be a positive integer")
    after = data.get("after") or 0
    if not _is_int(after) or after < 0:
        raise ValueError("after must be a non-negative integer")
    return FaultRule(
        rule_id=rule_id,
        path=path,
        store_hash=store_hash,
        from_page=from_page,
        after=after,
        times=times,
        rate_limit_headers=bool(data.get("rate_limit_headers", True)),
        **_parse_outcome(data),
        **_parse_draw_options(data),
    )


def _parse_outcome(data: dict[str, Any]) -> dict[str, Any]:
    """Read ``kind`` and ``status``, or ``kinds``.

    :param data: the decoded JSON body.
    :raises ValueError: when they are invalid or both forms are given.
    """
    kinds = data.get("kinds")
    if kinds is not None:
        if data.get("kind") is not None or data.get("status") is not None:
            raise ValueError("give either kind (with status) or kinds, not both")
        if not isinstance(kinds, list) or not kinds or not all(map(_is_mixable, kinds)):
            mixable = ", ".join([*MIXABLE_KINDS, SHEDDING])
            raise ValueError(f"kinds must be a non-empty list of statuses (e.g. '503') or of {mixable}")
        return {"kind": MIXED, "kinds": list(kinds)}
    kind = data.get("kind") or "status"
    status = data.get("status")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    if kind == "status" and not (_is_int(status) and 400 <= status <= 599):
        raise ValueError("status must be an integer from 400 to 599 when kind is 'status'")
    items = data.get("items")
    if (kind == "malformed") != (items is not None):
        raise ValueError("items goes with kind 'malformed', and kind 'malformed' needs items")
    if items is not None and not (
        isinstance(items, dict) and items and all(key.isdigit() and int(key) > 0 for key in items)
    ):
        raise ValueError('items must be an object of item IDs, e.g. {"205": {"price": "free"}}')
    return {"kind": kind, "status": status, "items": items}


def _parse_draw_options(data: dict[str, Any]) -> dict[str, Any]:
    """Read ``rate``, ``seed``, ``delay_ms`` and ``duplicate_count``.

    :param data: the decoded JSON body.
    :raises ValueError: when a value is out of range.
    """
    rate = data.get("rate")
    if rate is not None and not (
        isinstance(rate, int | float) and not isinstance(rate, bool) and 0 < rate <= 1
    ):
        raise ValueError("rate must be null or a number greater than 0 and at most 1")
    seed = data.get("seed", 0)
    if not isinstance(seed, int | str) or isinstance(seed, bool):
        raise ValueError("seed must be an integer or a string")
    delay_ms = data.get("delay_ms", DEFAULT_DELAY_MS)
    if not _is_int(delay_ms) or not 0 <= delay_ms <= MAX_DELAY_MS:
        raise ValueError(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")
    duplicate_count = data.get("duplicate_count", DEFAULT_DUPLICATE_COUNT)
    if not _is_int(duplicate_count) or duplicate_count < 1:
        raise ValueError("duplicate_count must be a positive integer")
    return {"rate": rate, "seed": seed, "delay_ms": delay_ms, "duplicate_count": duplicate_count}


def _is_int(value: object) -> bool:
    """Return whether a decoded JSON value is an integer (not a boolean).

    :param value: a decoded JSON value.
    """
    return isinstance(value, int) and not isinstance(value, bool)


def _is_mixable(label: object) -> bool:
    """Return whether ``label`` may appear in ``kinds``.

    :param label: an element of ``kinds``.
    """
    if not isinstance(label, str):
        return False
    if label.isdigit():
        return 400 <= int(label) <= 599
    return label == SHEDDING or label in MIXABLE_KINDS


class FaultRegistry:
    """The active fault rules, shared by all request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, data: dict[str, Any], store_hashes: set[str]) -> FaultRule:
        """Validate and register a rule; earlier rules win when several fire.

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

    def take(self, store_hash: str, api_path: str, page: int) -> FaultEffect | None:
        """Return the effect of the first matching rule that fires, counting one activation.

        A rule that is used up expires. A rule whose ``rate`` spares the request lets the
        next matching rule draw.

        :param store_hash: the addressed store.
        :param api_path: the path below the store prefix.
        :param page: the request's ``page`` parameter (1 when absent).
        """
        with self._lock:
            for rule in self._rules:
                if not rule.matches(store_hash, api_path, page):
                    continue
                effect = rule.draw()
                if effect is None:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                return effect
            return None
