"""The live state of the simulated stores, and their store-level API objects."""

from __future__ import annotations

import uuid

from .catalog import Catalog
from .catalog_editor import CatalogEditor
from .dates import iso_utc
from .faults import FaultRegistry
from .hooks import HookRegistry
from .product_query import ProductSelector
from .ratelimit import FixedWindowLimiter
from .rng import stream_key
from .stats import StoreStats
from .storefront import SITE_ID, STORE_CREATED
from .stores import StoreSpec
from .variant_query import VariantSelector
from .webhook_delivery import WebhookDispatcher


class StoreState:
    """Catalog, admin changes, rate limiter and counters of one store.

    :param spec: the store configuration.
    :param webhooks: delivers the store's callbacks (its settings say whether http hooks are allowed).
    """

    def __init__(self, spec: StoreSpec, webhooks: WebhookDispatcher | None = None) -> None:
        self.spec = spec
        self.catalog = Catalog(spec.catalog)
        self.editor = CatalogEditor(self.catalog)
        self.products = ProductSelector(self.catalog)
        self.variants = VariantSelector(self.catalog)
        self.webhooks = webhooks or WebhookDispatcher()
        self.hooks = HookRegistry(spec.store_hash, lambda: self.webhooks.settings.allow_insecure_destinations)
        self.limiter = FixedWindowLimiter(spec.quota, spec.window_ms)
        self.stats = StoreStats()

    def stats_snapshot(self) -> dict[str, object]:
        """Return the request counters with the quota use per rate-limit window."""
        return {**self.stats.snapshot(), "quota_usage": self.limiter.usage()}

    @property
    def display_name(self) -> str:
        """Return the store's name as shown in ``/v2/store`` and ``/v3/channels``."""
        return f"Simulated Store {self.spec.store_hash}"

    def store_information(self) -> dict[str, object]:
        """Return the ``GET /v2/store`` object; ``id`` is the store hash."""
        store_hash = self.spec.store_hash
        domain = f"{store_hash}.example.com"
        return {
            "id": store_hash,
            "account_uuid": str(uuid.UUID(int=stream_key(store_hash, "account") << 64, version=4)),
            "domain": domain,
            "secure_url": f"https://{domain}",
            "control_panel_base_url": f"https://store-{store_hash}.mybigcommerce.com",
            "status": "live",
            "name": self.display_name,
            "first_name": "Ana",
            "last_name": "Müller",
            "address": "1 Example Street\nAustin, TX 78701",
            "country": "United States",
            "country_code": "US",
            "infrastructure_region": "us-central1",
            "phone": "+1 512 555 0100",
            "admin_email": f"admin@{domain}",
            "order_email": f"orders@{domain}",
            "favicon_url": f"https://cdn11.bigcommerce.com/s-{store_hash}/product_images/favicon.ico",
            "timezone": {
                "name": "Etc/UTC",
                "raw_offset": 0,
                "dst_offset": 0,
                "dst_correction": False,
                "date_format": {
                    "display": "jS M Y",
                    "export": "M jS Y",
                    "extended_display": "M jS Y @ g:i A",
                },
            },
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "kg",
            "dimension_units": "Centimeters",
            "dimension_decimal_places": 2,
            "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
            "plan_name": "Standard",
            "plan_level": "Standard",
            "plan_is_trial": False,
            "industry": "Home & Garden",
            "logo": [],
            "is_price_entered_with_tax": False,
            "store_id": 100_000_000 + stream_key(store_hash, "store-id") % 900_000_000,
            "default_channel_id": 1,
            "default_site_id": SITE_ID,
            "active_comparison_modules": [],
            "features": {
                "stencil_enabled": True,
                "sitewidehttps_enabled": True,
                "facebook_catalog_id": "",
                "checkout_type": "optimized",
                "wishlists_enabled": True,
                "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": True,
                "multi_storefront_enabled": False,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
        }

    def channels(self) -> list[dict[str, object]]:
        """Return the ``GET /v3/channels`` objects: the default storefront, ID 1."""
        return [
            {
                "id": 1,
                "external_id": "",
                "is_listable_from_ui": True,
                "is_enabled": True,
                "is_visible": True,
                "status": "active",
                "name": self.display_name,
                "type": "storefront",
                "platform": "bigcommerce",
                "date_created": iso_utc(STORE_CREATED),
                "date_modified": iso_utc(STORE_CREATED),
                "icon_url": "https://s3.amazonaws.com/bc-channel-platform/bigcommerce.svg",
            }
        ]

    @staticmethod
    def category_trees() -> list[dict[str, object]]:
        """Return the ``GET /v3/catalog/trees`` objects: one tree on channel 1."""
        return [{"id": 1, "name": "Default Tree", "channels": [1]}]


class SimulatorState:
    """Everything the server shares between request threads: the stores and the fault rules.

    :param specs: the stores to serve (unique hashes).
    """

    def __init__(self, specs: list[StoreSpec]) -> None:
        self.webhooks = WebhookDispatcher()
        self.stores = {spec.store_hash: StoreState(spec, self.webhooks) for spec in specs}
        self.faults = FaultRegistry()

    def reset(self, catalog: bool = False) -> None:
        """Clear counters, fault rules and rate-limit windows, and optionally the admin changes.

        :param catalog: also drop every created, updated and deleted item, every webhook, the
            queued callbacks and the delivery settings.
        """
        for store in self.stores.values():
            store.stats.reset()
            store.limiter.reset()
            if catalog:
                store.editor.reset()
                store.hooks.clear()
        if catalog:
            self.webhooks.reset()
        self.faults.clear()
