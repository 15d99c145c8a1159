"""The operations dashboard: a page in the Airflow UI and its JSON, served by the api-server.

A FastAPI app the plugin mounts under :data:`URL_PREFIX`, behind Airflow's own authentication
(every route depends on ``requires_access_view(AccessView.PLUGINS)``: a Bearer token or the UI's
session cookie, so the page works in the UI's iframe and anonymous calls get 401). The page is
rendered on the server (Jinja, ``templates/dashboard.html``, an inline SVG chart): nothing to
build, no script to load.

``POST /batches/{id}/pause|resume|cancel`` control a sync (:mod:`bigcommerce_sync.batch_control`)
for the page's buttons (plain HTML forms: answered with a redirect back to the page) and for other
systems (JSON: ``{"batch_id", "action", "status", "message", "run_id"}``; 404 for a batch that does
not exist, 409 for one whose state does not allow it, 502 when Airflow's REST API refused). A resume,
and the cancel of a running batch, call Airflow's REST API with the caller's own token, so Airflow
applies the caller's permissions to the run it starts or marks failed; a pause and the cancel of a
paused batch need the caller to be allowed to edit the store DAG's runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

# Module-level: FastAPI resolves the endpoints' string annotations (``from __future__``) here.
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Request
from jinja2 import Environment, PackageLoader

if TYPE_CHECKING:
    from fastapi import FastAPI

URL_PREFIX = "/bigcommerce-ops"
NAV_ENTRY = {
    "name": "BigCommerce sync",
    "href": f"{URL_PREFIX}/",
    "url_route": "bigcommerce-ops",
    "destination": "nav",
    "category": "browse",
}
CHART = {"width": 720, "height": 160, "bar": 14, "gap": 4, "legend_columns": 4}
PALETTE = ("#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2")

PAGE = Environment(loader=PackageLoader("bigcommerce_sync"), autoescape=True).get_template("dashboard.html")


def chart(picture: dict[str, Any]) -> dict[str, Any]:
    """The bars (one per completed sync, scaled to the longest) and legend of the durations chart."""
    runs = [(i, s["store_hash"], d) for i, s in enumerate(picture["stores"]) for d in s["durations_30d"]]
    runs.sort(key=lambda run: run[2]["finished_at"])
    runs = runs[-(CHART["width"] // (CHART["bar"] + CHART["gap"])) :]
    longest = max((d["seconds"] or 0 for _, _, d in runs), default=0) or 1
    bars = []
    for position, (i, store, d) in enumerate(runs):
        height = max(2, round(CHART["height"] * (d["seconds"] or 0) / longest))
        bars.append(
            {
                "x": position * (CHART["bar"] + CHART["gap"]),
                "y": CHART["height"] - height,
                "h": height,
                "color": PALETTE[i % len(PALETTE)],
                "store": store,
                "batch_id": d["batch_id"],
                "seconds": round(d["seconds"] or 0, 1),
            }
        )
    columns = CHART["legend_columns"]
    legend = [
        {
            "x": i % columns * (CHART["width"] // columns),
            "y": CHART["height"] + 16 + i // columns * 18,
            "color": PALETTE[i % len(PALETTE)],
            "store": s["store_hash"],
            "rate": "–" if s["success_rate_30d"] is None else f"{s['success_rate_30d']:.0%} succeeded",
        }
        for i, s in enumerate(picture["stores"])
    ]
    return {"bars": bars, "legend": legend, "height": CHART["height"] + 24 + -(-len(legend) // columns) * 18}


def render(picture: dict[str, Any], notice: str | None = None) -> str:
    return PAGE.render(p=picture, c=CHART, chart=chart(picture), notice=notice, prefix=URL_PREFIX)


def current_picture(batch_db_conn_id: str | None = None) -> dict[str, Any]:
    """The overview of the registry's stores, read now from the batch store."""
    from bigcommerce_sync.batches import BATCH_DB_CONN_ID
    from bigcommerce_sync.ops_overview import overview
    from bigcommerce_sync.ops_store import OperationsRepository
    from bigcommerce_sync.stores import load_registry

    ops = OperationsRepository(batch_db_conn_id or BATCH_DB_CONN_ID)
    ops.migrate()
    stores = [store.store_hash for store in load_registry().stores]
    return overview(ops, stores, datetime.now(UTC))


