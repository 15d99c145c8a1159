"""Trigger a store sync from another system with the apache-airflow-client package, and wait for it.

With BATCH_ID set, the run claims that Pending batch of your own; otherwise it syncs categories.
"""

from __future__ import annotations

import os
import time

import requests
from airflow_client.client import ApiClient, Configuration
from airflow_client.client.api.dag_run_api import DagRunApi
from airflow_client.client.models.trigger_dag_run_post_body import TriggerDAGRunPostBody

AIRFLOW = os.environ.get("AIRFLOW", "http://localhost:8080")
STORE = os.environ.get("STORE", "demo1store")
RUN_ID = os.environ.get("RUN_ID", f"erp-{int(time.time())}")
DAG_ID = f"bigcommerce_sync_{STORE}"

# The client takes a token; POST /auth/token answers 201 {"access_token": "..."}.
login = {"username": "airflow", "password": "airflow"}
token = requests.post(f"{AIRFLOW}/auth/token", json=login, timeout=30).json()["access_token"]
conf = {"batch_id": int(os.environ["BATCH_ID"])} if "BATCH_ID" in os.environ else {"sync_type": "category"}

with ApiClient(Configuration(host=AIRFLOW, access_token=token)) as client:
    runs = DagRunApi(client)
    body = TriggerDAGRunPostBody(logical_date=None, dag_run_id=RUN_ID, conf=conf)
    run = runs.trigger_dag_run(DAG_ID, body)
    print(f"triggered {run.dag_run_id}: {run.state.value}")
    deadline = time.monotonic() + 600
    while run.state.value not in ("success", "failed") and time.monotonic() < deadline:
        time.sleep(2)
        run = runs.get_dag_run(DAG_ID, RUN_ID)
    print(f"{run.dag_run_id}: {run.state.value}")
