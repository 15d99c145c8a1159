"""A running Airflow 3 with this project's DAGs: ``make airflow`` and the end-to-end tests.

:class:`LocalAirflow` starts the api-server, the scheduler, the dag-processor and the triggerer
(LocalExecutor, metadata in a Postgres database of its own, as in production) on
a free local port, each in its own process group, waits until they report
healthy, and stops them all, even when the caller fails. With ``executor="celery"`` it
runs the CeleryExecutor instead: a Redis broker (:mod:`bigcommerce_sync_dev.redis`), the
metadata database as Celery's result backend, and two ``airflow celery worker`` processes.
The project's pools are created after the metadata DB is migrated (``python -m
bigcommerce_sync.pools``, as production runs it).

``python -m bigcommerce_sync_dev.local_airflow`` (``make airflow``) runs it for
people: with the demo store of ``include/stores.yaml`` served by the BigCommerce
simulator, Elasticsearch and a batch-store database (the dev stack), wired as the
connections production uses (``sync_db``, ``elasticsearch_default``,
``bigcommerce_<store_hash>``). It prints the URL and the login and stops
cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

import requests
from cryptography.fernet import Fernet

from bigcommerce_sync_dev.connections import free_port
from bigcommerce_sync_dev.demo import DEMO_CATALOG, DEMO_STORE
from bigcommerce_sync_dev.redis import redis_server

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
USERNAME = "airflow"
PASSWORD = "airflow"
# The triggerer runs the webhook applier's asset watcher (docs/webhooks.md).
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
HEALTHY_COMPONENTS = ("metadatabase", "scheduler", "dag_processor", "triggerer")
POLL_INTERVAL = 0.5
STOP_TIMEOUT = 20.0
LOCAL_HOME = REPO_ROOT / ".airflow" / "local"
LOCAL_BATCH_DB = "bigcommerce_sync_local"
LOCAL_METADATA_DB = "bigcommerce_sync_local_airflow"
PREFERRED_PORT = 8080  # the README's examples default to it; another free port when it is taken
EXECUTORS = {"local": "LocalExecutor", "celery": "CeleryExecutor"}
# Two Celery workers of 4 task slots each: the 8 tasks at once of the LocalExecutor's parallelism,
# on a 2-core machine. Tasks mostly wait on the store API and the cluster, so slots exceed cores.
CELERY_WORKERS = 2
CELERY_CONCURRENCY = 4
# Each worker's task instances carry its name as their hostname (the workers share this machine).
WORKER_NAME_VARIABLE = "BIGCOMMERCE_SYNC_DEV_WORKER_NAME"

T = TypeVar("T")


class AirflowStartError(RuntimeError):
    """A component exited or did not become healthy in time; the message holds its log tail."""


class DeadlineExceeded(TimeoutError):
    """What was waited for did not happen in time; the message says what was last seen."""


def wait_until(
    look: Callable[[], T],
    until: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    interval: float = POLL_INTERVAL,
) -> T:
    """Look until what is seen satisfies ``until``, and return it; give up at a deadline.

    :param look: returns what is seen now; a failed HTTP request counts as nothing seen yet.
    :param until: whether what was seen is what is awaited.
    :param timeout: seconds before giving up.
    :param what: what is awaited, for the error message.
    :param interval: seconds between looks.
    :raises DeadlineExceeded: naming ``what`` and the last thing seen (or the last request error).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen: object = look()
        except requests.RequestException as error:  # not up yet, or restarting
            seen = error
        if not isinstance(seen, requests.RequestException) and until(seen):
            return seen
        if time.monotonic() >= deadline:
            raise DeadlineExceeded(f"no {what} within {timeout:.0f} s; last seen: {seen!r:.2000}")
        time.sleep(interval)


