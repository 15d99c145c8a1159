"""Query filters declared as data: one table per endpoint maps each documented parameter to a test.

A table entry names the item field a parameter reads, the operator of its suffix
(``name`` compares for equality, ``name:in`` for membership, ``name:min`` for a lower bound,
and so on, as in BigCommerce's filtering guide) and how the value is typed. Parsing a
request gives hashable :class:`Condition` tuples, so a filtered result can be cached per
query; :func:`matches` applies them to any mapping-like item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from .dates import parse_filter_timestamp
from .query import QueryParams
from .responses import ApiError

INVALID_FILTERS = "The filter(s) are not valid."
TRUE_WORDS = frozenset({"true", "1"})
FALSE_WORDS = frozenset({"false", "0"})
RANGE_OPS = ("in", "not_in", "min", "max", "greater", "less")


def _integer(raw: str) -> int:
    return int(raw)


def _number(raw: str) -> float:
    return float(raw)


def _text(raw: str) -> str:
    return raw


def _boolean(raw: str) -> bool:
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise ValueError(raw)


def _timestamp(raw: str) -> int:
    return parse_filter_timestamp(raw, datetime.now(UTC))


def _day(raw: str) -> date:
    """must be an ISO 8601 date"""
    return date.fromisoformat(raw.strip()[:10])


def integer_list(raw: str) -> tuple[int, ...]:
    """must be a comma-separated list of integers"""
    return tuple(int(part) for part in raw.split(",") if part.strip())


def enum(*values: str) -> Callable[[str], str]:
    """Return a parser accepting only ``values`` (compared case-insensitively).

    :param values: the documented values.
    """

    def parse(raw: str) -> str:
        if raw.lower() not in values:
            raise ValueError(raw)
        return raw.lower()

    parse.__doc__ = f"one of {', '.join(values)}"
    return parse


def text_list(raw: str) -> tuple[str, ...]:
    """must be a comma-separated list"""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


INT, NUMBER, TEXT, BOOL, DATE, DAY = _integer, _number, _text, _boolean, _timestamp, _day
LIST_MESSAGES = {
    INT: "must be a comma-separated list of integers",
    NUMBER: "must be a comma-separated list of numbers",
}
MESSAGES = {
    INT: "must be an integer",
    NUMBER: "must be a number",
    BOOL: "must be a boolean",
    DATE: "must be an ISO 8601 date or timestamp (send + as %2B)",
}


def item_seconds(value: object) -> int | None:
    """Return an item's date field as Unix seconds (it may hold seconds or ISO 8601 text).

    :param value: the field value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    return int(datetime.fromisoformat(str(value)).timestamp())


def _compare(op: str, have: Any, want: Any) -> bool:
    """Apply a single-value operator.

    :param op: ``eq``, ``not``, ``min``, ``max``, ``greater``, ``less`` or ``like``.
    :param have: the item's value (never ``None``).
    :param want: the parsed parameter value.
    """
    if op == "eq":
        return bool(have == want)
    if op == "not":
        return bool(have != want)
    if op == "min":
        return bool(have >= want)
    if op == "max":
        return bool(have <= want)
    if op == "greater":
        return bool(have > want)
    if op == "less":
        return bool(have < want)
    return str(want).strip("%").lower() in str(have).lower()  # like


