"""What a run is asked to do: the trigger form's params and the validation of a run's conf."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from airflow.sdk import Param
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from bigcommerce_sync.sync_types import MODE_SYNC_TYPES, SyncMode, SyncType

# Batch ids are the batch store's BIGSERIAL keys. The bound also keeps the value within the 64-bit
# integers Airflow's task protocol can carry: a larger one would take the run's tasks down with it.
MIN_BATCH_ID = 1
MAX_BATCH_ID = 2**63 - 1
# Product ids of a targeted sync: BigCommerce ids, within the same 64-bit bound; a list short
# enough to stay a small XCom and a few ``id:in`` requests.
MIN_PRODUCT_ID = 1
MAX_PRODUCT_ID = 2**63 - 1
MAX_PRODUCT_IDS = 250
# Draft 4's ``integer`` is an int. Later drafts (jsonschema's default) also accept floats such as
# 1.0 or 1e308, which the conf would then carry on to the tasks as floats.
_STRICT_INTEGERS = {"$schema": "http://json-schema.org/draft-04/schema#"}
# A refusal names the first few problems: a conf of 250 bad ids would otherwise make a page-long message.
MAX_PROBLEMS_SHOWN = 3


class InvalidSyncRequest(ValueError):
    """The run's conf is not a valid sync request; nothing has been changed."""


class SyncRequest(BaseModel):
    """A validated request; ``explicit`` holds the keys the conf itself set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sync_type: SyncType
    mode: SyncMode
    batch_id: StrictInt | None = Field(default=None, ge=MIN_BATCH_ID, le=MAX_BATCH_ID)
    product_ids: list[Annotated[StrictInt, Field(ge=MIN_PRODUCT_ID, le=MAX_PRODUCT_ID)]] | None = Field(
        default=None, min_length=1, max_length=MAX_PRODUCT_IDS
    )
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
            description="full: build new index versions and switch search to them when complete; "
            "incremental: update the live indexes with what changed since the last sync and delete "
            "what the store no longer has (falls back to full when there is nothing to start from); "
            "targeted: update the listed products in the live product index (a product sync).",
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
        "product_ids": Param(
            None,
            type=["null", "array"],
            items={"type": "integer", "minimum": MIN_PRODUCT_ID, "maximum": MAX_PRODUCT_ID},
            minItems=1,
            maxItems=MAX_PRODUCT_IDS,
            title="Product ids",
            description=f"targeted mode only: the products to bring up to date (1 to {MAX_PRODUCT_IDS} "
            "ids; leave empty otherwise).",
            **_STRICT_INTEGERS,
        ),
    }


def parse_sync_request(conf: Mapping[str, Any] | None, params: Mapping[str, Any]) -> SyncRequest:
    """Validate a run's raw ``conf`` and resolved ``params`` into a :class:`SyncRequest`.

    :param conf: the conf the run was triggered with, exactly as sent.
    :param params: the run's params (defaults merged with the conf).
    :raises InvalidSyncRequest: naming every unknown key or bad value, or a combination that makes no sense.
    """
    conf = dict(conf or {})
    known = set(SyncRequest.model_fields) - {"explicit"}
    unknown = sorted(set(conf) - known, key=str)
    if unknown:
        raise InvalidSyncRequest(f"unknown conf keys {_shown(unknown)}; allowed: {sorted(known)}")
    values = {key: conf.get(key, params.get(key)) for key in known}
    try:
        request = SyncRequest.model_validate({**values, "explicit": frozenset(conf)})
    except ValidationError as error:
        problems = [
            f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {_shown(e.get('input'))})"
            for e in error.errors(include_url=False)
        ]
        more = len(problems) - MAX_PROBLEMS_SHOWN
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN]) + (f"; and {more} more" if more > 0 else "")
        raise InvalidSyncRequest(f"invalid conf: {shown}") from None
    _check_combination(request)
    return request


def _shown(value: Any, limit: int = 80) -> str:
    """The value as the refusal quotes it: its repr, cut short (a conf may carry thousands of ids)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} items)" if isinstance(value, list | dict) else ""
    return f"{text[:limit]}…{size}"


def _check_combination(request: SyncRequest) -> None:
    """Refuse a mode, sync type and product ids that do not go together."""
    if request.mode is SyncMode.TARGETED and not request.product_ids:
        raise InvalidSyncRequest("invalid conf: mode 'targeted' needs product_ids (1 or more product ids)")
    if request.product_ids and request.mode is not SyncMode.TARGETED:
        raise InvalidSyncRequest(
            f"invalid conf: product_ids are for mode 'targeted' only, but the mode is {request.mode.value!r}"
        )
    accepted = MODE_SYNC_TYPES[request.mode]
    if request.sync_type not in accepted:
        raise InvalidSyncRequest(
            f"invalid conf: mode {request.mode.value!r} accepts sync type "
            f"{' or '.join(repr(t.value) for t in accepted)}, not {request.sync_type.value!r}"
        )
