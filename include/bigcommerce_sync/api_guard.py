"""Refuse REST API bodies carrying numbers that Airflow's own components cannot carry.

Airflow validates only the keys a DAG declares as params; any other conf key
passes through. Its task protocol (msgpack) cannot encode an integer outside
64 bits, and Postgres turns a JSON float such as ``1e30`` back into that
integer. A run triggered with ``{"conf": {"junk": 1e30}}`` therefore fails to
start its tasks, and the failure callback then stops the dag-processor on the
same value. This middleware answers such a request 400 before a run exists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The signed 64-bit range: what msgpack, Postgres BIGINT and most JSON consumers hold exactly.
LARGEST_NUMBER = 2**63 - 1
GUARDED_PATH_PREFIX = "/api/v2/"
GUARDED_METHODS = frozenset({"POST", "PUT", "PATCH"})


def unrepresentable_numbers(document: Any) -> Iterator[str]:
    """Yield ``where: value`` for every number beyond ±``LARGEST_NUMBER`` or not finite.

    Walks with its own stack, not recursion, however deeply the document nests.

    :param document: a parsed JSON document.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(
                (f"{path}.{key}" if path else str(key), item) for key, item in reversed(value.items())
            )
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value) or abs(value) > LARGEST_NUMBER:
                yield f"{path or 'the body'}: {_short(value)}"


def _short(number: float) -> str:
    """Exact for an int just past the limit (2**63 reads better than 9.22337e+18); short for the rest."""
    return str(number) if isinstance(number, int) and number.bit_length() <= 128 else f"{number:.6g}"


class LargeNumberGuard:
    """ASGI middleware: a write to the REST API whose JSON holds an unrepresentable number gets 400.

    :param app: the Airflow API application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_guarded(scope):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        problems = list(unrepresentable_numbers(_json_or_none(body)))
        if problems:
            await _answer_400(send, problems)
            return
        await self.app(scope, _replay(body, receive), send)


def _is_guarded(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] in GUARDED_METHODS
        and scope["path"].startswith(GUARDED_PATH_PREFIX)
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _json_or_none(body: bytes) -> Any:
    """The parsed body; anything that is not JSON is left for the API to refuse as it does."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can parse
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the application the body already read, then listens as before."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()  # e.g. the client disconnecting
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _answer_400(send: Send, problems: list[str]) -> None:
    detail = (
        f"Invalid input: {'; '.join(problems)}. Numbers must be finite and within "
        f"±{LARGEST_NUMBER} (64 bits): Airflow cannot pass larger ones to its tasks."
    )
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