def create_app() -> FastAPI:
    """The dashboard app: ``/`` (the page) and ``/overview.json``, both behind Airflow's login."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view
    from fastapi import Depends, FastAPI
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

    app = FastAPI(
        title="BigCommerce sync operations", dependencies=[Depends(requires_access_view(AccessView.PLUGINS))]
    )

    @app.get("/", response_class=HTMLResponse)
    def page(notice: str | None = None) -> str:
        return render(current_picture(), notice)

    @app.get("/overview.json")
    def data() -> dict[str, Any]:
        return current_picture()

    @app.post("/batches/{batch_id}/{action}")
    def control(batch_id: int, action: str, request: Request, user: GetUserDep) -> Response:
        from urllib.parse import quote

        status, body = control_batch(batch_id, action, request, user)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return RedirectResponse(f"{URL_PREFIX}/?notice={quote(body['message'])}", status_code=303)
        return JSONResponse(body, status_code=status)

    return app


def control_batch(batch_id: int, action: str, request: Any, user: Any) -> tuple[int, dict[str, Any]]:
    """Pause, resume or cancel a batch for the dashboard's caller; the HTTP status and the JSON answer."""
    from bigcommerce_sync import batch_control
    from bigcommerce_sync.batches import BatchControlError, BatchNotFoundError, BatchRepository

    if action not in batch_control.ACTIONS:
        return 404, {"message": f"no action {action!r}: {', '.join(batch_control.ACTIONS)}"}
    repository = BatchRepository()
    repository.migrate()
    batch = repository.get(batch_id)
    try:
        if batch is None:
            raise BatchNotFoundError(f"batch {batch_id} does not exist")

        def runs() -> Any:
            return batch_control.AirflowRuns(_server_url(request), _caller_token(request))

        if action == "resume":
            result = batch_control.resume(repository, batch_id, runs)
        else:
            _require_run_edit(user, batch.dag_id or f"bigcommerce_sync_{batch.store_hash}")
            if action == "pause":
                result = batch_control.pause(repository, batch_id)
            else:
                result = batch_control.cancel(repository, batch_id, runs, by=f"{user.get_name()} (dashboard)")
    except BatchNotFoundError as error:
        return 404, {"batch_id": batch_id, "action": action, "message": str(error)}
    except batch_control.AirflowRunsError as error:
        return 502, {"batch_id": batch_id, "action": action, "message": str(error)}
    except BatchControlError as error:
        return 409, {"batch_id": batch_id, "action": action, "message": str(error)}
    return 200, result.to_json()


def _require_run_edit(user: Any, dag_id: str) -> None:
    """Refuse (403) a caller who may not edit the DAG's runs: a pause or cancel acts on a run."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
    from fastapi import HTTPException

    allowed = get_auth_manager().is_authorized_dag(
        method="PUT", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
    )
    if not allowed:
        raise HTTPException(status_code=403, detail=f"not allowed to change the runs of {dag_id}")


def _caller_token(request: Any) -> str:
    """The caller's own access token: the Bearer header, else the UI's session cookie."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials if scheme.lower() == "bearer" else request.cookies.get(COOKIE_NAME_JWT_TOKEN, "")


def _server_url(request: Any) -> str:
    """This api-server's own URL, as the caller reached it (the REST API is served beside the plugin)."""
    return f"{request.url.scheme}://{request.url.netloc}"


# The plugin's ``fastapi_apps`` entry.
FASTAPI_APP = {"app": create_app(), "url_prefix": URL_PREFIX, "name": "BigCommerce sync dashboard"}
