"""Operations: stuck batches, store health, alerts and first syncs every 5 minutes; a daily report.

Built by :mod:`bigcommerce_sync.operations_dag` from the store registry (read only, at parse time;
once for both DAGs).
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from bigcommerce_sync.operations_dag import (
    OPERATIONS_DAG_ID,
    REPORT_DAG_ID,
    build_operations_dag,
    build_report_dag,
)
from bigcommerce_sync.stores import load_registry

wanted = get_parsing_context().dag_id
if wanted in (None, OPERATIONS_DAG_ID, REPORT_DAG_ID):
    registry = load_registry()
    if wanted in (None, OPERATIONS_DAG_ID):
        build_operations_dag(registry)
    if wanted in (None, REPORT_DAG_ID):
        build_report_dag(registry)
