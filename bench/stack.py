"""The dev stack of a benchmark run, and the child processes that do the measuring.

One :class:`DevStack` serves the whole run: the simulator with every bench store, one
Elasticsearch node (or ``$ELASTICSEARCH_URL``'s cluster) and a fresh batch-store
database, so per-document failures are recorded as in a real run. Each measurement
starts with no bench index on the cluster (they are deleted before it), so the
measurements stay comparable without a fresh engine each time.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
import yaml

from bench.settings import BenchStore
from bigcommerce_simulator import SimulatorAdmin, StoreSpec
from bigcommerce_sync_dev.stack import DevStack

REPO_ROOT = Path(__file__).resolve().parents[1]
DAG_FILE = REPO_ROOT / "dags" / "bigcommerce_store_sync.py"
BATCH_DB = "bigcommerce_sync_bench"
# Every index a measurement creates: the bench stores' versions and the Singer peer's index.
BENCH_INDEX_PATTERNS = ("bc_bench*", "bench-*")
# An index that stores documents without indexing any field: the engine then only parses and stores.
STORE_ONLY_BODY = {
    "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}},
    "mappings": {"dynamic": "false", "properties": {}},
}


CHILD_ENVIRONMENT = {"AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says which and shows its log."""


def airflow_environment(home: Path) -> dict[str, str]:
    """Environment for a throwaway Airflow home, set before Airflow is first imported."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FILE.parent),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",  # this process; children log at INFO, as workers do
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }


def write_registry(path: Path, entries: Sequence[dict[str, object]]) -> Path:
    """Write a ``stores.yaml`` with ``entries``; return its path."""
    path.write_text(yaml.safe_dump({"stores": list(entries)}, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class SearchEngine:
    """The run's Elasticsearch cluster: its URL and version, and its CPU time so far."""

    url: str
    version: str

    def cpu_seconds(self) -> float:
        """CPU seconds the cluster's nodes have used since they started (``_nodes/stats/process``).

        Read through the API rather than from a local process, so it works for
        ``$ELASTICSEARCH_URL`` too and counts the server JVM, not its launcher.
        """
        response = requests.get(f"{self.url}/_nodes/stats/process", timeout=30)
        response.raise_for_status()
        nodes = response.json()["nodes"].values()
        return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000


