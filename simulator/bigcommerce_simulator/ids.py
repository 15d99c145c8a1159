"""Mapping between 0-based item indexes and the stable API IDs of a collection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IdRange:
    """A contiguous block of IDs: item ``i`` has ID ``first_id + i``.

    :param first_id: the ID of item 0.
    :param count: how many items exist.
    """

    first_id: int
    count: int

    def id_of(self, index: int) -> int:
        """Return the API ID of item ``index``.

        :param index: 0-based item index.
        """
        return self.first_id + index

    def index_of(self, item_id: int) -> int | None:
        """Return the index of the item with ``item_id``, or ``None`` if it does not exist.

        :param item_id: an API ID.
        """
        index = item_id - self.first_id
        return index if 0 <= index < self.count else None
