"""The operations dashboard: a page in the Airflow UI and its JSON, served by the api-server.

A FastAPI app the plugin mounts under :data:`URL_PREFIX`, behind Airflow's own authentication
(every route depends on ``requires_access_view(AccessView.PLUGINS)``: a Bearer token or the UI's
session cookie, so the page works in the UI's iframe and anonymous calls get 401). The page is
rendered on the server (Jinja, ``templates/dashboard.html``, an inline SVG chart): nothing to
build, no script to load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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


def render(picture: dict[str, Any]) -> str:
    return PAGE.render(p=picture, c=CHART, chart=chart(picture))


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
    from fastapi.responses import HTMLResponse

    app = FastAPI(
        title="BigCommerce sync operations", dependencies=[Depends(requires_access_view(AccessView.PLUGINS))]
    )

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return render(current_picture())

    @app.get("/overview.json")
    def data() -> dict[str, Any]:
        return current_picture()

    return app


# The plugin's ``fastapi_apps`` entry.
FASTAPI_APP = {"app": create_app(), "url_prefix": URL_PREFIX, "name": "BigCommerce sync dashboard"}
