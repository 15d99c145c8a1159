"""Bounded fan-out: groups, the limit from the settings, the label template, failures kept apart."""

from __future__ import annotations

import logging
import pickle
from datetime import timedelta

import pytest
from airflow.sdk.exceptions import AirflowException
from jinja2.sandbox import SandboxedEnvironment

from bigcommerce_sync.spread import (
    SomeItemsFailed,
    each_on_its_own,
    group_index_template,
    group_timeout,
    max_mapped_tasks,
    spread,
)


@pytest.mark.parametrize("count,limit", [(0, 3), (1, 3), (3, 3), (7, 3), (10_000, 128), (1_025, 1_024)])
def test_spread_keeps_every_item_once_in_order_within_the_limit(count, limit):
    items = list(range(count))
    groups = spread(items, limit)
    assert [item for group in groups for item in group] == items
    assert len(groups) == min(count, limit)
    assert all(groups), "no empty group"
    sizes = {len(group) for group in groups}
    assert max(sizes, default=0) - min(sizes, default=0) <= 1


def test_spread_gives_one_item_a_group_when_they_fit():
    assert spread(["a", "b"], 5) == [["a"], ["b"]]


def test_spread_refuses_a_limit_below_one():
    with pytest.raises(ValueError, match="at least 1, not 0"):
        spread([1], 0)


def test_the_limit_is_the_setting_never_above_airflows_max_map_length(monkeypatch):
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "5")
    assert max_mapped_tasks() == 5
    assert len(spread(list(range(12)))) == 5
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "5000")
    monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", "300")
    assert max_mapped_tasks() == 300
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "0")
    assert max_mapped_tasks() == 1


class _Task:
    def __init__(self, **groups):
        self.__dict__.update(groups)


@pytest.mark.parametrize(
    "group,label",
    [
        ([{"store_hash": "abc"}], "abc"),
        ([{"store_hash": "abc"}, {"store_hash": "def"}, {"store_hash": "xyz"}], "abc … xyz (3)"),
        ([], "none"),
    ],
)
def test_group_label_names_the_first_and_last_items(group, label):
    template = SandboxedEnvironment().from_string(group_index_template("stores"))
    assert template.render(task=_Task(stores=group)) == label


def test_group_label_of_plain_names():
    template = SandboxedEnvironment().from_string(group_index_template("store_hashes", None))
    assert template.render(task=_Task(store_hashes=["s1", "s2"])) == "s1 … s2 (2)"


def test_a_failing_item_never_stops_the_others(caplog):
    done = []

    def work(item):
        if item == "bad":
            raise RuntimeError("boom")
        done.append(item)
        return item.upper()

    log = logging.getLogger("spread-test")
    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(SomeItemsFailed, match=r"1 of 3 failed: store bad") as caught,
    ):
        each_on_its_own(["a", "bad", "c"], work, name=lambda item: f"store {item}", log=log)
    assert done == ["a", "c"]
    assert caught.value.results == ["A", "C"] and caught.value.failed == ["store bad"]
    assert isinstance(caught.value, AirflowException), "Airflow fails (and retries) the task"
    copied = pickle.loads(pickle.dumps(caught.value))
    assert (str(copied), copied.failed, copied.results) == (str(caught.value), ["store bad"], ["A", "C"])
    assert "store bad failed" in caplog.text and "boom" in caplog.text


def test_each_on_its_own_returns_every_result_in_order():
    assert each_on_its_own([1, 2], lambda n: n * 10, name=str, log=logging.getLogger("t")) == [10, 20]


def test_a_groups_timeout_is_each_items_share_times_its_size():
    share, own = timedelta(minutes=2), timedelta(minutes=9)
    assert group_timeout(share, ["a", "b", "c"], own) == timedelta(minutes=6)
    assert group_timeout(share, [], own) == share  # an empty group keeps one item's share
    assert group_timeout(None, ["a", "b"], own) == own
