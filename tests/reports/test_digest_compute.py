"""The digest's compute step against numbers worked out by hand, from facts built by hand (no store).

As-of Monday 2026-06-15 12:00 in a UTC program; the trend's twelve weeks end at as-of and a week apart, so the
first runs 2026-03-23 12:00 → 03-30 12:00 and the last 06-08 12:00 → 06-15 12:00.

| partner | onboarded  | story                                                                        |
|---------|------------|------------------------------------------------------------------------------|
| Acme    | 2026-06-01 | nothing yet: in runway in the weeks ending 06-01, 06-08, 06-15; quiet now    |
| Globex  | 2025-01-01 | first win 06-12 (this week); sourced $300 last week, $500 this week          |
| Initech | —          | sourced $200 this week, in two deals                                         |

Intros: one this week answered in 4 h, one last week in 10 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import Milestones
from reports.kpis.dormancy import QuietPartner
from reports.kpis.handoffs import IntroRecord
from reports.kpis.pipeline import StalledDeals
from reports.model import PartnerProfile, Scope
from reports.views.digest import DigestFacts, SnoozeNote, WeekPair, compute_digest
from reports.views.wins import WinInput

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
ACME = PartnerProfile(1, "P-1", "Acme", onboarded_on=date(2026, 6, 1))
GLOBEX = PartnerProfile(2, "P-2", "Globex", onboarded_on=date(2025, 1, 1))
NONE_STALLED = StalledDeals(count=0, amount_minor=0, largest=(), thresholds={})


def intro(intro_id: int, introduced: datetime, answered: datetime) -> IntroRecord:
    return IntroRecord(intro_id, f"I-{intro_id}", 1, "Acme", None, "Hooli", None, introduced, answered, None, None)


def facts() -> DigestFacts:
    won = datetime(2026, 6, 12, 15, tzinfo=UTC)
    return DigestFacts(
        scope=Scope(),
        milestones=[Milestones(ACME, {}), Milestones(GLOBEX, {"first_win": won})],
        weekly_sourced=[{}] * 10 + [{2: (30_000, 1)}, {2: (50_000, 1), 3: (20_000, 2)}],
        wins=[WinInput(2, won, "D-1", "Big one", 50_000, "sourced")],
        intros=WeekPair(
            [intro(1, datetime(2026, 6, 10, 12, tzinfo=UTC), datetime(2026, 6, 10, 16, tzinfo=UTC))],
            [intro(2, datetime(2026, 6, 3, tzinfo=UTC), datetime(2026, 6, 3, 10, tzinfo=UTC))],
        ),
        stalled=WeekPair(NONE_STALLED, NONE_STALLED),
        quiet=WeekPair([QuietPartner(ACME, None, (), False, None)], []),
        snoozes=(SnoozeNote("Acme (dormant)", None, datetime(2026, 6, 18, tzinfo=UTC), "on leave"),),
        freshness=Freshness(as_of=AS_OF),
    )


def test_the_digest_is_computed_from_its_facts_alone() -> None:
    view = compute_digest(facts(), ProgramConfig(), AS_OF)
    assert view.weeks[0] == date(2026, 3, 23) and view.weeks[-1] == date(2026, 6, 8) and len(view.weeks) == 12
    assert view.weekly_revenue == [0] * 10 + [30_000, 70_000]
    assert view.sourced_minor == WeekPair(70_000, 30_000)  # the trend's last two bars
    assert view.weekly_runway == [0] * 9 + [1, 1, 1]
    assert (view.runway.count, view.runway.count_week_ago) == (1, 1)
    assert view.weekly_first_wins == [0] * 11 + [1]
    assert [(w.partner.name, w.amount_minor) for w in view.first_wins] == [("Globex", 50_000)]
    assert [w.hours for w in view.handoff.now.waits] == [4.0]
    assert [w.hours for w in view.handoff.week_ago.waits] == [10.0]
    assert view.dormant == WeekPair(1, 0)
    assert view.stalled == WeekPair(NONE_STALLED, NONE_STALLED)
    assert [s.label for s in view.snoozes] == ["Acme (dormant)"]
    assert (view.currency, view.as_of, view.moved) == ("USD", AS_OF, True)
