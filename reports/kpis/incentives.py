"""The fast-start incentive: which won sourced deals earn it, what is owed for them, and how far a partner is.

The rule (`fast_start_*` in the configuration): a partner's first N won sourced deals (N = `fast_start_wins`, 1 to
3) that closed within `fast_start_days` of its onboarding date are eligible; each earns `fast_start_amount` or
`fast_start_percent` of its amount (or nothing named, when neither is set).

- **Days from onboarding** are calendar days from `onboarded_on` to `closed_on`, both program-local dates (the won
  date as KPIS.md has it): a deal won on day D exactly counts, on day D+1 it does not; one won on the onboarding day
  is day 0. A deal won before the onboarding date is not eligible and takes no place.
- **First** is the first-win ranking: by close date, then deal id (`win_rank`), among the partner's sourced wins
  within the window; an influenced or direct deal is never eligible and takes no place.
- **As of**: a deal counts once its close and creation dates are before as-of, like every won deal.
- **Derived onboarding dates** (`PartnerProfile.onboarding_source`) start the clock at the partner's first deal,
  which would make any first win look fast: such deals are listed as held, owed nothing, until the partners data
  gives the real date.
- **Nothing is stored.** Eligibility is worked out from the deals as they stand each time it is asked: a deal
  re-opened, lost, re-attributed or re-dated out of the window stops being eligible and the partner's next sourced
  win in the window takes its place; a changed amount changes a percentage owed. So a quarter's list can change
  after it was read: finance pays from the CSV exported at the quarter's close, which carries its as-of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reports.config import ProgramConfig
from reports.kpis.activation import win_rank
from reports.model import PartnerProfile
from reports.timeframe import as_of_day, dates_before

HELD_DERIVED = "onboarding date derived from the first deal: give the real date in the partners data"


@dataclass(frozen=True)
class SourcedWin:
    """A won sourced deal, as the loader reads it (amount in the base currency's minor units)."""

    partner_id: int
    external_id: str
    name: str | None
    created_on: date
    closed_on: date
    amount_minor: int | None


@dataclass(frozen=True)
class EligibleWin:
    partner: PartnerProfile
    win: SourcedWin
    place: int  # 1 = the partner's first eligible win
    days_from_onboarding: int
    owed_minor: int | None  # None: no amount or percentage set, or a percentage of a deal without an amount
    held: str | None = None  # why nothing is owed yet though the deal qualifies

    @property
    def deal(self) -> str:
        return self.win.name or self.win.external_id


def window_last_day(partner: PartnerProfile, config: ProgramConfig) -> date | None:
    """The last close date that still counts for the partner (its onboarding day + fast_start_days)."""
    if partner.onboarded_on is None:
        return None
    return partner.onboarded_on + timedelta(days=config.fast_start_days)


def compute_eligible_wins(
    partners: Sequence[PartnerProfile], wins: Sequence[SourcedWin], config: ProgramConfig, as_of: datetime
) -> tuple[EligibleWin, ...]:
    """Every eligible deal of these partners as of, by close date, partner and deal id. `wins` must hold each
    partner's sourced wins from its onboarding date on (earlier ones, and other partners', are ignored)."""
    if not config.fast_start_on:
        return ()
    cut = dates_before(as_of, config.tz)
    by_partner: dict[int, list[SourcedWin]] = defaultdict(list)
    for win in wins:
        by_partner[win.partner_id].append(win)
    out: list[EligibleWin] = []
    for partner in partners:
        onboarded, last = partner.onboarded_on, window_last_day(partner, config)
        if onboarded is None or last is None:
            continue
        inside = sorted(
            (
                w
                for w in by_partner.get(partner.id, ())
                if onboarded <= w.closed_on <= last and w.closed_on < cut and w.created_on < cut
            ),
            key=lambda w: win_rank(w.closed_on, w.external_id),
        )
        held = HELD_DERIVED if partner.onboarding_source is not None else None
        for place, win in enumerate(inside[: config.fast_start_wins], start=1):
            owed = None if held else config.fast_start_owed(win.amount_minor)
            out.append(EligibleWin(partner, win, place, (win.closed_on - onboarded).days, owed, held))
    return tuple(sorted(out, key=lambda e: (e.win.closed_on, e.partner.name.casefold(), e.win.external_id)))


@dataclass(frozen=True)
class IncentiveList:
    """What is owed for the deals won in a period: `[first, end)` dates, `end` cut at as-of."""

    label: str
    first: date
    end: date
    to_date: bool  # the period had not ended at as-of
    wins: tuple[EligibleWin, ...]

    @property
    def owed(self) -> tuple[EligibleWin, ...]:
        return tuple(w for w in self.wins if w.held is None)

    @property
    def held(self) -> tuple[EligibleWin, ...]:
        return tuple(w for w in self.wins if w.held is not None)

    @property
    def total_minor(self) -> int:
        return sum(w.owed_minor or 0 for w in self.owed)

    @property
    def partners(self) -> int:
        return len({w.partner.id for w in self.owed})


def compute_incentive_list(
    eligible: Sequence[EligibleWin], *, label: str, first: date, end: date, as_of: datetime, config: ProgramConfig
) -> IncentiveList:
    """The eligible deals won on the dates [first, end) that count at as-of."""
    cut = dates_before(as_of, config.tz)
    last = min(end, cut)
    return IncentiveList(
        label=label,
        first=first,
        end=last,
        to_date=cut < end,
        wins=tuple(w for w in eligible if first <= w.win.closed_on < last),
    )


@dataclass(frozen=True)
class FastStart:
    """One partner's fast start as of: its eligible wins, the places left and the window's last day."""

    wins: tuple[EligibleWin, ...]
    places: int
    last_day: date
    open: bool  # the window's last day is the as-of's day or later: a sourced win can still earn it

    @property
    def left(self) -> int:
        return max(0, self.places - len(self.wins)) if self.open else 0

    @property
    def owed_minor(self) -> int | None:
        amounts = [w.owed_minor for w in self.wins if w.owed_minor is not None]
        return sum(amounts) if amounts else None


def compute_fast_start(
    partner: PartnerProfile, eligible: Sequence[EligibleWin], config: ProgramConfig, as_of: datetime
) -> FastStart | None:
    """The partner's fast start, or None when the rule is off, the partner has no onboarding date or has not
    started by as-of."""
    last = window_last_day(partner, config)
    cut = dates_before(as_of, config.tz)
    if not config.fast_start_on or last is None or partner.onboarded_on is None or partner.onboarded_on >= cut:
        return None
    mine = tuple(w for w in eligible if w.partner.id == partner.id)
    return FastStart(mine, config.fast_start_wins, last, open=last >= as_of_day(as_of, config.tz))
