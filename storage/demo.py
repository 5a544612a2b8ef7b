"""A seeded demo partner program with every story the KPIs exist to show, written in bulk.

The generator never reads the clock: everything is placed relative to `anchor`, and the same seed, anchor and size
give the same database. Each partner's rows come from its own random stream, so a partner's history does not depend
on how the work is batched. Partners are generated and written a batch at a time (one transaction each) through the
driver's fastest path, executemany on SQLite and COPY on PostgreSQL, so memory stays bounded at millions of rows.

Days are integers counted from the first day of the demo window in the program's time zone; instants are whole epoch
seconds. Both are converted to what each store keeps only at the moment of writing.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Index, text

from reports.config import ProgramConfig
from reports.freshness import DEMO_SOURCE
from storage.db import Database, analyze
from storage.importing.kinds import KINDS as IMPORT_KINDS
from storage.models import Base
from storage.program import record_settings
from storage.rollups import STAY_COLUMNS, DealFacts, derive_stays, refresh_milestones
from storage.sources import record_delivery
from storage.versioning import mark_changed

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

REQUIRED_COURSES = ("PARTNER-101", "SALES-201", "TECH-301")
SETTINGS: dict[str, str] = {
    "time_zone": "America/New_York",
    "base_currency": "USD",
    "currency_rates": "EUR=1.08,GBP=1.27",
    "required_courses": ",".join(REQUIRED_COURSES),
    "program_name": "Northwind Partner Program",
}
RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}
STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")
QUALIFIED = STAGES.index("Proposal")
WON_STAGE, LOST_STAGE = "Closed Won", "Closed Lost"
DOMAIN = "northwind.example"

# Stories: DemoSummary.stories maps each to the partners that tell it.
SHOWCASE = "showcase"
FAST_ACTIVATORS = "fast activators"
STUCK_NOT_ENABLED = "in runway: not enabled"
STUCK_NO_SELLING = "in runway: enabled, no selling action"
STUCK_NO_QUALIFIED = "in runway: selling, no qualified opportunity"
STUCK_NO_WIN = "in runway: qualified, no win"
DORMANT_TRAINING = "dormant: training"
DORMANT_FIT = "dormant: fit"
DORMANT_MOMENTUM = "dormant: momentum"
FIRST_WIN_THIS_WEEK = "first win this week"
STALE_INTROS = "stale intros"
STALLED_DEALS = "stalled deals"
OVER_WIP_LIMIT = "owner over the WIP limit"
SUNSET = "sunset"
ONBOARDING_UNKNOWN = "onboarding date unknown"
WIP_OWNER = 0  # the first partner manager carries more partners in runway than the limit
SHOWCASE_OWNER = 1

# Partner attributes, with weights.
TYPES = (("reseller", 30), ("referral", 25), ("msp", 20), ("si", 15), ("technology", 10))
TIERS = (("platinum", 8), ("gold", 22), ("silver", 35), ("registered", 35))
REGIONS = (("NA", 40), ("EMEA", 30), ("APAC", 20), ("LATAM", 10))
SEGMENTS = (("enterprise", 30), ("mid-market", 40), ("smb", 30))
SOURCED_SHARE = {"reseller": 0.75, "referral": 0.85, "msp": 0.6, "si": 0.4, "technology": 0.3}
SEGMENT_SIZE = {"enterprise": 1.9, "mid-market": 1.0, "smb": 0.45}
CURRENCIES = ("USD", "EUR", "GBP")
CURRENCY_SHARES = {"EMEA": (0.15, 0.65), "direct": (0.75, 0.90)}  # cumulative shares of USD, then EUR; GBP the rest
OTHER_CURRENCY_SHARES = (0.94, 0.99)
WIN_RATE = {"sourced": 0.42, "influenced": 0.32, "direct": 0.25}
DEAL_MEDIAN = {"sourced": 42_000.0, "influenced": 50_000.0, "direct": 36_000.0}  # base currency units
STAY_MEDIAN = (10.0, 14.0, 18.0, 12.0)  # days in each pipeline stage, direct deals; partner deals move faster
PARTNER_SPEED = 0.85
LOST_AT = (0.35, 0.65, 0.85, 1.0)  # cumulative share of lost deals whose furthest stage is each pipeline stage

# Activities: kinds by weight, and what their detail names.
KINDS = ("login", "training_completed", "certification", "asset_download", "event_attended", "qbr", "co_sell_call")
KIND_WEIGHTS = (46, 9, 2, 18, 6, 2, 8)
LOGIN, TRAINING, CERTIFICATION, DOWNLOAD, EVENT, QBR, CO_SELL = range(len(KINDS))
ELECTIVES = ("CLOUD-110", "SECURITY-220", "DATA-330", "PRICING-140", "AI-150")
ASSETS = ("battlecard.pdf", "pricing-2026.xlsx", "demo-script.docx", "case-study-retail.pdf", "roi-calculator.xlsx")
EVENTS = ("Partner Summit", "Quarterly roadmap webinar", "Regional partner day", "Security bootcamp")
DETAILS = (*REQUIRED_COURSES, *ELECTIVES, *ASSETS, *EVENTS)
INTRO_OUTCOMES = (("opportunity created", 45), ("qualified out", 20), ("no budget", 15), ("duplicate", 5))
PRODUCTS = ("platform expansion", "renewal", "cloud migration", "pilot", "enterprise license", "security add-on")
SURVEY_COMMENTS = {
    "promoter": (
        "Great enablement team",
        "Co-selling with your reps works well",
        "Deal registration is fast now",
        "The new partner portal is a big improvement",
    ),
    "passive": (
        "Good program, but MDF claims are slow",
        "We would like more technical training",
        "Leads are good but too few",
    ),
    "detractor": (
        "Deal registration approvals take too long",
        "Channel conflict with direct reps on two accounts",
        "The portal is hard to use",
        "We rarely hear back on our intros",
    ),
}

# Names.
STEM_HEADS = (
    "Blue Iron North Silver Bright Clear Red Stone Oak Pine Cedar Maple Summit Harbor River Lake Eagle Falcon Star "
    "Sun Sky Cloud Frost Ember Granite Copper Cobalt Amber Jade Coral Crimson Golden Green High Deep True Swift "
    "Prime Apex Nova Terra Vector Quantum Signal West East South Bold Open Clover"
).split()
STEM_TAILS = (
    "bridge stone point ridge field brook crest vale wood peak shore gate path line wave light works forge port view "
    "mark wind rock leaf spring haven land well side"
).split()
COMPANY_WORDS = (
    "Systems|Consulting|Partners|Technologies|Solutions|Group|Labs|Networks|Cloud|Data|IT|Digital|Advisory|"
    "Integrations|Security|Software|Services|Analytics|Interactive|Logic"
).split("|")
LEGAL = ("Inc", "LLC", "Ltd", "GmbH", "Corp")
QUALIFIERS = ("Global", "International", "Holdings", "North America", "Europe", "Pacific", "Americas")
CUSTOMER_HEADS = (
    "Atlas|Beacon|Cascade|Delta|Evergreen|Frontier|Gateway|Horizon|Keystone|Liberty|Meridian|Orion|Pacific|"
    "Pioneer|Redwood|Sierra|Titan|Union|Vista|Westfield|Bayview|Crescent|Dominion|Empire|Fairway|Heritage|"
    "Ironwood|Lakeshore|Midland|Oakmont|Parkside|Riverside|Sterling|Tristate|Upland|Valley|Willow|Harborview|"
    "Lone Star|Great Plains"
).split("|")
CUSTOMER_TAILS = (
    "Logistics|Health|Bank|Foods|Energy|Retail|Insurance|Manufacturing|Airlines|Hotels|Pharma|Media|Motors|"
    "Utilities|Telecom|University|Credit Union|Freight|Apparel|Construction|Hospital|Realty|Chemicals|Shipping|"
    "Brewing"
).split("|")
FIRST_NAMES = (
    "Ava Ben Chloe Dev Emma Felix Grace Hugo Isla Jonah Kira Liam Maya Noah Omar Pia Quinn Rosa Sven Tara Uma "
    "Victor Wen Xavier Yara Zoe Aaron Bianca Carlos Dana Elif Farah Gus Hiro Ilse Jamal Kenji Lucia Mateo Nadia"
).split()
LAST_NAMES = (
    "Adams Brooks Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Novak Ortiz Patel Quist "
    "Rossi Singh Torres Ueda Varga Walsh Xu Young Zimmer Akhtar Berg Costa Dubois Eriksen Fontaine Gill Haas "
    "Ivanova Jones Kowalski Lindqvist Mendes Nakamura"
).split()
OWNERS = ("Olivia Park", "Marcus Bell", "Priya Nair", "Tom Reyes", "Aiko Tanaka", "Lena Fischer")
HEAD = ("Hana Okafor", "admin")
SALES_VP = "Victor Hale"
SALES_DIRECTORS = ("Grace Kim", "Diego Alvarez")
ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "America/Los_Angeles")

BUSINESS_START, BUSINESS_SECONDS = 30_600, 34_200  # 08:30 local, and 9.5 hours
BATCH_ROWS = 200_000  # rows generated before a batch of partners is written


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


def _partner_stream(seed: int, kind: int, key: int) -> np.random.Generator:
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


@dataclass
class Batch:
    """Rows ready to write, per table, as tuples in the table's column order (days and instants still integers)."""

    partners: list[tuple[Any, ...]] = field(default_factory=list)
    deals: list[tuple[Any, ...]] = field(default_factory=list)
    stage_changes: list[tuple[Any, ...]] = field(default_factory=list)
    intros: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    surveys: list[tuple[Any, ...]] = field(default_factory=list)
    goals: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class DealMeasures:
    """What goals measure of a generated deal."""

    attribution: str
    registered: int | None
    created: int
    closed: int | None
    outcome: str
    amount_base: int | None


