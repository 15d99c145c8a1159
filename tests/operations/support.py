"""What the operations tests share: a local webhook receiver, its Connection, a DAG run's task results."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_CONN_ID = "ops_test_webhook"


@contextmanager
def recording_server(
    answers: dict[str, tuple[int, Any]] | None = None,
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """A local HTTP server that keeps every JSON request POSTed to it (path, headers, body) and answers
    each path as ``answers`` says (204 with no body otherwise); yields its port and the requests."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server interface)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "headers": dict(self.headers), "json": body})
            status, answer = (answers or {}).get(self.path, (204, None))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if answer is not None:
                self.wfile.write(json.dumps(answer).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        thread.join()


def bodies(requests: list[dict[str, Any]]) -> list[Any]:
    """The JSON bodies of the requests a :func:`recording_server` received, in order."""
    return [request["json"] for request in requests]


def webhook_connection(port: int) -> str:
    return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"})


def task_results(dag: Any, dag_run: Any) -> dict[str, Any]:
    """Each task's XCom (a list for mapped tasks, in map order) and state, after ``dag.test()``."""
    results: dict[str, Any] = {}
    for ti in sorted(dag_run.get_task_instances(), key=lambda ti: (ti.task_id, ti.map_index)):
        value = ti.xcom_pull(task_ids=ti.task_id, map_indexes=ti.map_index)
        state = str(getattr(ti.state, "value", ti.state))
        if ti.map_index >= 0:
            results.setdefault(ti.task_id, []).append((state, value))
        else:
            results[ti.task_id] = (state, value)
    return results
