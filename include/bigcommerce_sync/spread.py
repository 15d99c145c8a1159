"""Bounded fan-out: the per-store (or per-job) tasks of the shared DAGs take their items in groups.

The operations, searchable-values and webhook DAGs serve every store of the registry. One mapped
task instance per store stops scaling well before 10,000 stores: Airflow refuses to map over an
upstream task's list longer than ``[core] max_map_length`` (1,024), and every task instance costs
the scheduler and a worker process, every 5 minutes for the operations DAG. So each of those
mapped tasks expands to at most :func:`max_mapped_tasks` instances, each taking a contiguous
group of items; with fewer items than that, every instance takes one, as before.

An instance handles its items one after the other, each on its own (:func:`each_on_its_own`):
one item's failure is logged and never stops the next; the instance fails at the end with
:class:`SomeItemsFailed`, which names the items that failed and keeps the others' results (a
failed task pushes no return value: push them under a key of your own when downstream needs them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowException

from bigcommerce_sync.settings import setting_int

if TYPE_CHECKING:
    from logging import Logger

Item = TypeVar("Item")
Result = TypeVar("Result")

# Default of [bigcommerce_sync] max_mapped_tasks: a store a task instance up to this many stores.
DEFAULT_MAX_MAPPED_TASKS = 128


class SomeItemsFailed(AirflowException):
    """Some items of a group failed; the others' work is done.

    :param failed: how the failed items are named, in order.
    :param results: the results of the items that succeeded, in order.
    :param total: how many items the group had.
    """

    def __init__(self, failed: list[str], results: list[Any], total: int) -> None:
        super().__init__(f"{len(failed)} of {total} failed: {', '.join(failed)} (see the log)")
        self.failed = failed
        self.results = results
        self.total = total

    def __reduce__(self) -> tuple[type[SomeItemsFailed], tuple[list[str], list[Any], int]]:
        return type(self), (self.failed, self.results, self.total)  # picklable, as exceptions go


def max_mapped_tasks() -> int:
    """The most instances one of the project's mapped tasks expands to.

    ``[bigcommerce_sync] max_mapped_tasks`` (128), never more than Airflow's ``[core]
    max_map_length``, never less than 1.
    """
    airflow_limit = conf.getint("core", "max_map_length", fallback=1024)
    return max(1, min(setting_int("max_mapped_tasks", DEFAULT_MAX_MAPPED_TASKS), airflow_limit))


def spread(items: Sequence[Item], limit: int | None = None) -> list[list[Item]]:
    """Split ``items`` into at most ``limit`` contiguous groups whose sizes differ by one at most.

    One item a group when they fit; no group when there is no item.

    :param items: what the mapped task handles, in order.
    :param limit: the most groups; default :func:`max_mapped_tasks`.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"a fan-out limit must be at least 1, not {limit}")
    count = min(len(items), limit or max_mapped_tasks())
    if not count:
        return []
    size, larger = divmod(len(items), count)
    groups, start = [], 0
    for number in range(count):
        end = start + size + (number < larger)
        groups.append(list(items[start:end]))
        start = end
    return groups


def group_timeout(
    item_timeout: timedelta | None, group: Sized, otherwise: timedelta | None
) -> timedelta | None:
    """A group's ``execution_timeout``: each item's share times the group's size (a group of one
    keeps the timeout one item had on its own); ``otherwise`` when there is no share.

    :param item_timeout: each item's share, or ``None``.
    :param group: the instance's group (known once the task is mapped).
    :param otherwise: the operator's own ``execution_timeout``.
    """
    return otherwise if item_timeout is None else item_timeout * max(1, len(group))


def group_index_template(argument: str, key: str | None = "store_hash") -> str:
    """A ``map_index_template`` naming a group's first item, and its last and size when it has more.

    :param argument: the operator's attribute holding the group (a list).
    :param key: the key naming a dict item; ``None`` when the items are names themselves.
    """
    field = f"[{key!r}]" if key else ""
    group = f"task.{argument}"
    return (
        f"{{{{ {group}[0]{field} if {group} else 'none' }}}}"
        f"{{{{ ' … %s (%d)' % ({group}[-1]{field}, {group}|length) if {group}|length > 1 else '' }}}}"
    )


def each_on_its_own(
    items: Sequence[Item],
    work: Callable[[Item], Result],
    *,
    name: Callable[[Item], str],
    log: Logger,
) -> list[Result]:
    """Run ``work`` on every item, in order, whatever the others do; return the results.

    An item whose work raises is logged with its traceback and the next item runs; once every
    item has run, :class:`SomeItemsFailed` names the failed items and carries the others' results.

    :param items: the group.
    :param work: what to do with one item.
    :param name: how the log and the error name an item.
    :param log: the task's logger.
    """
    results, failed = [], []
    for item in items:
        try:
            results.append(work(item))
        except Exception:
            log.exception("%s failed; going on with the others", name(item))
            failed.append(name(item))
    if failed:
        raise SomeItemsFailed(failed, results, len(items))
    return results
