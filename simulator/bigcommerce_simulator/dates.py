"""Timestamp formats used by the BigCommerce API, and parsing of date filters."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime


def iso_utc(epoch_seconds: int) -> str:
    """Format like v3 ``date_modified``: ``2025-01-15T00:03:17+00:00``.

    :param epoch_seconds: Unix time in seconds.
    """
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch_seconds))


def iso_compact_offset(epoch_seconds: int) -> str:
    """Format like v2 ``published_date_iso8601``: ``2018-05-18T13:26:42+0000``.

    :param epoch_seconds: Unix time in seconds.
    """
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch_seconds))


def php_date_object(epoch_seconds: int) -> dict[str, object]:
    """Return the v2 blog ``published_date`` object (a serialised PHP DateTime).

    :param epoch_seconds: Unix time in seconds.
    """
    text = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(epoch_seconds))
    return {"date": text, "timezone_type": 1, "timezone": "+00:00"}


def parse_filter_timestamp(value: str, now: datetime | None = None) -> int:
    """Parse a ``date_modified:min``/``:max`` value into Unix seconds.

    Full ISO 8601 timestamps are taken as given (a missing offset means UTC). A bare
    date gets the current request time of day appended, as BigCommerce does.

    :param value: the query parameter value.
    :param now: the request time (defaults to the current time).
    :raises ValueError: when the value is not an ISO 8601 date or timestamp.
    """
    text = value.strip()
    if "T" not in text and " " not in text:
        day = date.fromisoformat(text)
        moment = now or datetime.now(UTC)
        parsed = datetime.combine(day, moment.timetz().replace(tzinfo=UTC))
    else:
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
