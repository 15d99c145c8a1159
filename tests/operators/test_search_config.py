"""The config and index tasks against a recording transport, for what the stand-in cannot show.

osmem-server has no Synonyms API, so for ``synonyms_mode: api`` these tests check
the exact requests Elasticsearch would receive, in order.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse
from elasticsearch import Elasticsearch

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.operators.base import CLAIM_TASK_ID
from bigcommerce_sync.operators.config import ApplySynonymsOperator
from bigcommerce_sync.operators.index import CreateIndexOperator

SENT: list[tuple[str, str, Any]] = []


class RecordingNode(BaseNode):
    """Answers every request with an empty acknowledgement and remembers it."""

    def perform_request(
        self, method: str, target: str, body: bytes | None = None, **_: Any
    ) -> NodeApiResponse:
        SENT.append((method, target.split("?")[0], json.loads(body) if body else None))
        headers = HttpHeaders({"x-elastic-product": "Elasticsearch", "content-type": "application/json"})
        meta = ApiResponseMeta(
            status=200, http_version="1.1", headers=headers, duration=0.0, node=self.config
        )
        answer = {"acknowledged": True} if method == "PUT" else {}
        return NodeApiResponse(meta, json.dumps(answer).encode())


@pytest.fixture
def api_mode_search(monkeypatch, batch_db_url) -> None:
    BatchRepository().migrate()  # the index task looks for the batch's checkpoints there
    SENT.clear()
    monkeypatch.setenv(
        "AIRFLOW_CONN_ES_API",
        json.dumps({"conn_type": "elasticsearch", "host": "es", "port": 9200, "extra": {}}),
    )
    client = Elasticsearch("http://es:9200", node_class=RecordingNode)
    monkeypatch.setattr(SearchHook, "client", client)


def context(xcoms: dict[str, Any]) -> dict[str, Any]:
    return {"ti": SimpleNamespace(xcom_pull=lambda task_ids: xcoms[task_ids])}


# No row of the session's batch store has this id: the index task finds no checkpoint to resume.
CLAIMED = {
    "batch_id": 2_000_000_007,
    "store_hash": "s1",
    "sync_type": "product",
    "mode": "full",
    "is_scheduled": False,
}
LISTS = {"stop_words": ["shop"], "synonyms": ["hoodie, sweatshirt"], "use_default_lists": False}


def test_synonym_set_is_written_before_the_index_that_refers_to_it(api_mode_search):
    synonyms = ApplySynonymsOperator(task_id="synonyms", search_conn_id="es_api", **LISTS).execute(
        context({CLAIM_TASK_ID: CLAIMED})
    )
    CreateIndexOperator(
        task_id="create_index", stop_words_task_id="sw", synonyms_task_id="syn", search_conn_id="es_api"
    ).execute(context({CLAIM_TASK_ID: CLAIMED, "sw": ["shop"], "syn": synonyms}))

    writes = [(method, target, body) for method, target, body in SENT if method == "PUT"]
    assert writes[0] == (
        "PUT",
        "/_synonyms/bc_s1_synonyms",
        {"synonyms_set": [{"id": "rule-1", "synonyms": "hoodie, sweatshirt"}]},
    )
    method, target, body = writes[1]
    assert (method, target) == ("PUT", "/bc_s1_products_v2000000007")
    analysis = body["settings"]["analysis"]
    assert analysis["filter"]["catalog_synonyms"] == {
        "type": "synonym_graph",
        "synonyms_set": "bc_s1_synonyms",
        "updateable": True,
    }
    assert analysis["filter"]["catalog_stop"]["stopwords"] == ["shop"]
    assert body["mappings"]["properties"]["name"]["search_analyzer"] == "catalog_search"
    assert body["settings"]["index"]["refresh_interval"] == "-1"


def test_synonyms_only_sync_in_api_mode_updates_the_set_and_rebuilds_nothing(api_mode_search):
    claimed = {**CLAIMED, "sync_type": "synonyms"}

    ApplySynonymsOperator(task_id="synonyms", search_conn_id="es_api", **LISTS).execute(
        context({CLAIM_TASK_ID: claimed})
    )

    assert [(m, t) for m, t, _ in SENT] == [("PUT", "/_synonyms/bc_s1_synonyms")]
