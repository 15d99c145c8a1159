"""The control API's catalog edits: ``/_simulator/stores/{store_hash}/{kind}[/{id}]``.

``POST .../{kind}`` creates an item (201), ``PUT`` or ``PATCH .../{kind}/{id}`` changes
fields, ``DELETE .../{kind}/{id}`` deletes it (``?delete_children=true`` also deletes the
subpages of a page), and ``PUT`` or ``PATCH .../products/{id}/variants/{variant_id}``
changes a variant. Kinds: ``products``, ``categories``, ``brands``, ``pages``,
``blog_posts``. Answers are ``{"data": item}``, ``{"deleted": [ids]}`` or ``{"error": ...}``.
Each successful edit raises its webhook events (:mod:`.catalog_events`), delivered to the
store's hooks (:mod:`.webhook_delivery`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .catalog_editor import CatalogEditor
from .catalog_events import edit_events
from .edit_rules import EditError
from .query import QueryParams
from .responses import ApiError, Response, json_response
from .store_state import SimulatorState

EDIT_PATH = re.compile(
    r"stores/([^/]+)/(products|categories|brands|pages|blog_posts)(?:/(\d+))?(?:/variants/(\d+))?"
)
CHANGING_METHODS = ("PUT", "PATCH")


def handle_edit(
    state: SimulatorState, method: str, endpoint: str, query: QueryParams, body: bytes
) -> Response:
    """Answer a catalog edit request.

    :param state: the simulator state.
    :param method: the HTTP method.
    :param endpoint: the path after ``/_simulator/``, matching :data:`EDIT_PATH`.
    :param query: the query parameters.
    :param body: the JSON body of creations and changes.
    """
    match = EDIT_PATH.fullmatch(endpoint)
    if match is None:
        return json_response({"error": f"unknown control endpoint /_simulator/{endpoint}"}, 404)
    store_hash, kind, item_id, variant_id = match.groups()
    store = state.stores.get(store_hash)
    if store is None:
        return json_response({"error": f"unknown store_hash {store_hash!r}"}, 404)
    try:
        answer, status = _apply(store.editor, method, kind, item_id, variant_id, query, body)
    except EditError as error:
        return json_response({"error": error.message}, error.status)
    except (ValueError, ApiError) as error:
        return json_response({"error": str(error)}, 400)
    if status < 300:
        _publish_events(store, method, kind, item_id, variant_id, answer, body)
    return json_response(answer, status)


def _publish_events(
    store: Any,
    method: str,
    kind: str,
    item_id: str | None,
    variant_id: str | None,
    answer: dict[str, Any],
    body: bytes,
) -> None:
    """Hand the webhook events of a successful edit to the store's hooks."""
    created = answer.get("data") or {}
    new_id = created.get("id", created.get("category_id"))  # categories answer in the tree shape
    edited = answer["deleted"] if "deleted" in answer else [int(i) for i in (item_id or new_id,) if i]
    changes = _json(body) if method in CHANGING_METHODS else {}
    for scope, data in edit_events(kind, method, edited, changes, variant_id and int(variant_id)):
        store.webhooks.publish(store, scope, data)


def _apply(
    editor: CatalogEditor,
    method: str,
    kind: str,
    item_id: str | None,
    variant_id: str | None,
    query: QueryParams,
    body: bytes,
) -> tuple[dict[str, Any], int]:
    """Run the edit the method and path ask for; return the answer and its status.

    :param editor: the store's editor.
    :param method: the HTTP method.
    :param kind: the kind of item.
    :param item_id: the item's ID, if the path has one.
    :param variant_id: the variant's ID, if the path has one.
    :param query: the query parameters.
    :param body: the JSON body.
    :raises EditError: for unknown items and invalid changes.
    :raises ValueError: for a body that is not JSON.
    """
    if item_id is None and method == "POST":
        return {"data": editor.create(kind, _json(body))}, 201
    if item_id is not None and variant_id is not None and kind == "products" and method in CHANGING_METHODS:
        return {"data": editor.update_variant(int(item_id), int(variant_id), _json(body))}, 200
    if item_id is not None and variant_id is None and method in CHANGING_METHODS:
        return {"data": editor.update(kind, int(item_id), _json(body))}, 200
    if item_id is not None and variant_id is None and method == "DELETE":
        delete_children = bool(query.boolean("delete_children"))
        return {"deleted": editor.delete(kind, int(item_id), delete_children)}, 200
    return {"error": f"method {method} not allowed here"}, 405


def _json(body: bytes) -> object:
    """Decode a JSON request body (an empty body is ``{}``).

    :param body: the raw body.
    :raises ValueError: when it is not JSON.
    """
    return json.loads(body or b"{}")
