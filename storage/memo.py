"""A process-wide cache of derived figures, keyed on the data version, so it is never stale.

A loader asks `memoized(session, key, compute)`: the key names the figure and every bound its query used, and
the store's (token, version) from `storage.versioning` is added to it; each engine has its own entries. Any
committed data change moves the version on, so a cached figure is only ever served for the data it was computed
from; entries of older versions age out of the LRU. A transaction that has written reads around the cache. Only
what does not move with the moment of as-of is cached: figures over whole program-local days (deal dates) and
the whole-day middle of a moment-bounded window (see `split_days`), whose partial-day edges are always read
fresh. Values must be immutable.

`PARTNERBOT_CACHE=off` (read by the CLI) turns caching and day splitting off: the unoptimised engine, which the
equivalence test compares with the optimised one.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reports.timeframe import day_start, first_day_at_or_after, local_day
from storage.versioning import CHANGED, read_version

T = TypeVar("T")
CAPACITY = 512
_lock = threading.Lock()
_stores: weakref.WeakKeyDictionary[Engine, OrderedDict[Hashable, Any]] = weakref.WeakKeyDictionary()
_flights: weakref.WeakKeyDictionary[Engine, dict[Hashable, threading.Lock]] = weakref.WeakKeyDictionary()
_state = {"enabled": True}


def enabled() -> bool:
    return bool(_state["enabled"])


def set_enabled(on: bool) -> None:
    _state["enabled"] = on


@contextmanager
def caching(on: bool) -> Any:
    """Turn caching on or off for a block (tests and the benchmark compare both engines)."""
    before = _state["enabled"]
    _state["enabled"] = on
    try:
        yield
    finally:
        _state["enabled"] = before


def size(engine: Engine) -> int:
    """How many figures are cached for this engine."""
    with _lock:
        return len(_stores.get(engine, ()))


def clear() -> None:
    with _lock:
        _stores.clear()


def memoized(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """The figure for `key` at the store's data version, computed once.

    Concurrent requests for a figure not yet cached (several commands right after an import) compute it once:
    the first computes, the others wait for it and take the result, instead of each holding a cold computation's
    memory at the same time.
    """
    if not _state["enabled"] or session.connection().info.get(CHANGED):
        return compute()  # off, or inside a transaction that has written: its own data is not the version's
    version = read_version(session)
    if version is None:
        return compute()
    full = (version, key)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _lock:
        entries = _stores.setdefault(engine, OrderedDict())
        if full in entries:
            entries.move_to_end(full)
            return entries[full]  # type: ignore[no-any-return]
        flights = _flights.setdefault(engine, {})
        flight = flights.setdefault(full, threading.Lock())
    try:
        with flight:
            with _lock:
                if full in entries:  # computed by the request this one waited for
                    entries.move_to_end(full)
                    return entries[full]  # type: ignore[no-any-return]
            value = compute()
            if read_version(session) == version:  # a change committed meanwhile: use the figure, do not keep it
                with _lock:
                    entries[full] = value
                    while len(entries) > CAPACITY:
                        entries.popitem(last=False)
            return value
    finally:
        with _lock:
            if flights.get(full) is flight and not flight.locked():
                del flights[full]


def split_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime, bool]]:
    """[start, end) as up to three consecutive pieces: a partial-day head, whole program-local days, a
    partial-day tail; each with whether it is the whole-day middle (cacheable: it does not move with as-of).

    With caching off, the one piece [start, end).
    """
    if not _state["enabled"]:
        return [(start, end, False)]
    middle_start = day_start(first_day_at_or_after(start, tz), tz)
    middle_end = day_start(local_day(end, tz), tz)
    if middle_start >= middle_end:
        return [(start, end, False)]
    pieces = [(start, middle_start, False), (middle_start, middle_end, True), (middle_end, end, False)]
    return [(a, b, whole) for a, b, whole in pieces if a < b]