class RowMaker:
    """Turns plans into rows, one partner at a time from the partner's own random stream."""

    def __init__(self, calendar: Calendar, config: ProgramConfig, staff: Staff, seed: int) -> None:
        self.cal = calendar
        self.config = config
        self.staff = staff
        self.seed = seed
        self.today = calendar.today
        self.anchor = calendar.anchor
        self.accounts = [f"{h} {t}" for h in CUSTOMER_HEADS for t in CUSTOMER_TAILS]
        self.deal_id = 0
        self.stage_id = 0
        self.intro_id = 0
        self.survey_id = 0
        self.goal_id = 0
        today_date = calendar.dates[self.today]
        quarter = date(today_date.year, 3 * ((today_date.month - 1) // 3) + 1, 1)
        self.quarters = [(_add_months(quarter, -3), quarter), (quarter, _add_months(quarter, 3))]

    # deals ----------------------------------------------------------------------------------------------------------

    def path(
        self,
        created: int,
        u: Sequence[float],
        z: Sequence[float],
        *,
        won: bool,
        speed: float,
        top_at_most: int = 3,
        top_at_least: int = 0,
        close_by: int | None = None,
    ) -> tuple[list[tuple[int, int]], int] | None:
        """The stages a deal enters, as (stage, day), and the day its last stay ends (the close, if that has come)."""
        start = 1 if u[0] < 0.12 else 0
        top = (3 if u[1] < 0.8 else 2) if won else bisect.bisect_left(LOST_AT, u[1])
        top = min(max(top, start, top_at_least), top_at_most)
        start = min(start, top)
        visited = [start] + [s for s in range(start + 1, top) if u[1 + s] >= 0.1] + ([top] if top > start else [])
        stays = [max(1, round(STAY_MEDIAN[s] * speed * math.exp(0.55 * z[i]))) for i, s in enumerate(visited)]
        offsets = [sum(stays[:i]) for i in range(len(stays))]
        total = sum(stays)
        if close_by is not None and created + total > close_by:
            span = close_by - created
            if span < 1:
                return None
            fitted: list[tuple[int, int]] = []
            for stage, offset in zip(visited, offsets, strict=True):
                scaled = offset * span // total
                if fitted and scaled <= fitted[-1][1]:
                    scaled = fitted[-1][1] + 1
                if scaled < span:
                    fitted.append((stage, scaled))
            return [(stage, created + o) for stage, o in fitted], close_by
        return [(stage, created + o) for stage, o in zip(visited, offsets, strict=True)], created + total

    def deal(
        self,
        batch: Batch,
        plan: PartnerPlan | None,
        entries: list[tuple[int, int]],
        end: int,
        *,
        won: bool,
        u: Sequence[float],
        amount_z: float,
        registered_after: int = 0,
    ) -> DealMeasures:
        """Record a deal entering `entries` as (stage, day) and ending on `end`: still open if that has not come."""
        cal = self.cal
        deal_id = self.deal_id = self.deal_id + 1
        created = entries[0][1]
        closed = end if end < self.today else None
        outcome = "open" if closed is None else ("won" if won else "lost")
        attribution = _attribution(plan, u)
        if plan is None:
            shares, scale = CURRENCY_SHARES["direct"], 1.0
        else:
            shares = CURRENCY_SHARES.get(plan.region, OTHER_CURRENCY_SHARES)
            scale = SEGMENT_SIZE.get(plan.segment, 1.0)
        currency = CURRENCIES[bisect.bisect_right(shares, u[6])]
        base = min(500_000.0, max(5_000.0, DEAL_MEDIAN[attribution] * scale * math.exp(0.85 * amount_z)))
        amount: int | None = max(100, round(base / RATES[currency] / 100)) * 100 * 100
        if outcome == "open" and u[7] < 0.04:
            amount = None  # an open deal the seller has not sized yet
        amount_base = None if amount is None else round(amount * RATES[currency])
        registered = None
        if (attribution == "sourced" and u[8] < 0.85) or (attribution == "influenced" and u[8] < 0.1):
            registered = max(registered_after, created - 1 - int(u[9] * 8))  # registered a few days before
        account = self.accounts[int(u[10] * len(self.accounts))]
        changes: list[tuple[str, int]] = [
            (STAGES[stage], cal.moment(day, BUSINESS_START + int(u[12 + i] * BUSINESS_SECONDS)))
            for i, (stage, day) in enumerate(entries)
            if day < self.today
        ]
        if closed is not None:
            changes.append((WON_STAGE if won else LOST_STAGE, cal.moment(closed, BUSINESS_START + int(u[16] * 30_000))))
        partner_id = None if plan is None else plan.id
        batch.deals.append(
            (
                deal_id,
                f"OPP-{deal_id:07d}",
                partner_id,
                attribution,
                None if outcome == "open" and u[7] > 0.98 else account,  # a few open deals lack an account yet
                f"{account} {PRODUCTS[int(u[17] * len(PRODUCTS))]}",
                amount,
                currency,
                amount_base,
                changes[-1][0],
                registered,
                created,
                closed,
                outcome,
                self.staff.sellers[int(u[11] * len(self.staff.sellers))],
                self.anchor,
            )
        )
        facts = DealFacts(attribution, partner_id, outcome, None if closed is None else cal.dates[closed])
        stays = derive_stays(facts, [(s, datetime.fromtimestamp(e, UTC)) for s, e in changes], self.config)
        for (stage, entered), stay in zip(changes, stays, strict=True):
            self.stage_id += 1
            batch.stage_changes.append(
                (
                    self.stage_id,
                    deal_id,
                    stage,
                    entered,
                    stay.seq,
                    None if stay.left_at is None else int(stay.left_at.timestamp()),
                    stay.stay_tenths,
                    stay.terminal,
                    stay.first_entry,
                    None if stay.advanced_at is None else int(stay.advanced_at.timestamp()),
                    stay.partner_id,
                    stay.is_partner,
                    stay.attribution,
                )
            )
        return DealMeasures(attribution, registered, created, closed, outcome, amount_base)

    def partner_deals(self, batch: Batch, plan: PartnerPlan, rng: np.random.Generator) -> list[DealMeasures]:
        """A selling partner's deals: a few before its first win, the first win, then its usual flow.

        No partner deal is won on or before the first-win day, and a partner that is not qualified yet never takes
        a deal past Qualification. A quiet partner's deals all end before it went quiet.
        """
        if plan.selling_from is None:
            return []
        today, start, last = self.today, plan.selling_from, plan.last_day(self.today)
        close_by = last if plan.quiet_from is not None else None
        newest = last - 20 if close_by is not None else last  # a quiet partner's last deal had time to close
        count = int(rng.poisson(plan.deals))
        created: list[int] = []
        if plan.first_win is None:
            created = sorted(int(d) for d in rng.integers(start, newest + 1, count)) if newest >= start else []
        else:
            before = min(count, int(rng.poisson(0.8)), 3) if plan.first_win - start > 20 else 0
            created = [int(d) for d in rng.integers(start, plan.first_win - 10, before)]
            if plan.first_win < newest:
                created += [int(d) for d in rng.integers(plan.first_win + 1, newest + 1, count - before)]
            created.sort()
        extra = 1 + plan.stalled_deals + int(plan.open_qualified)
        u = rng.random((len(created) + extra, 18)).tolist()
        z = rng.standard_normal((len(created) + extra, 5)).tolist()
        facts = []
        if plan.first_win is not None:
            entries, end = self.first_win_path(plan, u[-1], z[-1])
            facts.append(
                self.deal(batch, plan, entries, end, won=True, u=u[-1], amount_z=z[-1][4], registered_after=start)
            )
        sold = plan.qualified or plan.first_win is not None
        for index, day in enumerate(created):
            ui, zi = u[index], z[index]
            won = plan.first_win is not None and ui[4] < WIN_RATE[_attribution(plan, ui)]
            found = self.path(
                day,
                ui,
                zi,
                won=won,
                speed=PARTNER_SPEED,
                top_at_most=3 if sold else QUALIFIED - 1,
                top_at_least=QUALIFIED if index == 0 and plan.qualified and plan.first_win is None else 0,
                close_by=close_by,
            )
            if found is None:
                continue
            entries, end = found
            won = won and plan.first_win is not None and end > plan.first_win
            facts.append(self.deal(batch, plan, entries, end, won=won, u=ui, amount_z=zi[4], registered_after=start))
        for index in range(plan.stalled_deals):
            row = len(created) + index
            entries = self.stalled_path(rng)
            facts.append(self.deal(batch, plan, entries, today, won=False, u=u[row], amount_z=abs(z[row][4]) + 0.5))
        if plan.open_qualified:  # an open deal that reached Proposal recently: qualified, not stalled
            row = len(created) + plan.stalled_deals
            opened = max(start, today - int(rng.integers(20, 40)))
            proposal = max(opened + 2, today - int(rng.integers(2, 10)))
            entries = [(0, opened), (1, int(rng.integers(opened + 1, proposal))), (QUALIFIED, proposal)]
            facts.append(self.deal(batch, plan, entries, today, won=False, u=u[row], amount_z=z[row][4]))
        return facts

    def first_win_path(
        self, plan: PartnerPlan, u: Sequence[float], z: Sequence[float]
    ) -> tuple[list[tuple[int, int]], int]:
        """The deal that closes won on the partner's first-win day, opened after its first selling action."""
        assert plan.first_win is not None and plan.selling_from is not None
        first_win = plan.first_win
        stays = [max(1, round(STAY_MEDIAN[s] * PARTNER_SPEED * math.exp(0.55 * z[s]))) for s in range(4)]
        created = max(plan.selling_from + 1, first_win - sum(stays))
        found = self.path(created, [1.0, 0.0, 1.0, 1.0], z, won=True, speed=PARTNER_SPEED, close_by=first_win)
        assert found is not None
        entries, _ = found
        return entries, first_win

    def stalled_path(self, rng: np.random.Generator) -> list[tuple[int, int]]:
        """An open deal far longer in its current stage (Proposal or Negotiation) than deals usually stay."""
        today = self.today
        current = today - int(rng.integers(80, 131))
        stage = int(rng.integers(QUALIFIED, 4))
        created = current - int(rng.integers(25, 45))
        middle = sorted(int(d) for d in rng.choice(np.arange(created + 1, current), size=stage - 1, replace=False))
        return [(0, created), *((s + 1, d) for s, d in enumerate(middle)), (stage, current)]

    def direct_deals(self, batch: Batch, count: int, rng: np.random.Generator) -> None:
        """Deals the sales team found alone: no partner, a lower win rate, smaller and slower."""
        created = np.sort(rng.integers(0, self.today, count))
        u = rng.random((count, 18)).tolist()
        z = rng.standard_normal((count, 5)).tolist()
        for index, day in enumerate(created.tolist()):
            won = u[index][4] < WIN_RATE["direct"]
            found = self.path(day, u[index], z[index], won=won, speed=1.0)
            assert found is not None
            entries, end = found
            self.deal(batch, None, entries, end, won=won, u=u[index], amount_z=z[index][4])

    # the rest of a partner ------------------------------------------------------------------------------------------

    def contacts(self, plan: PartnerPlan, rng: np.random.Generator) -> list[str]:
        domain = re.sub(r"[^a-z0-9]", "", plan.name.split()[0].lower()) + ".example"
        names = {
            f"{FIRST_NAMES[int(f)].lower()}.{LAST_NAMES[int(last)].lower()}@{domain}"
            for f, last in zip(rng.integers(0, len(FIRST_NAMES), 6), rng.integers(0, len(LAST_NAMES), 6), strict=True)
        }
        return sorted(names)[: int(rng.integers(2, 7))]

    def activities(
        self, plan: PartnerPlan, rng: np.random.Generator, contacts: list[str]
    ) -> tuple[Ints, Ints, Ints, Ints]:
        """Engagement events as (occurred_at, kind, contact index, detail index or -1): required courses first."""
        cal, last, onboarded = self.cal, plan.last_day(self.today), plan.onboarded
        if last < onboarded:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        # the required courses, in order, before the first selling action (or over the first weeks)
        done_by = min(last, (plan.selling_from - 1) if plan.selling_from is not None else onboarded + 45)
        course_days = np.sort(rng.integers(onboarded, max(onboarded, done_by) + 1, plan.courses))
        course_kinds = np.array([CERTIFICATION if c == "TECH-301" else TRAINING for c in REQUIRED_COURSES])
        course_details = np.arange(len(REQUIRED_COURSES), dtype=np.int64)[: plan.courses]
        count = int(rng.poisson(plan.activities))
        days = cal.workdays(rng.integers(onboarded, last + 1, count).astype(np.int64), onboarded, last)
        weights = np.array(KIND_WEIGHTS, dtype=np.float64)
        if plan.selling_from is None:
            weights[CO_SELL] = 0.0
        kinds = rng.choice(len(KINDS), size=count, p=weights / weights.sum()).astype(np.int64)
        if plan.selling_from is not None:
            kinds[(kinds == CO_SELL) & (days < plan.selling_from)] = LOGIN  # no co-selling before selling starts
        pick = rng.random(count)
        details = np.full(count, -1, dtype=np.int64)
        electives = (kinds == TRAINING) | (kinds == CERTIFICATION)
        offset = len(REQUIRED_COURSES)
        details[electives] = offset + (pick[electives] * len(ELECTIVES)).astype(np.int64)
        offset += len(ELECTIVES)
        details[kinds == DOWNLOAD] = offset + (pick[kinds == DOWNLOAD] * len(ASSETS)).astype(np.int64)
        offset += len(ASSETS)
        details[kinds == EVENT] = offset + (pick[kinds == EVENT] * len(EVENTS)).astype(np.int64)
        if plan.recent_touch:
            days = np.append(days, self.today - 1 - int(rng.integers(0, 10)))
            kinds = np.append(kinds, LOGIN)
            details = np.append(details, -1)
        seconds = np.clip(rng.normal(48_600, 9_500, len(days)), 25_200, 77_400).astype(np.int64)
        course_seconds = BUSINESS_START + (rng.random(plan.courses) * BUSINESS_SECONDS).astype(np.int64)
        when = np.concatenate([cal.moments(course_days, course_seconds), cal.moments(days, seconds)])
        kind = np.concatenate([course_kinds[: plan.courses], kinds])
        detail = np.concatenate([course_details, details])
        contact = rng.integers(0, len(contacts), len(when)).astype(np.int64)
        return when, kind, contact, detail

    def intros(self, batch: Batch, plan: PartnerPlan, rng: np.random.Generator) -> None:
        """Introductions in business hours: the first is the partner's first selling action."""
        if plan.selling_from is None:
            return
        cal, anchor, last = self.cal, self.anchor, plan.last_day(self.today)
        count = max(1, int(rng.poisson(plan.intros)))
        days = rng.integers(plan.selling_from, last + 1, count).astype(np.int64)
        days = cal.workdays(days, plan.selling_from, last)
        days[0] = plan.selling_from
        introduced = cal.moments(days, BUSINESS_START + (rng.random(count) * BUSINESS_SECONDS).astype(np.int64))
        # responses mostly within hours, with a long tail of days; a few never come
        response = introduced + (3600 * np.exp(math.log(3.5) + 1.3 * rng.standard_normal(count))).astype(np.int64)
        response[rng.random(count) < 0.02] = -1
        response[response >= anchor] = -1
        next_step = response + (3600 * np.exp(math.log(30) + 0.9 * rng.standard_normal(count))).astype(np.int64)
        next_step[(response < 0) | (rng.random(count) < 0.3) | (next_step >= anchor)] = -1
        settled = anchor - introduced > 21 * 86_400
        outcome_pick = rng.choice(len(INTRO_OUTCOMES), size=count, p=_probabilities(INTRO_OUTCOMES))
        accounts = rng.integers(0, len(self.accounts), count)
        sellers = rng.integers(0, len(self.staff.sellers), count)
        rows = list(zip(introduced.tolist(), response.tolist(), next_step.tolist(), strict=True))
        for index in range(plan.stale_intros):  # unanswered past the SLA: the first for a day, the next for two
            introduced_at = self.stale_moment(rng, 26 + 25 * index)
            rows.append((introduced_at, -1, -1))
        for index, (at, responded, step) in enumerate(rows):
            self.intro_id += 1
            outcome = None
            if index < count and settled[index]:
                outcome = "no response" if responded < 0 else INTRO_OUTCOMES[int(outcome_pick[index])][0]
            batch.intros.append(
                (
                    self.intro_id,
                    f"INT-{self.intro_id:07d}",
                    plan.id,
                    self.accounts[int(accounts[index % count])],
                    at,
                    self.staff.sellers[int(sellers[index % count])],
                    None if responded < 0 else responded,
                    None if step < 0 else step,
                    outcome,
                    anchor,
                )
            )

    def stale_moment(self, rng: np.random.Generator, hours: int) -> int:
        """A business-hours moment about `hours` (up to 20 more) before the anchor."""
        tz = self.config.tz
        start = int(rng.integers(0, 40))
        for step in range(40):
            moment = self.anchor - 3600 * hours - 1800 * ((start + step) % 40)
            local = datetime.fromtimestamp(moment, tz)
            if 8.5 <= local.hour + local.minute / 60 < 18:
                return moment
        return self.anchor - 3600 * hours

    def surveys(self, batch: Batch, plan: PartnerPlan, rng: np.random.Generator, contacts: list[str]) -> None:
        first, last = plan.onboarded + 20, plan.last_day(self.today)
        count = int(rng.poisson(plan.surveys))
        if SHOWCASE in plan.stories:
            count = max(count, 3)
        if last < first or count == 0:
            return
        mood = 8.4 if plan.first_win is not None else 7.2
        if plan.quiet_from is not None:
            mood = 5.6
        days = np.sort(rng.integers(first, last + 1, count))
        scores = np.clip(np.rint(rng.normal(mood, 1.7, count)), 0, 10).astype(np.int64)
        who = rng.integers(-1, len(contacts), count)  # -1: anonymous
        comments = rng.random((count, 2))
        seen: set[tuple[int, int]] = set()
        for day, score, person, (has, pick) in zip(
            days.tolist(), scores.tolist(), who.tolist(), comments.tolist(), strict=True
        ):
            if (day, person) in seen:
                continue
            seen.add((day, person))
            band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            options = SURVEY_COMMENTS[band]
            self.survey_id += 1
            batch.surveys.append(
                (
                    self.survey_id,
                    plan.id,
                    day,
                    "" if person < 0 else contacts[person],
                    score,
                    options[int(pick * len(options))] if has < 0.6 else None,
                )
            )

    def goals(self, batch: Batch, plan: PartnerPlan, rng: np.random.Generator, deals: list[DealMeasures]) -> None:
        """Quarterly targets set around what the partner would deliver (some met, some behind); a first-win date."""
        if plan.status != "active" or not plan.onboarded_known:
            return
        cal, today = self.cal, self.today
        for start, end in self.quarters:
            first, stop = cal.day_of(start), cal.day_of(end)
            if plan.selling_from is None or plan.selling_from >= min(stop, today) or plan.onboarded >= first:
                continue
            elapsed = (min(stop, today) - first) / (stop - first)
            registered = sum(1 for d in deals if d.registered is not None and first <= d.registered < stop)
            pipeline = sum(
                d.amount_base or 0 for d in deals if d.attribution == "sourced" and first <= d.created < stop
            )
            revenue = sum(
                d.amount_base or 0
                for d in deals
                if d.attribution == "sourced"
                and d.outcome == "won"
                and d.closed is not None
                and first <= d.closed < stop
            )
            label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            targets = [
                ("registered_deals", max(1.0, round(registered / elapsed * rng.lognormal(-0.2, 0.3)))),
                ("sourced_pipeline", _money_target(pipeline / elapsed * rng.lognormal(-0.2, 0.3), 25_000)),
            ]
            if plan.first_win is not None:
                targets.append(("sourced_revenue", _money_target(revenue / elapsed * rng.lognormal(-0.2, 0.3), 20_000)))
            for metric, target in targets:
                self.goal_id += 1
                batch.goals.append((self.goal_id, plan.id, metric, label, first, stop, float(target), None))
        if plan.onboarded >= today - 270:
            deadline = plan.onboarded + 90
            self.goal_id += 1
            label = f"{cal.iso[plan.onboarded]}..{cal.dates[plan.onboarded] + timedelta(days=90)}"
            batch.goals.append(
                (self.goal_id, plan.id, "first_win_by", label, plan.onboarded, deadline + 1, None, deadline)
            )

    def partner(self, batch: Batch, plan: PartnerPlan, staff: Staff) -> None:
        """Every row of one partner."""
        rng = _partner_stream(self.seed, 2, plan.id)
        batch.partners.append(
            (
                plan.id,
                f"PRT-{plan.id:05d}",
                plan.name,
                plan.aliases,
                plan.type,
                plan.tier,
                plan.region,
                plan.segment,
                staff.owners[plan.owner or 0],
                plan.onboarded if plan.onboarded_known else None,
                plan.status,
                plan.sunset_on,
                plan.slack_channel,
                self.anchor,
            )
        )
        contacts = self.contacts(plan, rng)
        deals = self.partner_deals(batch, plan, rng)
        self.intros(batch, plan, rng)
        when, kind, contact, detail = self.activities(plan, rng, contacts)
        order = np.lexsort((contact, kind, when))  # the table's key order; the required course wins a tie
        when, kind, contact, detail = when[order], kind[order], contact[order], detail[order]
        fresh = np.ones(len(when), dtype=bool)
        fresh[1:] = (np.diff(when) != 0) | (np.diff(kind) != 0) | (np.diff(contact) != 0)
        batch.activities += [
            (plan.id, w, KINDS[k], contacts[c], None if d < 0 else DETAILS[d])
            for w, k, c, d in zip(
                when[fresh].tolist(), kind[fresh].tolist(), contact[fresh].tolist(), detail[fresh].tolist(), strict=True
            )
        ]
        self.surveys(batch, plan, rng, contacts)
        self.goals(batch, plan, rng, deals)


def _attribution(plan: PartnerPlan | None, u: Sequence[float]) -> str:
    if plan is None:
        return "direct"
    return "sourced" if u[5] < SOURCED_SHARE.get(plan.type, 0.6) else "influenced"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _probabilities(options: Sequence[tuple[str, int]]) -> Floats:
    weights = np.array([w for _, w in options], dtype=np.float64)
    share: Floats = weights / weights.sum()
    return share


def _money_target(minor: float, floor: int) -> int:
    """A round target in minor units from an amount in minor units: the nearest 5,000, at least `floor` units."""
    return max(floor, round(minor / 100 / 5_000) * 5_000) * 100


# --- writing --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    table: str
    names: tuple[str, ...]
    days: tuple[int, ...] = ()  # positions of calendar days, written as ISO dates
    instants: tuple[int, ...] = ()  # positions of epoch seconds, kept as such on SQLite


PEOPLE = Columns("people", ("id", "email", "name", "role", "manager_email", "time_zone", "updated_at"), (), (6,))
PARTNERS = Columns(
    "partners",
    (
        "id",
        "external_id",
        "name",
        "aliases",
        "type",
        "tier",
        "region",
        "segment",
        "owner_email",
        "onboarded_on",
        "status",
        "sunset_on",
        "slack_channel",
        "updated_at",
    ),
    (9, 11),
    (13,),
)
DEALS = Columns(
    "deals",
    (
        "id",
        "external_id",
        "partner_id",
        "attribution",
        "account",
        "name",
        "amount_minor",
        "currency",
        "amount_base_minor",
        "stage",
        "registered_on",
        "created_on",
        "closed_on",
        "outcome",
        "owner_email",
        "updated_at",
    ),
    (10, 11, 12),
    (15,),
)
STAGE_CHANGES = Columns(
    "stage_changes",
    ("id", "deal_id", "stage", "entered_at", *STAY_COLUMNS),  # the derived columns as storage.rollups names them
    (),
    (3, 5, 9),  # entered_at, left_at, advanced_at
)
INTROS = Columns(
    "intros",
    (
        "id",
        "external_id",
        "partner_id",
        "account",
        "introduced_at",
        "seller_email",
        "first_response_at",
        "next_step_at",
        "outcome",
        "updated_at",
    ),
    (),
    (4, 6, 7, 9),
)
ACTIVITIES = Columns("activities", ("partner_id", "occurred_at", "kind", "contact", "detail"), (), (1,))
SURVEYS = Columns("surveys", ("id", "partner_id", "responded_on", "respondent", "score", "comment"), (2,))
GOALS = Columns(
    "goals",
    ("id", "partner_id", "metric", "period", "period_start", "period_end", "target", "target_date"),
    (4, 5, 7),
)
BATCH_TABLES = (PARTNERS, DEALS, STAGE_CHANGES, INTROS, ACTIVITIES, SURVEYS, GOALS)  # in foreign-key order
SEQUENCED = ("people", "partners", "deals", "stage_changes", "intros", "surveys", "goals")


class Writer:
    """Bulk writes through the driver: executemany on SQLite, COPY on PostgreSQL, in the caller's transaction."""

    def __init__(self, connection: Connection, calendar: Calendar, counts: dict[str, int]) -> None:
        self.raw: Any = connection.connection.driver_connection
        self.postgres = connection.dialect.name == "postgresql"
        self.iso = calendar.iso
        self.counts = counts

    def write(self, columns: Columns, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if columns.days:
            rows = self.convert(rows, columns.days, self.iso.__getitem__)
        names = ", ".join(columns.names)
        if self.postgres:
            rows = self.convert(rows, columns.instants, _utc)
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {columns.table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns.names))
            self.raw.executemany(f"INSERT INTO {columns.table} ({names}) VALUES ({marks})", rows)
        self.counts[columns.table] = self.counts.get(columns.table, 0) + len(rows)

    @staticmethod
    def convert(rows: list[tuple[Any, ...]], positions: tuple[int, ...], to: Any) -> list[tuple[Any, ...]]:
        if not positions:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for position in positions:
                if values[position] is not None:
                    values[position] = to(values[position])
            out.append(tuple(values))
        return out

    def write_batch(self, batch: Batch) -> None:
        for columns in BATCH_TABLES:
            self.write(columns, getattr(batch, columns.table))


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _advance_sequences(connection: Connection) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the rows written."""
    if connection.dialect.name != "postgresql":
        return
    for table in SEQUENCED:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        )


@contextmanager
def _indexes_deferred(database: Database) -> Iterator[None]:
    """Build the secondary indexes of the tables filled once, after the bulk load, instead of row by row.

    Random inserts into several indexes per row dominate the load at millions of rows; one sorted build per index is
    much cheaper (the usual bulk-loading advice for both stores). Unique constraints stay in place. On SQLite the
    builds sort through temporary files, so memory stays bounded whatever the engine's temp_store says.
    """
    tables = {columns.table for columns in (PEOPLE, *BATCH_TABLES)}
    indexes: list[Index] = [
        index
        for table in Base.metadata.sorted_tables
        if table.name in tables
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if not index.unique
    ]
    with database.transaction() as session:
        for index in indexes:
            index.drop(session.connection())
    try:
        yield
    finally:
        # a plain connection, not a write transaction: SQLite's temp_store cannot change inside one
        with database.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                temp_store = connection.exec_driver_sql("PRAGMA temp_store").scalar()
                connection.exec_driver_sql("PRAGMA temp_store=FILE")
            for index in indexes:
                index.create(connection)
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA temp_store={int(temp_store or 0)}")
            connection.commit()


def _batches(plans: list[PartnerPlan], size: DemoSize) -> Iterator[list[PartnerPlan]]:
    per_partner = size.activities_per_partner + 4 * size.deals_per_partner + size.intros_per_partner + 10
    step = max(20, min(2000, int(BATCH_ROWS // per_partner)))
    for start in range(0, len(plans), step):
        yield plans[start : start + step]


def build_demo(database: Database, *, anchor: datetime, seed: int = 7, size: DemoSize = DemoSize()) -> DemoSummary:
    """Fill an empty store with a demo program as of `anchor`; the same seed, anchor and size give the same rows."""
    if anchor.tzinfo is None or anchor.utcoffset() is None:
        raise ValueError(f"anchor must carry a time zone, got naive {anchor.isoformat()}")
    if size.years < 1:
        raise ValueError("the demo needs at least one year of history (years >= 1)")
    tz = ZoneInfo(SETTINGS["time_zone"])
    calendar = Calendar(anchor.replace(microsecond=0), size.years, tz)
    staff = plan_staff(size, seed)
    plans = Planner(calendar, size, seed).plan()
    counts: dict[str, int] = {}
    with database.transaction() as session:
        config = record_settings(session, values=SETTINGS)
        people = [(index, *row, calendar.anchor) for index, row in enumerate(staff.rows, start=1)]
        Writer(session.connection(), calendar, counts).write(PEOPLE, people)
    maker = RowMaker(calendar, config, staff, seed)
    with _indexes_deferred(database):
        for plans_batch in _batches(plans, size):
            batch = Batch()
            for plan in plans_batch:
                maker.partner(batch, plan, staff)
            with database.transaction() as session:
                Writer(session.connection(), calendar, counts).write_batch(batch)
        remaining, chunk = size.direct_deals, 0
        while remaining > 0:
            batch = Batch()
            maker.direct_deals(batch, min(remaining, 20_000), _partner_stream(seed, 3, chunk))
            remaining, chunk = remaining - 20_000, chunk + 1
            with database.transaction() as session:
                Writer(session.connection(), calendar, counts).write_batch(batch)
    with database.transaction() as session:
        _advance_sequences(session.connection())
        mark_changed(session.connection())  # the bulk COPYs above go past the driver-level watch
        counts["partner_milestones"] = len(refresh_milestones(session, partner_ids=None, config=config))
        for kind in IMPORT_KINDS:  # the demo is fresh at its own as-of
            if counts.get(kind):
                record_delivery(session, source=DEMO_SOURCE, kind=kind, records=counts[kind], at=_utc(calendar.anchor))
    with database.engine.connect() as connection:
        analyze(connection)
    stories: dict[str, list[str]] = {}
    for plan in plans:
        for story in plan.stories:
            stories.setdefault(story, []).append(plan.name)
    return DemoSummary(counts=counts, stories=stories)
