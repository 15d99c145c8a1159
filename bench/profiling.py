"""Where the time goes: py-spy profiles of the product import and of the parse (``--profile``).

py-spy samples every thread of the child from outside, so the import's page
fetching, transforming and bulk-sending threads are all seen. Each profile is
written as a speedscope file to ``bench/results/profile-*.json`` (open it at
speedscope.app) and summarised here: the share of samples per thread, the
functions where samples end (self time), and the project functions on the stack
(inclusive time).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.sections import _generated_stores, parse_folder
from bench.settings import CREATE_INDEX_TASK_ID, PARSE_STORES_LARGE, BenchStore
from bench.stack import BenchError, Stack
from bigcommerce_sync.stores import DAG_ID_PREFIX

PY_SPY = Path(sys.executable).with_name("py-spy")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROJECT_PACKAGE = "/bigcommerce_sync/"
TOP = 12
THREAD_TOP = 5
Sample = tuple[list[dict[str, Any]], float]


def profile(stack: Stack, store: BenchStore) -> dict[str, Any]:
    """Profile the small store's products import (CPU, and wall clock with waits) and two parses.

    The parses: the shard 0 file of 10,000 stores in the suggested shards, as the DAG processor
    parses it; and a worker's parse of one of its DAGs.
    """
    if not PY_SPY.exists():
        raise BenchError(f"py-spy is not installed next to {sys.executable} (see requirements-dev.txt)")
    setup = parse_folder(stack, PARSE_STORES_LARGE)
    shard = setup.files[0]
    store_hash = next(
        s["store_hash"]
        for s in _generated_stores(PARSE_STORES_LARGE)
        if setup.store_file(s["store_hash"]) == shard
    )
    parse = {"dags_folder": str(setup.folder), "files": [str(shard)], "repeat": 0}
    one = {**parse, "files": [], "one_dag": {"file": str(shard), "dag_id": f"{DAG_ID_PREFIX}{store_hash}"}}
    return {
        "import_cpu": _import(stack, store, "profile-import-cpu", store_only=True, idle=False),
        "import_wall": _import(stack, store, "profile-import-wall", store_only=False, idle=True),
        "parse_shard": _summary(_record(stack, "profile-parse-shard", "bench.parse_child", parse, setup.env)),
        "parse_one": _summary(_record(stack, "profile-parse-one", "bench.parse_child", one, setup.env)),
    }


def _import(stack: Stack, store: BenchStore, name: str, *, store_only: bool, idle: bool) -> dict[str, Any]:
    """Profile the products import task of ``store``."""
    with stack.search():
        xcoms = stack.prepare(store, "product")
        if store_only:
            stack.store_only(xcoms[CREATE_INDEX_TASK_ID]["products"])
        payload = {"store_hash": store.store_hash, "job": "products", "xcoms": xcoms}
        return _summary(_record(stack, name, "bench.import_task", payload, idle=idle))


def _record(
    stack: Stack,
    name: str,
    module: str,
    payload: dict[str, Any],
    env: dict[str, str] | None = None,
    *,
    idle: bool = False,
) -> Path:
    """Run a child under ``py-spy record``; return its speedscope file."""
    output = RESULTS_DIR / f"{name}.json"
    rate = "100" if module == "bench.import_task" else "500"
    launcher = [str(PY_SPY), "record", "--rate", rate, "--format", "speedscope", "--output", str(output)]
    if module == "bench.parse_child":
        launcher.append("--subprocesses")  # each parse runs in a forked child
    stack.child(module, payload, name, env=env, launcher=[*launcher, *(["--idle"] if idle else []), "--"])
    return output


def _summary(path: Path) -> dict[str, Any]:
    """Summarise the samples taken while the measured work ran (not while modules loaded for it)."""
    samples = list(_focused(path))
    total = sum(weight for _, weight in samples) or 1.0
    threads: dict[str, Counter[str]] = {}
    leaves: Counter[str] = Counter()
    project: Counter[str] = Counter()
    for stack, weight in samples:
        threads.setdefault(_thread_role(stack), Counter())[_label(stack[-1])] += weight
        leaves[_label(stack[-1])] += weight
        for label in {_label(frame) for frame in stack if PROJECT_PACKAGE in (frame.get("file") or "")}:
            project[label] += weight
    return {
        "file": str(path),
        "sampled_s": round(total, 3),
        "threads": [
            [_share(sum(ends.values()), total), role, _top(ends, sum(ends.values()), THREAD_TOP)]
            for role, ends in sorted(threads.items(), key=lambda item: -sum(item[1].values()))
        ],
        "self": _top(leaves, total, TOP),
        "project_inclusive": _top(project, total, TOP),
    }


def _top(counter: Counter[str], total: float, count: int) -> list[list[Any]]:
    return [[_share(weight, total), label] for label, weight in counter.most_common(count)]


def _share(weight: float, total: float) -> float:
    return round(weight / total, 4)


def _focused(path: Path) -> Iterator[Sample]:
    """Samples of the measured work: under ``run_task``, ``DagBag`` or the DAG processor's
    ``_parse_file``, or in threads it started."""
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = data["shared"]["frames"]
    for thread in data["profiles"]:
        for indexes, weight in zip(thread["samples"], thread["weights"], strict=True):
            stack = [frames[i] for i in indexes]
            names = {frame["name"] for frame in stack}
            measured = names & {"run_task", "DagBag.__init__", "_parse_file"}
            if measured or (stack and stack[0]["name"] == "Thread._bootstrap"):
                yield stack, weight


def _thread_role(stack: list[dict[str, Any]]) -> str:
    """The main thread, or the function a worker thread was started with."""
    if stack[0]["name"] != "Thread._bootstrap":
        return "main thread"
    names = [frame["name"] for frame in stack]
    target = names.index("Thread.run") + 1 if "Thread.run" in names else len(names) - 1
    return f"thread: {names[min(target, len(names) - 1)]}"


def _label(frame: dict[str, Any]) -> str:
    file = frame.get("file") or ""
    short = "/".join(Path(file).parts[-2:]) if file else "?"
    return f"{frame['name']} ({short})"
