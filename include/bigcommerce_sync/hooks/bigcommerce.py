"""BigCommerce REST API hook: auth, pagination, rate-limit pacing and retries."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
import requests
import tenacity
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowException

from bigcommerce_sync.hooks.quota import QuotaPacer

if TYPE_CHECKING:
    from requests import Response, Session

MAX_PAGE_SIZE = 250
# Keys of the connection extra that configure this hook rather than being sent as headers.
_OWN_EXTRAS = ("store_hash", "max_attempts", "backoff_seconds")
DEFAULT_TIMEOUT_SECONDS = 60
# The first second a ``datetime`` cannot hold: a store's clock answering later than that is broken.
_YEAR_10000 = 253_402_300_800


class BigCommerceError(AirflowException):
    """A request to a store failed; the message names store and endpoint, never the token."""


class BigCommercePermanentError(BigCommerceError):
    """A response no retry can fix (bad credentials, missing scope or resource, bad request)."""


class IncompleteListingError(BigCommerceError):
    """A listing ended before it held every item the store reported; nothing may be concluded from it."""


class BigCommerceTransientError(BigCommerceError):
    """A response worth retrying (429, 5xx, broken or truncated body).

    :param wait_seconds: how long the server asked us to wait, if it said.
    """

    def __init__(self, message: str, wait_seconds: float | None = None) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class Page(list):
    """One page of items; ``total`` is the size of the whole listing when the API says it.

    ``number`` is the page's number in its listing, when it was read by page number;
    ``position`` is where an import that has this page and the ones before it can start again
    (see :class:`bigcommerce_sync.batches.Checkpoint`), when its stream says.
    """

    def __init__(
        self,
        items: list[dict[str, Any]],
        total: int | None = None,
        *,
        number: int | None = None,
        position: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(items)
        self.total = total
        self.number = number
        self.position = position


class _AccessToken(requests.auth.AuthBase):
    """Sends the store's API token as ``X-Auth-Token``; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Auth-Token"] = self._token
        return request

    def __repr__(self) -> str:
        return "_AccessToken(***)"


