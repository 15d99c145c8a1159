"""Many stores synced at once on a live Airflow, and what their task instances show.

The Celery end-to-end test and the benchmark's Celery section both trigger every store's DAG
through the REST API at the same moment, wait for the runs, and read back each run's task
instances: which worker ran them (``hostname``), when (``start_date``, ``end_date``), in which pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from bigcommerce_sync_dev.local_airflow import LocalAirflow, wait_until

FINISHED = ("success", "failed")


@dataclass(frozen=True)
class StoreRun:
    """One store's run: the API's view of it and of its task instances."""

    store_hash: str
    run: dict[str, Any]
    task_instances: list[dict[str, Any]]

    @property
    def seconds(self) -> float:
        """From the run's start to its end."""
        return (instant(self.run["end_date"]) - instant(self.run["start_date"])).total_seconds()


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def sync_at_once(
    airflow: LocalAirflow, store_hashes: Sequence[str], conf: dict[str, Any], *, timeout: float
) -> list[StoreRun]:
    """Unpause every store's sync DAG, trigger them back to back, wait until every run has ended.

    :param airflow: the running Airflow; the DAGs must be parsed (the other DAGs stay as they are).
    :param store_hashes: the stores, one DAG each (``bigcommerce_sync_<store_hash>``).
    :param conf: every run's conf, e.g. ``{"sync_type": "all"}``.
    :param timeout: seconds for all of them to end.
    """
    session = requests.Session()
    session.headers.update(airflow.auth_headers())
    api = f"{airflow.url}/api/v2/dags"
    run_ids = {}
    for store_hash in store_hashes:
        session.patch(
            f"{api}/bigcommerce_sync_{store_hash}", json={"is_paused": False}, timeout=30
        ).raise_for_status()
    for store_hash in store_hashes:
        answer = session.post(
            f"{api}/bigcommerce_sync_{store_hash}/dagRuns",
            json={"logical_date": None, "conf": conf},
            timeout=30,
        )
        answer.raise_for_status()
        run_ids[store_hash] = answer.json()["dag_run_id"]

    def runs() -> dict[str, dict[str, Any]]:
        airflow.raise_if_exited()
        return {
            store_hash: session.get(
                f"{api}/bigcommerce_sync_{store_hash}/dagRuns/{run_id}", timeout=30
            ).json()
            for store_hash, run_id in run_ids.items()
        }

    ended = wait_until(
        runs,
        lambda seen: all(run.get("state") in FINISHED for run in seen.values()),
        timeout=timeout,
        what=f"the end of {len(run_ids)} runs",
        interval=2.0,
    )
    return [
        StoreRun(
            store_hash,
            run,
            session.get(
                f"{api}/bigcommerce_sync_{store_hash}/dagRuns/{run['dag_run_id']}/taskInstances",
                params={"limit": 100},
                timeout=30,
            ).json()["task_instances"],
        )
        for store_hash, run in ended.items()
    ]


def peak_overlap(task_instances: Iterable[dict[str, Any]]) -> int:
    """The most task instances that were running at the same moment (from their start and end dates)."""
    events = []
    for ti in task_instances:
        if ti.get("start_date") and ti.get("end_date"):
            # At equal times an end comes before a start: a slot freed is taken by the next task.
            events += [(instant(ti["start_date"]), 1), (instant(ti["end_date"]), -1)]
    peak = running = 0
    for _, change in sorted(events):
        running += change
        peak = max(peak, running)
    return peak
