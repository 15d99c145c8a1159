"""The ops command line: status, health, alerts, report from the batch store; trigger through the REST API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bigcommerce_sync import ops as cli
from tests.operations.batches import completed, failed, processing
from tests.operations.support import recording_server


def run(capsys, *argv: str) -> list[str]:
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out.splitlines()


def test_status_shows_each_store_s_last_batch_and_what_is_running(ops, repo, capsys, test_registry_file):
    done = completed(repo, "teststore", products=42)
    running = processing(repo, "schedstore")

    lines = run(capsys, "status")

    store_line = next(line for line in lines if line.startswith("teststore "))
    assert f"#{done.id} completed full all" in store_line and " 42 " in store_line
    assert f"processing: #{running.id} schedstore full all since" in "\n".join(lines)


def test_health_alerts_only_and_report(ops, repo, capsys, test_registry_file):
    ops.open_alert("teststore", "stuck", "batch 9 stuck: its run is gone")
    broken = failed(repo, "schedstore", error="HTTP 503")

    assert "teststore: stuck since" in "\n".join(run(capsys, "health", "--alerts-only"))
    report = run(capsys, "report", "--date", datetime.now(UTC).date().isoformat())
    assert f"  failed: batch {broken.id} schedstore full all: first: HTTP 503" in report
    assert report[-1].startswith("(built now from the batch store, not stored")


def test_trigger_posts_the_sync_request_with_a_token_from_the_connection(monkeypatch, capsys):
    run_answer = {"dag_id": "bigcommerce_sync_teststore", "dag_run_id": "manual__1", "state": "queued"}
    answers = {
        "/auth/token": (201, {"access_token": "tok"}),
        "/api/v2/dags/bigcommerce_sync_teststore/dagRuns": (200, run_answer),
    }
    with recording_server(answers) as (port, received):
        api = {"conn_type": "http", "host": f"http://127.0.0.1:{port}", "login": "ops", "password": "s3cret"}
        monkeypatch.setenv("AIRFLOW_CONN_AIRFLOW_API", json.dumps(api))

        lines = run(capsys, "trigger", "teststore", "--type", "product", "--mode", "targeted", "--ids", "3,5")

    assert lines == ["bigcommerce_sync_teststore manual__1: queued"]
    token, trigger = received
    assert token["json"] == {"username": "ops", "password": "s3cret"}
    assert trigger["json"] == {
        "logical_date": None,
        "conf": {"sync_type": "product", "mode": "targeted", "product_ids": [3, 5]},
    }
    assert trigger["headers"]["Authorization"] == "Bearer tok"
