"""Run the simulator in a child process, for tests, demos and benchmarks."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from .admin import SimulatorAdmin
from .stores import STORES_ENV, StoreSpec

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the directory holding bigcommerce_simulator/
HEALTH_POLL_INTERVAL = 0.02


class SimulatorStartError(RuntimeError):
    """The child process exited or did not become healthy in time."""


class SimulatorProcess:
    """Starts ``python -m bigcommerce_simulator`` and stops it on exit.

    Use as a context manager::

        with SimulatorProcess([StoreSpec("abc123", "token")]) as sim:
            requests.get(f"{sim.url}/stores/abc123/v2/time", headers={"X-Auth-Token": "token"})

    :param stores: the stores to serve.
    :param host: the address to bind.
    :param port: the port to bind; 0 picks a free one, reported back by the child.
    :param startup_timeout: seconds to wait for the child to answer ``/_simulator/health``.
    :param access_log: make the child log every request to its stderr log.
    """

    def __init__(
        self,
        stores: list[StoreSpec],
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 20.0,
        access_log: bool = False,
    ) -> None:
        self.stores = list(stores)
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.access_log = access_log
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Return the base URL of the running simulator, e.g. ``http://127.0.0.1:54321``."""
        if self._url is None:
            raise RuntimeError("the simulator is not running")
        return self._url

    @property
    def pid(self) -> int:
        """Return the process id of the running simulator."""
        if self._process is None:
            raise RuntimeError("the simulator is not running")
        return self._process.pid

    @property
    def admin(self) -> SimulatorAdmin:
        """Return a control API client for this simulator."""
        return SimulatorAdmin(self.url)

    def log_text(self) -> str:
        """Return what the child has written to stderr so far."""
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def start(self) -> SimulatorProcess:
        """Start the child and wait until it is healthy.

        :raises SimulatorStartError: when it exits early or stays unhealthy past the timeout.
        """
        deadline = time.monotonic() + self.startup_timeout
        self._log = tempfile.NamedTemporaryFile("w+", prefix="bc-simulator-", suffix=".log", delete=False)
        process = subprocess.Popen(
            self._command(), stdout=subprocess.PIPE, stderr=self._log, text=True, env=self._environment()
        )
        self._process = process
        try:
            self._url = self._read_url(process, deadline)
            self._wait_healthy(process, f"{self._url}/_simulator/health", deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Terminate the child (killing it if it does not exit within 5 s) and clean up."""
        process, self._process, self._url = self._process, None, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> SimulatorProcess:
        """Start the simulator (see :meth:`start`)."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the simulator.

        :param exc_type: the exception type, if the block raised.
        :param exc: the exception, if the block raised.
        :param tb: its traceback.
        """
        self.stop()

    def _command(self) -> list[str]:
        """Return the child's command line: no stores, since they hold tokens and ``ps`` shows it."""
        command = [sys.executable, "-m", "bigcommerce_simulator", "--host", self.host]
        command += ["--port", str(self.port)]
        return [*command, "--access-log"] if self.access_log else command

    def _environment(self) -> dict[str, str]:
        """Return the child's environment: the stores, and a path to this package if it is not installed."""
        env = dict(os.environ)
        env[STORES_ENV] = json.dumps([spec.to_dict() for spec in self.stores])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _read_url(self, process: subprocess.Popen[str], deadline: float) -> str:
        """Read the URL the child prints as its first stdout line.

        :param process: the child.
        :param deadline: ``time.monotonic()`` value to give up at.
        """
        lines: queue.Queue[str] = queue.Queue()
        stdout = process.stdout
        if stdout is None:
            raise SimulatorStartError("the simulator's stdout is not captured")
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic())).strip()
        except queue.Empty:
            raise SimulatorStartError(f"the simulator printed no URL in time\n{self.log_text()}") from None
        if not line.startswith("http://"):
            raise SimulatorStartError(f"the simulator failed to start\n{self.log_text()}")
        return line

    def _wait_healthy(self, process: subprocess.Popen[str], health_url: str, deadline: float) -> None:
        """Poll ``/_simulator/health`` until it answers 200 or the deadline passes.

        :param process: the child.
        :param health_url: the health endpoint.
        :param deadline: ``time.monotonic()`` value to give up at.
        """
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None:
                raise SimulatorStartError(f"the simulator exited during startup\n{self.log_text()}")
            if time.monotonic() >= deadline:
                raise SimulatorStartError(f"the simulator did not become healthy in time\n{self.log_text()}")
            time.sleep(HEALTH_POLL_INTERVAL)