def airflow_environment(
    home: Path,
    port: int,
    settings: Mapping[str, str],
    *,
    metadata_db_url: str,
    paused_at_creation: bool,
    executor: str = "local",
) -> dict[str, str]:
    """Return the environment of every component: one configuration, one set of secrets.

    Variables starting with ``AIRFLOW`` are not inherited, so a caller's own
    Airflow configuration (e.g. a test session's) never leaks into this one.

    :param home: ``AIRFLOW_HOME``.
    :param port: the api-server's port.
    :param settings: added last: connections (``AIRFLOW_CONN_*``), ``BIGCOMMERCE_SYNC_STORES_FILE``.
    :param metadata_db_url: a ``postgresql://`` URL of Airflow's own database.
    :param paused_at_creation: whether new DAGs start paused.
    :param executor: ``local`` or ``celery`` (the broker's URL is added when it runs).
    """
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    url = f"http://127.0.0.1:{port}"
    return {
        **inherited,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": EXECUTORS[executor],
        # The LocalExecutor starts this many worker processes up front; a sync needs at most 4 at once.
        # With Celery it caps the tasks queued and running at once: the workers' slots.
        "AIRFLOW__CORE__PARALLELISM": str(CELERY_WORKERS * CELERY_CONCURRENCY),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(paused_at_creation),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        # Through psycopg 3, the driver this project already installs.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db_url.replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        # New and changed DAG files are picked up within seconds, not the default 30 s / 5 min.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **(_celery_settings(metadata_db_url) if executor == "celery" else {}),
        **settings,
    }


def _celery_settings(metadata_db_url: str) -> dict[str, str]:
    """Celery's result backend is the metadata database (through psycopg 3, like Airflow)."""
    backend = "db+" + metadata_db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return {"AIRFLOW__CELERY__RESULT_BACKEND": backend}


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the local Celery workers: the worker's name, not the machine's.

    Every worker here runs on the same machine; naming them apart shows, in each task instance's
    ``hostname``, which worker ran it.
    """
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()


@dataclass
class _Component:
    """One running Airflow command, the leader of its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float) -> None:
        """Ask the command to shut down its own children, then kill whatever is left of its group."""
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the group is already empty
        self.process.wait()


