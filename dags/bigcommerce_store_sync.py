"""One Airflow DAG per BigCommerce store in ``include/stores.yaml``: store → search sync.

The DAGs are built by :mod:`bigcommerce_sync.dag_factory`; this file only
reads the store registry, so parsing touches no database, Variable or network.
With ``[bigcommerce_sync] store_dag_shards`` above 1, this file builds shard 0 of the
stores and the files in ``bigcommerce_store_sync_shards/`` the others (docs/scaling.md).
"""

from __future__ import annotations

from bigcommerce_sync.dag_factory import build_store_dags

build_store_dags(shard=0, dag_file=__file__)
