"""The store's one storefront: its site (``/v3/sites``) and the site's URL templates (routes)."""

from __future__ import annotations

from .dates import iso_utc

SITE_ID = 1000
STORE_CREATED = 1577836800  # 2020-01-01T00:00:00Z
ROUTE_TEMPLATES = (
    ("product", "*", "/{slug}/"),
    ("brand", "*", "/brands/{slug}.html"),
    ("category", "*", "/{slug}/"),
    ("page", "*", "/{slug}/"),
    ("blog", "*", "/blog/{slug}/"),
    ("home", "", "/"),
    ("cart", "", "/cart.php"),
    ("checkout", "", "/checkout"),
    ("search", "", "/search.php"),
    ("account", "", "/account.php"),
    ("login", "", "/login.php"),
    ("returns", "", "/account.php?action=view_returns"),
    ("static", "", "/{slug}"),
)


def site(domain: str) -> dict[str, object]:
    """Return the storefront site of channel 1, as in ``GET /v3/sites``.

    :param domain: the store's domain, e.g. ``abc.example.com``.
    """
    created = iso_utc(STORE_CREATED)
    return {
        "id": SITE_ID,
        "url": f"https://{domain}",
        "channel_id": 1,
        "created_at": created,
        "updated_at": created,
        "ssl_status": "shared",
        "urls": [
            {"url": f"https://{domain}", "type": "primary", "created_at": created, "updated_at": created},
            {
                "url": f"https://www.{domain}",
                "type": "canonical",
                "created_at": created,
                "updated_at": created,
            },
            {"url": f"https://{domain}", "type": "checkout", "created_at": created, "updated_at": created},
        ],
        "is_checkout_url_customized": False,
    }


def site_routes() -> list[dict[str, object]]:
    """Return the routes of the site: one URL template per resource type, IDs 1 upwards."""
    return [
        {"id": position + 1, "type": kind, "matching": matching, "route": route}
        for position, (kind, matching, route) in enumerate(ROUTE_TEMPLATES)
    ]