class BigCommerceHook(HttpHook):
    """Reads a BigCommerce store through its REST API.

    The connection is an ``http`` connection: the API token in ``password``, the
    store hash in the extra (``{"store_hash": "abc123"}``), and optionally a host
    (defaults to ``https://api.bigcommerce.com``), ``timeout``, ``max_attempts`` and
    ``backoff_seconds`` in the extra.

    :param bigcommerce_conn_id: the Airflow connection of the store.
    :param max_concurrency: requests this hook keeps in flight while paging a v3 list.
    :param quota_reserve: requests of each quota window left for other clients' in-flight
        requests (see :mod:`bigcommerce_sync.hooks.quota`); defaults to ``max_concurrency``.
    """

    conn_name_attr = "bigcommerce_conn_id"
    default_conn_name = "bigcommerce_default"
    conn_type = "http"
    hook_name = "BigCommerce"
    default_host = "https://api.bigcommerce.com"
    default_headers = {"Accept": "application/json", "User-Agent": "bigcommerce-sync/0.1"}

    def __init__(
        self,
        bigcommerce_conn_id: str = default_conn_name,
        *,
        max_concurrency: int = 1,
        quota_reserve: int | None = None,
    ) -> None:
        super().__init__(method="GET", http_conn_id=bigcommerce_conn_id)
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.max_concurrency = max_concurrency
        self.pacer = QuotaPacer(reserve=max_concurrency if quota_reserve is None else quota_reserve)
        self.max_attempts = 5
        self.backoff_seconds = 1.0

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> Session:
        """Return a session whose base URL is the store's API root."""
        session = super().get_conn(headers, extra_options)
        connection = self.get_connection(self.http_conn_id)
        store_hash = connection.extra_dejson.get("store_hash")
        if not store_hash:
            raise BigCommercePermanentError(
                f"connection {self.http_conn_id!r} has no 'store_hash' in its extra"
            )
        for key in _OWN_EXTRAS:
            session.headers.pop(key, None)
        self.max_attempts = int(connection.extra_dejson.get("max_attempts", self.max_attempts))
        self.backoff_seconds = float(connection.extra_dejson.get("backoff_seconds", self.backoff_seconds))
        session.auth = _AccessToken(connection.password or "")
        self.base_url = f"{self.base_url.rstrip('/')}/stores/{store_hash}"
        return session

    def iter_v3_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int = MAX_PAGE_SIZE,
        first_page: int = 1,
    ) -> Iterator[Page]:
        """Yield the ``data`` of each page of a v3 list endpoint, first to last, with the total.

        The first page tells how many there are; the rest are fetched up to
        ``max_concurrency`` at a time and yielded in order.

        :param path: the endpoint below ``/v3/``, e.g. ``catalog/products``.
        :param params: filters and ``include``; ``page`` and ``limit`` are set here.
        :param limit: page size, at most 250.
        :param first_page: the page to start at (a resumed read); the pages carry their ``number``.
        """
        session = self.get_conn()

        def fetch(page: int) -> tuple[Page, dict[str, Any]]:
            body = self.get_json(session, f"v3/{path}", {**(params or {}), "page": page, "limit": limit})
            data, pagination = _v3_page(body, path)
            return Page(data, pagination.get("total"), number=page), pagination

        latest = fetch(first_page)
        yield latest[0]
        done, last = first_page, _last_page(*latest, first_page)
        while last > done:
            for latest in self._fetch_in_order(fetch, range(done + 1, last + 1)):  # noqa: B007
                if not latest[0]:
                    return  # the listing ended before the pages it announced: no more to read
                yield latest[0]
            # A store that grew while it was read reports more pages on its last one.
            done, last = last, _last_page(*latest, last)

    def _fetch_in_order(
        self, fetch: Callable[[int], Any], pages: range
    ) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """Fetch ``pages`` with up to ``max_concurrency`` requests in flight; yield in page order."""
        pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="bigcommerce-page")
        pending: deque[Future[Any]] = deque()
        upcoming = iter(pages)
        try:
            for page in upcoming:
                pending.append(pool.submit(fetch, page))
                if len(pending) >= self.max_concurrency:
                    break
            while pending:
                result = pending.popleft().result()
                next_page = next(upcoming, None)
                if next_page is not None:
                    pending.append(pool.submit(fetch, next_page))
                yield result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def iter_v2_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int = MAX_PAGE_SIZE,
        first_page: int = 1,
    ) -> Iterator[Page]:
        """Yield each page of a v2 list endpoint (bare arrays; 204 past the end).

        :param path: the endpoint below ``/v2/``, e.g. ``blog/posts``.
        :param params: filters; ``page`` and ``limit`` are set here.
        :param limit: page size, at most 250.
        :param first_page: the page to start at (a resumed read); the pages carry their ``number``.
        """
        session = self.get_conn()
        page = first_page
        while True:
            items = self.get_json(session, f"v2/{path}", {**(params or {}), "page": page, "limit": limit})
            if items is None:
                return
            if not isinstance(items, list):
                raise BigCommercePermanentError(
                    f"{self._where(path)}: expected a JSON array, got {_kind(items)}"
                )
            if items:
                yield Page(items, number=page)
            if len(items) < limit:
                return
            page += 1

    def iter_v3_ids(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[list[int]]:
        """Yield every ``id`` of a v3 list, a full page at a time, walking the ids upwards.

        Each request asks for ``id:greater`` than the last id seen, so items created or
        deleted meanwhile never shift an item out of the listing, as they can with pages.

        :param path: the endpoint below ``/v3/``, e.g. ``catalog/products``.
        :param params: filters; ``id:greater``, ``sort``, ``include_fields`` and ``limit`` are set here.
        :raises IncompleteListingError: a page came back short while the store still had more ids.
        """
        session = self.get_conn()
        after = 0
        while True:
            query = {**(params or {}), "id:greater": after, "sort": "id", "include_fields": "id"}
            body = self.get_json(session, f"v3/{path}", {**query, "limit": MAX_PAGE_SIZE})
            data, pagination = _v3_page(body, path)
            ids = [item.get("id") for item in data if isinstance(item, dict)]
            if not all(isinstance(i, int) and i > after for i in ids):
                raise BigCommercePermanentError(
                    f"{self._where(path)}: ids after {after} are not increasing integers"
                )
            if ids:
                yield ids
            if len(ids) < MAX_PAGE_SIZE:
                left = pagination.get("total")
                left = len(ids) if left is None else left
                if left > len(ids):
                    raise IncompleteListingError(
                        f"{self._where(path)}: a page after id {after} held {len(ids)} ids of the "
                        f"{left} the store reported"
                    )
                return
            after = ids[-1]

    def get_v3_data(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Return the ``data`` list of a v3 endpoint that is not paged, e.g. a nested category tree.

        :param path: the endpoint below ``/v3/``, e.g. ``catalog/trees/1/categories``.
        :param params: the query string.
        """
        body = self.get_json(self.get_conn(), f"v3/{path}", params or {})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise BigCommercePermanentError(
                f"{self._where(path)}: expected an object with a 'data' list, got {_kind(body)}"
            )
        return body["data"]

    def count(self, path: str, params: Mapping[str, Any] | None = None, *, ids_only: bool = True) -> int:
        """Return how many items a v3 list holds, in one small request.

        :param path: the endpoint below ``/v3/``, e.g. ``catalog/products``.
        :param params: filters.
        :param ids_only: ask for the ids only (``include_fields=id``); Pages v3 refuses that parameter.
        """
        narrow = {"include_fields": "id"} if ids_only else {}
        body = self.get_json(self.get_conn(), f"v3/{path}", {**(params or {}), **narrow, "limit": 1})
        total = _v3_page(body, path)[1].get("total")
        if not isinstance(total, int) or total < 0:
            raise BigCommercePermanentError(f"{self._where(path)}: meta.pagination.total is {total!r}")
        return total

    def count_v2(self, path: str) -> int:
        """Return how many items a v2 list holds (``GET /v2/<path>/count``, one request).

        :param path: the list below ``/v2/``, e.g. ``blog/posts``.
        """
        body = self.get_json(self.get_conn(), f"v2/{path}/count", {})
        total = body.get("count") if isinstance(body, dict) else None
        if not isinstance(total, int) or total < 0:
            raise BigCommercePermanentError(f"{self._where(path)}: count is {total!r}")
        return total

    def server_time(self) -> datetime:
        """Return the store's clock (``GET /v2/time``), the time base of ``date_modified``."""
        body = self.get_json(self.get_conn(), "v2/time", {})
        seconds = body.get("time") if isinstance(body, dict) else None
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds < _YEAR_10000:
            raise BigCommercePermanentError(f'{self._where("v2/time")}: expected {{"time": <unix seconds>}}')
        return datetime.fromtimestamp(seconds, tz=UTC)

    def get_json(self, session: Session, endpoint: str, params: Mapping[str, Any]) -> Any:
        """GET ``endpoint`` with retries; return the decoded body, or ``None`` for 204.

        :param session: a session from :meth:`get_conn`.
        :param endpoint: the path below the store root, e.g. ``v3/catalog/brands``.
        :param params: the query string.
        """
        return self.request_json(session, "GET", endpoint, params)

    def send_json(self, method: str, endpoint: str, body: Mapping[str, Any]) -> Any:
        """Send a JSON body (``POST``, ``PUT``) with the same pacing and retries; return the decoded answer.

        A retried write may have reached the store the first time: callers keep writes idempotent
        (e.g. registration lists the hooks again before creating one).

        :param method: ``POST`` or ``PUT``.
        :param endpoint: the path below the store root, e.g. ``v3/hooks``.
        :param body: the JSON body.
        """
        return self.request_json(self.get_conn(), method, endpoint, {}, body)

    def request_json(
        self,
        session: Session,
        method: str,
        endpoint: str,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request with retries; return the decoded body, or ``None`` for 204.

        :param session: a session from :meth:`get_conn`.
        :param method: the HTTP method.
        :param endpoint: the path below the store root.
        :param params: the query string.
        :param body: a JSON body, if any.
        """
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((BigCommerceTransientError, requests.RequestException)),
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=_server_or_backoff_wait(self.backoff_seconds),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._request_once, session, method, endpoint, params, body)
        except requests.RequestException as error:
            where = self._where(endpoint, method)
            raise BigCommerceError(f"{where}: {type(error).__name__}: {error}") from None

    def _request_once(
        self,
        session: Session,
        method: str,
        endpoint: str,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
    ) -> Any:
        url = self.url_from_endpoint(endpoint)
        request = requests.Request(method, url, params=dict(params), json=body)
        options = {"timeout": DEFAULT_TIMEOUT_SECONDS, **self.merged_extra, "check_response": False}
        self.pacer.acquire()
        try:
            response = self.run_and_check(session, session.prepare_request(request), options)
        except BaseException:
            self.pacer.release({}, 0)
            raise
        self.pacer.release(response.headers, response.status_code)
        return self._decode(response, endpoint, method)

    def _decode(self, response: Response, endpoint: str, method: str = "GET") -> Any:
        where = self._where(endpoint, method)
        status = response.status_code
        if status == 204:
            return None
        if status == 429 or status >= 500:
            raise BigCommerceTransientError(
                f"{where}: HTTP {status}{_detail(response)}", _quota_wait(response)
            )
        if status >= 400:
            raise BigCommercePermanentError(f"{where}: HTTP {status}{_detail(response)}")
        try:
            # orjson straight from the bytes: decoding a page of products with the standard
            # library (and its text decoding first) was the import's largest CPU cost.
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise BigCommerceTransientError(
                f"{where}: HTTP {status} with a body that is not valid JSON ({len(response.content)} bytes)"
            ) from None

    def _where(self, endpoint: str, method: str = "GET") -> str:
        return f"BigCommerce store at {self.base_url or self.default_host} {method} {endpoint}"

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.log.warning(
            "Attempt %d failed (%s); retrying in %.1fs",
            state.attempt_number,
            error,
            state.next_action.sleep if state.next_action else 0,
        )

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials with ``GET /v2/time``, as BigCommerce documents."""
        try:
            self.get_json(self.get_conn(), "v2/time", {})
        except BigCommerceError as error:
            return False, str(error)
        return True, "Connection successfully tested"


def _v3_page(body: Any, path: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ``data`` and ``meta.pagination`` of a v3 list page, each of the shape the paging relies on."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise BigCommercePermanentError(
            f"v3/{path}: expected an object with a 'data' list, got {_kind(body)}"
        )
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    if not isinstance(pagination, dict):
        raise BigCommercePermanentError(f"v3/{path}: response has no meta.pagination object")
    for key in ("total", "total_pages"):
        count = pagination.get(key)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise BigCommercePermanentError(f"v3/{path}: meta.pagination.{key} is no count: {_short(count)}")
    links = pagination.get("links")
    if links is not None and not isinstance(links, dict):
        raise BigCommercePermanentError(f"v3/{path}: meta.pagination.links is not an object: {_kind(links)}")
    return body["data"], pagination


def _kind(value: Any) -> str:
    return type(value).__name__


def _short(value: Any, limit: int = 80) -> str:
    """A value as a message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _detail(response: Response) -> str:
    """A short, safe description of an error body, whatever its shape."""
    text = response.text.strip()
    if not text:
        return f" {response.reason}".rstrip()
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can parse
        return f": {text[:200]}"
    first = body[0] if isinstance(body, list) and body else body
    if isinstance(first, dict):
        message = first.get("title") or first.get("message") or first.get("detail")
        if message:
            return f": {str(message)[:200]}"
    return f": {text[:200]}"


def _quota_wait(response: Response) -> float | None:
    """No extra wait for a 429 that says the quota is spent: the pacer holds the retry until the reset.

    A 429 without the rate-limit headers is load shedding, and a 5xx says nothing
    about the quota: both get the ordinary backoff (``None``).
    """
    if response.status_code == 429 and "X-Rate-Limit-Time-Reset-Ms" in response.headers:
        return 0.0
    return None


def _last_page(data: list[Any], pagination: Mapping[str, Any], current: int) -> int:
    """The last page to read, as far as this page tells."""
    if not data or "next" not in (pagination.get("links") or {}):
        return current
    total_pages = pagination.get("total_pages")
    return max(current if total_pages is None else total_pages, current + 1)


def _server_or_backoff_wait(backoff_seconds: float) -> tenacity.wait.wait_base:
    """Wait as long as the error asks (see :func:`_quota_wait`), else back off exponentially with jitter."""
    backoff = tenacity.wait_exponential_jitter(multiplier=backoff_seconds, max=60, jitter=backoff_seconds)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = getattr(error, "wait_seconds", None)
        return asked if asked is not None else backoff(state)

    return wait
