"""``python -m bigcommerce_sync.ops``: the operations view for people without the Airflow UI.

- ``status``: every store's last batch and health, then the batches Processing and Pending;
- ``health [--watch SECONDS] [--alerts-only]``: the latest health of every store (or the open alerts);
- ``trigger STORE [--type T] [--mode M] [--ids 1,2]``: a sync run through Airflow's REST API;
- ``report [--date YYYY-MM-DD]``: the daily report (the stored one of a past day, else built now);
- ``pause BATCH_ID [--wait SECONDS]``, ``resume BATCH_ID``, ``cancel BATCH_ID``: control a sync
  (:mod:`bigcommerce_sync.batch_control`; ``docs/reliability.md``).

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
    for kind in ("processing", "paused", "pending"):
        for b in picture.get(kind, []):
            pausing = " (pause asked for)" if kind == "processing" and b.get("pause_requested_at") else ""
            what = f"#{b['id']} {b['store_hash']} {b['mode']} {b['sync_type']}"
            lines.append(f"{kind}: {what} since {b['created_at']}{pausing}")
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
            + "".join(f"; batch #{i} paused" for i in (h["details"] or {}).get("paused_batches", []))
        )
    return lines or ["no health measured yet (bigcommerce_operations has not run)"]


def airflow_runs():
    """Airflow's REST API with a token for the ``airflow_api`` Connection's user."""
    import requests
    from airflow.sdk import BaseHook

    from bigcommerce_sync.batch_control import AirflowRuns

    connection = BaseHook.get_connection(API_CONN_ID)
    host = connection.host.rstrip("/")
    url = host if "://" in host else f"{connection.schema or 'http'}://{host}:{connection.port or 8080}"
    token = requests.post(
        f"{url}/auth/token", json={"username": connection.login, "password": connection.password}, timeout=30
    )
    token.raise_for_status()
    return AirflowRuns(url, token.json()["access_token"])


def trigger(store_hash: str, conf: dict[str, Any]) -> dict[str, Any]:
    """Trigger the store's sync DAG through the REST API; return the run as the API answers it."""
    from bigcommerce_sync.batch_control import AirflowRunsError
    from bigcommerce_sync.stores import DAG_ID_PREFIX

    try:
        return airflow_runs().trigger(f"{DAG_ID_PREFIX}{store_hash}", conf)
    except AirflowRunsError as error:
        raise SystemExit(str(error)) from None


def control(action: str, batch_id: int, wait: float | None = None) -> int:
    """Pause, resume or cancel a batch; print what happened (exit 1, saying why, when refused)."""
    from bigcommerce_sync import batch_control
    from bigcommerce_sync.batches import BatchControlError, BatchRepository

    repository = BatchRepository()
    repository.migrate()
    try:
        if action == "pause":
            result = batch_control.pause(repository, batch_id)
        elif action == "resume":
            result = batch_control.resume(repository, batch_id, airflow_runs)
        else:
            result = batch_control.cancel(repository, batch_id, airflow_runs, by="the ops command line")
    except BatchControlError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    print(result.message)
    deadline = time.monotonic() + (wait or 0)
    while action == "pause" and time.monotonic() < deadline:
        batch = repository.get(batch_id)
        if batch is None or batch.status != "processing":
            print(f"batch {batch_id} is {batch.status if batch else 'gone'}")
            break
        time.sleep(1)
    return 0


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
    pause = commands.add_parser("pause", help="pause a running full sync at its next page boundary")
    pause.add_argument("batch_id", type=int)
    pause.add_argument("--wait", type=float, metavar="SECONDS", help="wait up to SECONDS for it to be paused")
    for name, what in (
        ("resume", "resume a paused batch (a new run)"),
        ("cancel", "cancel a running or paused batch"),
    ):
        commands.add_parser(name, help=what).add_argument("batch_id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("pause", "resume", "cancel"):
        return control(args.command, args.batch_id, getattr(args, "wait", None))
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
