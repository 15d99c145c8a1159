"""Connection-driven Elasticsearch hook: indexes, bulk loads, aliases and synonym sets."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import Any

from airflow.sdk import BaseHook
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.serializer import OrjsonSerializer

from bigcommerce_sync.analysis import SynonymsMode, TextAnalysis

log = logging.getLogger(__name__)

# Bulk requests are sized in bytes, well under the server's 100 MB limit.
BULK_MAX_BYTES = 10 * 1024 * 1024
BULK_CHUNK_DOCS = 1000
# Hits per scroll page when only ids and a small field are read (the cluster's default maximum).
SCROLL_PAGE_DOCS = 10_000
# Documents the cluster rejects with 429 (write queue full) are sent again, this many times at most,
# after an exponential backoff with jitter.
BULK_MAX_RETRIES = 5
BULK_INITIAL_BACKOFF = 1.0
BULK_MAX_BACKOFF = 60.0


@dataclass
class BulkStats:
    """What a bulk stream met: documents sent again after a 429, and in how many rounds."""

    retried: int = 0
    rounds: int = 0


class SearchHook(BaseHook):
    """Talks to the Elasticsearch cluster that serves a store's search.

    The connection (type ``elasticsearch``) gives host, port, scheme (``schema``:
    ``http`` or ``https``) and ``login``/``password``, or an ``api_key`` in the
    extra. Other extras: ``request_timeout``, ``verify_certs``, ``ca_certs``,
    ``synonyms_mode`` (``api``, the default, or ``inline``), ``text_analysis`` (``full``, the
    default, or ``core``; see :class:`TextAnalysis`) and ``number_of_replicas``.

    :param search_conn_id: the Airflow connection of the cluster.
    """

    conn_name_attr = "search_conn_id"
    default_conn_name = "elasticsearch_default"
    conn_type = "elasticsearch"
    hook_name = "Elasticsearch (search sync)"

    def __init__(self, search_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.search_conn_id = search_conn_id

    @cached_property
    def _extra(self) -> dict[str, Any]:
        return self.get_connection(self.search_conn_id).extra_dejson

    @cached_property
    def synonyms_mode(self) -> SynonymsMode:
        """Where this cluster keeps synonym rules (see :class:`SynonymsMode`)."""
        return SynonymsMode(self._extra.get("synonyms_mode", SynonymsMode.API))

    @cached_property
    def text_analysis(self) -> TextAnalysis:
        """Which analysis components the cluster has (see :class:`TextAnalysis`)."""
        return TextAnalysis(self._extra.get("text_analysis", TextAnalysis.FULL))

    @cached_property
    def serving_replicas(self) -> int:
        """Replicas a published index gets (extra ``number_of_replicas``, default 1)."""
        return int(self._extra.get("number_of_replicas", 1))

    def get_conn(self) -> Elasticsearch:
        """Return a client for the connection's cluster, with retries on 429 and 5xx."""
        return self.client

    @cached_property
    def client(self) -> Elasticsearch:
        connection = self.get_connection(self.search_conn_id)
        extra = self._extra
        scheme = connection.schema or ("https" if extra.get("ca_certs") else "http")
        options: dict[str, Any] = {
            "request_timeout": float(extra.get("request_timeout", 60)),
            "max_retries": 3,
            "retry_on_status": (429, 502, 503, 504),
            "retry_on_timeout": True,
            "retry_backoff_base": 0.5,
            "retry_backoff_cap": 30,
        }
        if extra.get("api_key"):
            options["api_key"] = extra["api_key"]
        elif connection.login:
            options["basic_auth"] = (connection.login, connection.password or "")
        for key in ("verify_certs", "ca_certs"):
            if key in extra:
                options[key] = extra[key]
        # orjson encodes the bulk bodies and decodes their answers several times faster than json.
        options["serializer"] = OrjsonSerializer()
        return Elasticsearch(f"{scheme}://{connection.host}:{connection.port or 9200}", **options)

    def create_index(self, name: str, body: Mapping[str, Any]) -> None:
        """Create ``name`` with its settings and mappings."""
        self.client.indices.create(index=name, **body)

    def delete_indexes(self, names: Iterable[str]) -> None:
        names = list(names)
        if names:
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    def index_exists(self, name: str) -> bool:
        return bool(self.client.indices.exists(index=name))

    def put_settings(self, index: str, settings: Mapping[str, Any]) -> None:
        self.client.indices.put_settings(index=index, settings=settings)

    def refresh(self, index: str) -> None:
        self.client.indices.refresh(index=index)

    def count(self, index: str, query: Mapping[str, Any] | None = None) -> int:
        """Return how many documents of ``index`` match ``query`` (all of them without one)."""
        return int(self.client.count(index=index, query=query)["count"])

    def indexes_matching(self, pattern: str) -> list[str]:
        """Return the concrete index names matching a wildcard ``pattern``."""
        return sorted(self.client.indices.get(index=pattern, expand_wildcards="open,closed").body)

    def alias_targets(self, alias: str) -> list[str]:
        """Return the indexes ``alias`` points at (empty when it does not exist)."""
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply alias actions in one atomic ``_aliases`` call."""
        if actions:
            self.client.indices.update_aliases(actions=actions)

    def put_synonym_set(self, set_id: str, body: Mapping[str, Any]) -> None:
        """Create or replace a synonym set; Elasticsearch reloads the analyzers using it."""
        self.client.synonyms.put_synonym(id=set_id, **body)

    def copy_documents(self, source: str, dest: str) -> int:
        """Copy every document of ``source`` into ``dest``; return how many were copied.

        Scroll and bulk rather than the server's ``_reindex``, which lives in a module
        that minimal distributions leave out (and ``helpers.reindex`` needs data streams).

        :raises RuntimeError: naming the first document that could not be copied.
        """
        hits = helpers.scan(self.client, index=source, size=BULK_CHUNK_DOCS)
        actions = ({"_index": dest, "_id": hit["_id"], "_source": hit["_source"]} for hit in hits)
        copied = 0
        for ok, item in self.bulk(actions):
            if not ok:
                raise RuntimeError(f"could not copy a document from {source} to {dest}: {item}")
            copied += 1
        return copied

    def field_by_id(self, index: str, field: str | None = None) -> dict[str, Any]:
        """Return ``{document id: its field value}`` for every document of ``index``, read by scroll.

        :param field: a top-level source field; ``None`` reads only the ids (values are ``None``).
        """
        source: Any = [field] if field else False
        hits = helpers.scan(self.client, index=index, source=source, size=SCROLL_PAGE_DOCS)
        return {hit["_id"]: (hit.get("_source") or {}).get(field) if field else None for hit in hits}

    def delete_documents(self, index: str, ids: Iterable[str]) -> Iterator[tuple[bool, dict[str, Any]]]:
        """Delete the documents ``ids`` from ``index``; yield ``(ok, item)`` per id, in order.

        An id the index does not hold answers ``ok`` false with status 404 and result ``not_found``.
        """
        return self.bulk({"_op_type": "delete", "_index": index, "_id": i} for i in ids)

    def server_version(self) -> str:
        """The version of the cluster's nodes (``GET _nodes``, which every distribution serves)."""
        nodes = self.client.nodes.info(filter_path="nodes.*.version")["nodes"]
        return ", ".join(sorted({node["version"] for node in nodes.values()}))

    def bulk(
        self, actions: Iterable[dict[str, Any]], stats: BulkStats | None = None
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """Stream ``actions`` to the cluster; yield ``(ok, item)`` per action, in order.

        Per-document failures are yielded, not raised, so the caller can record
        them. Documents rejected with 429 (the cluster's write queue is full) are sent
        again with backoff, up to :data:`BULK_MAX_RETRIES` times; each resend is logged
        and counted in ``stats``.
        """
        stats = stats if stats is not None else BulkStats()
        actions = iter(actions)
        while chunk := list(islice(actions, BULK_CHUNK_DOCS)):
            yield from self._bulk_chunk(chunk, stats)

    def _bulk_chunk(
        self, chunk: list[dict[str, Any]], stats: BulkStats
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        for attempt in range(BULK_MAX_RETRIES + 1):
            last = attempt == BULK_MAX_RETRIES
            rejected: list[dict[str, Any]] = []
            results = helpers.streaming_bulk(
                self.client,
                chunk,
                chunk_size=BULK_CHUNK_DOCS,
                max_chunk_bytes=BULK_MAX_BYTES,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=0,  # 429s are resent below, where they are counted and logged
            )
            answered = 0
            try:
                for action, (ok, item) in zip(chunk, results, strict=False):
                    answered += 1
                    if not ok and not last and _status(item) == 429:
                        rejected.append(action)
                    else:
                        yield ok, item
            except ApiError as error:  # the whole request refused, after the client's own retries
                if last or error.status_code != 429:
                    raise
                rejected += chunk[answered:]
            if not rejected:
                return
            delay = min(BULK_MAX_BACKOFF, BULK_INITIAL_BACKOFF * 2**attempt) * random.uniform(0.5, 1.0)
            stats.retried += len(rejected)
            stats.rounds += 1
            log.warning(
                "Bulk: %d of %d documents rejected with HTTP 429 (cluster busy); "
                "sending them again in %.1f s (retry %d of %d)",
                len(rejected),
                len(chunk),
                delay,
                attempt + 1,
                BULK_MAX_RETRIES,
            )
            time.sleep(delay)
            chunk = rejected

    def search(self, index: str, query: Mapping[str, Any], size: int = 10) -> list[dict[str, Any]]:
        """Return the hits of ``query`` on ``index``."""
        return self.client.search(index=index, query=query, size=size)["hits"]["hits"]

    def aggregate(self, index: str, aggs: Mapping[str, Any]) -> dict[str, Any]:
        """Return the ``aggregations`` of ``aggs`` over every document of ``index`` (no hits)."""
        return self.client.search(index=index, aggs=aggs, size=0)["aggregations"]

    def field_caps(self, index: str, fields: str) -> dict[str, Any]:
        """Return ``{field: {type: capabilities}}`` for the ``fields`` (a name or pattern) of ``index``."""
        return self.client.field_caps(index=index, fields=fields)["fields"]

    def sources_by_id(self, index: str, ids: list[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        """Return ``{id: source}`` (only ``fields``) for the ``ids`` that ``index`` holds."""
        if not ids:
            return {}
        docs = self.client.mget(index=index, ids=ids, source_includes=fields)["docs"]
        return {doc["_id"]: doc["_source"] for doc in docs if doc.get("found")}


def _status(item: Mapping[str, Any]) -> int | None:
    """The HTTP status of one bulk result item (``{"index": {"status": 429, ...}}``)."""
    return next(iter(item.values()), {}).get("status")