class LocalAirflow:
    """The api-server, scheduler, dag-processor and triggerer of one Airflow, on a free local port.

    With ``executor="celery"``, also a Redis broker and :data:`CELERY_WORKERS` Celery workers.

    Use as a context manager; every component is stopped on exit, whatever happened::

        with LocalAirflow(tmp_path / "home", {"AIRFLOW_CONN_SYNC_DB": ...}, metadata_db_url=url) as airflow:
            airflow.wait_for_dag("bigcommerce_sync_demo1store")
            requests.get(f"{airflow.url}/api/v2/dags", headers=airflow.auth_headers())

    :param home: ``AIRFLOW_HOME``: logs and the password file; created if missing.
    :param settings: extra variables for every component (connections, the stores file).
    :param metadata_db_url: a ``postgresql://`` URL of an empty database for Airflow's metadata:
        Postgres as in production, where concurrent components take row locks that SQLite lacks.
    :param paused_at_creation: whether new DAGs start paused (``dags_are_paused_at_creation``).
    :param port: the api-server's port; a free one if ``None``.
    :param startup_timeout: seconds for the metadata DB migration and for all components to be healthy.
    :param executor: ``local`` (the LocalExecutor) or ``celery`` (the CeleryExecutor and its workers).
    :param pool_slots: sizes of the project's pools (``bigcommerce_sync.pools``), by name; the
        others get their default size.
    """

    def __init__(
        self,
        home: Path,
        settings: Mapping[str, str],
        *,
        metadata_db_url: str,
        paused_at_creation: bool = True,
        port: int | None = None,
        startup_timeout: float = 180.0,
        executor: str = "local",
        pool_slots: Mapping[str, int] | None = None,
    ) -> None:
        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {sorted(EXECUTORS)}, not {executor!r}")
        self.home = home
        self.executor = executor
        self.pool_slots = dict(pool_slots or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.environment = airflow_environment(
            home,
            self.port,
            settings,
            metadata_db_url=metadata_db_url,
            paused_at_creation=paused_at_creation,
            executor=executor,
        )
        self._components: list[_Component] = []
        self._broker = ExitStack()
        self._token: str | None = None

    def start(self) -> LocalAirflow:
        """Migrate the metadata DB, start every component and wait until all are healthy.

        :raises AirflowStartError: a component exited or stayed unhealthy past the timeout.
        """
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({USERNAME: PASSWORD}), encoding="utf-8")
        try:
            if self.executor == "celery":
                self.environment["AIRFLOW__CELERY__BROKER_URL"] = self._broker.enter_context(redis_server())
            self._finish(self._spawn("db-migrate", ["airflow", "db", "migrate"]))
            # The project's pools, as production creates them; a few seconds of imports, so meanwhile
            # the components start (a task waits for its pool, it does not fail without it).
            slots = [f"--slots={name}={size}" for name, size in self.pool_slots.items()]
            pools = self._spawn("pools", ["bigcommerce_sync.pools", *slots])
            for name in COMPONENTS:
                self._components.append(self._spawn(name, ["airflow", name]))
            for name in self.worker_names:
                self._components.append(self._spawn_worker(name))
            self._finish(pools)
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every component and its children; safe to call more than once."""
        components, self._components = self._components[::-1], []
        for component in components:  # all at once: each takes seconds to shut down
            component.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for component in components:
            component.stop(max(0.0, deadline - time.monotonic()))
        self._broker.close()

    @property
    def worker_names(self) -> list[str]:
        """The Celery workers' names: their task instances' ``hostname``; none with the LocalExecutor."""
        return [f"worker-{n}" for n in range(1, CELERY_WORKERS + 1)] if self.executor == "celery" else []

    def __enter__(self) -> LocalAirflow:
        """Start Airflow (see :meth:`start`)."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop Airflow.

        :param exc_type: the exception type, if the block raised.
        :param exc: the exception, if the block raised.
        :param tb: its traceback.
        """
        self.stop()

    def token(self) -> str:
        """Return an API token of the known user, as another system gets one: ``POST /auth/token``."""
        if self._token is None:
            response = requests.post(
                f"{self.url}/auth/token", json={"username": USERNAME, "password": PASSWORD}, timeout=30
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until the dag-processor has parsed ``dag_id``; return the API's view of it."""

        def look() -> requests.Response:
            self.raise_if_exited()
            return requests.get(f"{self.url}/api/v2/dags/{dag_id}", headers=self.auth_headers(), timeout=30)

        found = wait_until(look, lambda r: r.status_code == 200, timeout=timeout, what=f"DAG {dag_id}")
        return found.json()

    def raise_if_exited(self) -> None:
        """Raise :class:`AirflowStartError` with its log tail if any component has exited."""
        for component in self._components:
            if component.process.poll() is not None:
                raise AirflowStartError(
                    f"airflow {component.name} exited with {component.process.returncode}; "
                    f"last lines of {component.log_path}:\n{component.log_tail()}"
                )

    def workers_answering(self) -> set[str]:
        """The names of the Celery workers that answer a ping through the broker."""
        from celery import Celery

        app = Celery(broker=self.environment["AIRFLOW__CELERY__BROKER_URL"])
        try:
            replies = app.control.ping(timeout=1.0)
        finally:
            app.close()
        return {hostname.split("@")[0] for reply in replies for hostname in reply}

    def log_path(self, component: str) -> Path:
        return self.home / "logs" / f"{component}.log"

    def _finish(self, command: _Component) -> None:
        """Wait for a one-off command (the migration, the pools) to end.

        :raises AirflowStartError: it failed or outlasted the startup timeout; with its log tail.
        """
        try:
            command.process.wait(timeout=self.startup_timeout)
        except subprocess.TimeoutExpired:
            command.stop(0)
        if command.process.returncode != 0:
            raise AirflowStartError(
                f"{command.name} failed ({command.process.returncode}):\n{command.log_tail()}"
            )

    def _spawn_worker(self, name: str) -> _Component:
        """A Celery worker: its own name, and no log server (the api-server reads the shared log folder)."""
        command = ["airflow", "celery", "worker", "--celery-hostname", f"{name}@%h"]
        command += ["--concurrency", str(CELERY_CONCURRENCY), "--skip-serve-logs"]
        environment = {
            **self.environment,
            WORKER_NAME_VARIABLE: name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "bigcommerce_sync_dev.local_airflow.worker_hostname",
        }
        return self._spawn(name, command, environment)

    def _spawn(
        self, name: str, module_args: list[str], environment: Mapping[str, str] | None = None
    ) -> _Component:
        log_path = self.log_path(name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", *module_args],
                env=dict(environment or self.environment),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own group: stopped as a whole with its task runners; a terminal's Ctrl-C
                # reaches only the parent, which then stops the components.
                start_new_session=True,
            )
        return _Component(name, process, log_path)

    def _wait_healthy(self) -> None:
        def statuses() -> dict[str, str | None]:
            self.raise_if_exited()
            report = requests.get(f"{self.url}/api/v2/monitor/health", timeout=10).json()
            seen = {name: (report.get(name) or {}).get("status") for name in HEALTHY_COMPONENTS}
            if self.worker_names:
                answering = self.workers_answering()
                seen |= {name: "healthy" if name in answering else None for name in self.worker_names}
            return seen

        def all_healthy(seen: dict[str, str | None]) -> bool:
            return set(seen.values()) == {"healthy"}

        try:
            wait_until(statuses, all_healthy, timeout=self.startup_timeout, what="healthy Airflow")
        except DeadlineExceeded as error:
            tails = "\n".join(f"--- {c.name}:\n{c.log_tail(15)}" for c in self._components)
            raise AirflowStartError(f"{error}\n{tails}") from None


