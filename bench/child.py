"""What every measuring child process shares: its payload, its result file, its own counters."""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

Payload = dict[str, Any]


def child_main(measure: Callable[[Payload], dict[str, Any]]) -> None:
    """Run ``measure`` on the JSON payload in ``argv[1]`` and write its result to ``payload["out"]``."""
    payload = json.loads(sys.argv[1])
    Path(payload["out"]).write_text(json.dumps(measure(payload)), encoding="utf-8")


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (the kernel's high-water mark), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time used by this process (all threads), user plus system."""
    times = os.times()
    return times.user + times.system
