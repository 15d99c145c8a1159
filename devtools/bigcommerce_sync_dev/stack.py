"""THE dev stack: PostgreSQL, Elasticsearch and the BigCommerce simulator, wired as Airflow Connections.

``make demo``, ``make airflow``, the tests and the benchmark all run the product
against this one component::

    with DevStack([StoreSpec("demo1store", token)], databases=["bigcommerce_sync_demo"]) as stack:
        os.environ.update(stack.connections(batch_db="bigcommerce_sync_demo"))

Connections use the ids production uses: ``sync_db``, ``elasticsearch_default`` and
``bigcommerce_<store_hash>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from types import TracebackType

from bigcommerce_simulator import SimulatorProcess, StoreSpec
from bigcommerce_sync_dev.connections import bigcommerce_connection, env_name, postgres_connection
from bigcommerce_sync_dev.elasticsearch import SearchCluster, search_cluster
from bigcommerce_sync_dev.postgres import create_database, database_url, drop_database, postgres_server

BATCH_DB_CONN_ID = "sync_db"
SEARCH_CONN_ID = "elasticsearch_default"


class DevStack:
    """Start (or reuse) every service a sync needs; stop what was started, drop what was created.

    :param stores: the stores the simulator serves.
    :param databases: databases created empty on the Postgres server and dropped on exit.
    :param postgres_url: an already running server to use instead of providing one.
    :param search: an already running cluster to use instead of providing one.
    :param keep_databases: leave the databases in place on exit (e.g. for a demo to inspect).
    """

    def __init__(
        self,
        stores: Sequence[StoreSpec],
        *,
        databases: Sequence[str] = (),
        postgres_url: str | None = None,
        search: SearchCluster | None = None,
        keep_databases: bool = False,
    ) -> None:
        self.stores = list(stores)
        self.databases = list(databases)
        self.keep_databases = keep_databases
        self._postgres_url = postgres_url
        self._search = search
        self._simulator: SimulatorProcess | None = None
        self._exit = ExitStack()

    @property
    def postgres_url(self) -> str:
        assert self._postgres_url is not None, "the stack is not running"
        return self._postgres_url

    @property
    def search(self) -> SearchCluster:
        assert self._search is not None, "the stack is not running"
        return self._search

    @property
    def simulator(self) -> SimulatorProcess:
        assert self._simulator is not None, "the stack is not running"
        return self._simulator

    def __enter__(self) -> DevStack:
        with ExitStack() as starting:
            starting.push(self._exit)  # a failed start stops what did start
            if self._postgres_url is None:
                self._postgres_url = self._exit.enter_context(postgres_server())
            for name in self.databases:
                create_database(self.postgres_url, name, recreate=True)
                if not self.keep_databases:
                    self._exit.callback(drop_database, self.postgres_url, name)
            if self._search is None:
                self._search = self._exit.enter_context(search_cluster())
            self._simulator = self._exit.enter_context(SimulatorProcess(self.stores))
            starting.pop_all()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._exit.close()

    @property
    def store_hashes(self) -> list[str]:
        return [spec.store_hash for spec in self.stores]

    def database_url(self, name: str) -> str:
        return database_url(self.postgres_url, name)

    def connections(self, *, batch_db: str, **bigcommerce_extra: object) -> dict[str, str]:
        """``AIRFLOW_CONN_*`` variables reaching the batch store ``batch_db``, search and every store.

        :param batch_db: the database that holds the batches.
        :param bigcommerce_extra: extras of every store connection (``max_attempts``, ...).
        """
        stores = {
            env_name(f"bigcommerce_{spec.store_hash}"): bigcommerce_connection(
                self.simulator.url, spec.store_hash, spec.token, **bigcommerce_extra
            )
            for spec in self.stores
        }
        return {
            env_name(BATCH_DB_CONN_ID): postgres_connection(self.database_url(batch_db)),
            env_name(SEARCH_CONN_ID): self.search.connection(),
            **stores,
        }

    def _analysis_note(self) -> str:
        if self.search.has_full_analysis:
            return ""
        return "; minimal distribution: no synonyms, no accent folding"

    def describe(self) -> Mapping[str, str]:
        """What runs where, for people."""
        return {
            "BigCommerce simulator": f"{self.simulator.url} (stores {', '.join(self.store_hashes)})",
            "Elasticsearch": f"{self.search.url} (version {self.search.version}{self._analysis_note()})",
            "PostgreSQL": self.postgres_url,
        }
