"""The Airflow pools of the project's tasks: their names and default sizes live here, and only here.

``search_bulk`` caps the bulk loads into the search cluster across every store's DAG, on any
number of workers: each task that loads a whole index (a store's three imports, ``rebuild_index``)
takes one slot from when it is queued until it ends. Each such task keeps ``importing.BULK_STREAMS``
(2) bulk requests in flight, so ``slots`` ≈ write threads per data node × data nodes ÷ (1 + replicas)
÷ 2 keeps the cluster's write threads busy without queueing (docs/celery-and-pools.md).

There is no pool for the BigCommerce API: each store has its own quota, and a store's imports
share it through their reserve (``hooks/quota.py``); a pool across stores would only slow stores
that do not compete.

``python -m bigcommerce_sync.pools [--slots NAME=N ...]`` creates the missing pools with their
default sizes and leaves existing ones as operators sized them (``--slots`` sets a size). It needs
the metadata DB, as ``airflow db migrate`` does: run it right after that (docker-compose's
``airflow-init`` and the dev tooling's local Airflow do).

A task whose pool does not exist is never scheduled: Airflow's scheduler logs "Tasks using
non-existent pool 'search_bulk' will not be scheduled" and the run waits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PoolSpec:
    """A pool the project's tasks run in.

    :param name: the pool's name, as tasks give it (``pool=``).
    :param slots: its size when the project creates it.
    :param description: shown in the UI (Admin → Pools).
    """

    name: str
    slots: int
    description: str


SEARCH_BULK = PoolSpec(
    "search_bulk",
    slots=4,
    description="Bulk loads into the search cluster (imports, index rebuilds), one slot each; sizing: "
    "docs/celery-and-pools.md",
)
POOLS = (SEARCH_BULK,)


def ensure_pools(client: Any | None = None, slots: Mapping[str, int] | None = None) -> dict[str, str]:
    """Create each missing pool of :data:`POOLS`; set the sizes given in ``slots``.

    :param client: Airflow's local API client (the one ``airflow pools`` uses); made when not given.
    :param slots: sizes to set, by pool name (created or resized); other pools keep their size.
    :return: ``{name: what was done}``, e.g. ``{"search_bulk": "created with 4 slots"}``.
    :raises ValueError: when ``slots`` names a pool that is not the project's.
    """
    from airflow.exceptions import PoolNotFound

    slots = dict(slots or {})
    unknown = set(slots) - {pool.name for pool in POOLS}
    if unknown:
        raise ValueError(f"not a pool of the project: {', '.join(sorted(unknown))}")
    if client is None:
        from airflow.api.client.local_client import Client

        client = Client()
    done = {}
    for pool in POOLS:
        try:
            _, size, *_ = client.get_pool(name=pool.name)
        except PoolNotFound:
            size = None
        wanted = slots.get(pool.name, pool.slots if size is None else size)
        if size == wanted:
            done[pool.name] = f"kept, {size} slots"
            continue
        client.create_pool(name=pool.name, slots=wanted, description=pool.description, include_deferred=False)
        done[pool.name] = f"{'created with' if size is None else 'set to'} {wanted} slots"
    return done


def _size(text: str) -> tuple[str, int]:
    name, _, number = text.partition("=")
    if not number.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=SLOTS, got {text!r}")
    return name, int(number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_sync.pools", description="Create the project's missing Airflow pools."
    )
    parser.add_argument(
        "--slots", type=_size, action="append", default=[], metavar="NAME=N", help="set a pool's size"
    )
    args = parser.parse_args(argv)
    try:
        done = ensure_pools(slots=dict(args.slots))
    except ValueError as error:
        parser.error(str(error))
    for name, what in done.items():
        print(f"pool {name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
