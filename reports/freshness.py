"""How fresh the data is at an as-of: the newest record time beside when each source last delivered.

The record time alone cannot tell a quiet program from an export that stopped: both look like "nothing new".
The deliveries can. Data counts as fresh while some source delivered deals, stage changes, intros or activities
(the records KPIs move with) within the configured limit; a store that never received a delivery (a fresh install,
or one upgraded from before deliveries were recorded) has nothing to compare and is never called stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SIGNAL_KINDS = frozenset({"deals", "stage_changes", "intros", "intro_responses", "activities"})
NOTABLE_GAP = timedelta(days=1)  # record time and last delivery further apart than this: say both
IMPORT_SOURCE = "import"  # `partnerbot import`
DEMO_SOURCE = "demo"  # `partnerbot demo`, as of its anchor
API_PREFIX = "api:"  # `POST /api/v1/events`, then the token's name


def api_source(token_name: str) -> str:
    return f"{API_PREFIX}{token_name}"


@dataclass(frozen=True)
class LastDelivery:
    """One source's last delivery of one kind of record, and how many records it held."""

    source: str
    kind: str
    delivered_at: datetime
    records: int

    @property
    def label(self) -> str:
        if self.source.startswith(API_PREFIX):
            return f"{self.kind} via the API ({self.source.removeprefix(API_PREFIX)})"
        return f"{self.kind} ({self.source})"


@dataclass(frozen=True)
class Freshness:
    as_of: datetime
    newest_record_at: datetime | None = None
    deliveries: tuple[LastDelivery, ...] = ()  # each (source, kind)'s last delivery at or before as-of
    limit_hours: int = 72

    @property
    def last_delivery_at(self) -> datetime | None:
        """The newest delivery of the records KPIs move with; other kinds (partners, people, …) do not count."""
        return max((d.delivered_at for d in self.deliveries if d.kind in SIGNAL_KINDS), default=None)

    @property
    def age(self) -> timedelta | None:
        last = self.last_delivery_at
        return None if last is None else self.as_of - last

    @property
    def stale(self) -> bool:
        """Data arrived before, but none within the limit: figures may be incomplete."""
        age = self.age
        return age is not None and age > timedelta(hours=self.limit_hours)

    @property
    def shows_delivery(self) -> bool:
        """Whether the last delivery tells the reader more than the record time: it is far from it, or stale."""
        last, newest = self.last_delivery_at, self.newest_record_at
        if last is None:
            return False
        return self.stale or newest is None or abs(last - newest) > NOTABLE_GAP

    def vouches_for(self, moment: datetime) -> bool:
        """Whether the data can tell what had happened by `moment`: fresh data (or data that never arrived through
        a delivery) can; stale data only up to its last delivery."""
        last = self.last_delivery_at
        return not self.stale or (last is not None and moment <= last)
