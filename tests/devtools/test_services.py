"""The dev stack's services: started on free ports, stopped and removed when their block ends."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from bigcommerce_sync_dev import elasticsearch, postgres
from bigcommerce_sync_dev.elasticsearch import SearchCluster
from bigcommerce_sync_dev.system import StackError


def test_a_throwaway_postgres_serves_then_leaves_nothing_behind():
    with postgres.throwaway_cluster() as url:
        with psycopg.connect(url) as conn:
            data_dir = Path(conn.execute("SHOW data_directory").fetchone()[0])
        assert data_dir.is_dir()

    assert not postgres.accepts_connections(url)
    assert not data_dir.exists()


def test_a_throwaway_postgres_restarts_on_its_port_with_its_data():
    with postgres.PostgresCluster() as cluster:
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
        cluster.stop(keep_data=True)
        assert not postgres.accepts_connections(cluster.url)
        cluster.start()
        with psycopg.connect(cluster.url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]

    assert not postgres.accepts_connections(cluster.url)


def test_a_cluster_without_analysis_common_is_described_as_core():
    minimal = SearchCluster("http://127.0.0.1:9", "9.5.0", frozenset({"transport-netty4", "x-pack-core"}))
    stock = SearchCluster("http://127.0.0.1:9", "9.5.0", frozenset({"analysis-common", "reindex"}))

    assert json.loads(minimal.connection())["extra"] == {"number_of_replicas": 0, "text_analysis": "core"}
    assert json.loads(stock.connection())["extra"] == {"number_of_replicas": 0}


def test_the_session_cluster_is_the_version_the_client_is_pinned_to(dev_stack):
    import elasticsearch as client

    assert dev_stack.search.version.rsplit(".", 1)[0] == client.__versionstr__.rsplit(".", 1)[0]


def test_java_older_than_21_is_refused_with_what_to_do(monkeypatch, tmp_path):
    old = tmp_path / "jdk17"
    old.mkdir()
    (old / "release").write_text('JAVA_VERSION="17.0.15"\n')
    monkeypatch.setenv("ES_JAVA_HOME", str(old))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(elasticsearch, "_jvm_dirs", lambda: [str(old)])

    with pytest.raises(StackError, match="needs Java 21 or newer.*ELASTICSEARCH_URL"):
        elasticsearch.java_home()
