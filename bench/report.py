"""The targets, the printed table and the JSON file holding the same figures."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PEER_POINTING = (
    "tap-bigcommerce has no config key, env var or option for its API host: bench/singer/tap_entry.py",
    "sets the class constant tap_bigcommerce.bigcommerce.Bigcommerce.base_url to <simulator>/stores/",
    "and runs the tap's main(). target-elasticsearch runs unchanged: its elasticsearch 8.19 client",
    "sends 'compatible-with=8' media types, which Elasticsearch 9 accepts (REST API compatibility).",
)


@dataclass(frozen=True)
class Target:
    """A goal for one figure: ``value <op> threshold``."""

    symbol: str
    threshold: float

    def met(self, value: float) -> bool:
        compare: Callable[[float, float], bool] = {"≥": operator.ge, "≤": operator.le, "=": operator.eq}[
            self.symbol
        ]
        return compare(value, self.threshold)

    def __str__(self) -> str:
        return f"{self.symbol} {self.threshold:g}"


TARGETS = {
    "e2e.ratio_to_lower_ceiling": Target("≥", 0.85),
    "e2e.products_cpu_ms_per_doc": Target("≤", 0.15),
    "rate_limited.steady_efficiency": Target("≥", 0.97),
    "rate_limited.responses_429": Target("=", 0),
    "memory.rss_mb_100k": Target("≤", 300),
    "memory.growth_100k_vs_10k": Target("≤", 1.2),
    "parse.files_max_s_1k": Target("≤", 1.0),
    "parse.files_max_s_10k": Target("≤", 1.0),
    "parse.one_dag_s": Target("≤", 0.05),
    "peer.ratio": Target("≥", 5),
    "incremental.requests_ratio": Target("≤", 0.03),
    "incremental.wall_ratio": Target("≤", 0.10),
}


def lookup(results: dict[str, Any], key: str) -> Any:
    """The value at a dotted ``key`` of the nested results, or ``None``."""
    value: Any = results
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def evaluate(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its figure and whether it is met (``None`` when the figure is missing)."""
    verdicts = {}
    for key, target in TARGETS.items():
        value = lookup(results, key)
        verdicts[key] = {
            "value": value,
            "target": str(target),
            "pass": None if value is None else target.met(value),
        }
    return verdicts


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class Table:
    """A plain-text report: section headings, figure rows with their target and verdict."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.lines: list[str] = []

    def heading(self, title: str, *notes: str) -> None:
        self.lines += ["", title, *(f"   {note}" for note in notes)]

    def row(self, label: str, value: Any, key: str | None = None, fmt: str = "{:,.0f}") -> None:
        text = "n/a" if value is None else fmt.format(value)
        verdict = ""
        if key is not None:
            target = TARGETS[key]
            verdict = f"{str(target):>8}  " + (
                "n/a" if value is None else "PASS" if target.met(value) else "MISS"
            )
        self.lines.append(f"   {label:<58}{text:>12}  {verdict}".rstrip())

    def error(self, section: dict[str, Any]) -> bool:
        """Print a section's error, if it has one; return whether it had."""
        if "error" in section:
            self.lines += [f"   ERROR: {line}" for line in str(section["error"]).splitlines()[-20:]]
        return "error" in section and len(section) == 1

    def text(self) -> str:
        return "\n".join(self.lines)


def render(results: dict[str, Any]) -> str:
    """The whole report as text."""
    table = Table(results)
    meta = results["meta"]
    table.lines.append(
        f"BigCommerce -> search sync benchmark, {meta['started_utc']}, commit {meta['commit']}, "
        f"Python {meta['python']}, {meta['cpus']} cores, load average {meta['load_before']} -> "
        f"{meta.get('load_after')}, {meta.get('seconds', 0):.0f} s"
    )
    for key, section in SECTIONS.items():
        if key in results:  # --only runs some sections
            section(table, results)
    table.lines += [
        "",
        f"Figures as JSON (nested objects, e.g. e2e.docs_per_s = ['e2e']['docs_per_s']): {meta['output']}",
    ]
    return table.text()


def _simulator(table: Table, results: dict[str, Any]) -> None:
    sim = results.get("simulator", {})
    table.heading(
        "Simulator alone: full product pages (250, include=variants,images,custom_fields,primary_image)"
    )
    if not table.error(sim):
        table.row(f"items/s to one client, {sim['items']:,} items", sim["items_per_s"])
        table.row("MB/s of JSON", sim["mb_per_s"], fmt="{:,.1f}")


