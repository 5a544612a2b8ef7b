"""The cache of derived figures: concurrent requests for a figure not yet cached compute it once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import memo
from storage.db import Database


def test_concurrent_misses_compute_a_figure_once_and_all_get_it(db: Database) -> None:
    calls: list[str] = []
    started = threading.Event()
    results: dict[int, object] = {}

    def compute() -> tuple[int, ...]:
        calls.append(threading.current_thread().name)
        started.set()
        time.sleep(0.3)  # long enough for the others to arrive while it runs
        return (1, 2, 3)

    def request(index: int) -> None:
        with db.session() as session:
            results[index] = memo.memoized(session, ("figure",), compute)

    first = threading.Thread(target=request, args=(0,), name="first")
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=request, args=(i,), name=f"other-{i}") for i in range(1, 4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    assert calls == ["first"]
    assert results == {0: (1, 2, 3), 1: (1, 2, 3), 2: (1, 2, 3), 3: (1, 2, 3)}
    with db.session() as session:  # and it stays cached
        assert memo.memoized(session, ("figure",), lambda: (9,)) == (1, 2, 3)


def test_a_failed_computation_lets_the_next_request_compute(db: Database) -> None:
    def fail() -> tuple[int, ...]:
        raise RuntimeError("the store went away")

    with db.session() as session:
        with pytest.raises(RuntimeError):
            memo.memoized(session, ("figure",), fail)
        assert memo.memoized(session, ("figure",), lambda: (4,)) == (4,)


def test_the_switch_belongs_to_each_database_not_to_the_process(db: Database) -> None:
    plain = db.without_cache()  # the same store, read without the cache
    calls: list[str] = []

    def compute() -> tuple[int, ...]:
        calls.append("computed")
        return (len(calls),)

    for _ in range(2):
        with db.session() as session:
            assert memo.memoized(session, ("figure",), compute) == (1,)
    with plain.session() as session:
        assert memo.figure_cache(session) is None
        assert memo.memoized(session, ("figure",), compute) == (2,)
        assert memo.memoized(session, ("figure",), compute) == (3,)
    with db.session() as session:  # the cached database is untouched by the other one
        assert memo.figure_cache(session) is db.cache
        assert memo.memoized(session, ("figure",), compute) == (1,)
    assert plain.cache is None and db.cache is not None and db.cache.size() == 1


def test_without_a_cache_a_window_is_read_in_one_piece(db: Database) -> None:
    tz = ZoneInfo("Europe/Berlin")
    start, end = datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 15, 13, tzinfo=UTC)
    with db.session() as session:
        pieces = memo.split_days(session, start, end, tz)
    assert [whole for _, _, whole in pieces] == [False, True, False]
    assert pieces[0][0] == start and pieces[-1][1] == end
    with db.without_cache().session() as session:
        assert memo.split_days(session, start, end, tz) == [(start, end, False)]