class Stack:
    """The dev stack serving ``stores``, an Airflow home and the bench registry.

    :param workdir: a scratch directory for this run (Airflow home, registry, logs).
    :param stores: the bench stores.
    """

    def __init__(self, workdir: Path, stores: Sequence[BenchStore]) -> None:
        self.workdir = workdir
        self.stores = list(stores)
        self.token = secrets.token_urlsafe(24)
        self.batch_ids: dict[str, int] = {}
        self._exit = ExitStack()
        self._dev: DevStack | None = None

    @property
    def dev(self) -> DevStack:
        assert self._dev is not None, "the stack is not running"
        return self._dev

    @property
    def admin(self) -> SimulatorAdmin:
        return self.dev.simulator.admin

    @property
    def api_url(self) -> str:
        return self.dev.simulator.url

    @property
    def engine(self) -> SearchEngine:
        return SearchEngine(self.dev.search.url, self.dev.search.version)

    def __enter__(self) -> Stack:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        os.environ.update(airflow_environment(self.workdir / "airflow"))
        registry = write_registry(self.workdir / "stores.yaml", [s.registry_entry() for s in self.stores])
        os.environ["BIGCOMMERCE_SYNC_STORES_FILE"] = str(registry)
        specs = [StoreSpec(s.store_hash, self.token, s.catalog, s.quota, s.window_ms) for s in self.stores]
        with ExitStack() as starting:
            starting.push(self._exit)  # a failed start stops what did start
            self._dev = self._exit.enter_context(DevStack(specs, databases=[BATCH_DB]))
            os.environ.update(self._dev.connections(batch_db=BATCH_DB))
            self._exit.callback(self.delete_bench_indexes)  # a cluster of $ELASTICSEARCH_URL outlives us
            self._create_batches()
            starting.pop_all()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._exit.close()

    def _create_batches(self) -> None:
        """Migrate the fresh batch-store database and create one batch per bench store."""
        from bigcommerce_sync.batches import BatchRepository

        repository = BatchRepository()
        repository.migrate()
        for store in self.stores:
            batch = repository.create_pending(store_hash=store.store_hash, sync_type="all", mode="full")
            self.batch_ids[store.store_hash] = batch.id

    def delete_bench_indexes(self) -> None:
        """Delete every index a measurement created (by name: clusters refuse wildcard deletes)."""
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook()
        hook.delete_indexes(
            name for pattern in BENCH_INDEX_PATTERNS for name in hook.indexes_matching(pattern)
        )

    @contextmanager
    def search(self) -> Iterator[SearchEngine]:
        """The run's cluster, with no index left from an earlier measurement."""
        self.delete_bench_indexes()
        yield self.engine

    def prepare(self, store: BenchStore, sync_type: str) -> dict[str, Any]:
        """Run the setup tasks of a full sync of ``sync_type`` on ``store``; return the XComs."""
        from bench.tasks import prepare_sync
        from bigcommerce_sync.sync_types import SyncType

        return prepare_sync(store.store_hash, self.batch_ids[store.store_hash], SyncType(sync_type))

    def claim(
        self, store: BenchStore, sync_type: str, mode: str, changed_since: datetime | None = None
    ) -> dict[str, Any]:
        """The XComs of a run of ``store`` that claimed its bench batch in ``mode``, no setup task run.

        :param changed_since: for an incremental sync, the store time its product read starts from.
        """
        from bench.tasks import claimed
        from bigcommerce_sync.sync_types import SyncMode, SyncType

        batch_id = self.batch_ids[store.store_hash]
        return claimed(store.store_hash, batch_id, SyncType(sync_type), SyncMode(mode), changed_since)

    def publish(self, store: BenchStore, versions: dict[str, str]) -> None:
        """Put ``store``'s new versions (``create_index``'s XCom) behind their aliases, as publish does."""
        from bigcommerce_sync.hooks.search import SearchHook
        from bigcommerce_sync.index_lifecycle import alias_name, publish
        from bigcommerce_sync.sync_types import Entity

        aliases = {alias_name(store.store_hash, Entity(e)): index for e, index in versions.items()}
        publish(SearchHook(), aliases)

    def store_only(self, index: str) -> None:
        """Recreate ``index`` with no field mappings, so the engine stores documents unindexed."""
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook()
        hook.delete_indexes([index])
        hook.create_index(index, STORE_ONLY_BODY)

    def count(self, index: str) -> int:
        """Documents in ``index``, once they are visible to search."""
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook()
        hook.refresh(index)
        return hook.count(index)

    def import_task(
        self, store: BenchStore, job: str, xcoms: dict[str, Any], name: str, **extra: Any
    ) -> dict[str, Any]:
        """Run the import task ``job`` of ``store``'s DAG in a fresh process; return its measurements."""
        payload = {"store_hash": store.store_hash, "job": job, "xcoms": xcoms, **extra}
        return self.child("bench.import_task", payload, name)

    def child(
        self,
        module: str,
        payload: dict[str, Any],
        name: str,
        *,
        env: dict[str, str] | None = None,
        launcher: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Run ``python -m module payload`` (optionally under ``launcher``) and return its result.

        :param module: the child module (``bench.import_task``, ``bench.ceiling``, ``bench.parse_child``).
        :param payload: what it measures; ``out`` is added here.
        :param name: names its log and result files.
        :param env: variables to add to this process's environment.
        :param launcher: a command to run the child under, e.g. a profiler.
        """
        log = self.workdir / "logs" / f"{name}.log"
        out = self.workdir / "logs" / f"{name}.json"
        command = [*launcher, sys.executable, "-m", module, json.dumps({**payload, "out": str(out)})]
        with log.open("w", encoding="utf-8") as sink:
            done = subprocess.run(
                command,
                cwd=REPO_ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, **CHILD_ENVIRONMENT, **(env or {})},
            )
        if done.returncode != 0 or not out.exists():
            raise BenchError(f"{name}: {module} exited with {done.returncode}\n{tail(log)}")
        return json.loads(out.read_text(encoding="utf-8"))


def tail(log: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file."""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])
