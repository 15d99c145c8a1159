"""Command line: serve simulated stores until killed.

Examples::

    python -m bigcommerce_simulator --stores-file stores.yaml --host 0.0.0.0 --port 8089
    BIGCOMMERCE_SIMULATOR_STORES='[{"store_hash": "abc123", "token": "t"}]' python -m bigcommerce_simulator

The stores hold their API tokens, so they never go on the command line, where any
local user can read them (``ps``): they come from a file or from the environment.
The first line on stdout is the listening URL (useful with ``--port 0``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from .server import SimulatorServer
from .stores import STORES_ENV, StoreSpec, load_store_specs, parse_store_specs


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_simulator",
        description="Serve simulated BigCommerce stores over HTTP.",
    )
    parser.add_argument(
        "--stores-file",
        type=Path,
        help=f"a .json, .yaml or .yml file listing the stores; without it, ${STORES_ENV} holds "
        'them as JSON (a list of stores, or {"stores": [...]})',
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8089, help="port to bind; 0 picks a free one (default 8089)"
    )
    parser.add_argument("--access-log", action="store_true", help="print one line per request to stderr")
    return parser


def read_specs(args: argparse.Namespace) -> list[StoreSpec]:
    """Return the stores of ``--stores-file``, or else of the ``BIGCOMMERCE_SIMULATOR_STORES`` variable.

    :param args: parsed arguments.
    :raises ValueError: when neither is given or what is given is not a valid store list.
    """
    if args.stores_file is not None:
        return load_store_specs(args.stores_file)
    stores_json = os.environ.get(STORES_ENV)
    if not stores_json:
        raise ValueError(f"no stores: pass --stores-file or set {STORES_ENV} to a JSON list of stores")
    try:
        return parse_store_specs(json.loads(stores_json))
    except json.JSONDecodeError as error:
        raise ValueError(f"{STORES_ENV} is not valid JSON: {error}") from None


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a normal exit so the server socket is closed.

    :param signum: the signal number.
    :param frame: the interrupted frame.
    """
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted.

    :param argv: arguments (default: ``sys.argv[1:]``).
    """
    args = build_parser().parse_args(argv)
    try:
        specs = read_specs(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"invalid store configuration: {error}", file=sys.stderr)
        return 2
    server = SimulatorServer((args.host, args.port), specs, access_log=args.access_log)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(server.url, flush=True)
    for spec in specs:
        print(
            f"store {spec.store_hash}: {spec.catalog.to_dict()}, quota {spec.quota or 'unlimited'}",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
