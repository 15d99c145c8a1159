"""``make bench``: measure the sync against its limits and a peer; print a table, write JSON.

Sections, in the order they run: the simulator alone, the parse (4), the
end-to-end full sync with its sink ceiling (1), the incremental sync against a full
one (6), the rate-limited import (2), the peer comparison (5, which also gives the
10,000-product memory figure for 3), the freshness of webhook edits on a live Airflow (7,
bench/freshness.py), twenty stores synced at once by two Celery workers (8, bench/celery_fanout.py),
and with ``--profile`` py-spy profiles of the import and the parse.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import celery_fanout, freshness, incremental, report, sections
from bench.settings import (
    CEILING_PRODUCTS,
    FULL_CATALOG,
    RATE_WINDOW_MS,
    RATE_WINDOWS,
    SIMULATOR_PAGES,
    SMALL_PRODUCTS,
    full_store,
    limited_store,
    small_store,
)
from bench.stack import REPO_ROOT, Stack

DEFAULT_OUTPUT = REPO_ROOT / "bench" / "results" / "latest.json"
SECTIONS = (
    "simulator",
    "warm_up",
    "parse",
    "e2e",
    "incremental",
    "rate_limited",
    "peer",
    "freshness",
    "celery",
    "profile",
)
# --quick: small catalogs and one quota window, for trying a change in about three minutes.
QUICK = {"products": 5_000, "small_products": 2_000, "ceiling_products": 2_000, "windows": 2}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--products",
        type=int,
        default=FULL_CATALOG.products,
        help="products of the full store (sections 1, 6)",
    )
    parser.add_argument(
        "--small-products", type=int, default=SMALL_PRODUCTS, help="products of the small store (section 5)"
    )
    parser.add_argument("--window-ms", type=int, default=RATE_WINDOW_MS, help="quota window of section 2")
    parser.add_argument("--windows", type=int, default=RATE_WINDOWS, help="quota windows measured")
    parser.add_argument(
        "--ceiling-products", type=int, default=CEILING_PRODUCTS, help="product documents for the ceiling"
    )
    parser.add_argument("--profile", action="store_true", help="also record py-spy profiles")
    parser.add_argument("--quick", action="store_true", help=f"small sizes for development: {QUICK}")
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=list(SECTIONS),
        help="comma-separated sections to run",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON results file")
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(QUICK)
    return args


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "started_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": _commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": _load(),
        "window_ms": args.window_ms,
        "windows": args.windows,
        "ceiling_products": args.ceiling_products,
        "quick": args.quick,
        "output": str(args.output),
    }


def _commit() -> str:
    """The checked-out commit, marked when the package, DAGs or harness have local changes."""

    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "include", "dags", "bench")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (" + local changes" if dirty else "")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _measure(title: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one section; a failure is kept as the section's ``error`` and the run goes on."""
    started = time.monotonic()
    print(f"[bench] {title} ...", file=sys.stderr, flush=True)
    try:
        figures = measure()
    except Exception as error:  # reported in the table and the JSON; the other sections still run
        traceback.print_exc()
        figures = {"error": f"{type(error).__name__}: {error}"}
    print(f"[bench] {title}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return figures


def _memory(results: dict[str, Any]) -> dict[str, Any]:
    """Section 3 from the 100,000-product task of section 1 and the 10,000-product one of section 5."""
    big = report.lookup(results, "e2e.products_task")
    small = report.lookup(results, "peer.ours")
    if not big or not small:
        return {"error": "needs the products tasks of sections 1 and 5"}
    return {
        "rss_mb_10k": small["peak_rss_mb"],
        "rss_mb_100k": big["peak_rss_mb"],
        "growth_100k_vs_10k": big["peak_rss_mb"] / small["peak_rss_mb"],
        "rss_before_mb_10k": small["rss_before_mb"],
        "rss_before_mb_100k": big["rss_before_mb"],
    }


def _run_sections(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    full, limited, small = stack.stores[:3]
    plan: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
        ("simulator", "simulator alone", lambda: sections.simulator_alone(SIMULATOR_PAGES)),
        ("warm_up", "engine warm-up", lambda: sections.warm_up(stack, small)),
        ("parse", "4. parse", lambda: sections.parse_times(stack)),
        ("e2e", "1. end-to-end full sync", lambda: sections.end_to_end(stack, full, args.ceiling_products)),
        ("incremental", "6. incremental sync", lambda: incremental.incremental_sync(stack, full)),
        ("rate_limited", "2. rate-limited", lambda: sections.rate_limited(stack, limited, args.windows)),
        ("peer", "5. peer comparison", lambda: sections.peer_comparison(stack, small)),
        ("freshness", "7. freshness by webhook", lambda: freshness.freshness(stack)),
        ("celery", "8. twenty stores on Celery", lambda: celery_fanout.celery_fanout(stack)),
    ]
    if args.profile:
        from bench import profiling

        plan.append(("profile", "profiles", lambda: profiling.profile(stack, small)))
    return {key: _measure(title, measure) for key, title, measure in plan if key in args.only}


def _earlier_sections(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sections of the results file this run does not measure (``--only``), and the runs they are from.

    So that running one section alone replaces its figures and leaves the others' in the file.
    """
    try:
        earlier = json.loads(args.output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    ran = {*args.only, "meta", "targets"} | ({"memory"} if {"e2e", "peer"} <= set(args.only) else set())
    kept = {key: value for key, value in earlier.items() if key not in ran}
    meta = earlier.get("meta", {})
    run = {"started_utc": meta.get("started_utc"), "commit": meta.get("commit")}
    return kept, {key: meta.get("kept", {}).get(key, run) for key in kept}


def _failed(key: str, section: Any) -> bool:
    """Whether a section failed; the peer not running is reported, not a failure of the run."""
    if not isinstance(section, dict) or "error" not in section:
        return False
    return key != "peer" or "ours" not in section


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.monotonic()
    results: dict[str, Any] = {"meta": _meta(args)}
    workdir = Path(tempfile.mkdtemp(prefix="bcsync-bench-"))
    stores = [
        full_store(args.products),
        limited_store(args.window_ms, args.windows),
        small_store(args.small_products),
    ]
    with Stack(workdir, stores) as stack:
        results |= _run_sections(stack, args)
    if {"e2e", "peer"} <= set(args.only):
        results["memory"] = _memory(results)
    results["meta"] |= {"load_after": _load(), "seconds": time.monotonic() - started}
    kept, provenance = _earlier_sections(args)
    results = {**kept, **results}
    if provenance:
        results["meta"]["kept"] = provenance
    results["targets"] = report.evaluate(results)
    report.write_json(results, args.output)
    print(report.render(results))
    failed = [key for key, value in results.items() if key not in kept and _failed(key, value)]
    if failed:
        print(f"\nSections that failed: {', '.join(failed)}; logs kept in {workdir}/logs", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
