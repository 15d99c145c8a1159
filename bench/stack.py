"""The stand-ins of a benchmark run, and the child processes that do the measuring.

One simulator serves every bench store for the whole run; each measurement gets a
fresh search stand-in (osmem-server keeps everything in memory, so an empty one
per run keeps the runs comparable). The batch store is a fresh Postgres database,
so per-document failures would be recorded as in a real run.
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
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
import yaml

from bench.settings import BenchStore
from bigcommerce_simulator import SimulatorAdmin, SimulatorProcess, StoreSpec
from bigcommerce_sync_dev import devstack

REPO_ROOT = Path(__file__).resolve().parents[1]
DAG_FILE = REPO_ROOT / "dags" / "bigcommerce_store_sync.py"
BATCH_DB = "bigcommerce_sync_bench"
# An index that stores documents without indexing any field: the stand-in is then no bottleneck.
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
class SearchServer:
    """A running search stand-in: its URL and its process (for its CPU time)."""

    url: str
    process: psutil.Process

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system


class Stack:
    """The simulator serving ``stores``, a batch store, an Airflow home and the bench registry.

    :param workdir: a scratch directory for this run (Airflow home, registry, logs).
    :param stores: the bench stores.
    """

    def __init__(self, workdir: Path, stores: Sequence[BenchStore]) -> None:
        self.workdir = workdir
        self.stores = list(stores)
        self.token = secrets.token_urlsafe(24)
        self.batch_ids: dict[str, int] = {}
        self._exit = ExitStack()
        self._simulator: SimulatorProcess | None = None

    @property
    def admin(self) -> SimulatorAdmin:
        assert self._simulator is not None, "the stack is not running"
        return self._simulator.admin

    @property
    def api_url(self) -> str:
        assert self._simulator is not None, "the stack is not running"
        return self._simulator.url

    def __enter__(self) -> Stack:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        os.environ.update(airflow_environment(self.workdir / "airflow"))
        registry = write_registry(self.workdir / "stores.yaml", [s.registry_entry() for s in self.stores])
        os.environ["BIGCOMMERCE_SYNC_STORES_FILE"] = str(registry)
        specs = [StoreSpec(s.store_hash, self.token, s.catalog, s.quota, s.window_ms) for s in self.stores]
        self._simulator = self._exit.enter_context(SimulatorProcess(specs))
        for store in self.stores:
            os.environ[f"AIRFLOW_CONN_{store.connection_id.upper()}"] = devstack.bigcommerce_connection(
                self.api_url, store.store_hash, self.token
            )
        self._batch_store()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._exit.close()

    def _batch_store(self) -> None:
        """A fresh, migrated batch-store database with one batch per bench store."""
        from bigcommerce_sync.batches import BatchRepository

        server = devstack.postgres_server_url(self.workdir)
        url = devstack.create_database(server, BATCH_DB, recreate=True)
        self._exit.callback(devstack.drop_database, server, BATCH_DB)
        os.environ["AIRFLOW_CONN_SYNC_DB"] = devstack.postgres_connection(url)
        repository = BatchRepository()
        repository.migrate()
        for store in self.stores:
            batch = repository.create_pending(store_hash=store.store_hash, sync_type="all", mode="full")
            self.batch_ids[store.store_hash] = batch.id

    @contextmanager
    def search(self) -> Iterator[SearchServer]:
        """Start a fresh search stand-in and make it the ``elasticsearch_default`` connection."""
        with devstack.search_stand_in() as url:
            os.environ["AIRFLOW_CONN_ELASTICSEARCH_DEFAULT"] = devstack.search_connection(url)
            yield SearchServer(url, _newest_child("osmem-server"))

    def prepare(self, store: BenchStore, sync_type: str) -> dict[str, Any]:
        """Run the setup tasks of a full sync of ``sync_type`` on ``store``; return the XComs."""
        from bench.tasks import prepare_sync
        from bigcommerce_sync.sync_types import SyncType

        return prepare_sync(store.store_hash, self.batch_ids[store.store_hash], SyncType(sync_type))

    def store_only(self, index: str) -> None:
        """Recreate ``index`` with no field mappings, so the stand-in stores documents unindexed."""
        from bigcommerce_sync.hooks.search import SearchHook

        hook = SearchHook()
        hook.delete_indexes([index])
        hook.create_index(index, STORE_ONLY_BODY)

    def count(self, index: str) -> int:
        """Documents in ``index`` of the current search stand-in."""
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


def _newest_child(name: str) -> psutil.Process:
    """The most recently started child process of this one called ``name``."""
    children = [p for p in psutil.Process().children() if p.name() == name]
    if not children:
        raise BenchError(f"no child process named {name!r}")
    return max(children, key=lambda p: p.create_time())