@contextmanager
def demo_stack(home: Path, executor: str = "local") -> Iterator[LocalAirflow]:
    """Start the dev stack with the demo store and an Airflow wired to it; stop everything on exit.

    :param home: ``AIRFLOW_HOME``; emptied first, so every start is a clean one.
    :param executor: ``local`` or ``celery`` (see :class:`LocalAirflow`).
    """
    from bigcommerce_simulator import StoreSpec
    from bigcommerce_sync_dev.demo_webhooks import connect_demo_store, webhook_settings
    from bigcommerce_sync_dev.stack import DevStack

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    token = secrets.token_urlsafe(24)  # a fresh secret each start, only ever in the connection
    webhook_secret = secrets.token_urlsafe(24)  # likewise, in the webhook secret's connection
    store = StoreSpec(store_hash=DEMO_STORE, token=token, catalog=DEMO_CATALOG, quota=0)
    with DevStack([store], databases=[LOCAL_BATCH_DB, LOCAL_METADATA_DB]) as stack:
        for service, where in stack.describe().items():
            print(f"{service + ':':<23}{where}")
        print(f"Starting Airflow in {home} ...", flush=True)
        port = PREFERRED_PORT if _port_is_free(PREFERRED_PORT) else free_port()
        airflow = LocalAirflow(
            home,
            {
                **stack.connections(batch_db=LOCAL_BATCH_DB),
                **webhook_settings(home, port, webhook_secret),
            },
            metadata_db_url=stack.database_url(LOCAL_METADATA_DB),
            paused_at_creation=False,
            port=port,
            executor=executor,
        )
        with airflow:
            # The simulator calls the receiver back on every catalog edit (docs/webhooks.md).
            connect_demo_store(stack, airflow, webhook_secret)
            yield airflow


def _port_is_free(port: int) -> bool:
    with closing(socket.socket()) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C


def _print_ready(airflow: LocalAirflow, dag_id: str) -> None:
    executor = EXECUTORS[airflow.executor]
    if airflow.worker_names:
        broker = airflow.environment["AIRFLOW__CELERY__BROKER_URL"]
        executor += f" (workers {', '.join(airflow.worker_names)}; broker {broker})"
    print(
        f"\nAirflow is up: {airflow.url}  (login: {USERNAME} / {PASSWORD})\n"
        f"  Executor:      {executor}\n"
        f"  The sync form: {airflow.url}/dags/{dag_id}, then Trigger\n"
        f"  The REST API:  AIRFLOW={airflow.url} tests/e2e/examples/trigger_with_curl.sh\n"
        f"  Webhooks:      a catalog edit in the simulator is searchable seconds later (docs/webhooks.md)\n"
        f"  Logs:          {airflow.home / 'logs'}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_sync_dev.local_airflow",
        description="make airflow: Airflow with the demo store",
    )
    parser.add_argument("--executor", choices=sorted(EXECUTORS), default="local", help="default: local")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    dag_id = f"bigcommerce_sync_{DEMO_STORE}"
    try:
        with demo_stack(LOCAL_HOME, args.executor) as airflow:
            airflow.wait_for_dag(dag_id)
            _print_ready(airflow, dag_id)
            while True:  # supervise: a component that dies ends the session with its log
                airflow.raise_if_exited()
                time.sleep(1)
    except KeyboardInterrupt:
        broker = ", Redis" if args.executor == "celery" else ""
        print(f"\nStopped Airflow, the simulator, Elasticsearch{broker} and PostgreSQL.")
        return 0
    except AirflowStartError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
