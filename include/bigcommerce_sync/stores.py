"""The store registry: loads and validates ``stores.yaml``.

A bad entry is reported and skipped; it never hides the other stores. Only a
file that cannot be read as a list of stores at all raises.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from croniter import CroniterBadDateError, croniter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from bigcommerce_sync.analysis import validate_synonym_rule
from bigcommerce_sync.sync_types import MODE_SYNC_TYPES, SyncMode, SyncType

STORES_FILE_ENV = "BIGCOMMERCE_SYNC_STORES_FILE"
DEFAULT_STORES_FILE = Path(__file__).resolve().parents[1] / "stores.yaml"
DAG_ID_PREFIX = "bigcommerce_sync_"
WEBHOOK_SECRET_CONN_PREFIX = "bigcommerce_webhook_"

NonEmptyStr = Annotated[str, Field(min_length=1)]
# A field of the product index, as its mapping names it (e.g. ``availability``, ``name.raw``).
ProductFieldPath = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
# A problem names the store by its hash, cut to this length (a bad entry's may be anything).
_LABEL_LENGTH = 64
# croniter's random (``R``) and hashed (``H``) values: ``H``, ``H/5``, ``R(0-29)``…
_RANDOM_CRON_VALUE = re.compile(r"^[HR](\(|/|$)", re.IGNORECASE)
# libyaml's loader when available.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Split copies of registries kept in the cache (the newest); older ones are removed.
_KEPT_SPLITS = 8


class StoreRegistryError(ValueError):
    """The registry file itself is unreadable (not one bad entry)."""


class WebhookSettings(BaseModel):
    """A store's webhooks (``docs/webhooks.md``): on or off, where BigCommerce sends them, the secret.

    :param enabled: whether the receiver accepts this store's callbacks and registration keeps its hooks.
    :param receiver_url: the receiver's public base URL (the api-server's, with the plugin's prefix);
        the store's hooks point at ``<receiver_url>/<store_hash>``.
    :param secret_connection_id: the connection whose password is the shared secret BigCommerce
        sends back in a header; defaults to ``bigcommerce_webhook_<store_hash>``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    receiver_url: HttpUrl | None = None
    secret_connection_id: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _url_when_enabled(self) -> WebhookSettings:
        if self.enabled and self.receiver_url is None:
            raise ValueError(
                "enabled webhooks need receiver_url, the receiver's public URL "
                "(e.g. https://airflow.example.com/bigcommerce-webhooks)"
            )
        return self


