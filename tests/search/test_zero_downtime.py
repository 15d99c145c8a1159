"""Zero downtime: while a full sync runs, search on every alias keeps answering with the whole
live version, and after ``publish`` it serves only the new one.

A reader thread searches each of the store's aliases every 50 ms (its own client, as a
storefront would) while ``dag.test()`` runs a full sync in the main thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest

from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.sync_types import Entity
from tests.conftest import SIM_CATALOGS
from tests.dags.sync_runs import run_sync
from tests.search.support import DAG_ID, STORE, alias

EXPECTED = {
    Entity.PRODUCTS: SIM_CATALOGS[STORE]["products"],
    Entity.CATEGORIES: SIM_CATALOGS[STORE]["categories"],
    Entity.PAGES: SIM_CATALOGS[STORE]["pages"],
    Entity.BLOG_POSTS: SIM_CATALOGS[STORE]["blog_posts"],
}
PERIOD = 0.05


@pytest.fixture(autouse=True)
def clean_search(sync_stack, sim) -> SearchHook:
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    return search


@dataclass
class Reader:
    """Searches every alias every :data:`PERIOD` seconds and keeps what it saw."""

    reads: int = 0
    errors: list[str] = field(default_factory=list)
    zero_hits: int = 0
    partial: list[str] = field(default_factory=list)
    served: dict[Entity, list[str]] = field(default_factory=lambda: {e: [] for e in Entity})
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        client = SearchHook().client
        while not self.stop.is_set():
            for entity, expected in EXPECTED.items():
                self.reads += 1
                try:
                    answer = client.search(
                        index=alias(entity), query={"match_all": {}}, size=1, track_total_hits=True
                    )
                except Exception as error:  # every kind counts: that is what the test is about
                    self.errors.append(f"{entity}: {type(error).__name__}: {error}")
                    continue
                if answer["_shards"]["failed"] or answer["timed_out"]:
                    self.errors.append(
                        f"{entity}: shards {answer['_shards']}, timed_out {answer['timed_out']}"
                    )
                hits, total = answer["hits"]["hits"], answer["hits"]["total"]["value"]
                if not hits:
                    self.zero_hits += 1
                    continue
                if total != expected:
                    self.partial.append(f"{entity}: {total} of {expected} in {hits[0]['_index']}")
                self.served[entity].append(hits[0]["_index"])
            self.stop.wait(PERIOD)

    def figures(self) -> str:
        switches = {str(e): sorted(set(indexes)) for e, indexes in self.served.items()}
        return (
            f"reads {self.reads}, errors {len(self.errors)}, zero-hit reads {self.zero_hits}, "
            f"partial reads {len(self.partial)}; indexes served {switches}; "
            f"first errors {self.errors[:3]}, first partial {self.partial[:3]}"
        )


def test_search_never_fails_or_comes_back_empty_during_a_full_sync(clean_search: SearchHook):
    first = run_sync(DAG_ID, {"sync_type": "all"})
    assert first.state == "success"
    reader = Reader()
    thread = threading.Thread(target=reader.run, name="storefront-reader", daemon=True)
    thread.start()
    time.sleep(1)  # a few reads of the old version first
    started = time.monotonic()

    second = run_sync(DAG_ID, {"sync_type": "all"})

    seconds = time.monotonic() - started
    reads_by_sync_end = reader.reads
    time.sleep(1)  # and a few of the new one
    reader.stop.set()
    thread.join(timeout=30)
    figures = f"{reader.figures()}; sync {seconds:.1f} s"
    print(f"\n{figures}")
    assert second.state == "success", figures
    assert reader.reads >= 4 * 20 and reads_by_sync_end < reader.reads, figures
    assert reader.errors == [] and reader.zero_hits == 0 and reader.partial == [], figures
    for entity in Entity:
        old, new = f"{alias(entity)}_v{first.batch.id}", f"{alias(entity)}_v{second.batch.id}"
        served = reader.served[entity]
        assert set(served) == {old, new}, figures
        switch = served.index(new)
        # One switch, never back: once the new version served, the old one never did again.
        assert served[:switch] == [old] * switch and served[switch:] == [new] * (len(served) - switch), (
            figures
        )
