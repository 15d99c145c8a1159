"""``python -m bigcommerce_simulator``: configuration files, the printed URL, clean shutdown."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from bigcommerce_simulator import SimulatorAdmin, SimulatorProcess, StoreSpec
from bigcommerce_simulator.stores import STORES_ENV


def first_stdout_line(process: subprocess.Popen[str], timeout: float = 20) -> str:
    """Wait (bounded) for the first line the process prints."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), "the simulator printed nothing"
    return process.stdout.readline().strip()


def run_cli(*args: str, stores_env: str | None = None) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != STORES_ENV}
    if stores_env is not None:
        env[STORES_ENV] = stores_env
    return subprocess.Popen(
        [sys.executable, "-m", "bigcommerce_simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_serves_the_stores_of_a_file_and_exits_cleanly_on_sigterm(tmp_path: Path, suffix: str):
    stores = {
        "stores": [
            {"store_hash": "filestore", "token": "secret", "catalog": {"seed": 5, "products": 3}, "quota": 10}
        ]
    }
    config = tmp_path / f"stores{suffix}"
    config.write_text(yaml.safe_dump(stores) if suffix == ".yaml" else json.dumps(stores), encoding="utf-8")
    process = run_cli("--stores-file", str(config), "--port", "0")
    try:
        url = first_stdout_line(process)
        assert url.startswith("http://127.0.0.1:")
        assert SimulatorAdmin(url).health() == {"status": "ok", "stores": ["filestore"]}
        response = requests.get(
            f"{url}/stores/filestore/v3/catalog/products", headers={"X-Auth-Token": "secret"}, timeout=10
        )
        assert response.json()["meta"]["pagination"]["total"] == 3
        assert response.headers["X-Rate-Limit-Requests-Quota"] == "10"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_serves_the_stores_of_the_environment_variable():
    stores = [{"store_hash": "envstore", "token": "env-secret", "catalog": {"seed": 6, "products": 2}}]
    process = run_cli("--port", "0", stores_env=json.dumps(stores))
    try:
        url = first_stdout_line(process)
        response = requests.get(
            f"{url}/stores/envstore/v3/catalog/products", headers={"X-Auth-Token": "env-secret"}, timeout=10
        )
        assert response.json()["meta"]["pagination"]["total"] == 2
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_a_started_simulator_has_no_token_on_its_command_line():
    token = "token-that-ps-must-not-show"

    with SimulatorProcess([StoreSpec("psstore", token)]) as simulator:
        command_line = Path(f"/proc/{simulator.pid}/cmdline").read_bytes()
        served = requests.get(
            f"{simulator.url}/stores/psstore/v2/time", headers={"X-Auth-Token": token}, timeout=10
        )

    assert b"bigcommerce_simulator" in command_line  # the child's own command line was read
    assert token.encode() not in command_line
    assert served.status_code == 200  # it got the token another way


def test_the_command_line_takes_no_stores():
    process = run_cli("--stores-json", json.dumps([{"store_hash": "abc", "token": "t"}]))

    _, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "unrecognized arguments: --stores-json" in stderr


@pytest.mark.parametrize(
    ("stores_env", "message"),
    [
        (None, f"no stores: pass --stores-file or set {STORES_ENV}"),
        ("[{", f"{STORES_ENV} is not valid JSON"),
        (json.dumps([{"store_hash": "Not-Valid!", "token": "t"}]), "store_hash must match"),
    ],
)
def test_rejects_a_missing_or_invalid_configuration(stores_env: str | None, message: str):
    process = run_cli("--port", "0", stores_env=stores_env)

    _, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert message in stderr
