"""The files users deploy with: docker-compose.yaml, airflow_settings.yaml, the Dockerfile."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_matches_the_compose_specification():
    schema = json.loads(
        (resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text()
    )
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())

    jsonschema.validate(compose, schema)


def test_compose_runs_every_airflow_component_and_the_stand_ins():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())["services"]

    assert {
        "postgres",
        "elasticsearch",
        "bigcommerce-simulator",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    } <= set(services)
    env = services["airflow-scheduler"]["environment"]
    # The batch store is its own database, not Airflow's metadata DB.
    assert env["AIRFLOW_CONN_SYNC_DB"].rsplit("/", 1)[1] == "sync_batches"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1] == "airflow"


def test_airflow_settings_define_the_connections_the_dags_use():
    settings = yaml.safe_load((REPO_ROOT / "airflow_settings.yaml").read_text())["airflow"]
    stores = yaml.safe_load((REPO_ROOT / "include" / "stores.yaml").read_text())["stores"]

    conn_ids = {c["conn_id"] for c in settings["connections"]}
    assert {"sync_db", "elasticsearch_default"} <= conn_ids
    assert {s["connection_id"] for s in stores} <= conn_ids


def test_dockerfile_uses_the_pinned_airflow_and_python():
    requirements = (REPO_ROOT / "requirements.txt").read_text()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()

    assert "apache-airflow==3.3.2" in requirements
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile


def test_compose_gives_the_simulator_its_token_through_the_environment():
    from bigcommerce_simulator.stores import STORES_ENV, parse_store_specs

    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())
    simulator = compose["services"]["bigcommerce-simulator"]
    stores = parse_store_specs(json.loads(simulator["environment"][STORES_ENV]))
    airflow_env = compose["x-airflow-common"]["environment"]

    assert [store.store_hash for store in stores] == ["demo1store"]
    assert stores[0].token not in json.dumps(simulator["command"])
    # The token the simulator expects is the one Airflow's connection sends.
    assert json.loads(airflow_env["AIRFLOW_CONN_BIGCOMMERCE_DEMO1STORE"])["password"] == stores[0].token


def test_the_product_wheel_holds_the_product_package_only(tmp_path):
    """What the Airflow image installs (``pip install /opt/project``): no simulator, no dev tooling."""
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path, REPO_ROOT]
    subprocess.run(build, check=True, capture_output=True)

    (wheel,) = tmp_path.glob("bigcommerce_sync-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    packages = {name for name in top_level if not name.endswith(".dist-info")}
    assert packages == {"bigcommerce_sync"}


def test_the_product_never_imports_the_simulator_or_the_dev_tooling():
    product = REPO_ROOT / "include" / "bigcommerce_sync"
    offending = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in product.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"^\s*(from|import) (bigcommerce_simulator|bigcommerce_sync_dev|tests|bench)\b", line)
    ]
    assert offending == []


def test_the_simulator_has_an_image_target_of_its_own():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yaml").read_text())["services"]

    assert re.search(r"^FROM .+ AS simulator$", dockerfile, re.MULTILINE)
    assert services["bigcommerce-simulator"]["build"]["target"] == "simulator"
    assert services["airflow-scheduler"]["build"]["target"] == "airflow"
