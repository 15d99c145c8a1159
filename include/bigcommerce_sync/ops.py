"""``python -m bigcommerce_sync.ops``: the operations view for people without the Airflow UI.

- ``status``: every store's last batch and health, then the batches Processing and Pending;
- ``health [--watch SECONDS] [--alerts-only]``: the latest health of every store (or the open alerts);
- ``trigger STORE [--type T] [--mode M] [--ids 1,2]``: a sync run through Airflow's REST API;
- ``report [--date YYYY-MM-DD]``: the daily report (the stored one of a past day, else built now).

It reads the batch store through the ``sync_db`` Connection and calls the REST API with the
``airflow_api`` Connection (an ``http`` connection: the API server's URL as host, a user's login
and password), e.g. ``AIRFLOW_CONN_AIRFLOW_API='{"conn_type": "http", "host": "http://localhost:8080",
"login": "…", "password": "…"}'``. Secrets stay in Connections.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

API_CONN_ID = "airflow_api"


def _stores() -> list[str]:
    from bigcommerce_sync.stores import load_registry

    return [store.store_hash for store in load_registry().stores]


def _repository():
    from bigcommerce_sync.ops_store import OperationsRepository

    ops = OperationsRepository()
    ops.migrate()
    return ops


def _duration(seconds: float | None) -> str:
    return "-" if seconds is None else str(timedelta(seconds=round(seconds)))


def status_lines(picture: dict[str, Any]) -> list[str]:
    """The overview as a table: one line per store, then the Processing and Pending batches."""
    lines = [f"{'store':<16} {'last batch':<28} {'duration':>9} {'documents':>9}  health"]
    for store in picture["stores"]:
        last, health = store["last_batch"], store["health"]
        batch = (
            f"#{last['id']} {last['status']} {last['mode']} {last['sync_type']}" if last else "never synced"
        )
        lines.append(
            f"{store['store_hash']:<16} {batch:<28} {_duration(last and last['duration_seconds']):>9} "
            f"{last['documents'] if last else '-':>9}  "
            + (f"{health['level']} ({health['score']})" if health else "not measured")
        )
    for kind in ("processing", "pending"):
        for b in picture[kind]:
            lines.append(
                f"{kind}: #{b['id']} {b['store_hash']} {b['mode']} {b['sync_type']} since {b['created_at']}"
            )
    return lines


def health_lines(ops: Any, stores: list[str], *, alerts_only: bool) -> list[str]:
    if alerts_only:
        alerts = ops.alerts(open_only=True)
        return [
            f"{a.store_hash}: {a.condition} since {a.opened_at:%Y-%m-%d %H:%M} UTC: {a.message}"
            for a in alerts
        ] or ["no open alerts"]
    lines = []
    for store_hash, h in sorted(ops.latest_health(stores).items()):
        rate = "-" if h["failure_rate"] is None else f"{h['failure_rate']:.0%}"
        lines.append(
            f"{store_hash}: {h['level']} {h['score']}/100; coverage {h['coverage']:.1%}, freshness "
            f"{h['freshness']:.0%}, quality {h['quality']:.0%}, failure rate {rate} "
            f"(measured {h['measured_at']:%H:%M} UTC)"
        )
    return lines or ["no health measured yet (bigcommerce_operations has not run)"]


def trigger(store_hash: str, conf: dict[str, Any]) -> dict[str, Any]:
    """Trigger the store's sync DAG through the REST API; return the run as the API answers it."""
    import requests
    from airflow.sdk import BaseHook

    from bigcommerce_sync.stores import DAG_ID_PREFIX

    connection = BaseHook.get_connection(API_CONN_ID)
    host = connection.host.rstrip("/")
    url = host if "://" in host else f"{connection.schema or 'http'}://{host}:{connection.port or 8080}"
    token = requests.post(
        f"{url}/auth/token", json={"username": connection.login, "password": connection.password}, timeout=30
    )
    token.raise_for_status()
    answer = requests.post(
        f"{url}/api/v2/dags/{DAG_ID_PREFIX}{store_hash}/dagRuns",
        json={"logical_date": None, "conf": conf},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=30,
    )
    if not answer.ok:
        raise SystemExit(f"HTTP {answer.status_code}: {answer.text}")
    return answer.json()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_sync.ops", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="every store's last batch and health; batches processing and pending")
    health = commands.add_parser("health", help="the latest health of every store")
    health.add_argument("--watch", type=float, metavar="SECONDS", help="print again every SECONDS")
    health.add_argument("--alerts-only", action="store_true", help="only the open alerts")
    run = commands.add_parser("trigger", help="trigger a store's sync through the REST API")
    run.add_argument("store")
    run.add_argument("--type", dest="sync_type", help="all, product, category, blog, stop_words, synonyms")
    run.add_argument("--mode", help="full, incremental or targeted")
    run.add_argument("--ids", help="product ids for a targeted sync, comma-separated")
    report = commands.add_parser("report", help="the daily operations report")
    report.add_argument("--date", type=date.fromisoformat, help="the UTC day (default: yesterday)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "trigger":
        conf = {k: v for k, v in (("sync_type", args.sync_type), ("mode", args.mode)) if v}
        if args.ids:
            conf["product_ids"] = [int(i) for i in args.ids.split(",")]
        run = trigger(args.store, conf)
        print(f"{run['dag_id']} {run['dag_run_id']}: {run['state']}")
        return 0
    ops, stores = _repository(), _stores()
    if args.command == "status":
        from bigcommerce_sync.ops_overview import overview

        print("\n".join(status_lines(overview(ops, stores, datetime.now(UTC)))))
    elif args.command == "health":
        while True:
            print("\n".join(health_lines(ops, stores, alerts_only=args.alerts_only)), flush=True)
            if not args.watch:
                break
            time.sleep(args.watch)
    else:
        from bigcommerce_sync.ops_report import collect_report, report_lines

        today = datetime.now(UTC).date()
        day = args.date or today - timedelta(days=1)
        stored = ops.report(day) if day < today else None  # a day not over yet is read as it is now
        print("\n".join(report_lines(stored or collect_report(ops, day, stores))))
        if stored is None:
            print(f"(built now from the batch store, not stored: no stored report of {day} to show)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
