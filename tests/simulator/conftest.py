"""One simulator process for the whole simulator test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bigcommerce_simulator import SimulatorAdmin, SimulatorProcess
from tests.simulator.support import STORES, StoreApi


@pytest.fixture(scope="session")
def sim_process() -> Iterator[SimulatorProcess]:
    """The simulator, started once for this package."""
    with SimulatorProcess(STORES) as process:
        yield process


@pytest.fixture(autouse=True)
def admin(sim_process: SimulatorProcess) -> SimulatorAdmin:
    """The control API client; every test starts with no faults, zero counters, full quotas
    and the generated catalogs (no edits)."""
    client = sim_process.admin
    client.reset(catalog=True)
    return client


@pytest.fixture
def api(sim_process: SimulatorProcess) -> Iterator[StoreApi]:
    """An HTTP client for the simulated stores."""
    client = StoreApi(sim_process.url)
    yield client
    client.session.close()