class StoreConfig(BaseModel):
    """One store's entry in ``stores.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store_hash: str = Field(pattern=r"^[a-z0-9]+$", max_length=64)
    name: NonEmptyStr
    connection_id: NonEmptyStr
    search_connection_id: NonEmptyStr = "elasticsearch_default"
    schedule: str | None = None  # full syncs (e.g. weekly); None: only when triggered
    incremental_schedule: str | None = None  # incremental syncs (e.g. every 15 minutes)
    incremental_overlap_seconds: int = Field(default=300, ge=0, le=86_400)
    max_deletion_ratio: float = Field(default=0.05, ge=0, le=1)
    deletion_allowance: int = Field(default=10, ge=0)
    default_sync_type: SyncType = SyncType.ALL
    enabled: bool = True
    stop_words: list[NonEmptyStr] = []
    synonyms: list[NonEmptyStr] = []
    use_default_lists: bool = True
    retries: int = Field(default=3, ge=0, le=10)
    # The first retry's delay; each later one doubles it (up to 10 minutes), with jitter.
    retry_delay_seconds: int = Field(default=30, ge=1, le=3600)
    api_concurrency: int = Field(default=2, ge=1, le=8)
    max_failed_ratio: float = Field(default=0.01, ge=0, le=1)
    keep_previous_indexes: int = Field(default=1, ge=0, le=10)
    # Keyword fields of the product index whose values the searchable-values job also collects.
    searchable_fields: list[ProductFieldPath] = Field(default=[], max_length=50)
    webhooks: WebhookSettings = WebhookSettings()

    @field_validator("schedule", "incremental_schedule")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        problem = None if value is None else _cron_problem(value)
        if problem:
            raise ValueError(f"{value!r} {problem}")
        return value

    @model_validator(mode="after")
    def _incremental_type(self) -> StoreConfig:
        accepted = MODE_SYNC_TYPES[SyncMode.INCREMENTAL]
        if self.incremental_schedule and self.default_sync_type not in accepted:
            raise ValueError(
                f"incremental_schedule needs a default_sync_type that incremental syncs accept "
                f"({', '.join(t.value for t in accepted)}), not {self.default_sync_type.value!r}"
            )
        return self

    @field_validator("synonyms")
    @classmethod
    def _valid_synonyms(cls, rules: list[str]) -> list[str]:
        for rule in rules:
            _validate_synonym_rule(rule)
        return rules

    @field_validator("searchable_fields")
    @classmethod
    def _distinct_fields(cls, fields: list[str]) -> list[str]:
        repeated = sorted({f for f in fields if fields.count(f) > 1})
        if repeated:
            raise ValueError(f"fields listed more than once: {', '.join(repeated)}")
        return fields

    @property
    def dag_id(self) -> str:
        return f"{DAG_ID_PREFIX}{self.store_hash}"

    @property
    def webhook_secret_conn_id(self) -> str:
        """The connection holding the store's webhook secret (in its password)."""
        return self.webhooks.secret_connection_id or f"{WEBHOOK_SECRET_CONN_PREFIX}{self.store_hash}"


# Memoized: a registry of thousands of stores has few distinct schedules, and checking one
# (croniter) was nine tenths of validating a store.
@functools.lru_cache(maxsize=4096)
def _cron_problem(value: str) -> str | None:
    """Why Airflow could not schedule a store on ``value``, or ``None`` if it can.

    croniter accepts more than a 5-field cron: a 6th field (seconds, so a sync every second),
    its random ``R`` and hashed ``H`` values (Airflow's timetable then fails), and dates that
    never come (``0 0 31 2 *``, on which the scheduler fails to find a next run).
    """
    if not croniter.is_valid(value):
        return "is not a cron expression (e.g. '0 3 * * *') or null"
    fields = value.split()
    if not value.startswith("@") and len(fields) != 5:
        return f"has {len(fields)} fields; a cron has 5 (minute hour day-of-month month day-of-week)"
    if any(_RANDOM_CRON_VALUE.match(part) for f in fields for part in f.split(",")):
        return "uses croniter's random or hashed values (R, H), which Airflow cannot schedule"
    try:
        croniter(value).get_next()
    except CroniterBadDateError:
        return "never fires (no such date)"
    return None


# Checked once per process for each distinct rule, for the same reason.
_validate_synonym_rule = functools.lru_cache(maxsize=4096)(validate_synonym_rule)


@dataclass(frozen=True)
class StoreRegistry:
    """The valid, enabled stores of a registry file and the problems found in it."""

    stores: list[StoreConfig]
    problems: list[str] = field(default_factory=list)


def stores_file() -> Path:
    """Return the registry path: ``$BIGCOMMERCE_SYNC_STORES_FILE`` or ``include/stores.yaml``."""
    return Path(os.environ.get(STORES_FILE_ENV) or DEFAULT_STORES_FILE)


