"""Each demo partner's plan (its story, dates and rates) and the staff who own them, drawn from seeded streams."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from demodata.catalogue import (
    COMPANY_WORDS,
    DOMAIN,
    DORMANT_FIT,
    DORMANT_MOMENTUM,
    DORMANT_TRAINING,
    FAST_ACTIVATORS,
    FIRST_NAMES,
    FIRST_WIN_THIS_WEEK,
    HEAD,
    LAST_NAMES,
    LEGAL,
    ONBOARDING_UNKNOWN,
    OVER_WIP_LIMIT,
    OWNERS,
    QUALIFIERS,
    REGIONS,
    SALES_DIRECTORS,
    SALES_VP,
    SEGMENTS,
    SHOWCASE,
    SHOWCASE_OWNER,
    STALE_INTROS,
    STALLED_DEALS,
    STEM_HEADS,
    STEM_TAILS,
    STUCK_NO_QUALIFIED,
    STUCK_NO_SELLING,
    STUCK_NO_WIN,
    STUCK_NOT_ENABLED,
    SUNSET,
    TIERS,
    TYPES,
    WIP_OWNER,
    ZONES,
)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DemoSize:
    partners: int = 180
    owners: int = 6
    years: float = 2.0
    deals_per_partner: float = 30
    direct_deals: int = 2500
    activities_per_partner: float = 300
    intros_per_partner: float = 8
    surveys_per_partner: float = 3


@dataclass(frozen=True)
class DemoSummary:
    counts: dict[str, int]  # table name → rows written
    stories: dict[str, list[str]]  # story → partner names


@dataclass
class PartnerPlan:
    """One partner's life, decided before any row is generated: when it reaches each step and when it goes quiet."""

    name: str
    onboarded: int  # the partner's clock starts here, also when its stored onboarding date is unknown
    stories: list[str] = field(default_factory=list)
    id: int = 0
    owner: int | None = None
    onboarded_known: bool = True
    type: str = "reseller"
    tier: str = "silver"
    region: str = "NA"
    segment: str = "mid-market"
    status: str = "active"
    sunset_on: int | None = None
    aliases: str | None = None
    slack_channel: str | None = None
    courses: int = 3  # required courses completed, in order
    selling_from: int | None = None  # day of the first selling action (an intro); None: never sells
    qualified: bool = True  # its deals may reach the qualified stage
    first_win: int | None = None  # close day of its first won partner deal
    quiet_from: int | None = None  # no motion on or after this day
    engagement: float = 1.0
    stalled_deals: int = 0
    stale_intros: int = 0
    open_qualified: bool = False  # keeps one recent open deal at Proposal (in runway: qualified, no win)
    recent_touch: bool = False  # a login in the last two weeks, so a partner in runway does not read as dormant
    deals: float = 0.0  # expected counts, allocated from the program's totals
    intros: float = 0.0
    activities: float = 0.0
    surveys: float = 0.0

    def last_day(self, today: int) -> int:
        """The last day the partner moves: the day before it went quiet, else yesterday."""
        return (self.quiet_from if self.quiet_from is not None else today) - 1

    def in_runway(self, today: int) -> bool:
        return (
            self.status == "active"
            and self.onboarded_known
            and self.first_win is None
            and today - 180 <= self.onboarded < today
        )


