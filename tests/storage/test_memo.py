"""The cache of derived figures: applied by `@memoized` at the loaders' reading functions, one cache per database,
and concurrent requests for a figure not yet cached compute it once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from storage import memo
from storage.db import Database
from storage.models import Activity, Partner, ProgramSetting

CALLS: list[str] = []


@memo.memoized
def _slow(session: Session, *, n: int) -> tuple[int, ...]:
    CALLS.append(threading.current_thread().name)
    time.sleep(0.3)  # long enough for the others to arrive while it runs
    return (n, len(CALLS))


@memo.memoized
def _counted(session: Session, *, n: int) -> tuple[int, ...]:
    """Reads the program settings: cached until they change."""
    session.execute(select(func.count()).select_from(ProgramSetting)).scalar_one()
    CALLS.append("computed")
    return (n, len(CALLS))


@memo.memoized
def _partner_count(session: Session) -> tuple[int, int]:
    """Reads the partners only."""
    CALLS.append("partners")
    return session.execute(select(func.count()).select_from(Partner)).scalar_one(), len(CALLS)


@memo.memoized
def _partners_and_settings(session: Session) -> tuple[int, int, int]:
    """A figure computed from another (partners) and from its own read (settings): it depends on both tables."""
    partners, _ = _partner_count(session)
    CALLS.append("outer")
    settings = session.execute(select(func.count()).select_from(ProgramSetting)).scalar_one()
    return partners, settings, len(CALLS)


@memo.memoized
def _raw(session: Session) -> tuple[int, int]:
    """Raw SQL cannot say what it reads: it depends on every data table."""
    CALLS.append("raw")
    return session.execute(text("SELECT count(*) FROM partners")).scalar_one(), len(CALLS)


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


def _partner(session: Session, external_id: str) -> int:
    return session.execute(
        insert(Partner)
        .values(external_id=external_id, name=external_id, updated_at=datetime.now(UTC))
        .returning(Partner.id)
    ).scalar_one()


def test_a_figure_is_computed_again_only_when_a_table_it_read_changed(db: Database) -> None:
    with db.transaction() as session:
        partner_id = _partner(session, "P-1")
    with db.session() as session:
        assert _partner_count(session) == (1, 1)
        assert _counted(session, n=1) == (1, 2)
        assert _raw(session) == (1, 3)
    with db.transaction() as session:  # an activity: no figure here read activities, but raw SQL might have
        session.execute(
            insert(Activity).values(
                partner_id=partner_id, kind="call", contact="", occurred_at=datetime(2026, 6, 1, tzinfo=UTC)
            )
        )
    with db.session() as session:
        assert _partner_count(session) == (1, 1)  # still cached: computed once
        assert _counted(session, n=1) == (1, 2)
        assert _raw(session) == (1, 4)  # computed again
    with db.transaction() as session:
        _partner(session, "P-2")
    with db.session() as session:
        assert _partner_count(session) == (2, 5)  # partners changed: computed again
        assert _counted(session, n=1) == (1, 2)  # settings did not
    assert CALLS == ["partners", "computed", "raw", "raw", "partners"]


def test_a_figure_depends_on_the_tables_of_the_cached_figures_it_was_computed_from(db: Database) -> None:
    with db.session() as session:
        assert _partner_count(session) == (0, 1)  # cached first: the outer figure finds it without a query
        assert _partners_and_settings(session) == (0, 0, 2)
    with db.transaction() as session:
        _partner(session, "P-1")
    with db.session() as session:
        assert _partners_and_settings(session) == (1, 0, 4)  # it read partners through the inner figure
    with db.transaction() as session:
        session.execute(insert(ProgramSetting).values(key="time_zone", value='"UTC"'))
    with db.session() as session:
        assert _partners_and_settings(session) == (1, 1, 5)  # and settings itself; the inner one stays cached
    assert CALLS == ["partners", "outer", "partners", "outer", "outer"]
