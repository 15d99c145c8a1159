"""The Singer peer: ``tap-bigcommerce | target-elasticsearch``, each in its own virtualenv.

The two cannot share one environment (the tap pins ``requests==2.31.0``, the target
needs ``requests>=2.32``), so each gets a venv under ``bench/.peer-venv/`` from the
pinned lists in ``bench/singer/``, on this interpreter's Python (3.11: the target
needs 3.9.1–3.13; the tap declares no bound and runs on 3.11). The tap is pointed at
the simulator by ``bench/singer/tap_entry.py``; the target runs as installed: its
``elasticsearch`` 8.19 client sends ``compatible-with=8`` media types, which
Elasticsearch 9 accepts (REST API compatibility with the previous major).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
SINGER_DIR = BENCH_DIR / "singer"
VENV_ROOT = BENCH_DIR / ".peer-venv"
INDEX = "bench-peer-products"
START_DATE = "2000-01-01T00:00:00Z"  # before any simulated product, so every product is read


class PeerError(RuntimeError):
    """The peer could not be installed or did not run; the message carries its output."""


@dataclass(frozen=True)
class Peer:
    """The installed pipeline: the Python of each tool's venv."""

    tap_python: Path
    target_python: Path


def install() -> Peer:
    """Create (or reuse, when their pins are unchanged) the tap's and the target's venvs."""
    return Peer(_venv("tap", "tap-requirements.txt"), _venv("target", "target-requirements.txt"))


def _venv(name: str, requirements: str) -> Path:
    venv, pins = VENV_ROOT / name, (SINGER_DIR / requirements).read_text(encoding="utf-8")
    python, stamp = venv / "bin" / "python", venv / ".installed"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == pins:
        return python
    _run([sys.executable, "-m", "venv", "--clear", str(venv)], f"creating {venv}")
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(SINGER_DIR / requirements)],
        f"installing {requirements}",
    )
    stamp.write_text(pins, encoding="utf-8")
    return python


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise PeerError(f"{what} failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")


def run(
    peer: Peer, *, api_url: str, store_hash: str, token: str, search_url: str, workdir: Path
) -> dict[str, Any]:
    """Sync the store's products into :data:`INDEX` with the pipeline; return seconds and CPU.

    The clock runs from starting both processes until both have exited, as a
    scheduler would see the pipeline run. CPU is both processes' user plus system time.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"BENCH_BIGCOMMERCE_API_ROOT": api_url}
    tap_config = _write(workdir / "tap.json", _tap_config(store_hash, token))
    target_config = _write(workdir / "target.json", _target_config(search_url))
    catalog = _write(workdir / "catalog.json", _products_catalog(peer, tap_config, env))
    tap = [str(peer.tap_python), str(SINGER_DIR / "tap_entry.py"), "--config", str(tap_config)]
    target = [str(peer.target_python.with_name("target-elasticsearch")), "--config", str(target_config)]
    cpu_before, started = _children_cpu(), time.perf_counter()
    codes = _pipe([*tap, "--catalog", str(catalog)], target, env, workdir)
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if codes != (0, 0):
        logs = "\n".join(
            f"--- {n}.log\n{(workdir / f'{n}.log').read_text()[-2000:]}" for n in ("tap", "target")
        )
        raise PeerError(f"the pipeline failed (tap exit {codes[0]}, target exit {codes[1]}):\n{logs}")
    return {"seconds": seconds, "cpu_s": cpu}


def _pipe(tap: list[str], target: list[str], env: dict[str, str], workdir: Path) -> tuple[int, int]:
    """Run ``tap | target``; return both exit codes."""
    with (workdir / "tap.log").open("w") as tap_log, (workdir / "target.log").open("w") as target_log:
        producer = subprocess.Popen(tap, stdout=subprocess.PIPE, stderr=tap_log, env=env)
        consumer = subprocess.Popen(
            target, stdin=producer.stdout, stdout=subprocess.DEVNULL, stderr=target_log, env=env
        )
        assert producer.stdout is not None
        producer.stdout.close()  # the target holds the pipe now; the tap sees EPIPE if it dies
        return producer.wait(), consumer.wait()


def _products_catalog(peer: Peer, tap_config: Path, env: dict[str, str]) -> dict[str, Any]:
    """The tap's own discovered catalog with only the products stream selected."""
    command = [
        str(peer.tap_python),
        str(SINGER_DIR / "tap_entry.py"),
        "--config",
        str(tap_config),
        "--discover",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise PeerError(f"tap discovery failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    catalog = json.loads(done.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "products"
    return catalog


def _tap_config(store_hash: str, token: str) -> dict[str, str]:
    return {"client_id": "bench", "access_token": token, "store_hash": store_hash, "start_date": START_DATE}


def _target_config(search_url: str) -> dict[str, Any]:
    """Fixed index name; ``_id`` from the product id, so documents are upserted as ours are."""
    url = urlparse(search_url)
    return {
        "scheme": url.scheme,
        "host": url.hostname,
        "port": url.port,
        "index_format": INDEX.replace("products", "{{ stream_name }}"),
        "metadata_fields": {"products": {"_id": "id"}},
    }


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
