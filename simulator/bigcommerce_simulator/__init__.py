"""A BigCommerce store API simulator: a real HTTP server with deterministic synthetic stores.

Start it from Python with :class:`SimulatorProcess` (a child process) or from the command
line with ``python -m bigcommerce_simulator``; inspect it, inject faults and change
the stores between syncs (create, update, delete items) with :class:`SimulatorAdmin`.
"""

from __future__ import annotations

from .admin import SimulatorAdmin
from .catalog import Catalog, CatalogSpec
from .process import SimulatorProcess
from .stores import StoreSpec

__all__ = ["Catalog", "CatalogSpec", "SimulatorAdmin", "SimulatorProcess", "StoreSpec"]