def _e2e(table: Table, results: dict[str, Any]) -> None:
    e2e = results.get("e2e", {})
    sizes = e2e.get("catalog", {})
    table.heading(
        f"1. End-to-end full sync: {sizes.get('products', 0):,} products, {sizes.get('categories', 0):,} "
        f"categories, {sizes.get('pages', 0):,} web pages, {sizes.get('blog_posts', 0):,} blog posts, "
        f"into Elasticsearch {e2e.get('engine_version', '?')}",
        "each import task of the store's DAG runs its ImportOperator.execute() in a fresh process; no quota",
        "ceilings, just before and just after the import, in one child: source = the same pages read through",
        "the import's client path only; sink = the same documents pre-built, sent as the import sends them",
        f"(products: the first {results['meta']['ceiling_products'] // 2:,} each time; all of the others)",
    )
    if table.error(e2e):
        return
    _e2e_entities(table, e2e["entities"])
    table.row("overall documents/s, end to end", e2e["docs_per_s"])
    table.row("overall sink ceiling documents/s (same documents)", e2e["sink_ceiling_docs_per_s"])
    table.row("overall source ceiling documents/s (same pages)", e2e["source_ceiling_docs_per_s"])
    _before_after(table, "sink ceiling runs before / after: documents/s", e2e["ceiling_runs_docs_per_s"])
    _before_after(
        table, "source ceiling runs before / after: documents/s", e2e["source_ceiling_runs_docs_per_s"]
    )
    table.row("end to end / sink ceiling", e2e["ratio"], fmt="{:.3f}")
    table.row(
        "end to end / lower ceiling", e2e["ratio_to_lower_ceiling"], "e2e.ratio_to_lower_ceiling", "{:.3f}"
    )
    table.row("our CPU ms per document, all import tasks", e2e["cpu_ms_per_doc"], fmt="{:.3f}")
    table.row(
        "our CPU ms per product document (products task)",
        e2e["products_cpu_ms_per_doc"],
        "e2e.products_cpu_ms_per_doc",
        "{:.3f}",
    )
    table.row("failed documents", sum(e["failed"] for e in e2e["entities"].values()))
    table.row("Elasticsearch CPU while importing (cores)", e2e["sink_cpu_cores"], fmt="{:.2f}")
    table.row(
        "Elasticsearch CPU while ingesting the sink ceiling (cores)",
        e2e["ceiling_sink_cpu_cores"],
        fmt="{:.2f}",
    )
    for job, seconds in e2e["task_wall_s"].items():
        table.row(
            f"task import.{job}: wall s (CPU s)", seconds, fmt=f"{{:,.1f}} ({e2e['task_cpu_s'][job]:,.1f})"
        )


def _e2e_entities(table: Table, entities: dict[str, dict[str, Any]]) -> None:
    """One line per entity: its end-to-end rate, both ceilings and the ratio to the lower."""
    table.lines.append(
        f"   {'entity':<14}{'documents':>10}{'e2e docs/s':>12}{'sink docs/s':>13}"
        f"{'source docs/s':>15}{'ratio':>8}"
    )
    for name, entity in entities.items():
        table.lines.append(
            f"   {name:<14}{entity['docs']:>10,}{entity['docs_per_s']:>12,.0f}"
            f"{entity['ceiling_docs_per_s']:>13,.0f}{entity['source_ceiling_docs_per_s']:>15,.0f}"
            f"{entity['ratio_to_lower_ceiling']:>8.2f}"
        )


def _before_after(table: Table, label: str, runs: list[float]) -> None:
    before, after = runs
    table.row(label, before, fmt=f"{{:,.0f}} / {after:,.0f}")


def _rate_limited(table: Table, results: dict[str, Any]) -> None:
    rate = results.get("rate_limited", {})
    table.heading(
        "2. Rate-limited: the same store's products under the Standard quota",
        "stream read for whole quota windows only; index stores documents without indexing them",
    )
    if table.error(rate):
        return
    table.row("quota: requests per window", rate["quota"])
    table.row(
        "window (s; 30 in production), windows measured", rate["window_s"], fmt=f"{{:g}}, {rate['windows']}"
    )
    table.row("items read per window", rate["items_per_window"], fmt="{}")
    table.row("achieved items/s", rate["items_per_s"])
    table.row("quota ceiling items/s (quota x 250 per window)", rate["ceiling_items_per_s"])
    unthrottled = lookup(results, "peer.store_only.ours_docs_per_s")
    table.row("for scale: unthrottled, store-only index (section 5) items/s", unthrottled)
    table.row("efficiency, all windows (achieved / ceiling)", rate["efficiency"], fmt="{:.3f}")
    table.row(
        "efficiency after the first window (setup requests in it)",
        rate.get("steady_efficiency"),
        "rate_limited.steady_efficiency",
        "{:.3f}",
    )
    table.row("429 responses (simulator's counters)", rate["responses_429"], "rate_limited.responses_429")
    table.row("requests sent in all", rate["requests"])


