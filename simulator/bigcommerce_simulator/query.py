"""Typed access to query-string parameters, with 422 errors for malformed values."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from .responses import ApiError

TRUE_WORDS = frozenset({"true", "1"})
FALSE_WORDS = frozenset({"false", "0"})


class QueryParams:
    """The query parameters of one request, in their original order.

    :param query_string: the raw query string, without ``?``.
    """

    def __init__(self, query_string: str) -> None:
        self.pairs: list[tuple[str, str]] = parse_qsl(query_string, keep_blank_values=True)
        self._values = dict(self.pairs)

    def with_value(self, name: str, value: str) -> QueryParams:
        """Return a copy with ``name`` set to ``value`` (replacing every earlier value).

        :param name: parameter name.
        :param value: the new value.
        """
        pairs = [(key, old) for key, old in self.pairs if key != name] + [(name, value)]
        return QueryParams(urlencode(pairs))

    def names(self) -> set[str]:
        """Return the parameter names present."""
        return set(self._values)

    def get(self, name: str) -> str | None:
        """Return the last value of ``name``, or ``None``.

        :param name: parameter name.
        """
        return self._values.get(name)

    def integer(self, name: str, default: int) -> int:
        """Return ``name`` as an int.

        :param name: parameter name.
        :param default: value when absent or empty.
        :raises ApiError: 422 when the value is not an integer.
        """
        raw = self._values.get(name, "")
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise _invalid(name, "must be an integer") from None

    def integers(self, name: str) -> tuple[int, ...] | None:
        """Return a comma-separated integer list such as ``id:in=1,2,3``.

        :param name: parameter name.
        :raises ApiError: 422 when an element is not an integer.
        """
        raw = self._values.get(name)
        if raw is None:
            return None
        try:
            return tuple(int(part) for part in raw.split(",") if part.strip())
        except ValueError:
            raise _invalid(name, "must be a comma-separated list of integers") from None

    def boolean(self, name: str) -> bool | None:
        """Return ``name`` as a bool (``true``/``false``/``1``/``0``), or ``None`` when absent.

        :param name: parameter name.
        :raises ApiError: 422 for any other value.
        """
        raw = self._values.get(name)
        if raw is None:
            return None
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        raise _invalid(name, "must be a boolean")

    def csv(self, name: str) -> list[str]:
        """Return the non-empty elements of a comma-separated value such as ``include``.

        :param name: parameter name.
        """
        return [part.strip() for part in self._values.get(name, "").split(",") if part.strip()]


def _invalid(name: str, message: str) -> ApiError:
    """Return the 422 error for a wrongly typed parameter.

    :param name: parameter name.
    :param message: what is wrong with it.
    """
    return ApiError(422, "The filter(s) are not valid.", errors={name: message})