def load_registry(
    path: Path | None = None,
    *,
    only_store: str | None = None,
    shards: Collection[int] | None = None,
    shard_count: int = 1,
) -> StoreRegistry:
    """Read and validate the registry; raise only if the file as a whole is unusable.

    :param path: the YAML file; defaults to :func:`stores_file`.
    :param only_store: validate just this store's entry (what a worker parsing one DAG needs);
        duplicates of it are still refused.
    :param shards: validate and report only the entries of these shards of the registry split in
        ``shard_count`` (:func:`shard_of` their store hash; an entry without a string store hash is
        in shard 0). A store's duplicates share its shard, so they are still refused.
    :param shard_count: the number of shards. Above 1, each shard's entries are read from a cached
        copy of their own, so that reading one shard or one store costs the same at any registry size.
    """
    path = path or stores_file()
    if only_store is not None:
        shards = [shard_of(only_store, shard_count)]
    entries = _read_entries(path, shard_count, shards)
    duplicates = _duplicate_hashes([entry for _, entry in entries])
    stores: list[StoreConfig] = []
    problems = [
        f"{path.name}: store_hash {h!r} appears {n} times; all its entries are skipped "
        f"(dag_id {DAG_ID_PREFIX}{h} must be unique)"
        for h, n in sorted(duplicates.items())
        if only_store in (None, h)
    ]
    for position, entry in entries:
        store_hash = _store_hash_of(entry)
        if store_hash in duplicates or only_store not in (None, store_hash):
            continue
        try:
            stores.append(StoreConfig.model_validate(entry))
        except ValidationError as error:
            problems.extend(_describe(path, position, entry, error))
    return StoreRegistry(stores=[s for s in stores if s.enabled], problems=problems)


