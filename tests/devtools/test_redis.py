"""The Celery broker of the dev tooling: a throwaway Redis on a free loopback port, without persistence."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import redis as client

from bigcommerce_sync_dev.redis import ping, redis_server


def test_a_throwaway_redis_serves_without_persistence_then_leaves_nothing_behind(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with redis_server() as url:
        port = urlparse(url).port
        server = client.Redis.from_url(url)
        server.set("broker", "up")
        workdir = server.config_get("dir")["dir"]
        config = server.config_get("save") | server.config_get("appendonly")
        assert (server.get("broker"), urlparse(url).hostname) == (b"up", "127.0.0.1")
        server.close()

    assert config == {"save": "", "appendonly": "no"}
    assert not ping(port)
    assert not Path(workdir).exists()


def test_redis_url_names_a_server_to_use_instead(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    with redis_server() as url:
        assert url == "redis://127.0.0.1:9/0"
