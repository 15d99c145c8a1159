"""Deterministic randomness keyed by (seed, kind, index).

Every generated object is derived from its own key, so any item can be produced on
demand without generating the ones before it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MASK64 = (1 << 64) - 1


def stream_key(seed: int | str, kind: str) -> int:
    """Return a stable 64-bit key for one kind of object in one catalog.

    :param seed: the catalog seed.
    :param kind: the object kind, e.g. ``"product"``.
    """
    digest = hashlib.sha256(f"{seed}:{kind}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Draws:
    """Fast random draws for one item, seeded from ``(key, index)``.

    Uses only ``random.random()`` (the C fast path) rather than ``randrange``/``sample``,
    which matters when a page of 250 products takes thousands of draws.

    :param key: a value from :func:`stream_key`.
    :param index: the 0-based item index.
    """

    __slots__ = ("_random",)

    def __init__(self, key: int, index: int) -> None:
        self._random = random.Random((key << 32) ^ index).random

    def below(self, bound: int) -> int:
        """Return an int in ``[0, bound)``.

        :param bound: exclusive upper bound (> 0).
        """
        return int(self._random() * bound)

    def between(self, low: int, high: int) -> int:
        """Return an int in ``[low, high]``.

        :param low: inclusive lower bound.
        :param high: inclusive upper bound.
        """
        return low + int(self._random() * (high - low + 1))

    def chance(self, probability: float) -> bool:
        """Return ``True`` with the given probability.

        :param probability: from 0 to 1.
        """
        return self._random() < probability

    def uniform(self, low: float, high: float) -> float:
        """Return a float in ``[low, high)``.

        :param low: lower bound.
        :param high: upper bound.
        """
        return low + (high - low) * self._random()

    def pick(self, items: Sequence[T]) -> T:
        """Return one element of ``items``.

        :param items: a non-empty sequence.
        """
        return items[int(self._random() * len(items))]

    def run(self, items: Sequence[T], count: int) -> list[T]:
        """Return ``count`` distinct elements: a run of neighbours from a random start, wrapping.

        :param items: a sequence with at least ``count`` elements.
        :param count: how many to return.
        """
        start = int(self._random() * len(items))
        return [items[(start + offset) % len(items)] for offset in range(count)]


def mix(key: int, index: int) -> int:
    """Return a well-mixed 64-bit hash of ``(key, index)`` (SplitMix64 finaliser).

    Much cheaper than building a ``random.Random``, so it suits fields that must be
    computed for every item when filtering or sorting a whole collection.

    :param key: a value from :func:`stream_key`.
    :param index: the 0-based item index.
    """
    z = (key + (index + 1) * 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)