def shard_of(store_hash: str, shard_count: int) -> int:
    """The shard of ``store_hash`` in a registry split in ``shard_count``: where its DAG is built.

    A jump consistent hash (Lamping and Veach, 2014) of a digest of the store hash: a store's
    shard depends on nothing but its own hash and the count, so adding or removing a store never
    moves another, and raising the count from n to n + 1 moves only the stores that go to the new
    shard (one in n + 1), never one between old shards.
    """
    key = int.from_bytes(hashlib.blake2b(store_hash.encode(), digest_size=8).digest(), "big")
    shard, candidate = -1, 0
    while candidate < shard_count:
        shard = candidate
        key = (key * 2862933555777941757 + 1) & 0xFFFF_FFFF_FFFF_FFFF
        candidate = int((shard + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return shard


def _read_entries(path: Path, shard_count: int, shards: Collection[int] | None) -> list[tuple[int, Any]]:
    """The registry's entries with their positions (from 1): all, or those of ``shards``."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StoreRegistryError(f"{path}: cannot read the store registry: {error}") from error
    if shards is not None and not set(shards) <= set(range(shard_count)):
        raise ValueError(f"shards {sorted(shards)} of {shard_count}: each must be 0 to {shard_count - 1}")
    if shards is None or shard_count == 1:
        return list(enumerate(_document_entries(path, raw), start=1))
    split = _cache_dir() / f"registry-{hashlib.sha256(raw).hexdigest()}-{shard_count}-shards"
    with contextlib.suppress(OSError, ValueError):
        return sorted(
            (position, entry)
            for shard in set(shards)
            for position, entry in json.loads((split / f"{shard}.json").read_bytes())
        )
    entries = _split(_document_entries(path, raw), shard_count)
    _keep_split(split, entries)
    return sorted(pair for shard in set(shards) for pair in entries[shard])


def _document_entries(path: Path, raw: bytes) -> list[Any]:
    try:
        document = _parse(raw)
    except yaml.YAMLError as error:
        raise StoreRegistryError(f"{path}: cannot read the store registry: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("stores"), list):
        raise StoreRegistryError(f"{path}: expected a mapping with a 'stores' list at the top level")
    return document["stores"]


def _split(entries: list[Any], shard_count: int) -> list[list[tuple[int, Any]]]:
    """Each shard's entries with their positions; an entry without a string store hash is in shard 0."""
    split: list[list[tuple[int, Any]]] = [[] for _ in range(shard_count)]
    for position, entry in enumerate(entries, start=1):
        store_hash = entry.get("store_hash") if isinstance(entry, dict) else None
        shard = shard_of(store_hash, shard_count) if isinstance(store_hash, str) else 0
        split[shard].append((position, entry))
    return split


def _keep_split(folder: Path, split: list[list[tuple[int, Any]]]) -> None:
    """Cache a registry's split: one JSON file per shard, in a folder that appears whole or not at all.

    Keyed by a hash of the registry's content and the shard count, it can never be stale; only
    the newest few are kept.
    """
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    # Caching is only an optimisation: a registry JSON cannot hold is read from its YAML each time.
    with contextlib.suppress(OSError, TypeError, ValueError, RecursionError):
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(mode=0o700, parents=True)
        for shard, entries in enumerate(split):
            (partial / f"{shard}.json").write_text(json.dumps(entries), encoding="utf-8")
        partial.rename(folder)  # fails if another process got there first: its copy is the same
    shutil.rmtree(partial, ignore_errors=True)
    with contextlib.suppress(OSError):
        splits = sorted(folder.parent.glob("registry-*-shards"), key=lambda p: p.stat().st_mtime)
        for old in splits[:-_KEPT_SPLITS]:
            shutil.rmtree(old, ignore_errors=True)


def _parse(raw: bytes) -> Any:
    """Parse the registry, through a JSON copy kept per file content.

    Every parse of the DAG file reads the whole registry, even a worker's parse
    of one DAG; for a thousand stores YAML takes tens of milliseconds and JSON a
    few. Keyed by a hash of the content, the copy can never be stale.
    """
    cached = _cache_dir() / f"registry-{hashlib.sha256(raw).hexdigest()}.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(cached.read_bytes())
    document = yaml.load(raw, Loader=_YAML_LOADER)
    # Caching is only an optimisation: a document JSON cannot hold (or nested too deep for it) is not cached.
    with contextlib.suppress(OSError, TypeError, ValueError, RecursionError):
        cached.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(document), encoding="utf-8")
        partial.replace(cached)
    return document


def _cache_dir() -> Path:
    """A private per-user directory: its files are as trusted as the registry they copy."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bigcommerce_sync"


def _describe(path: Path, position: int, entry: Any, error: ValidationError) -> list[str]:
    label = _store_hash_of(entry)
    if label and len(label) > _LABEL_LENGTH:
        label = f"{label[:_LABEL_LENGTH]}…"
    where = f"{path.name}: store #{position}" + (f" ({label!r})" if label else "")
    return [
        f"{where}: field '{'.'.join(map(str, issue['loc'])) or '(entry)'}': {issue['msg']}"
        for issue in error.errors(include_url=False)
    ]


def _store_hash_of(entry: Any) -> str | None:
    """The entry's store hash if it is a string: anything else (a list, a mapping) labels nothing."""
    store_hash = entry.get("store_hash") if isinstance(entry, dict) else None
    return store_hash if isinstance(store_hash, str) else None


def _duplicate_hashes(entries: list[Any]) -> dict[str, int]:
    """Store hashes listed more than once: neither entry can be trusted to be the right one."""
    counts: dict[str, int] = {}
    for entry in entries:
        store_hash = _store_hash_of(entry)
        if store_hash is not None:
            counts[store_hash] = counts.get(store_hash, 0) + 1
    return {store_hash: n for store_hash, n in counts.items() if n > 1}


def main(argv: list[str] | None = None) -> int:
    """``python -m bigcommerce_sync.stores check [FILE]``: list the stores, report bad entries.

    Exits 1 if any entry would be skipped, 2 if the file cannot be used at all.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bigcommerce_sync.stores")
    parser.add_argument("command", choices=["check"])
    parser.add_argument(
        "file", nargs="?", type=Path, help="defaults to $BIGCOMMERCE_SYNC_STORES_FILE or include/"
    )
    args = parser.parse_args(argv)
    try:
        registry = load_registry(args.file)
    except StoreRegistryError as error:
        print(error, file=sys.stderr)
        return 2
    for store in registry.stores:
        schedules = f"full {store.schedule or 'none'}, incremental {store.incremental_schedule or 'none'}"
        print(f"ok       {store.dag_id}  ({store.name}; {schedules})")
    for problem in registry.problems:
        print(f"skipped  {problem}", file=sys.stderr)
    return 1 if registry.problems else 0


if __name__ == "__main__":
    sys.exit(main())
