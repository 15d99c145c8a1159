"""Registration: each webhook store's hooks on BigCommerce (``/v3/hooks``), as they should be.

For every subscribed scope there must be one active hook whose destination is the
store's receiver URL (``<receiver_url>/<store_hash>``) and whose headers carry the
shared secret. :func:`ensure_hooks` creates the missing ones, updates the wrong
ones (another secret, or deactivated: BigCommerce deactivates a hook after about 48 h
of failed deliveries or 90 idle days) and leaves the right ones alone, so running it
again changes nothing. The report lists what it did and which hooks BigCommerce had
deactivated; it never holds the secret.

``python -m bigcommerce_sync.webhooks.registration ensure [--store S]`` runs it for
the registry's webhook stores (exit 1 when a store failed).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bigcommerce_sync.webhooks.callbacks import SUBSCRIBED_SCOPES
from bigcommerce_sync.webhooks.receiver import SECRET_HEADER

if TYPE_CHECKING:
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.stores import StoreConfig


@dataclass
class HookReport:
    """What registration did for one store, by scope."""

    store_hash: str
    destination: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)  # found inactive (and reactivated)

    def lines(self) -> list[str]:
        parts = [f"{len(getattr(self, name))} {name}" for name in ("created", "updated", "unchanged")]
        lines = [f"{self.store_hash}: hooks to {self.destination}: {', '.join(parts)}"]
        lines += [
            f"{self.store_hash}: BigCommerce had deactivated the hook of {scope} (failed deliveries or "
            "90 idle days); reactivated, and the periodic syncs cover what it missed"
            for scope in self.deactivated
        ]
        return lines


def destination(store: StoreConfig) -> str:
    """Where the store's callbacks go: the receiver's public URL and the store hash."""
    return f"{str(store.webhooks.receiver_url).rstrip('/')}/{store.store_hash}"


def ensure_hooks(hook: BigCommerceHook, store: StoreConfig, secret: str) -> HookReport:
    """Make the store's hooks exist, active, with the right destination and secret header.

    :param hook: the store's API hook.
    :param store: the store's registry entry (webhooks enabled).
    :param secret: the shared secret BigCommerce is to send back.
    """
    report = HookReport(store.store_hash, destination(store))
    headers = {SECRET_HEADER: secret}
    ours = {h["scope"]: h for h in _hooks(hook) if h.get("destination") == report.destination}
    for scope in SUBSCRIBED_SCOPES:
        existing = ours.get(scope)
        if existing is None:
            hook.send_json("POST", "v3/hooks", _body(scope, report.destination, headers))
            report.created.append(scope)
            continue
        if not existing.get("is_active"):
            report.deactivated.append(scope)
        if existing.get("is_active") and existing.get("headers") == headers:
            report.unchanged.append(scope)
        else:
            hook.send_json("PUT", f"v3/hooks/{existing['id']}", {"is_active": True, "headers": headers})
            report.updated.append(scope)
    return report


def _hooks(hook: BigCommerceHook) -> list[dict[str, Any]]:
    return [item for page in hook.iter_v3_pages("hooks") for item in page]


def _body(scope: str, url: str, headers: dict[str, str]) -> dict[str, Any]:
    return {"scope": scope, "destination": url, "is_active": True, "headers": headers}


def ensure_store(store: StoreConfig) -> HookReport:
    """Ensure one store's hooks with its own connections (the API token's, the secret's)."""
    from airflow.sdk import BaseHook

    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook

    secret = BaseHook.get_connection(store.webhook_secret_conn_id).password
    if not secret:
        raise ValueError(f"connection {store.webhook_secret_conn_id!r} has no password (the webhook secret)")
    return ensure_hooks(BigCommerceHook(store.connection_id), store, secret)


def main(argv: list[str] | None = None) -> int:
    """``python -m bigcommerce_sync.webhooks.registration ensure [--store S]``."""
    import argparse

    from bigcommerce_sync.stores import load_registry

    parser = argparse.ArgumentParser(prog="python -m bigcommerce_sync.webhooks.registration")
    parser.add_argument("command", choices=["ensure"])
    parser.add_argument("--store", help="only this store (default: every store with webhooks enabled)")
    args = parser.parse_args(argv)
    stores = [s for s in load_registry().stores if s.webhooks.enabled and args.store in (None, s.store_hash)]
    if not stores:
        which = f" is {args.store!r}" if args.store else ""
        print(f"no store with webhooks enabled{which}", file=sys.stderr)
        return 1
    failed = 0
    for store in stores:
        try:
            print("\n".join(ensure_store(store).lines()))
        except Exception as error:  # one store's failure never stops the others
            failed += 1
            print(f"{store.store_hash}: registration failed: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
