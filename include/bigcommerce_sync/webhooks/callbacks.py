"""The callbacks BigCommerce sends, as its webhooks reference documents them (``webhooks.v3.yml``).

A callback names one changed item, never its content::

    {"scope": "store/product/updated", "store_id": "1025646", "data": {"type": "product", "id": 205},
     "hash": "352e4afc…", "created_at": 1561482670, "producer": "stores/abc123"}

Only the scopes this project subscribes to are accepted: products, SKUs (variants) and
their inventory, categories. Each callback comes down to what must be refreshed in
search: a product (a SKU's or inventory event's product) or the categories.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Ids are 64-bit in the batch store (BIGINT) and in Airflow's task protocol.
ItemId = Annotated[int, Field(gt=0, le=2**63 - 1)]

PRODUCT_SCOPES = (
    "store/product/created",
    "store/product/updated",
    "store/product/deleted",
    "store/product/inventory/updated",
    "store/product/inventory/order/updated",
)
SKU_SCOPES = (
    "store/sku/created",
    "store/sku/updated",
    "store/sku/deleted",
    "store/sku/inventory/updated",
    "store/sku/inventory/order/updated",
)
CATEGORY_SCOPES = ("store/category/created", "store/category/updated", "store/category/deleted")
# What registration subscribes each store to (BigCommerce's wildcards, e.g. store/product/*,
# would also deliver scopes that carry nothing for search).
SUBSCRIBED_SCOPES = (*PRODUCT_SCOPES, *SKU_SCOPES, *CATEGORY_SCOPES)


class Target(StrEnum):
    """What an event makes the applier refresh."""

    PRODUCT = "product"
    CATEGORY = "category"


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: ItemId


class ProductData(_Data):
    """``{"type": "product", "id": 205}``, with ``inventory`` for inventory events."""

    type: Literal["product"]


class _ProductRef(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    product_id: ItemId


class SkuData(_Data):
    """``{"type": "sku", "id": 461, "sku": {"product_id": 206, "variant_id": 509}}``.

    Inventory events carry the product in ``inventory`` instead of ``sku``.
    """

    type: Literal["sku"]
    sku: _ProductRef | None = None
    inventory: _ProductRef | None = None

    @model_validator(mode="after")
    def _names_its_product(self) -> SkuData:
        if self.sku is None and self.inventory is None:
            raise ValueError("a sku event names its product in data.sku or data.inventory")
        return self

    @property
    def product_id(self) -> int:
        return (self.sku or self.inventory).product_id  # type: ignore[union-attr]


class CategoryData(_Data):
    """``{"type": "category", "id": 42}``."""

    type: Literal["category"]


_SCOPE_DATA_TYPE = {
    **dict.fromkeys(PRODUCT_SCOPES, "product"),
    **dict.fromkeys(SKU_SCOPES, "sku"),
    **dict.fromkeys(CATEGORY_SCOPES, "category"),
}


class Callback(BaseModel):
    """One callback's payload; fields BigCommerce may add later are ignored.

    :param scope: the event, one of :data:`SUBSCRIBED_SCOPES`.
    :param store_id: the store's numeric id.
    :param producer: ``stores/<store_hash>``: the store that raised the event.
    :param hash: BigCommerce's SHA-1 of the payload; duplicates share it.
    :param created_at: when the event was raised, in unix seconds.
    :param data: the item the event is about.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    scope: Literal[SUBSCRIBED_SCOPES]  # type: ignore[valid-type]
    store_id: str = Field(min_length=1, max_length=64)
    producer: str = Field(pattern=r"^stores/[a-z0-9]+$", max_length=80)
    hash: str = Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=128)
    created_at: int = Field(ge=0, le=2**40)
    data: Annotated[ProductData | SkuData | CategoryData, Field(discriminator="type")]

    @model_validator(mode="after")
    def _data_fits_scope(self) -> Callback:
        expected = _SCOPE_DATA_TYPE[self.scope]
        if self.data.type != expected:
            raise ValueError(f"scope {self.scope} carries data of type {expected!r}, not {self.data.type!r}")
        return self

    @property
    def store_hash(self) -> str:
        return self.producer.removeprefix("stores/")

    @property
    def target(self) -> tuple[Target, int]:
        """What to refresh: the product (a SKU's product) or the category."""
        if isinstance(self.data, CategoryData):
            return Target.CATEGORY, self.data.id
        if isinstance(self.data, SkuData):
            return Target.PRODUCT, self.data.product_id
        return Target.PRODUCT, self.data.id

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_at, tz=UTC)
