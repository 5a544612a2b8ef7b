"""Random small programs for the reference oracle, each built from one integer seed (so a failure names the seed and
`build_program(seed)` rebuilds the very same program), and the as-ofs at which to compare the engine with the
reference.

A program has 3–12 partners (some without an onboarding date, some onboarded after the data starts, some sunset),
partner and direct deals with created, closed and registered dates (some amounts missing), stage histories (some
running past the close), intros with responses, next steps and outcomes, activities, surveys and goals of several
periods (quarters, months, short ranges, first_win_by), all dated around a daylight-saving change of the program's
time zone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.factories import Fixture

TIME_ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata")
PIPELINE = ("Prospecting", "Qualification", "Proposal", "Negotiation")
COURSES = ("sales-101", "tech-201", "pricing-301")
KINDS = (
    "login",
    "training_completed",
    "certification",
    "asset_download",
    "event_attended",
    "qbr",
    "co_sell_call",
    "first_selling_action",
)
OWNERS = ("ann@example.com", "bob@example.com", "cy@example.com", None)
SELLERS = ("sam@example.com", "tia@example.com", None)
OUTCOMES = ("qualified out", "no budget", "duplicate")


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local calendar day begins (written here, not imported, like everything the oracle needs)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def dst_days(tz: ZoneInfo, first: date, last: date) -> list[date]:
    """Local days in [first, last] that are not 24 hours long."""
    out = []
    day = first
    while day <= last:
        if midnight(day + timedelta(days=1), tz) - midnight(day, tz) != timedelta(hours=24):
            out.append(day)
        day += timedelta(days=1)
    return out


@dataclass
class Program:
    seed: int
    time_zone: str
    anchor: date  # a daylight-saving change day (or a month start where the zone has none)
    required_courses: tuple[str, ...]
    partners: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    stages: list[tuple[str, str, datetime]] = field(default_factory=list)
    intros: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def describe(self) -> str:
        return (
            f"program seed={self.seed} tz={self.time_zone} partners={len(self.partners)} deals={len(self.deals)} "
            f"stage changes={len(self.stages)} intros={len(self.intros)} activities={len(self.activities)} "
            f"goals={len(self.goals)}"
        )

    def fixture(self) -> Fixture:
        f = Fixture(settings={"time_zone": self.time_zone})
        if self.required_courses:
            f.settings["required_courses"] = ",".join(self.required_courses)
        for p in self.partners:
            f.partner(p["key"], p["name"], **{k: v for k, v in p.items() if k not in ("key", "name")})
        for d in self.deals:
            values = dict(d)
            key = values.pop("key")
            amount = values.pop("amount_minor")
            f.deal(
                key,
                partner=values.pop("partner"),
                attribution=values.pop("attribution"),
                created=values.pop("created_on"),
                outcome=values.pop("outcome"),
                closed=values.pop("closed_on"),
                amount=None if amount is None else amount / 100,
                **values,
            )
        f.stages.extend(self.stages)
        for i in self.intros:
            values = dict(i)
            f.intro(values.pop("key"), partner=values.pop("partner"), introduced=values.pop("introduced_at"), **values)
        for a in self.activities:
            f.activity(a["partner"], a["kind"], a["occurred_at"], contact=a["contact"], detail=a["detail"])
        for s in self.surveys:
            f.survey(s["partner"], s["responded_on"], s["score"], s["respondent"])
        for g in self.goals:
            f.goal(
                g["partner"],
                g["metric"],
                g["start"],
                g["end"],
                target=g["target"],
                target_date=g["target_date"],
                period=g["period"],
            )
        return f

    def data_days(self) -> list[date]:
        """Every calendar date and the local day of every instant the program holds."""
        tz = self.tz
        days: list[date] = []
        for p in self.partners:
            days += [d for d in (p.get("onboarded_on"), p.get("sunset_on")) if d]
        for d in self.deals:
            days += [x for x in (d["created_on"], d["closed_on"], d.get("registered_on")) if x]
        days += [t.astimezone(tz).date() for _, _, t in self.stages]
        for i in self.intros:
            days += [
                t.astimezone(tz).date() for t in (i["introduced_at"], i["first_response_at"], i["next_step_at"]) if t
            ]
        days += [a["occurred_at"].astimezone(tz).date() for a in self.activities]
        days += [s["responded_on"] for s in self.surveys]
        return days


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def build_program(seed: int) -> Program:
    rng = random.Random(seed)
    zone = rng.choice(TIME_ZONES)
    tz = ZoneInfo(zone)
    changes = dst_days(tz, date(2025, 9, 1), date(2026, 12, 31))
    anchor = rng.choice(changes) if changes else rng.choice([date(2026, 3, 1), date(2026, 4, 1), date(2026, 10, 1)])
    courses = tuple(rng.sample(COURSES, rng.choice([0, 1, 2])))
    program = Program(seed, zone, anchor, courses)

    def day_near(before: int, after: int) -> date:
        return anchor + timedelta(days=rng.randint(-before, after))

    def instant_on(day: date) -> datetime:
        # whole seconds: the store keeps no fractions
        return midnight(day, tz) + timedelta(
            seconds=rng.choice([0, 1, 3600 * rng.randint(0, 23) + rng.randint(0, 3599)])
        )

    n_partners = rng.randint(3, 12)
    for n in range(n_partners):
        key = f"P{n:02d}"
        onboarded = None if rng.random() < 0.15 else day_near(330, 30)
        status, sunset_on = "active", None
        roll = rng.random()
        if roll < 0.12:
            status, sunset_on = "sunset", rng.choice([None, day_near(60, 40)])
        elif roll < 0.22:
            sunset_on = day_near(60, 40)
        program.partners.append(
            {
                "key": key,
                "name": f"Partner {n:02d} {rng.choice(['Acme', 'Globex', 'Initech', 'Umbrella'])}",
                "onboarded_on": onboarded,
                "status": status,
                "sunset_on": sunset_on,
                "owner_email": rng.choice(OWNERS),
                "type": rng.choice(["reseller", "referral", "msp", None]),
                "tier": rng.choice(["gold", "silver", None]),
                "region": rng.choice(["emea", "amer", None]),
                "segment": rng.choice(["smb", "enterprise", None]),
            }
        )

    keys = [p["key"] for p in program.partners]
    deal_no = 0

    def add_deal(partner: str | None, attribution: str) -> None:
        nonlocal deal_no
        deal_no += 1
        key = f"D{deal_no:03d}"
        created = day_near(240, 45)
        outcome = rng.choices(["open", "won", "lost"], [4, 4, 2])[0]
        closed = None if outcome == "open" else created + timedelta(days=rng.choice([0, 1, rng.randint(2, 120)]))
        amount: int | None = rng.randint(1, 500) * 1000 + rng.choice([0, 0, rng.randint(1, 99)])
        if outcome != "won" and rng.random() < 0.2:
            amount = None
        registered = None
        if partner is not None and rng.random() < 0.5:
            registered = created + timedelta(days=rng.randint(-25, 5))
        program.deals.append(
            {
                "key": key,
                "partner": partner,
                "attribution": attribution,
                "created_on": created,
                "outcome": outcome,
                "closed_on": closed,
                "amount_minor": amount,
                "registered_on": registered,
                "name": f"Deal {key}",
            }
        )
        if rng.random() < 0.8:
            add_stages(key, created, outcome, closed)

    def add_stages(key: str, created: date, outcome: str, closed: date | None) -> None:
        moment = midnight(created, tz) + timedelta(seconds=rng.randint(0, 30 * 3600))
        index = rng.randint(0, 2)
        close_at = midnight(closed, tz) if closed is not None else None
        used: set[tuple[str, datetime]] = set()
        for _ in range(rng.randint(1, 4)):
            if close_at is not None and moment >= close_at and rng.random() < 0.6:
                break  # most histories stop at the close; some run past it (messy exports)
            stage = PIPELINE[min(index, len(PIPELINE) - 1)]
            if (stage, moment) not in used:
                used.add((stage, moment))
                program.stages.append((key, stage, moment))
            index += rng.choice([1, 1, 1, 2, -1])
            index = max(0, index)
            moment += timedelta(days=rng.choice([0, 1, rng.randint(2, 60)]), seconds=rng.randint(1, 86399))
        if close_at is not None and rng.random() < 0.4:
            terminal = close_at + timedelta(seconds=rng.randint(0, 20 * 3600))
            if all(terminal > t for k, _, t in program.stages if k == key):
                program.stages.append((key, "Closed Won" if outcome == "won" else "Closed Lost", terminal))

    for key in keys:
        for _ in range(rng.randint(0, 6)):
            add_deal(key, rng.choice(["sourced", "sourced", "influenced"]))
    for _ in range(rng.randint(3, 10)):
        add_deal(None, "direct")

    intro_no = 0
    for key in keys:
        for _ in range(rng.randint(0, 4)):
            intro_no += 1
            introduced = instant_on(day_near(120, 45))
            response = (
                introduced + timedelta(seconds=rng.choice([0, 24 * 3600, rng.randint(60, 80 * 3600)]))
                if rng.random() < 0.7
                else None
            )
            next_step = (
                response + timedelta(seconds=rng.randint(0, 200 * 3600))
                if response is not None and rng.random() < 0.5
                else None
            )
            program.intros.append(
                {
                    "key": f"I{intro_no:03d}",
                    "partner": key,
                    "introduced_at": introduced,
                    "first_response_at": response,
                    "next_step_at": next_step,
                    "outcome": rng.choice(OUTCOMES) if rng.random() < 0.2 else None,
                    "seller_email": rng.choice(SELLERS),
                    "account": f"Account {intro_no}",
                }
            )

    for key in keys:
        seen: set[tuple[datetime, str, str]] = set()
        for _ in range(rng.randint(0, 8)):
            kind = rng.choice(KINDS)
            occurred = instant_on(day_near(200, 45))
            contact = rng.choice(["", "x@partner.example"])
            if (occurred, kind, contact) in seen:
                continue
            seen.add((occurred, kind, contact))
            detail = None
            if kind in ("training_completed", "certification"):
                course = rng.choice([*COURSES, "other-1"])
                detail = course.upper() if rng.random() < 0.2 else course
            program.activities.append(
                {"partner": key, "kind": kind, "occurred_at": occurred, "contact": contact, "detail": detail}
            )

    for key in keys:
        days = sorted({day_near(300, 45) for _ in range(rng.randint(0, 3))})
        for day in days:
            program.surveys.append({"partner": key, "responded_on": day, "score": rng.randint(0, 10), "respondent": ""})

    for p in program.partners:
        key = p["key"]
        periods: set[tuple[str, str]] = set()
        for _ in range(rng.randint(0, 3)):
            metric = rng.choice(["registered_deals", "sourced_pipeline", "sourced_revenue", "first_win_by"])
            shape = rng.choice(["quarter", "month", "range"])
            base = day_near(150, 60)
            if metric == "first_win_by":
                start = p["onboarded_on"] or base
                end = start + timedelta(days=rng.choice([30, 90]))
                target_date = rng.choice([None, end - timedelta(days=rng.randint(1, 10))])
                target = None
                label = f"{start}..{end}"
            elif shape == "quarter":
                start = _quarter_start(base)
                end = _next_month(_next_month(_next_month(start)))
                label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            elif shape == "month":
                start = base.replace(day=1)
                end = _next_month(start)
                label = f"{start:%Y-%m}"
            else:
                start = base
                end = base + timedelta(days=rng.randint(10, 40))
                label = f"{start}..{end}"
            if metric != "first_win_by":
                target_date = None
                target = float(rng.randint(1, 4)) if metric == "registered_deals" else float(rng.randint(1, 60) * 10000)
            if (metric, label) in periods:
                continue
            periods.add((metric, label))
            program.goals.append(
                {
                    "partner": key,
                    "metric": metric,
                    "start": start,
                    "end": end,
                    "target": target,
                    "target_date": target_date,
                    "period": label,
                }
            )
    return program


def programs() -> st.SearchStrategy[Program]:
    return st.integers(min_value=0, max_value=2**32 - 1).map(build_program)


def as_ofs(program: Program) -> list[tuple[str, datetime]]:
    """At least 20 labelled as-ofs: period starts and ends (±1 s), local midnights, the DST change day, as-ofs whose
    own day holds rows, before the first and after the last data, and a partner's onboarding day."""
    tz = program.tz
    rng = random.Random(program.seed ^ 0x5EED)
    second = timedelta(seconds=1)
    out: list[tuple[str, datetime]] = []
    days = program.data_days()
    first, last = min(days), max(days)
    out.append(("before the first data", midnight(first, tz) - second))
    out.append(("after the last data", midnight(last + timedelta(days=40), tz)))
    anchor = program.anchor
    month = anchor.replace(day=1)
    for boundary in (month, _next_month(month)):
        at = midnight(boundary, tz)
        out += [(f"month start {boundary} -1s", at - second), (f"month start {boundary}", at)]
        out.append((f"month start {boundary} +1s", at + second))
    quarter = _quarter_start(anchor)
    out += [
        (f"quarter start {quarter}", midnight(quarter, tz)),
        (f"quarter start {quarter} +1s", midnight(quarter, tz) + second),
    ]
    out.append((f"quarter end {quarter} -1s", midnight(quarter, tz) - second))
    out.append((f"DST day {anchor} midnight", midnight(anchor, tz)))
    out.append((f"DST day {anchor} 05:00 local", datetime.combine(anchor, time(5), tzinfo=tz).astimezone(UTC)))
    out.append((f"DST day {anchor} end", midnight(anchor + timedelta(days=1), tz)))
    rows = [d["closed_on"] for d in program.deals if d["closed_on"]] + [d["created_on"] for d in program.deals]
    for day in rng.sample(rows, min(2, len(rows))):
        out.append((f"own day {day} 13:30 local", datetime.combine(day, time(13, 30), tzinfo=tz).astimezone(UTC)))
        out.append((f"end of {day}", midnight(day + timedelta(days=1), tz)))
    onboarded = [p["onboarded_on"] for p in program.partners if p["onboarded_on"]]
    for day in rng.sample(onboarded, min(2, len(onboarded))):
        out += [
            (f"onboarding day {day} midnight", midnight(day, tz)),
            (f"onboarding day {day} +1s", midnight(day, tz) + second),
        ]
    sunsets = [p["sunset_on"] for p in program.partners if p["sunset_on"]]
    for day in sunsets[:1]:
        out += [
            (f"sunset day {day} midnight", midnight(day, tz)),
            (f"sunset day {day} +1s", midnight(day, tz) + second),
        ]
    starts = [g["start"] for g in program.goals]
    for day in rng.sample(starts, min(1, len(starts))):
        out.append((f"goal start {day}", midnight(day, tz)))
    while len(out) < 22:
        day = anchor + timedelta(days=rng.randint(-120, 60))
        out.append((f"local midnight {day}", midnight(day, tz)))
    return out
