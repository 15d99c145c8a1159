"""The unauthenticated control API under ``/_simulator/``: health, stats, reset and faults."""

from __future__ import annotations

import json

from .responses import Response, json_response
from .store_state import SimulatorState

CONTROL_PREFIX = "/_simulator/"


def handle_control(state: SimulatorState, method: str, path: str, body: bytes) -> Response:
    """Answer a control request.

    :param state: the simulator state.
    :param method: the HTTP method.
    :param path: the request path, starting with :data:`CONTROL_PREFIX`.
    :param body: the request body (JSON for ``POST /_simulator/faults``).
    """
    endpoint = path[len(CONTROL_PREFIX) :].rstrip("/")
    if (method, endpoint) == ("GET", "health"):
        return json_response({"status": "ok", "stores": sorted(state.stores)})
    if (method, endpoint) == ("GET", "stats"):
        return json_response(
            {"stores": {store_hash: store.stats.snapshot() for store_hash, store in state.stores.items()}}
        )
    if (method, endpoint) == ("POST", "reset"):
        state.reset()
        return json_response({"status": "reset"})
    if endpoint == "faults":
        return _faults(state, method, body)
    if endpoint in ("health", "stats", "reset"):
        return json_response({"error": f"method {method} not allowed"}, 405)
    return json_response({"error": f"unknown control endpoint {path}"}, 404)


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