def _memory(table: Table, results: dict[str, Any]) -> None:
    memory = results.get("memory", {})
    small, big = lookup(results, "peer.products") or 0, lookup(results, "e2e.catalog.products") or 0
    table.heading("3. Memory: peak RSS of the products import task, each in a fresh process (ru_maxrss)")
    table.error(memory)
    table.row(f"{small:,} products: peak RSS MB", memory.get("rss_mb_10k"))
    table.row(f"{big:,} products: peak RSS MB", memory.get("rss_mb_100k"), "memory.rss_mb_100k")
    table.row(f"{big:,} / {small:,}", memory.get("growth_100k_vs_10k"), "memory.growth_100k_vs_10k", "{:.2f}")
    table.row("RSS MB before the import starts (imports done, DAG built)", memory.get("rss_before_mb_100k"))


def _parse(table: Table, results: dict[str, Any]) -> None:
    parse = results.get("parse", {})
    table.heading(
        "4. Parse: every DAG file as the DAG processor parses it (DagBag, then each DAG serialized)",
        "each in a process forked from one with Airflow loaded; the 5 slowest files: fastest of three",
        "stores in the suggested store_dag_shards (docs/scaling.md); a worker: DagBag on its store's file",
    )
    if table.error(parse):
        return
    table.row("1,000 stores in one file (no shards): seconds", parse["one_file_s_1k"], fmt="{:.3f}")
    for size, stores in (("1k", "1,000"), ("10k", "10,000")):
        table.row(
            f"{stores} stores, {parse[f'shards_{size}']} shards: slowest file, seconds",
            parse[f"files_max_s_{size}"],
            f"parse.files_max_s_{size}",
            "{:.3f}",
        )
        table.row("   stores in the largest shard", parse[f"stores_per_file_max_{size}"])
        table.row("   most CPU seconds of one file", parse[f"files_max_cpu_s_{size}"], fmt="{:.3f}")
        table.row(
            "   first parse after the registry changed (splits it): seconds",
            parse[f"first_parse_s_{size}"],
            fmt="{:.3f}",
        )
    table.row(
        "worker, one DAG of 10,000 stores, project modules loaded: seconds",
        parse["one_dag_s"],
        "parse.one_dag_s",
        "{:.3f}",
    )
    table.row("worker, one DAG, modules not loaded yet: seconds", parse["one_dag_cold_s"], fmt="{:.3f}")


def _peer(table: Table, results: dict[str, Any]) -> None:
    peer = results.get("peer", {})
    table.heading(
        f"5. Peer: tap-bigcommerce 1.1.3 | target-elasticsearch 2.1.0, products only "
        f"({peer.get('products', 0):,}), same cluster, bench indexes deleted before each run",
        "ours: the products import task (250/page with variants, images, custom fields; brand, categories)",
        "peer: the tap's products stream (50/page, no sub-resources) into an index with dynamic mapping",
        *PEER_POINTING,
    )
    table.error(peer)
    table.row("ours: documents/s", peer.get("ours_docs_per_s"))
    table.row("Singer pipeline: documents/s", peer.get("singer_docs_per_s"))
    table.row("ours / Singer", peer.get("ratio"), "peer.ratio", "{:.2f}")
    for who in ("ours", "singer"):
        table.row(
            f"{who}: CPU ms per document (all its processes)",
            lookup(peer, f"{who}.cpu_ms_per_doc"),
            fmt="{:.2f}",
        )
    table.row(
        "store-only indexes (engine parses and stores only): ours docs/s",
        lookup(peer, "store_only.ours_docs_per_s"),
    )
    table.row("store-only indexes: Singer docs/s", lookup(peer, "store_only.singer_docs_per_s"))
    table.row("store-only indexes: ours / Singer", lookup(peer, "store_only.ratio"), fmt="{:.2f}")


RATIO_KEYS = ("incremental.requests_ratio", "incremental.wall_ratio")


