"""Store configuration: what each simulated store serves and how it behaves."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .catalog import CatalogSpec
from .pagination import LIMIT_OVERFLOW_MODES

STORE_HASH_PATTERN = re.compile(r"^[a-z0-9]+$")
# The variable that hands the stores, tokens included, to ``python -m bigcommerce_simulator``.
STORES_ENV = "BIGCOMMERCE_SIMULATOR_STORES"


@dataclass(frozen=True)
class StoreSpec:
    """One simulated store.

    :param store_hash: the ``{store_hash}`` path segment (``^[a-z0-9]+$``).
    :param token: the expected ``X-Auth-Token``.
    :param catalog: catalog size and seed.
    :param quota: requests per window; 0 for unlimited.
    :param window_ms: rate-limit window length in milliseconds.
    :param latency_ms: delay added to every store API response.
    :param limit_overflow: ``"clamp"`` (serve 250) or ``"413"`` (reject) for ``limit`` above 250.
    """

    store_hash: str
    token: str
    catalog: CatalogSpec = field(default_factory=CatalogSpec)
    quota: int = 150
    window_ms: int = 30000
    latency_ms: int = 0
    limit_overflow: str = "clamp"

    def __post_init__(self) -> None:
        if not STORE_HASH_PATTERN.match(self.store_hash):
            raise ValueError(f"store_hash must match {STORE_HASH_PATTERN.pattern}: {self.store_hash!r}")
        if self.limit_overflow not in LIMIT_OVERFLOW_MODES:
            raise ValueError(f"limit_overflow must be one of {LIMIT_OVERFLOW_MODES}")
        if self.quota < 0 or self.window_ms < 1 or self.latency_ms < 0:
            raise ValueError("quota and latency_ms must be >= 0 and window_ms >= 1")

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as JSON-ready data (the format :meth:`from_dict` reads)."""
        return {
            "store_hash": self.store_hash,
            "token": self.token,
            "catalog": self.catalog.to_dict(),
            "quota": self.quota,
            "window_ms": self.window_ms,
            "latency_ms": self.latency_ms,
            "limit_overflow": self.limit_overflow,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoreSpec:
        """Build a spec from parsed JSON or YAML; omitted keys take the defaults.

        :param data: keys named like the fields; ``catalog`` is a nested mapping.
        """
        values = dict(data)
        values["catalog"] = CatalogSpec.from_dict(values.get("catalog") or {})
        return cls(**values)


def parse_store_specs(document: Any) -> list[StoreSpec]:
    """Read store specs from a parsed document: a list of stores or ``{"stores": [...]}``.

    :param document: parsed JSON or YAML.
    :raises ValueError: when the document is not a non-empty list of stores with unique hashes.
    """
    stores = document.get("stores") if isinstance(document, dict) else document
    if not isinstance(stores, list) or not stores:
        raise ValueError("expected a non-empty list of stores (or a mapping with a 'stores' list)")
    specs = [StoreSpec.from_dict(entry) for entry in stores]
    hashes = [spec.store_hash for spec in specs]
    if len(set(hashes)) != len(hashes):
        raise ValueError("store_hash values must be unique")
    return specs


def load_store_specs(path: Path) -> list[StoreSpec]:
    """Read store specs from a ``.json``, ``.yaml`` or ``.yml`` file.

    :param path: the configuration file.
    :raises ValueError: when the file cannot be parsed or describes invalid stores.
    """
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not valid YAML: {error}") from None
    return parse_store_specs(document)
