"""What a run is asked to do: the trigger form's params and the validation of a run's conf."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.sdk import Param
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from bigcommerce_sync.sync_types import SyncMode, SyncType

# Batch ids are the batch store's BIGSERIAL keys. The bound also keeps the value within the 64-bit
# integers Airflow's task protocol can carry: a larger one would take the run's tasks down with it.
MIN_BATCH_ID = 1
MAX_BATCH_ID = 2**63 - 1
# Draft 4's ``integer`` is an int. Later drafts (jsonschema's default) also accept floats such as
# 1.0 or 1e308, which the conf would then carry on to the tasks as floats.
_STRICT_INTEGERS = {"$schema": "http://json-schema.org/draft-04/schema#"}


class InvalidSyncRequest(ValueError):
    """The run's conf is not a valid sync request; nothing has been changed."""


class SyncRequest(BaseModel):
    """A validated request; ``explicit`` holds the keys the conf itself set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sync_type: SyncType
    mode: SyncMode
    batch_id: StrictInt | None = Field(default=None, ge=MIN_BATCH_ID, le=MAX_BATCH_ID)
    explicit: frozenset[str] = frozenset()


def sync_params(default_sync_type: SyncType) -> dict[str, Param]:
    """Return the DAG params, which Airflow renders as the trigger form."""
    return {
        "sync_type": Param(
            default_sync_type.value,
            type="string",
            enum=[t.value for t in SyncType],
            title="Sync type",
            description="What to bring into search: everything, one kind of content, or only the "
            "search configuration (stop words, synonyms).",
            values_display={
                "all": "Everything",
                "product": "Products",
                "category": "Categories and web pages",
                "blog": "Blog posts",
                "stop_words": "Stop words only",
                "synonyms": "Synonyms only",
            },
        ),
        "mode": Param(
            SyncMode.FULL.value,
            type="string",
            enum=[m.value for m in SyncMode],
            title="Mode",
            description="full: build new index versions and switch search to them when complete.",
        ),
        "batch_id": Param(
            None,
            type=["null", "integer"],
            minimum=MIN_BATCH_ID,
            maximum=MAX_BATCH_ID,
            title="Batch id",
            description="Claim this pending batch instead of creating a new one (leave empty).",
            **_STRICT_INTEGERS,
        ),
    }


def parse_sync_request(conf: Mapping[str, Any] | None, params: Mapping[str, Any]) -> SyncRequest:
    """Validate a run's raw ``conf`` and resolved ``params`` into a :class:`SyncRequest`.

    :param conf: the conf the run was triggered with, exactly as sent.
    :param params: the run's params (defaults merged with the conf).
    :raises InvalidSyncRequest: naming every unknown key or bad value.
    """
    conf = dict(conf or {})
    known = set(SyncRequest.model_fields) - {"explicit"}
    unknown = sorted(set(conf) - known)
    if unknown:
        raise InvalidSyncRequest(f"unknown conf keys {unknown}; allowed: {sorted(known)}")
    values = {key: conf.get(key, params.get(key)) for key in known}
    try:
        return SyncRequest.model_validate({**values, "explicit": frozenset(conf)})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
            for e in error.errors(include_url=False)
        )
        raise InvalidSyncRequest(f"invalid conf: {problems}") from None
