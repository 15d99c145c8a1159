"""The searchable-values DAG: every store's field values (brands, categories, options…) into search, daily.

Built by :mod:`bigcommerce_sync.values_dag` from the store registry (read only, at parse time).
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from bigcommerce_sync.values_dag import VALUES_DAG_ID, build_values_dag

if get_parsing_context().dag_id in (None, VALUES_DAG_ID):
    build_values_dag()
