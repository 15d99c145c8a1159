"""The lazy sequence of existing indexes agrees with the plain list it stands for."""

from __future__ import annotations

import random

import pytest

from bigcommerce_simulator.live_indexes import LiveIndexes


@pytest.mark.parametrize("deleted", [(), (0,), (9,), (0, 1, 2, 5, 6, 9), (3, 4, 5, 6, 7), tuple(range(10))])
def test_positions_match_the_filtered_list(deleted: tuple[int, ...]):
    expected = [index for index in range(10) if index not in deleted]
    live = LiveIndexes(10, deleted)

    assert len(live) == len(expected)
    assert [live[position] for position in range(len(live))] == expected == list(live)
    assert list(live.reversed_order()) == expected[::-1]
    assert [live.reversed_order()[p] for p in range(len(live))] == expected[::-1]
    if expected:
        assert live[-1] == expected[-1]
    with pytest.raises(IndexError):
        live[len(expected)]


def test_many_scattered_deletions_in_a_large_range():
    chooser = random.Random(5)
    deleted = sorted(chooser.sample(range(200_000), 3_000))
    gone = set(deleted)
    live = LiveIndexes(200_000, deleted)

    positions = chooser.sample(range(len(live)), 300)
    expected = [index for index in range(200_000) if index not in gone]
    assert [live[position] for position in positions] == [expected[position] for position in positions]
