"""The webhook applier DAG: stores' pending webhook events into their live indexes, within seconds.

Built by :mod:`bigcommerce_sync.webhooks.applier_dag` from the store registry (read only, at
parse time); started by an asset watcher in the triggerer, never by a schedule.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from bigcommerce_sync.webhooks.applier_dag import APPLIER_DAG_ID, build_applier_dag

if get_parsing_context().dag_id in (None, APPLIER_DAG_ID):
    build_applier_dag()
