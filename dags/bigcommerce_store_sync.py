"""One Airflow DAG per BigCommerce store in ``include/stores.yaml``: store → search sync.

The DAGs are built by :mod:`bigcommerce_sync.dag_factory`; this file only
reads the store registry, so parsing touches no database, Variable or network.
"""

from __future__ import annotations

from bigcommerce_sync.dag_factory import build_store_dags

build_store_dags()
