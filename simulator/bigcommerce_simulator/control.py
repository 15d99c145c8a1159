"""The unauthenticated control API under ``/_simulator/``: health, stats, reset, faults and catalog edits.

``POST /_simulator/reset`` clears counters, fault rules and rate-limit windows; with the
body ``{"catalog": true}`` it also drops every catalog edit, so each store serves its
generated catalog again. Catalog edits are described in :mod:`.control_edits`.
``GET|PUT /_simulator/webhooks`` reads or changes the callback delivery settings, and
``GET /_simulator/webhooks/deliveries`` lists every delivery attempt (:mod:`.webhook_delivery`).
"""

from __future__ import annotations

import json
from dataclasses import asdict

from .control_edits import handle_edit
from .query import QueryParams
from .responses import Response, json_response
from .store_state import SimulatorState

CONTROL_PREFIX = "/_simulator/"


def handle_control(
    state: SimulatorState, method: str, path: str, query: QueryParams, body: bytes
) -> Response:
    """Answer a control request.

    :param state: the simulator state.
    :param method: the HTTP method.
    :param path: the request path, starting with :data:`CONTROL_PREFIX`.
    :param query: the query parameters.
    :param body: the request body (JSON for faults, resets and catalog edits).
    """
    endpoint = path[len(CONTROL_PREFIX) :].rstrip("/")
    if (method, endpoint) == ("GET", "health"):
        return json_response({"status": "ok", "stores": sorted(state.stores)})
    if (method, endpoint) == ("GET", "stats"):
        return json_response(
            {"stores": {store_hash: store.stats_snapshot() for store_hash, store in state.stores.items()}}
        )
    if (method, endpoint) == ("POST", "reset"):
        return _reset(state, body)
    if endpoint == "faults":
        return _faults(state, method, body)
    if endpoint.startswith("webhooks"):
        return _webhooks(state, method, endpoint, body)
    if endpoint.startswith("stores/"):
        return handle_edit(state, method, endpoint, query, body)
    if endpoint in ("health", "stats", "reset"):
        return json_response({"error": f"method {method} not allowed"}, 405)
    return json_response({"error": f"unknown control endpoint {path}"}, 404)


def _reset(state: SimulatorState, body: bytes) -> Response:
    """Clear counters, faults and quotas; with ``{"catalog": true}`` also drop every catalog edit.

    :param state: the simulator state.
    :param body: empty, or a JSON object with an optional boolean ``catalog``.
    """
    try:
        options = json.loads(body or b"{}")
    except ValueError as error:
        return json_response({"error": f"the body must be JSON: {error}"}, 400)
    if not isinstance(options, dict) or not isinstance(options.get("catalog", False), bool):
        return json_response({"error": 'the body must be {"catalog": true|false}'}, 400)
    state.reset(catalog=options.get("catalog", False))
    return json_response({"status": "reset", "catalog": options.get("catalog", False)})


def _webhooks(state: SimulatorState, method: str, endpoint: str, body: bytes) -> Response:
    """The delivery settings (GET, PUT a partial object) and the delivery log (GET ``deliveries``).

    :param state: the simulator state.
    :param method: the HTTP method.
    :param endpoint: ``webhooks`` or ``webhooks/deliveries``.
    :param body: the settings to change, for PUT.
    """
    dispatcher = state.webhooks
    if (method, endpoint) == ("GET", "webhooks/deliveries"):
        return json_response({"deliveries": dispatcher.deliveries()})
    if (method, endpoint) == ("GET", "webhooks"):
        return json_response({"settings": asdict(dispatcher.settings)})
    if (method, endpoint) == ("PUT", "webhooks"):
        try:
            changes = json.loads(body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object of settings")
            return json_response({"settings": asdict(dispatcher.configure(changes))})
        except (ValueError, TypeError) as error:
            return json_response({"error": str(error)}, 400)
    return json_response({"error": f"{method} /_simulator/{endpoint} is not served"}, 405)


def _faults(state: SimulatorState, method: str, body: bytes) -> Response:
    """List (GET), add (POST) or clear (DELETE) fault rules.

    :param state: the simulator state.
    :param method: the HTTP method.
    :param body: the JSON rule for POST.
    """
    if method == "GET":
        return json_response({"faults": state.faults.describe()})
    if method == "DELETE":
        state.faults.clear()
        return json_response({"faults": []})
    if method != "POST":
        return json_response({"error": f"method {method} not allowed"}, 405)
    try:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        rule = state.faults.add(data, set(state.stores))
    except ValueError as error:
        return json_response({"error": str(error)}, 400)
    return json_response({"fault": rule.to_dict()}, 201)
