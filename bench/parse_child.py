"""Child process: time the parse of each DAG file of a folder as Airflow's DAG processor does it.

Payload: ``dags_folder``, ``files`` (paths in it, parsed in this order after a first parse of
the first one with the registry cache empty), ``repeat`` (how many of the slowest files are
parsed twice more: a file's time is its fastest of three), ``one_dag``
(optional: ``{"file", "dag_id"}``, a worker's parse of one DAG), ``out``. The registry, the
shard count and the cache directory come from the environment.

This process plays the DAG processor's manager: Airflow (``airflow.sdk`` and the processor
module, with ``DagBag`` and the serializer) is loaded before any clock starts, and each parse
runs in a process forked from it, as the manager forks one per file. A parse is the
processor's own ``_parse_file``: ``DagBag`` on the file, then every DAG serialized. Whatever
the file imports beyond Airflow is part of it. The worker's parse is ``DagBag`` on the file
with the parsing context set, the project's modules loaded first (``one_dag_s``) or not
(``one_dag_cold_s``).
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.child import Payload, child_main, cpu_seconds


def measure(payload: Payload) -> dict[str, Any]:
    """Parse every file once, the slowest again; then a worker's one DAG."""
    import airflow.dag_processing.processor  # noqa: F401
    import airflow.sdk  # noqa: F401  (loaded in the DAG processor before any file is parsed)

    gc.freeze()  # as the manager does before forking: a child's collections skip what it inherited
    folder = Path(payload["dags_folder"])
    result: dict[str, Any] = {}
    if payload["files"]:
        # The first file once more before the others: the first parse after the registry
        # changed, which also splits it into the cache.
        result["first"] = _forked(lambda: _processor_parse(folder, payload["files"][0]))
    files: dict[str, dict[str, Any]] = {}
    for path in payload["files"]:
        files[path] = _forked(lambda path=path: _processor_parse(folder, path))
    slowest = sorted(files, key=lambda path: files[path]["seconds"], reverse=True)[: payload["repeat"]]
    for path in slowest:
        for _ in range(2):
            again = _forked(lambda path=path: _processor_parse(folder, path))
            files[path]["seconds"] = min(files[path]["seconds"], again["seconds"])
            files[path]["cpu_s"] = min(files[path]["cpu_s"], again["cpu_s"])
    result["files"] = files
    if one := payload.get("one_dag"):
        result["one_dag"] = _forked(lambda: _worker_parse(one["file"], one["dag_id"], warm=True))
        result["one_dag_cold"] = _forked(lambda: _worker_parse(one["file"], one["dag_id"], warm=False))
    return result


def _processor_parse(folder: Path, path: str) -> dict[str, Any]:
    """What the DAG processor's child does with one file; the seconds it takes, and what it found."""
    import structlog
    from airflow.dag_processing.processor import DagFileParseRequest, _parse_file

    request = DagFileParseRequest(file=path, bundle_path=folder, bundle_name="dags-folder")
    started, cpu = time.perf_counter(), cpu_seconds()
    result = _parse_file(request, structlog.get_logger())
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert result is not None
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "dags": len(result.serialized_dags),
        "tasks": sum(len(dag.data["dag"]["tasks"]) for dag in result.serialized_dags),
        "import_errors": {name: str(error)[-500:] for name, error in result.import_errors.items()},
    }


def _worker_parse(path: str, dag_id: str, *, warm: bool) -> dict[str, Any]:
    """A worker's parse of ``path`` for ``dag_id``: ``DagBag`` with the parsing context set."""
    from airflow.dag_processing.dagbag import DagBag

    os.environ["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = dag_id
    if warm:
        import bigcommerce_sync.dag_factory  # noqa: F401
    started, cpu = time.perf_counter(), cpu_seconds()
    bag = DagBag(dag_folder=path)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "dags": sorted(bag.dags),
        "import_errors": {name: str(error)[-500:] for name, error in bag.import_errors.items()},
    }


def _forked(parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``parse`` in a forked child, as the DAG processor runs each parse; return its result."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, write the result, leave without running any exit handler
        os.close(reading)
        status = 0
        try:
            data = json.dumps(parse()).encode()
        except BaseException as error:  # reported by the parent
            data, status = json.dumps({"error": f"{type(error).__name__}: {error}"}).encode(), 1
        with os.fdopen(writing, "wb") as sink:
            sink.write(data)
        os._exit(status)
    os.close(writing)
    with os.fdopen(reading, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    result = json.loads(data or b'{"error": "the child died without a result"}')
    if "error" in result:
        raise RuntimeError(f"parse failed in the forked child: {result['error']}")
    return result


if __name__ == "__main__":
    child_main(measure)