class Calendar:
    """Program-local days as integers from the first day of the window, and the instants they hold."""

    def __init__(self, anchor: datetime, years: float, tz: ZoneInfo) -> None:
        self.anchor = int(anchor.timestamp())
        self.today = round(365 * years)
        self.first = anchor.astimezone(tz).date() - timedelta(days=self.today)
        count = self.today + 400  # goal periods and deadlines may end after today
        self.dates = [self.first + timedelta(days=d) for d in range(count)]
        self.iso = [d.isoformat() for d in self.dates]
        # Local noon of each day: a business-hours moment is noon ± a few hours, never across a DST change.
        self.noon: Ints = np.array(
            [int(datetime.combine(d, time(12), tzinfo=tz).timestamp()) for d in self.dates], dtype=np.int64
        )
        self.noon_list: list[int] = self.noon.tolist()  # for one day at a time: list indexing beats numpy's
        weekday = np.array([d.weekday() for d in self.dates], dtype=np.int64)
        self.back: Ints = np.select([weekday == 5, weekday == 6], [1, 2], 0).astype(np.int64)
        self.forward: Ints = np.select([weekday == 5, weekday == 6], [2, 1], 0).astype(np.int64)

    def moment(self, day: int, seconds: int) -> int:
        """`seconds` after local midnight of `day`, as epoch seconds."""
        return self.noon_list[day] + seconds - 43_200

    def moments(self, days: Ints, seconds: Ints) -> Ints:
        return (self.noon[days] + seconds - 43_200).astype(np.int64)

    def workdays(self, days: Ints, low: int, high: int) -> Ints:
        """Weekend days moved to the Friday before, or the Monday after when that leaves [low, high]."""
        moved = days - self.back[days]
        moved = np.where(moved < low, days + self.forward[days], moved)
        return np.where(moved > high, days, moved).astype(np.int64)

    def workday(self, day: int) -> int:
        return int(self.workdays(np.array([day], dtype=np.int64), 0, self.today - 1)[0])

    def day_of(self, on: date) -> int:
        return (on - self.first).days


def _weighted(rng: np.random.Generator, options: Sequence[tuple[str, int]]) -> str:
    weights = np.array([w for _, w in options], dtype=np.float64)
    return options[int(rng.choice(len(options), p=weights / weights.sum()))][0]


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * math.exp(sigma * rng.standard_normal()))


def partner_stream(seed: int, kind: int, key: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**63, kind, key])


# --- the program's plan ----------------------------------------------------------------------------------------------


