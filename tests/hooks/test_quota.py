"""QuotaPacer with a fake clock: spend down to the reserve, then wait for the window to reset."""

from __future__ import annotations

import pytest

from bigcommerce_sync.hooks.quota import QuotaPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def headers(left: int, reset_ms: int, window_ms: int = 30_000) -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Left": str(left),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
        "X-Rate-Limit-Time-Window-Ms": str(window_ms),
    }


def test_requests_flow_freely_while_more_than_the_reserve_is_left(fake):
    pacer = QuotaPacer(reserve=2, clock=fake.clock, sleep=fake.sleep)

    for left in (9, 8, 7, 6, 5, 4, 3):
        pacer.acquire()
        pacer.release(headers(left, 2000), 200)

    assert fake.slept == []


def test_waits_for_the_reset_once_down_to_the_reserve(fake):
    pacer = QuotaPacer(reserve=2, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.release(headers(2, 1500), 200)

    pacer.acquire()

    assert fake.slept == [1.5]


def test_in_flight_requests_count_against_what_is_left(fake):
    pacer = QuotaPacer(reserve=1, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.release(headers(5, 1000), 200)
    for _ in range(4):  # four requests sent, none answered yet: 5 - 4 = 1 left, the reserve
        pacer.acquire()
    assert fake.slept == []

    pacer.acquire()

    assert fake.slept == [1.0]


def test_quota_429_waits_for_the_reset_but_load_shedding_does_not(fake):
    pacer = QuotaPacer(reserve=0, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.release({}, 429)  # no rate-limit headers: load shedding, left to the retry backoff
    pacer.acquire()
    assert fake.slept == []

    pacer.release(headers(40, 700), 429)
    pacer.acquire()

    assert fake.slept == [0.7]


def test_a_late_answer_from_earlier_in_the_window_does_not_raise_what_is_left(fake):
    pacer = QuotaPacer(reserve=0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(2):
        pacer.acquire()
    pacer.release(headers(0, 900), 429)  # the quota is spent...
    pacer.release(headers(3, 950), 200)  # ...a slower answer counted earlier says 3 were left

    pacer.acquire()

    assert fake.slept == [0.95]  # the later of the two reset times


def test_a_new_window_brings_back_the_quota(fake):
    pacer = QuotaPacer(reserve=1, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.release(headers(1, 500, window_ms=1000), 200)
    pacer.acquire()  # waits for the reset
    pacer.release(headers(9, 1000, window_ms=1000), 200)

    pacer.acquire()

    assert fake.slept == [0.5]


def test_unreadable_headers_are_ignored(fake):
    pacer = QuotaPacer(reserve=5, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.release({"X-Rate-Limit-Requests-Left": "lots", "X-Rate-Limit-Time-Reset-Ms": "10"}, 200)
    pacer.acquire()

    assert fake.slept == []
