"""Each database's cache of derived figures, checked against the versions of the tables each was read from, so it
is never stale.

A `Database` made with `cache=True` (the default; `PARTNERBOT_CACHE=off` makes it False) holds one `FigureCache`,
which its sessions carry in their `info`. The cache is applied at one boundary: a loader's private reading function
decorated with `@memoized`, called as `read(session, **bounds)`. Its key is the function's qualified name and the
bounds. While it computes, the data tables its statements read are recorded (`storage.versioning`, from the
compiled statements: a figure cannot forget a table), and the figure is kept with the version of each of them.
Every committed write moves on the version of each table it wrote, so a figure is served only while none of its
tables has changed: a webhook event that writes activities leaves the figures read from deals and stage changes
cached, and any write to a table a figure read makes it computed again. A transaction that has written reads
around the cache. Only what does not move with the moment of as-of is cached: figures over whole program-local
days (deal dates) and the whole-day middle of a moment-bounded window (see `split_days`), whose partial-day edges
are always read fresh. Values must be immutable.

A session without a cache (a database made with `cache=False`, or one not made by a `Database`) computes every
figure and reads every window in one piece: the unoptimised engine, which the equivalence test compares with the
optimised one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import partial, update_wrapper
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reports.timeframe import day_start, first_day_at_or_after, local_day
from storage.versioning import CHANGED, Versions, note_read, read_version, read_versions, recording_reads

T = TypeVar("T")
P = ParamSpec("P")
CAPACITY = 512
FEW_PARTNERS = 100  # a view of up to this many partners reads its own figures directly: caching them would only crowd
# the cache (a scorecard per partner) and each is quick to read by the partner's indexes
SESSION_KEY = "partnerbot_figure_cache"  # where a Database's sessions carry its cache (Session.info)


@dataclass(frozen=True)
class _Entry:
    token: str
    stamp: tuple[tuple[str, int], ...]  # each data table the figure read, at the version it was read at
    value: Any

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.stamp)

    def valid(self, versions: Versions) -> bool:
        return versions.token == self.token and all(versions.of(name) == seen for name, seen in self.stamp)


class FigureCache:
    """One database's figures: an LRU of key → the figure with the table versions it was computed at, and the
    computations under way."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._lock = threading.Lock()
        self._entries: LRUCache[Hashable, _Entry] = LRUCache(maxsize=capacity)
        self._flights: dict[Hashable, threading.Lock] = {}
        self.hits = 0  # figures served from the cache
        self.misses = 0  # figures computed (and kept, unless a change committed meanwhile)

    def size(self) -> int:
        """How many figures are cached."""
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _valid(self, key: Hashable, versions: Versions, connection: Connection) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or not entry.valid(versions):
            return None
        self.hits += 1
        note_read(connection, entry.tables)  # a figure computed from this one depends on its tables too
        return entry

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The figure for `key`, computed again only when a table it read has changed since.

        Concurrent requests for a figure not yet cached (several commands right after an import) compute it once:
        the first computes, the others wait for it and take the result, instead of each holding a cold
        computation's memory at the same time.
        """
        connection = session.connection()
        if connection.info.get(CHANGED):
            return compute()  # inside a transaction that has written: its own data is not the version's
        versions = read_versions(session)
        if versions is None:
            return compute()
        if (entry := self._valid(key, versions, connection)) is not None:
            return entry.value  # type: ignore[no-any-return]
        flight_key = (key, versions.token, versions.version)
        with self._lock:
            flight = self._flights.setdefault(flight_key, threading.Lock())
        try:
            with flight:
                if (entry := self._valid(key, versions, connection)) is not None:
                    return entry.value  # type: ignore[no-any-return]  # computed by the request this one waited for
                self.misses += 1
                with recording_reads(connection) as read:
                    value = compute()
                if read_version(session) == (versions.token, versions.version):
                    # no change committed meanwhile: keep the figure with the versions of the tables it read
                    with self._lock:
                        self._entries[key] = _Entry(versions.token, versions.stamp(frozenset(read)), value)
                return value
        finally:
            with self._lock:
                if self._flights.get(flight_key) is flight and not flight.locked():
                    del self._flights[flight_key]


def figure_cache(session: Session) -> FigureCache | None:
    """The cache of the database this session reads, or None when that database caches nothing."""
    cache = session.info.get(SESSION_KEY)
    return cache if isinstance(cache, FigureCache) else None


class Figure(Generic[P, T]):
    """A loader's private reading function with the cache applied: see `memoized`."""

    def __init__(self, read: Callable[Concatenate[Session, P], T]) -> None:
        self._read = read
        self.name = f"{read.__module__}.{read.__qualname__}"
        update_wrapper(self, read)

    def __call__(self, session: Session, *args: P.args, **kwargs: P.kwargs) -> T:
        """The figure, from the cache of the session's database when it has one."""
        if args:
            raise TypeError(f"{self.name} takes its bounds by keyword: they make its cache key")
        cache = figure_cache(session)
        if cache is None:
            return self._read(session, *args, **kwargs)
        key = (self.name, tuple(sorted(kwargs.items())))
        return cache.get(session, key, partial(self._read, session, *args, **kwargs))

    def fresh(self, session: Session, *args: P.args, **kwargs: P.kwargs) -> T:
        """The figure read now, around the cache: for bounds that move with as-of (a window's partial days)."""
        return self._read(session, *args, **kwargs)


def memoized(read: Callable[Concatenate[Session, P], T]) -> Figure[P, T]:
    """Cache what `read(session, **bounds)` returns, for the data version: the one place the cache is applied.

    The key is the function's qualified name and its keyword arguments, which must be values (hashable, equal
    when the query is the same); the result must be immutable (tuples, frozen dataclasses). The figure is read
    around the cache when the session's database has none, or inside a transaction that has written. Only what
    does not move with as-of may be memoized; `read.fresh(...)` reads the same figure without the cache.
    """
    return Figure(read)


def split_days(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime, bool]]:
    """[start, end) as up to three consecutive pieces: a partial-day head, whole program-local days, a
    partial-day tail; each with whether it is the whole-day middle (cacheable: it does not move with as-of).

    Without a cache, the one piece [start, end).
    """
    if figure_cache(session) is None:
        return [(start, end, False)]
    middle_start = day_start(first_day_at_or_after(start, tz), tz)
    middle_end = day_start(local_day(end, tz), tz)
    if middle_start >= middle_end:
        return [(start, end, False)]
    pieces = [(start, middle_start, False), (middle_start, middle_end, True), (middle_end, end, False)]
    return [(a, b, whole) for a, b, whole in pieces if a < b]