class Planner:
    """Decides every partner's life: the story partners first, then a realistic background population."""

    def __init__(self, calendar: Calendar, size: DemoSize, seed: int) -> None:
        self.cal = calendar
        self.size = size
        self.rng = np.random.default_rng([seed % 2**63, 0])
        self.today = calendar.today
        self.owner_count = max(4, size.owners)
        self.plans: list[PartnerPlan] = []
        self.taken_names = {"acme", "acme analytics"}

    def ago(self, low: int, high: int) -> int:
        """A workday between `high` and `low` days before today, within the window."""
        day = self.today - int(self.rng.integers(low, high + 1))
        return self.cal.workday(max(0, day))

    def name(self) -> str:
        """A unique company name, e.g. "Ironbridge Consulting"; once the common ones run out, a qualified one."""
        rng = self.rng
        for attempt in range(1_000_000):
            head = STEM_HEADS[int(rng.integers(len(STEM_HEADS)))]
            tail = STEM_TAILS[int(rng.integers(len(STEM_TAILS)))]
            stem = head + tail
            name = stem if rng.random() < 0.08 else f"{stem} {COMPANY_WORDS[int(rng.integers(len(COMPANY_WORDS)))]}"
            if attempt >= 20:
                name = f"{name} {QUALIFIERS[int(rng.integers(len(QUALIFIERS)))]}"
            if attempt >= 40:
                name = f"{name} {attempt}"
            if head.casefold() != tail and name.casefold() not in self.taken_names:
                self.taken_names.add(name.casefold())
                return name
        raise AssertionError("unreachable: numbered names never collide")

    def add(self, story: str | None, plan: PartnerPlan, *, described: bool = False) -> PartnerPlan:
        """Keep a plan, drawing its type, tier, region and segment unless the story gave them."""
        rng = self.rng
        if story is not None:
            plan.stories.append(story)
        if not described:
            plan.type = _weighted(rng, TYPES)
            plan.tier = _weighted(rng, TIERS)
            plan.region = _weighted(rng, REGIONS)
            plan.segment = _weighted(rng, SEGMENTS)
            if plan.first_win is not None and plan.engagement > 1.6 and plan.tier in ("silver", "registered"):
                plan.tier = "gold"  # the busiest partners earned a higher tier
            if rng.random() < 0.05:
                plan.aliases = f"{plan.name} {LEGAL[int(rng.integers(len(LEGAL)))]}"
        self.plans.append(plan)
        return plan

    def story_partners(self) -> None:
        today, rng = self.today, self.rng
        onboarded = self.ago(420, 460)
        self.add(
            SHOWCASE,
            PartnerPlan(
                "Acme",
                onboarded,
                owner=SHOWCASE_OWNER,
                type="reseller",
                tier="platinum",
                region="NA",
                segment="enterprise",
                aliases="ACME Corp",
                slack_channel="C0PARTNER01",
                selling_from=onboarded + 12,
                first_win=onboarded + 38,
                engagement=3.0,
                stalled_deals=1,
                stale_intros=1,
            ),
            described=True,
        ).stories += [STALE_INTROS, STALLED_DEALS]
        onboarded = self.ago(240, 300)
        self.add(
            SHOWCASE,
            PartnerPlan(
                "Acme Analytics",
                onboarded,
                type="technology",
                tier="gold",
                region="NA",
                segment="mid-market",
                selling_from=onboarded + 25,
                first_win=onboarded + 70,
                engagement=1.2,
            ),
            described=True,
        )
        for _ in range(3):
            onboarded = self.ago(200, 600)
            first_win = onboarded + int(rng.integers(28, 46))
            self.add(
                FAST_ACTIVATORS,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    selling_from=onboarded + int(rng.integers(5, 12)),
                    first_win=first_win,
                    engagement=float(rng.uniform(1.5, 2.2)),
                ),
            )
        for _ in range(2):
            self.add(STUCK_NOT_ENABLED, self.runway(self.ago(20, 120), level=0))
            self.add(STUCK_NO_SELLING, self.runway(self.ago(30, 150), level=1))
            self.add(STUCK_NO_QUALIFIED, self.runway(self.ago(40, 150), level=2))
            self.add(STUCK_NO_WIN, self.runway(self.ago(60, 170), level=3))
        for index in range(10):
            level = index % 4
            plan = self.runway(self.ago(10, 170) if level < 2 else self.ago(40, 170), level=level)
            plan.owner = WIP_OWNER
            self.add(OVER_WIP_LIMIT, plan)
        for _ in range(3):
            onboarded = self.ago(150, 500)
            self.add(
                DORMANT_TRAINING,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    courses=int(rng.integers(0, 3)),
                    qualified=False,
                    quiet_from=max(onboarded + 30, self.ago(75, 140)),
                    engagement=0.6,
                ),
            )
            onboarded = self.ago(150, 500)
            self.add(
                DORMANT_FIT,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    qualified=False,
                    quiet_from=max(onboarded + 40, self.ago(75, 140)),
                    engagement=0.6,
                ),
            )
            onboarded = self.ago(300, 600)
            first_win = onboarded + int(rng.integers(45, 91))
            self.add(
                DORMANT_MOMENTUM,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    selling_from=onboarded + int(rng.integers(10, 20)),
                    first_win=first_win,
                    quiet_from=min(today - 75, max(first_win + 60, self.ago(75, 160))),
                    engagement=0.9,
                ),
            )
        onboarded = self.ago(55, 80)
        self.add(
            FIRST_WIN_THIS_WEEK,
            PartnerPlan(
                self.name(),
                onboarded,
                selling_from=onboarded + int(rng.integers(8, 16)),
                first_win=today - int(rng.integers(1, 7)),
                engagement=1.1,
            ),
        )
        for story in (STALE_INTROS, STALE_INTROS, STALLED_DEALS, STALLED_DEALS):
            onboarded = self.ago(250, 500)
            plan = PartnerPlan(
                self.name(),
                onboarded,
                selling_from=onboarded + int(rng.integers(10, 30)),
                first_win=onboarded + int(rng.integers(50, 100)),
                engagement=float(rng.uniform(1.0, 1.6)),
            )
            if story == STALE_INTROS:
                plan.stale_intros = 2
            else:
                plan.stalled_deals = 1
            self.add(story, plan)
        for sold in (True, False):
            onboarded = self.ago(450, 650)
            sunset_on = self.ago(30, 120)
            quiet_from = sunset_on - int(rng.integers(30, 90))
            self.add(
                SUNSET,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    status="sunset",
                    sunset_on=sunset_on,
                    selling_from=onboarded + 30 if sold else None,
                    qualified=sold,
                    first_win=onboarded + 120 if sold else None,
                    quiet_from=quiet_from,
                    engagement=0.5,
                ),
            )
        for _ in range(3):
            onboarded = self.ago(200, 650)
            self.add(
                ONBOARDING_UNKNOWN,
                PartnerPlan(
                    self.name(),
                    onboarded,
                    onboarded_known=False,
                    selling_from=onboarded + int(rng.integers(15, 40)),
                    first_win=onboarded + int(rng.integers(60, 150)),
                ),
            )

    def runway(self, onboarded: int, *, level: int) -> PartnerPlan:
        """A recent partner stuck before a step: 0 not enabled, 1 no selling action, 2 not qualified, 3 no win."""
        rng = self.rng
        selling_from = None
        if level >= 2:
            selling_from = min(self.today - 12, onboarded + int(rng.integers(8, 20)))
        return PartnerPlan(
            self.name(),
            onboarded,
            courses=int(rng.integers(0, 3)) if level == 0 else 3,
            selling_from=selling_from,
            qualified=level == 3,
            open_qualified=level == 3,
            engagement=float(rng.uniform(0.8, 1.3)),
            recent_touch=True,
        )

    def background(self) -> PartnerPlan:
        """A partner following the program's usual course: enablement, first selling action, qualification, win."""
        rng, today = self.rng, self.today
        onboarded = self.cal.workday(int(rng.integers(0, today - 2)))
        age = today - onboarded
        enable = max(3, round(_lognormal(rng, 18, 0.5)))
        runway = max(enable // 2 + 2, round(_lognormal(rng, 26, 0.6)))
        qualify = runway + max(5, round(_lognormal(rng, 28, 0.5)))
        win = qualify + max(7, round(_lognormal(rng, 40, 0.5)))
        activates = rng.random() < 0.7
        stuck_at = int(rng.choice(4, p=[0.25, 0.25, 0.3, 0.2]))  # the step a never-activating partner stops before
        engagement = float(np.exp(rng.normal(0.0, 0.6)))
        quiet_from = None
        if age > 150 and rng.random() < 0.14:
            quiet_from = int(rng.integers(onboarded + 60, today - 64))
        horizon = min(today, quiet_from if quiet_from is not None else today) - onboarded  # days it can move
        reached = 4 if activates else stuck_at
        plan = PartnerPlan(self.name(), onboarded, engagement=engagement, quiet_from=quiet_from)
        plan.courses = 3 if (reached >= 1 and horizon > enable) else min(2, 3 * horizon // enable)
        if reached >= 2 and horizon > runway + 3:
            plan.selling_from = onboarded + runway
        plan.qualified = reached >= 3 and horizon > qualify
        if activates and horizon > win + 1:
            plan.first_win = onboarded + win
            plan.engagement *= 1.3
        else:
            plan.engagement *= 0.7
        if plan.selling_from is not None and plan.qualified and plan.first_win is None and quiet_from is None:
            plan.open_qualified = rng.random() < 0.5
        return self.add(None, plan)

    def plan(self) -> list[PartnerPlan]:
        self.story_partners()
        while len(self.plans) < self.size.partners:
            self.background()
        plans = self.plans
        order = self.rng.permutation(len(plans) - 2) + 2  # the two Acmes keep the first ids
        plans = [plans[0], plans[1], *(plans[int(i)] for i in order)]
        for index, plan in enumerate(plans, start=1):
            plan.id = index
        for index, plan in enumerate(p for p in plans[2:] if p.slack_channel is None and p.status == "active"):
            if index >= 3:
                break
            plan.slack_channel = f"C0PARTNER{index + 2:02d}"
        self.assign_owners(plans)
        self.allocate(plans)
        return plans

    def assign_owners(self, plans: list[PartnerPlan]) -> None:
        """Partners in runway go to the least loaded manager (but the WIP story's); the rest are spread evenly."""
        load = [0] * self.owner_count
        for plan in plans:
            if plan.owner is not None and plan.in_runway(self.today):
                load[plan.owner] += 1
        for plan in plans:
            if plan.owner is not None:
                continue
            if plan.in_runway(self.today):
                plan.owner = min(range(1, self.owner_count), key=lambda o: (load[o], o))
                load[plan.owner] += 1
            else:
                plan.owner = int(self.rng.integers(self.owner_count))

    def allocate(self, plans: list[PartnerPlan]) -> None:
        """Share the program's row totals among partners by engagement and active days, within story limits."""
        size, today = self.size, self.today
        count = len(plans)
        lived = np.array([max(1, p.last_day(today) - p.onboarded + 1) for p in plans], dtype=np.float64)
        selling = np.array(
            [0 if p.selling_from is None else max(1, p.last_day(today) - p.selling_from + 1) for p in plans],
            dtype=np.float64,
        )
        engagement = np.array([p.engagement for p in plans], dtype=np.float64)
        active = np.array([p.first_win is not None for p in plans])
        # Before the first win a partner has a handful of deals; after it, deals flow with engagement.
        deal_caps = np.where(active, np.inf, np.where([p.qualified for p in plans], 4.0, 3.0))
        deals = _allocate(count * size.deals_per_partner, engagement * selling, deal_caps)
        intros = _allocate(count * size.intros_per_partner, engagement * selling, np.where(active, np.inf, 6.0))
        activities = _allocate(count * size.activities_per_partner, engagement * lived, np.full(count, np.inf))
        surveys = _allocate(count * size.surveys_per_partner, np.sqrt(engagement) * lived, np.full(count, np.inf))
        for index, plan in enumerate(plans):
            plan.deals = float(deals[index])
            plan.intros = float(intros[index])
            plan.activities = float(activities[index])
            plan.surveys = float(surveys[index])


def _allocate(total: float, weights: Floats, caps: Floats) -> Floats:
    """`total` shared in proportion to `weights`, no share above its cap (the excess goes to the uncapped)."""
    if weights.sum() <= 0:
        return np.zeros_like(weights)
    share: Floats = total * weights / weights.sum()
    for _ in range(4):
        over = share > caps
        if not over.any():
            break
        excess = float((share[over] - caps[over]).sum())
        share[over] = caps[over]
        free = ~over & (weights > 0) & np.isinf(caps)
        if free.any():
            share[free] += excess * weights[free] / weights[free].sum()
    return share


# --- people ---------------------------------------------------------------------------------------------------------


def _email(name: str) -> str:
    return re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@" + DOMAIN


@dataclass(frozen=True)
class Staff:
    """The partner team and the sellers its partners work with."""

    owners: list[str]
    sellers: list[str]
    rows: list[tuple[Any, ...]]  # (email, name, role, manager_email, time_zone) for the people table


def plan_staff(size: DemoSize, seed: int) -> Staff:
    rng = np.random.default_rng([seed % 2**63, 1])
    used = {HEAD[0], SALES_VP, *SALES_DIRECTORS, *OWNERS}

    def person() -> str:
        while True:
            name = (
                f"{FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]} {LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]}"
            )
            if name not in used:
                used.add(name)
                return name

    head = _email(HEAD[0])
    rows: list[tuple[Any, ...]] = [(head, HEAD[0], HEAD[1], None, ZONES[0])]
    owner_names = [*OWNERS[: max(4, size.owners)]]
    owner_names += [person() for _ in range(max(4, size.owners) - len(owner_names))]
    owners = []
    for index, name in enumerate(owner_names):
        owners.append(_email(name))
        role = "viewer" if index % 5 == 4 else "manager"
        rows.append((owners[-1], name, role, head, ZONES[index % len(ZONES)]))
    vp = _email(SALES_VP)
    rows.append((vp, SALES_VP, "viewer", None, ZONES[0]))
    directors = [_email(name) for name in SALES_DIRECTORS]
    rows += [
        (email, name, "viewer", vp, ZONES[3 * i])
        for i, (email, name) in enumerate(zip(directors, SALES_DIRECTORS, strict=True))
    ]
    sellers = []
    for index in range(min(400, 12 + size.partners // 60)):  # at most a quarter of the possible names
        name = person()
        sellers.append(_email(name))
        if index % 5 != 4:  # some sellers appear in deals and intros but not in the people export
            rows.append((sellers[-1], name, None, directors[index % 2], ZONES[index % len(ZONES)]))
    return Staff(owners, sellers, rows)


# --- rows -----------------------------------------------------------------------------------------------------------
