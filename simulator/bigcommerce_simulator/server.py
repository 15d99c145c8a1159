"""The HTTP/1.1 server: authentication, rate limiting, latency, faults and routing.

Store API requests go through, in order: store lookup (404), the store's latency,
``X-Auth-Token`` check (401), the store's quota (429), fault rules (see :mod:`.faults`),
and the route.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .control import CONTROL_PREFIX, handle_control
from .fault_effects import status_response, truncated, with_malformed_items, with_repeated_items
from .faults import FaultEffect
from .query import QueryParams
from .responses import ApiError, ApiFamily, Response, error_response
from .routes import handle
from .stats import DROPPED
from .store_state import SimulatorState, StoreState
from .stores import StoreSpec

STORE_PATH = re.compile(r"/stores/([^/]+)(/v[23]/.*)")


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server holding the simulator state.

    :param address: ``(host, port)``; port 0 picks a free port.
    :param stores: the stores to serve.
    :param access_log: print one line per request to stderr.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], stores: list[StoreSpec], access_log: bool = False) -> None:
        self.state = SimulatorState(stores)
        self.access_log = access_log
        super().__init__(address, SimulatorRequestHandler)

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that hang up; report anything else.

        :param request: the client socket.
        :param client_address: the client's address.
        """
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    """Serves one keep-alive connection."""

    protocol_version = "HTTP/1.1"
    server_version = "BigCommerceSimulator/1.0"
    # Headers and body are written separately; without TCP_NODELAY a keep-alive client
    # waits ~40 ms per response for the delayed ACK.
    disable_nagle_algorithm = True
    server: SimulatorServer
    request_body = b""

    def do_GET(self) -> None:
        """Handle a GET request."""
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Write an access-log line only when the server was asked to.

        :param code: the response status.
        :param size: the body size.
        """
        if self.server.access_log:
            super().log_request(code, size)

    def _dispatch(self) -> None:
        """Route the request to the control API or a store."""
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.request_body = body
        if url.path.startswith(CONTROL_PREFIX):
            self._send(
                handle_control(self.server.state, self.command, url.path, QueryParams(url.query), body)
            )
            return
        match = STORE_PATH.fullmatch(url.path)
        if match is None:
            self._send(error_response(ApiFamily.V3, ApiError(404, "The requested resource was not found.")))
            return
        store_hash, api_path = match.groups()
        store = self.server.state.stores.get(store_hash)
        if store is None:
            error = ApiError(404, f"Store {store_hash!r} was not found.")
            self._send(error_response(ApiFamily.for_path(api_path), error))
            return
        self._serve_store(store, api_path, QueryParams(url.query))

    def _serve_store(self, store: StoreState, api_path: str, query: QueryParams) -> None:
        """Answer a store API request, recording it in the store's stats before answering.

        Recording first means a client that reads ``/_simulator/stats`` right after its
        response always sees that response counted.

        :param store: the addressed store.
        :param api_path: the path below the store prefix.
        :param query: the query parameters.
        """
        store.stats.begin(api_path)
        response: Response | None = None
        fault: FaultEffect | None = None
        try:
            response, fault = self._store_response(store, api_path, query)
        finally:
            store.stats.finish(api_path, DROPPED if response is None else response.status, fault)
        if response is None:
            self.close_connection = True
            return
        self._send(response)

    def _store_response(
        self, store: StoreState, api_path: str, query: QueryParams
    ) -> tuple[Response | None, FaultEffect | None]:
        """Build the response; ``None`` means drop the connection.

        :param store: the addressed store.
        :param api_path: the path below the store prefix.
        :param query: the query parameters.
        :returns: the response and the fault that shaped it, if any.
        """
        family = ApiFamily.for_path(api_path)
        if store.spec.latency_ms:
            time.sleep(store.spec.latency_ms / 1000)
        if self.headers.get("X-Auth-Token") != store.spec.token:
            response = error_response(family, ApiError(401, "Missing or invalid authentication token."))
            response.headers.update(store.limiter.peek())
            return response, None
        decision = store.limiter.consume()
        if not decision.allowed:
            return Response(429, headers=decision.headers), None
        page = _page_number(query)
        fault = self.server.state.faults.take(store.spec.store_hash, api_path, page)
        if fault is None:
            response = self._route(store, family, api_path, query)
        else:
            response, fault = self._faulty_response(store, family, api_path, query, fault)
        if response is not None and (fault is None or fault.rate_limit_headers):
            response.headers.update(decision.headers)
        return response, fault

    def _faulty_response(
        self, store: StoreState, family: ApiFamily, api_path: str, query: QueryParams, fault: FaultEffect
    ) -> tuple[Response | None, FaultEffect | None]:
        """Apply a fired fault; ``None`` as the response means drop the connection.

        :param store: the addressed store.
        :param family: the path's error body shape.
        :param api_path: the path below the store prefix.
        :param query: the query parameters.
        :param fault: the fault to apply.
        :returns: the response and the fault, or ``None`` as the fault when it had nothing to
            change (``duplicates`` on a page without a previous page, ``malformed`` on a page
            without the items).
        """
        if fault.kind in ("timeout", "slow"):
            time.sleep(fault.delay_ms / 1000)
        if fault.kind in ("drop", "timeout"):
            return None, fault
        if fault.kind == "status":
            return status_response(fault, family), fault
        response = self._route(store, family, api_path, query)
        if fault.kind == "truncate":
            return truncated(response), fault
        if fault.kind == "duplicates":
            repeated = self._repeating_previous_page(store, family, api_path, query, response, fault)
            return (response, None) if repeated is None else (repeated, fault)
        if fault.kind == "malformed":
            malformed = with_malformed_items(response, fault.items or {})
            return (response, None) if malformed is None else (malformed, fault)
        return response, fault

    def _repeating_previous_page(
        self,
        store: StoreState,
        family: ApiFamily,
        api_path: str,
        query: QueryParams,
        response: Response,
        fault: FaultEffect,
    ) -> Response | None:
        """Return the page shifted to repeat the end of the previous page, or ``None`` on page 1.

        :param store: the addressed store.
        :param family: the path's error body shape.
        :param api_path: the path below the store prefix.
        :param query: the query parameters.
        :param response: the page as normally served.
        :param fault: a ``duplicates`` fault.
        """
        page = _page_number(query)
        if page < 2:
            return None
        previous = self._route(store, family, api_path, query.with_value("page", str(page - 1)))
        return with_repeated_items(response, previous, fault.duplicate_count)

    def _route(self, store: StoreState, family: ApiFamily, api_path: str, query: QueryParams) -> Response:
        """Run the endpoint, turning errors into the path's documented error body.

        :param store: the addressed store.
        :param family: the path's error body shape.
        :param api_path: the path below the store prefix.
        :param query: the query parameters.
        """
        try:
            return handle(store, self.command, api_path, query, self.request_body)
        except ApiError as error:
            return error_response(family, error)
        except Exception:  # a simulator bug must still produce an HTTP answer
            self.log_error("unhandled error for %s:\n%s", self.path, traceback.format_exc())
            return error_response(family, ApiError(500, "Internal Server Error"))

    def _send(self, response: Response) -> None:
        """Write a response; 204 carries neither body nor ``Content-Length``.

        :param response: status, headers and body.
        """
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and response.status != 204:
            self.wfile.write(response.body)


def _page_number(query: QueryParams) -> int:
    """Return the request's ``page`` for fault matching (1 when absent or malformed).

    :param query: the query parameters.
    """
    try:
        return query.integer("page", 1)
    except ApiError:
        return 1
