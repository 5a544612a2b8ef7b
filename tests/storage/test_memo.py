"""The cache of derived figures: applied by `@memoized` at the loaders' reading functions, one cache per database,
and concurrent requests for a figure not yet cached compute it once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage import memo
from storage.db import Database
from storage.models import ProgramSetting

CALLS: list[str] = []


@memo.memoized
def _slow(session: Session, *, n: int) -> tuple[int, ...]:
    CALLS.append(threading.current_thread().name)
    time.sleep(0.3)  # long enough for the others to arrive while it runs
    return (n, len(CALLS))


@memo.memoized
def _counted(session: Session, *, n: int) -> tuple[int, ...]:
    CALLS.append("computed")
    return (n, len(CALLS))


@memo.memoized
def _failing(session: Session, *, fail: bool) -> tuple[int, ...]:
    if fail:
        raise RuntimeError("the store went away")
    return (4,)


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    CALLS.clear()


def test_concurrent_misses_compute_a_figure_once_and_all_get_it(db: Database) -> None:
    results: dict[int, object] = {}

    def request(index: int) -> None:
        with db.session() as session:
            results[index] = _slow(session, n=1)

    first = threading.Thread(target=request, args=(0,), name="first")
    first.start()
    deadline = time.monotonic() + 5
    while not CALLS and time.monotonic() < deadline:
        time.sleep(0.01)
    others = [threading.Thread(target=request, args=(i,), name=f"other-{i}") for i in range(1, 4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    assert CALLS == ["first"]
    assert results == {0: (1, 1), 1: (1, 1), 2: (1, 1), 3: (1, 1)}
    with db.session() as session:  # and it stays cached
        assert _slow(session, n=1) == (1, 1)


def test_a_failed_computation_lets_the_next_request_compute(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(RuntimeError):
            _failing(session, fail=True)
        assert _failing(session, fail=False) == (4,)


def test_the_key_is_the_function_and_its_keyword_arguments(db: Database) -> None:
    with db.session() as session:
        assert _counted(session, n=1) == (1, 1)
        assert _counted(session, n=2) == (2, 2)
        assert _counted(session, n=1) == (1, 1)
        assert _counted.fresh(session, n=1) == (1, 3)  # around the cache
        with pytest.raises(TypeError, match="by keyword"):
            _counted(session, 1)  # type: ignore[call-arg]
    assert db.cache is not None and db.cache.size() == 2


def test_a_committed_write_moves_the_key_on_and_a_writing_transaction_reads_around_the_cache(db: Database) -> None:
    with db.session() as session:
        assert _counted(session, n=1) == (1, 1)
    with db.transaction() as session:
        session.execute(insert(ProgramSetting).values(key="time_zone", value='"UTC"'))
        assert _counted(session, n=1) == (1, 2)  # its own write is not the version's
        assert _counted(session, n=1) == (1, 3)
    with db.session() as session:
        assert _counted(session, n=1) == (1, 4)  # a new version
        assert _counted(session, n=1) == (1, 4)


def test_the_switch_belongs_to_each_database_not_to_the_process(db: Database) -> None:
    plain = db.without_cache()  # the same store, read without the cache
    for _ in range(2):
        with db.session() as session:
            assert _counted(session, n=1) == (1, 1)
    with plain.session() as session:
        assert memo.figure_cache(session) is None
        assert _counted(session, n=1) == (1, 2)
        assert _counted(session, n=1) == (1, 3)
    with db.session() as session:  # the cached database is untouched by the other one
        assert memo.figure_cache(session) is db.cache
        assert _counted(session, n=1) == (1, 1)
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
