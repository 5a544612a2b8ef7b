"""Handoffs: how fast sellers answer partner intros, how fast a next step follows, and which intros are stale.

Intros still waiting are never dropped: they count with their age so far, so a slow week cannot look fast by
leaving its slowest intros out. An intro closed with an outcome (qualified out, no budget, duplicate, …) is not
waiting for anything: it leaves the distribution and is counted as closed. Exports give an outcome no date, so it
applies at every as-of after the intro was introduced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.stats import Distribution, Median
from reports.timeframe import hours_between


@dataclass(frozen=True)
class IntroRecord:
    intro_id: int
    external_id: str
    partner_id: int
    partner_name: str
    partner_owner_email: str | None
    account: str | None
    seller_email: str | None
    introduced_at: datetime
    first_response_at: datetime | None
    next_step_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class Wait:
    intro: IntroRecord
    hours: float
    waiting: bool  # still no answer at as-of: `hours` is the age so far


@dataclass(frozen=True)
class HandoffTime:
    intros: int  # in the distribution: answered, plus those still waiting with their age so far
    waiting: int
    median: Median
    p90: Median
    worst: Wait | None
    waits: tuple[Wait, ...] = ()
    closed: int = 0  # closed with an outcome before this step happened: neither answered nor waiting


def _seen(moment: datetime | None, as_of: datetime) -> datetime | None:
    return moment if moment is not None and moment < as_of else None


def awaits_response(intro: IntroRecord, as_of: datetime) -> bool:
    """Introduced before as-of, with no first response before as-of and no outcome: still waiting for a seller."""
    return intro.introduced_at < as_of and _seen(intro.first_response_at, as_of) is None and not intro.outcome


def _summarise(waits: list[Wait], closed: int) -> HandoffTime:
    distribution = Distribution.of(round(w.hours, 4) for w in waits)
    worst = max(waits, key=lambda w: (w.hours, w.intro.external_id), default=None)
    return HandoffTime(
        intros=len(waits),
        waiting=sum(1 for w in waits if w.waiting),
        median=Median.of(distribution, 0.5),
        p90=Median.of(distribution, 0.9),
        worst=worst,
        waits=tuple(waits),
        closed=closed,
    )


Moment = Callable[[IntroRecord], datetime | None]


def _time_to(intros: Sequence[IntroRecord], as_of: datetime, start: Moment, end: Moment) -> HandoffTime:
    """Hours from each intro's `start` (if before as-of) to its `end`: done when `end` is before as-of, waiting
    (with its age so far) when not and the intro has no outcome, closed otherwise."""
    waits, closed = [], 0
    for intro in intros:
        begun = _seen(start(intro), as_of)
        if begun is None:
            continue
        done = _seen(end(intro), as_of)
        if done is None and intro.outcome:
            closed += 1
            continue
        waits.append(Wait(intro, max(0.0, hours_between(begun, done or as_of)), done is None))
    return _summarise(waits, closed)


def compute_handoff_response_time(intros: Sequence[IntroRecord], as_of: datetime) -> HandoffTime:
    """Hours introduced_at → first_response_at for the intros given (those introduced in the window)."""
    return _time_to(intros, as_of, lambda intro: intro.introduced_at, lambda intro: intro.first_response_at)


def compute_next_step_time(intros: Sequence[IntroRecord], as_of: datetime) -> HandoffTime:
    """Hours first_response_at → next_step_at, for the answered intros among those given."""
    return _time_to(
        intros,
        as_of,
        lambda intro: intro.first_response_at if intro.introduced_at < as_of else None,
        lambda intro: intro.next_step_at,
    )


@dataclass(frozen=True)
class StaleIntro:
    intro: IntroRecord
    age_hours: float
    escalate: bool  # past 2 × SLA: the owner's manager is told too


def compute_stale_intros(intros: Sequence[IntroRecord], as_of: datetime, sla_hours: int) -> tuple[StaleIntro, ...]:
    """Intros with no first response and no outcome after the SLA, oldest first."""
    stale = []
    for intro in intros:
        if not awaits_response(intro, as_of):
            continue
        age = hours_between(intro.introduced_at, as_of)
        if age > sla_hours:
            stale.append(StaleIntro(intro, age, age > 2 * sla_hours))
    return tuple(sorted(stale, key=lambda s: (-s.age_hours, s.intro.external_id)))


@dataclass(frozen=True)
class SlaSplit:
    """The intros of a `HandoffTime` either side of the response SLA, read from its waits as computed there."""

    sla_hours: float
    answered: int
    answered_late: int  # answered, after more than the SLA
    waiting: int
    waiting_past: int  # still waiting, for more than the SLA so far

    @property
    def over_sla(self) -> int:
        return self.answered_late + self.waiting_past


def compute_sla_split(handoff: HandoffTime, sla_hours: float) -> SlaSplit:
    """Answered and still-waiting intros, and how many of each are over the SLA (exactly on it is within it)."""
    answered = [w for w in handoff.waits if not w.waiting]
    waiting = [w for w in handoff.waits if w.waiting]
    return SlaSplit(
        sla_hours=sla_hours,
        answered=len(answered),
        answered_late=sum(1 for w in answered if w.hours > sla_hours),
        waiting=len(waiting),
        waiting_past=sum(1 for w in waiting if w.hours > sla_hours),
    )
