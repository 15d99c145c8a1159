"""The webhook registration DAG: each webhook store's hooks on BigCommerce kept right, daily.

Built by :mod:`bigcommerce_sync.webhooks.registration_dag` from the store registry (read only,
at parse time).
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from bigcommerce_sync.webhooks.registration_dag import REGISTRATION_DAG_ID, build_registration_dag

if get_parsing_context().dag_id in (None, REGISTRATION_DAG_ID):
    build_registration_dag()