@dataclass(frozen=True)
class Filter:
    """One query parameter: which field it reads, with which operator and value type.

    :param field: the item key read (for ``custom`` filters, only documentation).
    :param op: ``eq``, ``not``, ``in``, ``not_in``, ``min``, ``max``, ``greater``, ``less``,
        ``like`` or ``custom``.
    :param parse: turns one raw value into a typed one (``ValueError`` means 422).
    :param test: for ``custom``: ``test(item, value) -> bool``.
    """

    field: str
    op: str
    parse: Callable[[str], Any] = TEXT
    test: Callable[[Mapping[str, Any], Any], bool] | None = None

    def read(self, name: str, raw: str) -> Any:
        """Parse the raw parameter value (a tuple for ``in``/``not_in``).

        :param name: the parameter name, for the error.
        :param raw: the query-string value.
        :raises ApiError: 422 when the value has the wrong type.
        """
        try:
            if self.op in ("in", "not_in"):
                return tuple(self.parse(part.strip()) for part in raw.split(",") if part.strip())
            return self.parse(raw)
        except ValueError:
            listed = self.op in ("in", "not_in")
            message = (
                (LIST_MESSAGES if listed else MESSAGES).get(self.parse)
                or self.parse.__doc__
                or "is not valid"
            )
            raise ApiError(422, INVALID_FILTERS, errors={name: message}) from None

    def accepts(self, item: Mapping[str, Any], value: Any) -> bool:
        """Return whether ``item`` passes this filter with ``value``.

        :param item: a rendered item or a lazy record.
        :param value: from :meth:`read`.
        """
        if self.op == "custom":
            assert self.test is not None
            return self.test(item, value)
        have = item.get(self.field)
        if self.parse is DATE:
            have = item_seconds(have)
        if have is None:
            return self.op in ("not", "not_in")
        if self.op == "in":
            return have in value
        if self.op == "not_in":
            return have not in value
        return _compare(self.op, have, value)


FilterTable = Mapping[str, Filter]
Condition = tuple[str, Any]


def ops(
    field: str, parse: Callable[[str], Any], *suffixes: str, name: str | None = None
) -> dict[str, Filter]:
    """Return table entries for ``name`` (default ``field``) with the given suffixes.

    ``""`` is the bare parameter (equality; ``like`` and ``not`` are suffixes too).

    :param field: the item key.
    :param parse: the value type.
    :param suffixes: e.g. ``"", "in", "min"``.
    :param name: the parameter stem when it differs from the field.
    """
    stem = name or field
    table = {}
    for suffix in suffixes:
        table[f"{stem}:{suffix}" if suffix else stem] = Filter(field, suffix or "eq", parse)
    return table


def ranged(field: str, parse: Callable[[str], Any] = INT) -> dict[str, Filter]:
    """Return the full numeric operator family: ``field``, ``:in``, ``:not_in``, ``:min`` ... ``:less``.

    :param field: the item key.
    :param parse: the value type.
    """
    return ops(field, parse, "", *RANGE_OPS)


def custom(
    test: Callable[[Mapping[str, Any], Any], bool], parse: Callable[[str], Any] = TEXT, field: str = ""
) -> Filter:
    """Return a filter with its own test.

    :param test: ``test(item, value) -> bool``.
    :param parse: the value type.
    :param field: the field it reads, for documentation.
    """
    return Filter(field, "custom", parse, test)


def on_day(field: str) -> Filter:
    """Return a filter keeping items whose date ``field`` falls on the given UTC day.

    :param field: the item's date key (Unix seconds or ISO 8601 text).
    """

    def same_day(item: Mapping[str, Any], day: date) -> bool:
        seconds = item_seconds(item.get(field))
        return seconds is not None and datetime.fromtimestamp(seconds, UTC).date() == day

    return custom(same_day, DAY, field)


def ignored() -> Filter:
    """Return a documented parameter that changes nothing in the simulator (it matches every item)."""
    return custom(lambda item, value: True)


def conditions(query: QueryParams, table: FilterTable) -> tuple[Condition, ...]:
    """Parse the table's parameters present in ``query``, in a stable order.

    An empty value (``name=``) is no filter, as a blank form field is.

    :param query: the request parameters.
    :param table: the endpoint's filters.
    :raises ApiError: 422 for wrongly typed values.
    """
    parsed = []
    for name in sorted(query.names() & set(table)):
        raw = query.get(name) or ""
        if raw.strip():
            parsed.append((name, table[name].read(name, raw)))
    return tuple(parsed)


def matches(item: Mapping[str, Any], table: FilterTable, parsed: Iterable[Condition]) -> bool:
    """Return whether ``item`` passes every condition.

    :param item: a rendered item or a lazy record.
    :param table: the endpoint's filters.
    :param parsed: from :func:`conditions`.
    """
    return all(table[name].accepts(item, value) for name, value in parsed)