def _incremental(table: Table, results: dict[str, Any]) -> None:
    section = results.get("incremental", {})
    table.heading(
        f"6. Incremental product sync after {section.get('edited', 0):,} of {section.get('products', 0):,} "
        "products were edited, against a full product sync of the same store, same run",
        "each: import.products (ImportOperator.execute()) in a fresh process, timed around execute();",
        "requests = the simulator's count for the store during the task (counters reset just before it)",
    )
    if table.error(section):
        return
    full, changed, deleting = section["full"], section["changed"], section["with_deletions"]
    _import_rows(table, "full", full)
    _import_rows(table, "incremental", changed)
    table.row("incremental / full: API requests", section["requests_ratio"], RATIO_KEYS[0], "{:.4f}")
    table.row("incremental / full: wall time", section["wall_ratio"], RATIO_KEYS[1], "{:.3f}")
    table.lines += [
        f"   then the same products edited again and {deleting['deleted_in_store']} others deleted; the",
        "   deletions are found by listing every product id (no 'deleted since' endpoint; webhooks avoid it)",
    ]
    _import_rows(table, "with deletions", deleting)
    table.row("with deletions / full: API requests", deleting["requests_ratio"], fmt="{:.3f}")
    table.row("with deletions / full: wall time", deleting["wall_ratio"], fmt="{:.3f}")


def _import_rows(table: Table, label: str, run: dict[str, Any]) -> None:
    """One import run's requests, seconds and counts."""
    table.row(f"{label}: API requests", run["requests"])
    table.row(f"{label}: seconds", run["seconds"], fmt="{:,.2f}")
    table.row(
        f"{label}: products fetched / indexed / deleted",
        run["fetched"],
        fmt=f"{{:,}} / {run['indexed']:,} / {run['deleted']:,}",
    )


def _profile(table: Table, results: dict[str, Any]) -> None:
    profiles = results.get("profile")
    if profiles is None:
        return
    table.heading("Profiles (py-spy; share of the samples taken while the measured work ran)")
    if table.error(profiles):
        return
    for name, summary in profiles.items():
        table.lines.append(f"   {name}: {summary['sampled_s']} s sampled, {summary['file']}")
        if len(summary["threads"]) > 1:
            table.lines.append("     threads, and where each thread's samples end:")
            for share, role, ends in summary["threads"]:
                table.lines.append(f"       {share:6.1%}  {role}")
                table.lines += [f"                 {end_share:6.1%}  {label}" for end_share, label in ends]
        for title in ("self", "project_inclusive"):
            table.lines.append(f"     {title}:")
            table.lines += [f"       {share:6.1%}  {label}" for share, label in summary[title]]


def _celery(table: Table, results: dict[str, Any]) -> None:
    section = results.get("celery", {})
    table.heading("8. Stores synced at once on the CeleryExecutor (bench/celery_fanout.py)")
    if table.error(section):
        return
    quota = section["quota"]
    table.lines.append(
        f"   {section['stores']} stores of {section['products_per_store']} products, {section['workers']} "
        f"workers, quota {quota['requests']} requests per {quota['window_ms']} ms window"
    )
    pool = section["pool"]
    table.row(
        "wall time, all runs triggered at once to the last one ended (s)", section["wall_s"], fmt="{:.0f}"
    )
    for label, key in (("batch", "batch_s"), ("run", "run_s")):
        figures = section[key]
        table.row(f"{label} duration p50 / p95 / max (s)", figures["p50"], fmt=_three(figures))
    table.row("batch statuses", 0, fmt=_counts(section["batch_statuses"]))
    table.row("tasks per worker", 0, fmt=_counts(section["tasks_per_worker"]))
    table.row(
        f"peak imports running at once / {pool['name']} slots",
        pool["peak_running_imports"],
        fmt=f"{{}} / {pool['slots']}",
    )
    table.row("peak occupied slots sampled from the pools API", pool["sampled_peaks"]["occupied_slots"])
    table.row(
        "store API responses 429 (of all requests)",
        section["responses_429"],
        fmt=f"{{}} / {section['requests']}",
    )


def _three(figures: dict[str, float | None]) -> str:
    return " / ".join("n/a" if figures[k] is None else f"{figures[k]:.1f}" for k in ("p50", "p95", "max"))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


# Each section's printer, in the order of the table; a section left out by --only is not printed.
SECTIONS = {
    "simulator": _simulator,
    "e2e": _e2e,
    "incremental": _incremental,
    "rate_limited": _rate_limited,
    "memory": _memory,
    "parse": _parse,
    "peer": _peer,
    "celery": _celery,
    "profile": _profile,
}
