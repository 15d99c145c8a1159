"""The Airflow REST API (v2) as another system calls it: a bearer token and plain HTTP."""

from __future__ import annotations

from typing import Any

import requests

from bigcommerce_sync_dev.local_airflow import wait_until

FINISHED_RUN_STATES = {"success", "failed"}
FINISHED_TASK_STATES = {"success", "failed", "skipped", "upstream_failed", "removed"}
RUN_TIMEOUT = 240.0


class AirflowApi:
    """Calls ``/api/v2`` of one Airflow with a token from ``POST /auth/token``.

    :param url: the api-server's base URL.
    :param token: the ``access_token`` to send as ``Authorization: Bearer``.
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request to ``/api/v2/<path>`` and return the response, whatever its status."""
        return self.session.request(method, f"{self.url}/api/v2/{path}", timeout=60, **kwargs)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET ``/api/v2/<path>`` and return its JSON; any status but 200 raises."""
        response = self.call("GET", path, params=params)
        response.raise_for_status()
        return response.json()

    def trigger(self, dag_id: str, conf: dict[str, Any], run_id: str | None = None) -> requests.Response:
        """``POST .../dagRuns`` as the README shows it: no logical date, the sync request as conf."""
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if run_id is not None:
            body["dag_run_id"] = run_id
        return self.call("POST", f"dags/{dag_id}/dagRuns", json=body)

    def set_paused(self, dag_id: str, paused: bool) -> dict[str, Any]:
        response = self.call("PATCH", f"dags/{dag_id}", json={"is_paused": paused})
        response.raise_for_status()
        return response.json()

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.get(f"dags/{dag_id}/dagRuns/{run_id}")

    def dag_runs(self, dag_id: str, **filters: Any) -> list[dict[str, Any]]:
        """Return the DAG's runs, oldest first, filtered as the API allows (e.g. ``run_type``)."""
        return self.get(f"dags/{dag_id}/dagRuns", order_by="run_after", limit=100, **filters)["dag_runs"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
        """Poll the run until it succeeds or fails; return it."""

        return wait_until(
            lambda: self.dag_run(dag_id, run_id),
            lambda run: run["state"] in FINISHED_RUN_STATES,
            timeout=timeout,
            what=f"end of run {run_id} of {dag_id}",
            interval=1.0,
        )

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """Return ``{task_id: state}`` of the run's task instances (grouped ids, e.g. ``import.products``)."""
        found = self.get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100)["task_instances"]
        return {ti["task_id"]: ti["state"] for ti in found}

    def wait_for_task(
        self, dag_id: str, run_id: str, task_id: str, states: set[str], timeout: float = RUN_TIMEOUT
    ) -> dict[str, str | None]:
        """Poll until the task is in one of ``states``; return the states of all the run's tasks."""
        return wait_until(
            lambda: self.task_states(dag_id, run_id),
            lambda seen: seen.get(task_id) in states,
            timeout=timeout,
            what=f"{task_id} in {sorted(states)}",
        )

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> list[dict[str, Any]]:
        """Return a task try's log as the UI gets it: structured events (``event``, ``level``, ...)."""
        path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        return self.get(path)["content"]
