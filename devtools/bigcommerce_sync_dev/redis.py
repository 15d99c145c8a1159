"""A Redis server: the Celery broker of ``make airflow EXECUTOR=celery``, the tests and the benchmark.

``$REDIS_URL`` names an existing server. Otherwise a throwaway ``redis-server`` is started on a
free loopback port, in a folder of its own, with no persistence (no RDB snapshots, no AOF), and
stopped when the block ends. Debian's ``redis-server`` is installed first when it is missing and
we are root.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from bigcommerce_sync_dev.connections import free_port
from bigcommerce_sync_dev.system import (
    StackError,
    as_user,
    install_debian_packages,
    private_dir,
    service_user,
)

DEBIAN_PACKAGE = "redis-server"
STARTUP_TIMEOUT = 30.0


@contextmanager
def redis_server() -> Iterator[str]:
    """Yield a ``redis://`` URL of a server to use as the broker; stop it if we started it."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = _binary()
    user = service_user("redis")
    workdir = private_dir("bigcommerce-sync-redis-", user)
    port = free_port()
    # No persistence: the broker's queues live only as long as the Airflow that uses them.
    options = ["--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir), "--save", ""]
    options += ["--appendonly", "no", "--logfile", str(workdir / "redis.log"), "--daemonize", "no"]
    process = subprocess.Popen(
        as_user([binary, *options], user),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_ready(process, port, workdir)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def ping(port: int) -> bool:
    """Whether a Redis server answers ``PING`` on 127.0.0.1:``port`` (the inline protocol)."""
    try:
        with closing(socket.create_connection(("127.0.0.1", port), timeout=1)) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_ready(process: subprocess.Popen[bytes], port: int, workdir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            log = workdir / "redis.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise StackError(f"redis-server did not start on port {port} (exit {process.poll()}):\n{tail}")
        time.sleep(0.1)


def _binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        install_debian_packages([DEBIAN_PACKAGE], "the Celery broker of a local Airflow (or set REDIS_URL)")
        found = shutil.which("redis-server")
    if found is None:
        raise StackError("redis-server was installed but is not on PATH")
    return found
