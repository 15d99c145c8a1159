"""The store sync DAGs split across DAG files, so that each file parses in well under a second.

``[bigcommerce_sync] store_dag_shards`` (default 1) is the number of shards: a store's DAG is
built by the file of its shard (:func:`bigcommerce_sync.stores.shard_of`). Shard 0's file is
the committed ``dags/bigcommerce_store_sync.py``; the others, ``shard_001.py`` … in
``dags/bigcommerce_store_sync_shards/``, are written by ``python -m bigcommerce_sync.shards
write`` and are all alike but for their number. See docs/scaling.md.

Nothing is lost when the files and the setting disagree: shard 0's file also builds the
stores of any shard whose file is missing, a file whose shard is beyond the count builds
nothing, and a worker builds the DAG it runs from whichever file it was sent to.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

SHARDS_OPTION = "store_dag_shards"
DEFAULT_SHARDS = 1
MAX_SHARDS = 999  # the files' three digits
FIRST_FILE = "bigcommerce_store_sync.py"  # shard 0, committed
SHARD_DIR = "bigcommerce_store_sync_shards"  # the other shards' files, written by `write`
# The stores a file is meant to build: about 40 DAGs parse in half a second (docs/scaling.md).
STORES_PER_FILE = 40
SHARD_FILE = '''"""Airflow DAGs of the BigCommerce stores in shard {shard} of the registry (docs/scaling.md).

Written by ``python -m bigcommerce_sync.shards write`` for ``[bigcommerce_sync] store_dag_shards``,
which rewrites and removes these files: do not edit.
"""

from bigcommerce_sync.dag_factory import build_store_dags

build_store_dags(shard={shard})
'''


class ShardSettingError(ValueError):
    """``store_dag_shards`` is not a usable number of shards."""


def configured_shards() -> int:
    """Return ``[bigcommerce_sync] store_dag_shards``, the number of shards (1 to 999)."""
    from bigcommerce_sync.settings import setting_int

    count = setting_int(SHARDS_OPTION, DEFAULT_SHARDS)
    if not 1 <= count <= MAX_SHARDS:
        raise ShardSettingError(f"[bigcommerce_sync] {SHARDS_OPTION} = {count}: it must be 1 to {MAX_SHARDS}")
    return count


def shard_file(dags_folder: Path, shard: int) -> Path:
    """The DAG file of ``shard`` in ``dags_folder``."""
    return dags_folder / (FIRST_FILE if shard == 0 else f"{SHARD_DIR}/shard_{shard:03d}.py")


def shards_built_by(shard: int, shard_count: int, dag_file: str | Path | None = None) -> list[int]:
    """The shards whose stores the file of ``shard`` builds when the DAG processor parses it.

    Its own; none if it is beyond the count (a file left from a larger count); for shard 0's
    file, given as ``dag_file``, also every shard whose file is missing beside it, so that a
    count raised before ``write`` has run makes parsing slower but loses no DAG.
    """
    if shard >= shard_count:
        log.warning(
            "This file builds shard %d, but [bigcommerce_sync] %s is %d: it builds no DAG "
            "(`python -m bigcommerce_sync.shards write` removes it)",
            shard,
            SHARDS_OPTION,
            shard_count,
        )
        return []
    if shard != 0 or dag_file is None:
        return [shard]
    folder = Path(dag_file).parent
    missing = [k for k in range(1, shard_count) if not shard_file(folder, k).exists()]
    if missing:
        log.error(
            "[bigcommerce_sync] %s is %d, but %d of its DAG files are missing (%s…): this file builds "
            "their stores too until `python -m bigcommerce_sync.shards write` has written them",
            SHARDS_OPTION,
            shard_count,
            len(missing),
            shard_file(folder, missing[0]),
        )
    return [0, *missing]


def write_shard_files(dags_folder: Path, shard_count: int) -> tuple[list[Path], list[Path]]:
    """Write the files of shards 1 to ``shard_count - 1``, remove any other; return both lists.

    :raises FileNotFoundError: ``dags_folder`` has no shard 0 file (not the project's DAGs folder).
    """
    if not (dags_folder / FIRST_FILE).is_file():
        raise FileNotFoundError(f"{dags_folder} has no {FIRST_FILE}: not the project's DAGs folder")
    wanted = {shard_file(dags_folder, k): SHARD_FILE.format(shard=k) for k in range(1, shard_count)}
    folder = dags_folder / SHARD_DIR
    removed = sorted(p for p in folder.glob("shard_*.py") if p not in wanted)
    for path in removed:
        path.unlink()
    written = []
    for path, text in wanted.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)  # the DAG processor never reads half a file
            written.append(path)
    if not wanted and folder.is_dir():
        for cached in folder.glob("__pycache__/*"):
            cached.unlink()
        for empty in (folder / "__pycache__", folder):
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()
    return written, removed


def shard_file_problems(dags_folder: Path, shard_count: int) -> list[str]:
    """What is wrong with the shard files in ``dags_folder`` for ``shard_count`` shards."""
    wanted = [shard_file(dags_folder, k) for k in range(shard_count)]
    missing = [p for p in wanted if not p.is_file()]
    stale = sorted(p for p in (dags_folder / SHARD_DIR).glob("shard_*.py") if p not in wanted)
    return [f"missing: {p}" for p in missing] + [f"beyond the count: {p}" for p in stale]


def suggested_shards(stores: int) -> int:
    """A count giving files of about :data:`STORES_PER_FILE` stores: the next power of two."""
    wanted = max(1, -(-stores // STORES_PER_FILE))
    return min(MAX_SHARDS, 1 << (wanted - 1).bit_length())


def main(argv: list[str] | None = None) -> int:
    """``python -m bigcommerce_sync.shards write|check [--dags-folder DIR] [--registry FILE]``.

    ``write`` makes the shard files match ``[bigcommerce_sync] store_dag_shards``; ``check`` says
    whether they do and how the registry's stores spread over the shards (exit 1 if they do not).
    """
    from bigcommerce_sync.stores import StoreRegistryError, load_registry, shard_of

    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_sync.shards", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--dags-folder", type=Path, help="defaults to [core] dags_folder")
    parser.add_argument("--registry", type=Path, help="defaults to $BIGCOMMERCE_SYNC_STORES_FILE or include/")
    args = parser.parse_args(argv)
    dags_folder = args.dags_folder or _dags_folder()
    try:
        count = configured_shards()
    except ShardSettingError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"[bigcommerce_sync] {SHARDS_OPTION} = {count}")
    if args.command == "write":
        written, removed = write_shard_files(dags_folder, count)
        print(f"{dags_folder}: {len(written)} shard files written, {len(removed)} removed")
        return 0
    try:
        stores = load_registry(args.registry).stores
    except StoreRegistryError as error:
        print(error, file=sys.stderr)
        return 2
    sizes = [0] * count
    for store in stores:
        sizes[shard_of(store.store_hash, count)] += 1
    print(
        f"{len(stores):,} stores: {min(sizes)} to {max(sizes)} a file; about {STORES_PER_FILE} a file "
        f"would be {suggested_shards(len(stores))} shards (docs/scaling.md)"
    )
    problems = shard_file_problems(dags_folder, count)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("`python -m bigcommerce_sync.shards write` makes the files match", file=sys.stderr)
    return 1 if problems else 0


def _dags_folder() -> Path:
    from airflow.sdk.configuration import conf

    return Path(conf.get("core", "dags_folder"))


if __name__ == "__main__":
    sys.exit(main())
