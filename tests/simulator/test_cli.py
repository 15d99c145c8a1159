"""``python -m bigcommerce_simulator``: configuration files, the printed URL, clean shutdown."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from bigcommerce_simulator import SimulatorAdmin


def first_stdout_line(process: subprocess.Popen[str], timeout: float = 20) -> str:
    """Wait (bounded) for the first line the process prints."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), "the simulator printed nothing"
    return process.stdout.readline().strip()


def run_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bigcommerce_simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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


def test_rejects_an_invalid_configuration():
    process = run_cli(
        "--stores-json", json.dumps([{"store_hash": "Not-Valid!", "token": "t"}]), "--port", "0"
    )

    _, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "store_hash must match" in stderr
