"""The indexes of a collection that still exist, as a sequence that is never materialised.

A collection of ``slots`` items minus a few deleted ones is served in ID order (or its
reverse) by computing position ``p``'s index on demand, so a 200,000-product store with a
handful of deletions pages as cheaply as an untouched one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import filterfalse


class LiveIndexes(Sequence[int]):
    """The indexes ``0..slots-1`` without ``deleted``, ascending or descending.

    :param slots: how many indexes were ever allocated.
    :param deleted: the deleted indexes, sorted ascending.
    :param descending: serve the highest index first.
    """

    __slots__ = ("_deleted", "_descending", "_slots")

    def __init__(self, slots: int, deleted: Sequence[int] = (), descending: bool = False) -> None:
        self._slots = slots
        self._deleted = deleted
        self._descending = descending

    def __len__(self) -> int:
        """Return the number of live indexes."""
        return self._slots - len(self._deleted)

    def __iter__(self) -> Iterator[int]:
        """Yield the live indexes in order, in one pass (cheaper than positional access)."""
        order = range(self._slots - 1, -1, -1) if self._descending else range(self._slots)
        return filterfalse(frozenset(self._deleted).__contains__, order)

    def __getitem__(self, position: int) -> int:  # type: ignore[override]
        """Return the live index at ``position`` (negative positions count from the end).

        :param position: a position in the sequence.
        :raises IndexError: when the position is out of range.
        """
        size = len(self)
        if position < 0:
            position += size
        if not 0 <= position < size:
            raise IndexError("live index position out of range")
        return self._ascending(size - 1 - position if self._descending else position)

    def reversed_order(self) -> LiveIndexes:
        """Return the same indexes in the opposite order."""
        return LiveIndexes(self._slots, self._deleted, not self._descending)

    def _ascending(self, position: int) -> int:
        """Return the ``position``-th live index in ascending order (binary search over the gaps).

        :param position: 0-based position among the live indexes.
        """
        deleted = self._deleted
        if not deleted:
            return position
        candidates = range(position, position + len(deleted) + 1)
        return candidates[
            bisect_left(candidates, position + 1, key=lambda i: i + 1 - bisect_right(deleted, i))
        ]
