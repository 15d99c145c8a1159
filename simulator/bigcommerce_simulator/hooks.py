"""Webhook subscriptions (``/v3/hooks``): a per-store registry and its endpoints.

Hooks are created, changed and deleted through the documented ``POST``/``PUT``/``DELETE``
calls and listed with ``GET /hooks`` (filters ``is_active``, ``scope``, ``destination``),
``GET /hooks/{id}`` and ``GET /hooks/admin``. Every catalog edit is delivered to the active
hooks of its scope (:mod:`.webhook_delivery`). Every hook belongs to the store's one simulated
API account (``client_id``), so each is visible to it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .api_request import ApiRequest
from .filters import BOOL, TEXT, ops
from .listing import ListSpec, v3_list
from .responses import ApiError, Response, json_response
from .rng import stream_key

HOOK_LIST = ListSpec(
    {**ops("is_active", BOOL, ""), **ops("scope", TEXT, ""), **ops("destination", TEXT, "")},
    field_selection=False,
)
ADMIN_LIST = ListSpec(ops("is_active", BOOL, ""), field_selection=False, paging=False)
MISSING = "JSON data is missing or invalid"


class HookRegistry:
    """The webhooks of one store, safe to use from request threads.

    :param store_hash: the store.
    :param insecure_allowed: whether destinations may be http URLs on any port (a test setting).
    """

    def __init__(self, store_hash: str, insecure_allowed: Callable[[], bool] = lambda: False) -> None:
        self.store_hash = store_hash
        self.insecure_allowed = insecure_allowed
        self.client_id = f"{stream_key(store_hash, 'client-id') % 36**30:030x}"[:30]
        self._lock = threading.Lock()
        self._hooks: dict[int, dict[str, Any]] = {}
        self._next_id = 1

    def all(self) -> list[dict[str, Any]]:
        """Return copies of every hook, in ID order."""
        with self._lock:
            return [dict(hook) for _, hook in sorted(self._hooks.items())]

    def get(self, hook_id: int) -> dict[str, Any]:
        """Return a copy of one hook.

        :param hook_id: the hook's ID.
        :raises ApiError: 404 when it does not exist.
        """
        with self._lock:
            if hook_id not in self._hooks:
                raise ApiError(404, "Webhook not found.")
            return dict(self._hooks[hook_id])

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a hook from a ``POST /hooks`` body.

        :param body: ``scope``, ``destination`` and optionally ``is_active``, ``headers``.
        :raises ApiError: 422 when a field is missing or invalid.
        """
        fields = _validated(body, required=True, insecure=self.insecure_allowed())
        now = int(time.time())
        with self._lock:
            hook = {
                "id": self._next_id,
                "client_id": self.client_id,
                "store_hash": self.store_hash,
                "scope": fields["scope"],
                "destination": fields["destination"],
                "headers": fields.get("headers"),
                "is_active": fields.get("is_active", True),
                "created_at": now,
                "updated_at": now,
            }
            self._hooks[self._next_id] = hook
            self._next_id += 1
            return dict(hook)

    def update(self, hook_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Change a hook from a ``PUT /hooks/{id}`` body.

        :param hook_id: the hook's ID.
        :param body: any of ``scope``, ``destination``, ``is_active``, ``headers``.
        :raises ApiError: 404 when it does not exist, 422 for invalid fields.
        """
        fields = _validated(body, required=False, insecure=self.insecure_allowed())
        with self._lock:
            if hook_id not in self._hooks:
                raise ApiError(404, "Webhook not found.")
            self._hooks[hook_id].update(fields, updated_at=int(time.time()))
            return dict(self._hooks[hook_id])

    def deactivate(self, hook_id: int) -> None:
        """Set a hook inactive, as BigCommerce does after its deliveries kept failing (if it still exists).

        :param hook_id: the hook's ID.
        """
        with self._lock:
            if hook_id in self._hooks:
                self._hooks[hook_id].update(is_active=False, updated_at=int(time.time()))

    def delete(self, hook_id: int) -> dict[str, Any]:
        """Delete a hook and return it.

        :param hook_id: the hook's ID.
        :raises ApiError: 404 when it does not exist.
        """
        with self._lock:
            if hook_id not in self._hooks:
                raise ApiError(404, "Webhook not found.")
            return self._hooks.pop(hook_id)

    def clear(self) -> None:
        """Delete every hook and restart IDs at 1."""
        with self._lock:
            self._hooks.clear()
            self._next_id = 1


def _validated(body: dict[str, Any], required: bool, insecure: bool = False) -> dict[str, Any]:
    """Return the writable hook fields of ``body``, checked as BigCommerce documents them.

    :param body: the request body.
    :param required: whether ``scope`` and ``destination`` must be present (creation).
    :param insecure: accept http destinations on any port (the simulator's test setting).
    :raises ApiError: 422 naming the bad fields.
    """
    errors = {}
    fields = {key: body[key] for key in ("scope", "destination", "is_active", "headers") if key in body}
    for key in ("scope", "destination"):
        if required and key not in fields:
            errors[key] = "error.path.missing"
    scope = fields.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope.startswith("store/")):
        errors["scope"] = "must be a store/... scope"
    destination = fields.get("destination")
    if destination is not None and not (_any_http(destination) if insecure else _https_443(destination)):
        errors["destination"] = "must be an https URL on port 443"
    if "is_active" in fields and not isinstance(fields["is_active"], bool):
        errors["is_active"] = "must be a boolean"
    headers = fields.get("headers")
    if headers is not None and not (
        isinstance(headers, dict) and all(isinstance(value, str) for value in headers.values())
    ):
        errors["headers"] = "must be an object of strings"
    if errors:
        raise ApiError(422, MISSING, errors=errors)
    return fields


def _https_443(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and parts.port in (None, 443)


def _any_http(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def list_hooks(store: Any, request: ApiRequest) -> Response:
    """``GET /v3/hooks``."""
    return json_response(v3_list(store.hooks.all(), request.query, HOOK_LIST, store.spec.limit_overflow))


def get_hook(store: Any, request: ApiRequest) -> Response:
    """``GET /v3/hooks/{webhook_id}``."""
    return json_response({"data": store.hooks.get(request.arg(0)), "meta": {}})


def get_hooks_admin(store: Any, request: ApiRequest) -> Response:
    """``GET /v3/hooks/admin``: the hooks with their ``status``; no emails, no blocked domains."""
    hooks = v3_list(store.hooks.all(), request.query, ADMIN_LIST, store.spec.limit_overflow)["data"]
    for hook in hooks:  # type: ignore[attr-defined]
        hook["status"] = "active" if hook["is_active"] else "inactive"
    return json_response({"data": {"emails": [], "hooks_list": hooks, "blocked_domains": []}, "meta": {}})


def create_hook(store: Any, request: ApiRequest) -> Response:
    """``POST /v3/hooks``."""
    return json_response({"data": store.hooks.create(request.json_body()), "meta": {}})


def update_hook(store: Any, request: ApiRequest) -> Response:
    """``PUT /v3/hooks/{webhook_id}``."""
    return json_response({"data": store.hooks.update(request.arg(0), request.json_body()), "meta": {}})


def delete_hook(store: Any, request: ApiRequest) -> Response:
    """``DELETE /v3/hooks/{webhook_id}``."""
    return json_response({"data": store.hooks.delete(request.arg(0)), "meta": {}})
