"""Child process: time one parse of the DAG file, as a fresh DAG-file processor does it.

Payload: ``dag_file``, ``warm`` (also import the project's DAG factory before the
clock starts), ``out``. The registry and the parsing context come from the
environment (``BIGCOMMERCE_SYNC_STORES_FILE``, ``_AIRFLOW_PARSING_CONTEXT_DAG_ID``).

Airflow itself (``airflow``, ``airflow.sdk`` and ``DagBag``) is imported before the
clock starts: a DAG processor has it loaded before it parses any file. Everything
the DAG file imports beyond that is part of the parse.
"""

from __future__ import annotations

import time
from typing import Any

from bench.child import Payload, child_main


def measure(payload: Payload) -> dict[str, Any]:
    """Parse the DAG file once with ``DagBag``; return the seconds, DAGs, tasks and import errors."""
    import airflow.sdk  # noqa: F401  (loaded in a DAG processor before any file is parsed)
    from airflow.dag_processing.dagbag import DagBag

    if payload["warm"]:
        import bigcommerce_sync.dag_factory  # noqa: F401
    started = time.perf_counter()
    bag = DagBag(dag_folder=payload["dag_file"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "dags": len(bag.dags),
        "tasks": sum(len(dag.tasks) for dag in bag.dags.values()),
        "import_errors": {path: str(error)[-500:] for path, error in bag.import_errors.items()},
    }


if __name__ == "__main__":
    child_main(measure)
