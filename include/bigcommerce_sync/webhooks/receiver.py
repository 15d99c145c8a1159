"""The webhook receiver: BigCommerce's callbacks, authenticated and stored before the 2xx.

A FastAPI app the plugin mounts on Airflow's api-server (nothing else to deploy):
``POST /bigcommerce-webhooks/<store_hash>``. In order, a callback is refused, and nothing
stored, when:

- the store is not in the registry, disabled, or its webhooks are off: 404;
- the ``X-Sync-Webhook-Secret`` header is missing (401) or not the store's secret (403),
  compared in constant time with the password of the store's secret connection;
- the body is over 64 KiB (413; a declared length is refused before anything is read);
- the body is not JSON (400; ``NaN``, ``Infinity`` and numbers beyond a double are not), or
  holds a ``\\u0000`` or an unpaired surrogate (which Postgres cannot store), or is not a
  callback of a subscribed scope, or was raised by another store than the URL's
  (``producer``): 422.

A valid callback is inserted into ``webhook_events`` and only then answered 200; a
duplicate (same store and payload ``hash``) is answered 200 and adds nothing. The
request path reads only the registry, the connection and Postgres: no BigCommerce or
Elasticsearch call, so the answer is fast. The secret is never logged or echoed.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
import threading
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from bigcommerce_sync.stores import StoreConfig, StoreRegistryError, load_registry
from bigcommerce_sync.webhooks.callbacks import Callback
from bigcommerce_sync.webhooks.event_store import WebhookEventRepository

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

URL_PREFIX = "/bigcommerce-webhooks"
SECRET_HEADER = "X-Sync-Webhook-Secret"
MAX_BODY_BYTES = 64 * 1024
# Characters a JSON string may escape but Postgres ``jsonb`` refuses to store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def create_app(event_store: Callable[[], WebhookEventRepository] | None = None) -> FastAPI:
    """Return the receiver app.

    :param event_store: builds the events repository; by default one on ``sync_db`` that does
        not log its statements, with the schema migrated once per process.
    """
    events = event_store or _default_event_store
    app = FastAPI(title="BigCommerce webhook receiver", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/{store_hash}")
    async def receive(store_hash: str, request: Request) -> dict[str, Any]:
        store = await run_in_threadpool(_webhook_store, store_hash)
        secret = await run_in_threadpool(_secret_of, store)
        _authenticate(request.headers.get(SECRET_HEADER), secret)
        body = await _limited_body(request)
        callback, document = _callback(body, store_hash)
        event_id = await run_in_threadpool(_record, events, callback, json.dumps(document))
        log.info(
            "webhook %s for %s %s of store %s: %s",
            callback.scope,
            *callback.target,
            store_hash,
            f"stored as event {event_id}" if event_id else "a duplicate, not stored again",
        )
        return {"status": "stored" if event_id else "duplicate", "event_id": event_id}

    return app


def _webhook_store(store_hash: str) -> StoreConfig:
    """The store's registry entry, if the store is enabled and takes webhooks; else 404."""
    try:
        stores = load_registry(only_store=store_hash).stores if store_hash.isalnum() else []
    except StoreRegistryError:
        log.exception("webhook for store %s refused: the store registry cannot be read", store_hash)
        raise HTTPException(503, "the store registry cannot be read") from None
    store = next((s for s in stores if s.store_hash == store_hash), None)
    if store is None or not store.webhooks.enabled:
        raise HTTPException(404, "no store here takes webhooks")
    return store


def _secret_of(store: StoreConfig) -> str:
    """The store's webhook secret; 503 when its connection is missing (BigCommerce then retries)."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        secret = BaseHook.get_connection(store.webhook_secret_conn_id).password
    except AirflowNotFoundException:
        secret = None
    if not secret:
        log.error(
            "webhook for store %s refused: connection %r with the secret in its password is missing",
            store.store_hash,
            store.webhook_secret_conn_id,
        )
        raise HTTPException(503, "the receiver is not configured for this store")
    return secret


def _authenticate(sent: str | None, secret: str) -> None:
    if not sent:
        raise HTTPException(401, f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(sent.encode(), secret.encode()):
        raise HTTPException(403, f"wrong {SECRET_HEADER}")


async def _limited_body(request: Request) -> bytes:
    """The body, or 413 as soon as it is known to exceed the limit (by its declared length first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"a callback is at most {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, f"a callback is at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _callback(body: bytes, store_hash: str) -> tuple[Callback, Any]:
    """The validated callback of this store, and its JSON; 400 if the body is not JSON, 422 if misshapen."""
    try:
        document = json.loads(body, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError):
        raise HTTPException(400, "the body is not JSON") from None
    if _unstorable_text(document):
        raise HTTPException(422, "the body holds a \\u0000 or an unpaired surrogate, unlike any callback")
    try:
        callback = Callback.model_validate(document)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()]
        raise HTTPException(422, problems) from None
    if callback.store_hash != store_hash:
        raise HTTPException(422, f"producer {callback.producer!r} is not this store (stores/{store_hash})")
    return callback, document


def _not_json(constant: str) -> Any:
    """``NaN`` and ``Infinity``, which Python's parser takes, are no JSON (nor can Postgres store them)."""
    raise ValueError(f"{constant} is not JSON")


def _finite(number: str) -> float:
    """A JSON number beyond a double (``1e999``) would be stored as ``Infinity``: refuse it as not JSON."""
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"{number} is beyond a double")
    return value


def _unstorable_text(document: Any) -> bool:
    """Whether a string (key or value) holds what a Postgres ``jsonb`` cannot: NUL or a lone surrogate."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            return True
    return False


def _record(events: Callable[[], WebhookEventRepository], callback: Callback, payload: str) -> int | None:
    try:
        return events().record(callback, payload)
    except Exception as error:  # the batch store is down: refuse, so that BigCommerce retries
        log.error(
            "webhook %s of store %s not stored: %s", callback.scope, callback.store_hash, type(error).__name__
        )
        raise HTTPException(503, "the event could not be stored; nothing was stored") from None


_migrated = threading.Event()
_migrating = threading.Lock()


def _default_event_store() -> WebhookEventRepository:
    events = WebhookEventRepository(log_sql=False)
    if not _migrated.is_set():
        with _migrating:
            if not _migrated.is_set():
                events.migrate()
                _migrated.set()
    return events
