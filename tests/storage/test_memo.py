"""The cache of derived figures: concurrent requests for a figure not yet cached compute it once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import cast

import pytest

from storage import memo
from storage.db import Database


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    memo.clear()
    yield
    memo.clear()


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
        assert memo.memoized(session, ("figure",), lambda: cast(tuple[int, ...], (9,))) == (1, 2, 3)


def test_a_failed_computation_lets_the_next_request_compute(db: Database) -> None:
    def fail() -> tuple[int, ...]:
        raise RuntimeError("the store went away")

    with db.session() as session:
        with pytest.raises(RuntimeError):
            memo.memoized(session, ("figure",), fail)
        assert memo.memoized(session, ("figure",), lambda: (4,)) == (4,)
