"""Airflow Connections (as ``AIRFLOW_CONN_*`` JSON) for services started on this machine.

Production keeps its real connections in Airflow; these build the same connections
for the local services, under the same connection ids.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from contextlib import closing
from urllib.parse import urlparse


def env_name(conn_id: str) -> str:
    """The environment variable Airflow reads connection ``conn_id`` from."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def search_connection(url: str, extra: Mapping[str, object]) -> str:
    """Connection JSON of an Elasticsearch cluster at ``url``, with the hook's extras."""
    parsed = urlparse(url)
    return json.dumps(
        {
            "conn_type": "elasticsearch",
            "host": parsed.hostname,
            "port": parsed.port,
            "schema": parsed.scheme,
            "login": parsed.username,
            "password": parsed.password,
            "extra": dict(extra),
        }
    )


def bigcommerce_connection(api_url: str, store_hash: str, token: str, **extra: object) -> str:
    """Connection JSON for a store served at ``api_url`` (the simulator or a real API root)."""
    return json.dumps(
        {
            "conn_type": "http",
            "host": api_url,
            "password": token,
            "extra": {"store_hash": store_hash, **extra},
        }
    )


def postgres_connection(url: str) -> str:
    parsed = urlparse(url)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parsed.hostname,
            "port": parsed.port or 5432,
            "login": parsed.username or "postgres",
            "password": parsed.password or "",
            "schema": parsed.path.lstrip("/"),
        }
    )


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
