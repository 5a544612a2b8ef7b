"""A deliberately plain reference implementation of KPIS.md and the README, written apart from the engine.

It reads the raw tables of a SQLite store with plain SQL (never the rollup columns of `stage_changes`, never the
`partner_milestones` rollup, no loaders, no cache) and works out, for one as-of, the figures the JSON export
(`commands.export.export_kpis`) gives, in the export's shapes. Nothing is imported from `reports` or `storage`:
day starts, as-of days, windows and medians are re-derived here so that a bug in `reports.timeframe` or
`reports.stats` is caught rather than shared.

Rules, as the README states them:
- a calendar date D stands for D 00:00 local; it counts at as-of when that instant is before as-of;
- the as-of's day / month / quarter hold the last instant before as-of; windows are half-open [start, as-of);
  "trailing N days" starts at the same local wall time N calendar days earlier;
- a record counts when the date that makes it exist is before as-of; a later fact (close, response, sunset)
  applies once its own date is before as-of;
- rates and medians below 5 items have no value; medians and quantiles interpolate linearly between ranks.

Where KPIS.md is looser than a decision the README documents, the README is followed (and the engine agrees):
stalled deals are open *partner* deals, with the 75th percentile taken over the program's stays ended in the
trailing 365 days (at least 5 of them); every activity kind counts as engagement; only partners onboarded at least
the dormancy window ago can be dormant, diagnosed momentum, then training, then fit; stage conversion counts a
deal's first entry into a stage in the window; an intro closed with an outcome leaves the handoff distributions;
revenue concentration's population is the active partners plus any with revenue; time to first revenue is never
negative; a goal expects nothing in its first min(14 d, period / 4).

Where the engine once disagreed (six defects, now fixed), the reference says what the README says: `steps`, `movement`,
`current_stay`, `goal` and `sunset` hold those rules.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

MIN_SAMPLE = 5
PARTNER_SIDE = ("sourced", "influenced")
STEPS = ("onboarded", "enabled", "first_selling_action", "first_qualified_opportunity", "first_win")
PIPELINE = ("Prospecting", "Qualification", "Proposal", "Negotiation")
QUALIFIED_FROM = "Proposal"
COURSE_KINDS = ("training_completed", "certification")
SELLING_KINDS = ("co_sell_call", "first_selling_action")
STATES = ("not yet onboarded", "in runway", "activated", "active", "dormant", "sunset", "onboarding unknown")
RUNWAY_DAYS = 180
DORMANCY_DAYS = 60
SLA_HOURS = 24
STALL_DAYS = 30
WIP_LIMIT = 8
FUNNEL_DUE_DAYS = {  # days on the clock before the funnel counts a partner at a step
    "onboarded": 0,
    "enabled": 30,
    "first_selling_action": 60,
    "first_qualified_opportunity": 90,
    "first_win": 90,
}


class Keyed(dict):
    """A dict whose keys come from the data: the comparison checks the engine has exactly these keys."""


# --- plain numbers ----------------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    fraction = position - low
    if fraction == 0:
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * fraction


def median_dict(values: list[float], q: float = 0.5) -> dict[str, Any]:
    value = quantile(values, q) if len(values) >= MIN_SAMPLE else None
    return {"value": None if value is None else round(value, 4), "n": len(values)}


def median_value(values: list[float]) -> float | None:
    return quantile(values, 0.5) if len(values) >= MIN_SAMPLE else None


def rate_dict(numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "value": numerator / denominator if denominator >= MIN_SAMPLE else None,
        "numerator": numerator,
        "denominator": denominator,
    }


def num(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def divide(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def tenths(seconds: int) -> int:
    """A stay to a tenth of a day, halves rounded up."""
    return (2 * seconds + 8640) // 17280


# --- raw data -----------------------------------------------------------------------------------------------------


@dataclass
class Raw:
    tz: ZoneInfo
    courses: tuple[str, ...]
    partners: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    changes: dict[int, list[dict[str, Any]]]  # deal id → its stage changes, in entry order
    intros: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    surveys: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    partner_by_id: dict[int, dict[str, Any]] = field(default_factory=dict)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _instant(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def load_raw(path: Path) -> Raw:
    """Every raw row of the store, by plain SQL."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        settings = {
            row["key"]: json.loads(row["value"]) for row in con.execute("SELECT key, value FROM program_settings")
        }
        tz = ZoneInfo(settings.get("time_zone", "UTC"))
        courses = tuple(settings.get("required_courses", []))
        partners = [
            {
                **dict(row),
                "onboarded_on": _day(row["onboarded_on"]),
                "sunset_on": _day(row["sunset_on"]),
            }
            for row in con.execute(
                "SELECT id, external_id, name, type, tier, region, segment, owner_email, onboarded_on, status, "
                "sunset_on FROM partners ORDER BY id"
            )
        ]
        deals = [
            {
                **dict(row),
                "created_on": _day(row["created_on"]),
                "closed_on": _day(row["closed_on"]),
                "registered_on": _day(row["registered_on"]),
            }
            for row in con.execute(
                "SELECT id, external_id, partner_id, attribution, name, amount_base_minor AS amount, registered_on, "
                "created_on, closed_on, outcome FROM deals ORDER BY id"
            )
        ]
        changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in con.execute(
            "SELECT id, deal_id, stage, entered_at FROM stage_changes ORDER BY deal_id, entered_at, id"
        ):
            changes[row["deal_id"]].append(
                {"id": row["id"], "stage": row["stage"], "entered": _instant(row["entered_at"])}
            )
        intros = [
            {
                **dict(row),
                "introduced_at": _instant(row["introduced_at"]),
                "first_response_at": _instant(row["first_response_at"]),
                "next_step_at": _instant(row["next_step_at"]),
            }
            for row in con.execute(
                "SELECT external_id, partner_id, account, seller_email, introduced_at, first_response_at, "
                "next_step_at, outcome FROM intros"
            )
        ]
        activities = [
            {**dict(row), "occurred_at": _instant(row["occurred_at"])}
            for row in con.execute("SELECT partner_id, kind, occurred_at, detail FROM activities")
        ]
        surveys = [
            {**dict(row), "responded_on": _day(row["responded_on"])}
            for row in con.execute("SELECT partner_id, responded_on, score FROM surveys")
        ]
        goals = [
            {
                **dict(row),
                "period_start": _day(row["period_start"]),
                "period_end": _day(row["period_end"]),
                "target_date": _day(row["target_date"]),
            }
            for row in con.execute(
                "SELECT partner_id, metric, period, period_start, period_end, target, target_date FROM goals"
            )
        ]
    finally:
        con.close()
    raw = Raw(tz, courses, partners, deals, dict(changes), intros, activities, surveys, goals)
    raw.partner_by_id = {p["id"]: p for p in partners}
    return raw


# --- the reference ----------------------------------------------------------------------------------------------


class Reference:
    """Every covered figure at one as-of."""

    def __init__(self, raw: Raw, as_of: datetime) -> None:
        self.raw = raw
        self.tz = raw.tz
        self.as_of = as_of

    # time
    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def counts(self, day: date | None) -> bool:
        return day is not None and self.midnight(day) < self.as_of

    def seen(self, moment: datetime | None) -> bool:
        return moment is not None and moment < self.as_of

    def wall(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def wall_days(self, start: datetime, end: datetime) -> float:
        return (self.wall(end) - self.wall(start)).total_seconds() / 86400

    def back(self, days: int, moment: datetime | None = None) -> datetime:
        local = self.wall(moment or self.as_of) - timedelta(days=days)
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def own_day(self) -> date:
        return (self.as_of - timedelta(microseconds=1)).astimezone(self.tz).date()

    def period_starts(self) -> dict[str, datetime]:
        day = self.own_day()
        month = day.replace(day=1)
        quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return {"month": self.midnight(month), "quarter": self.midnight(quarter), "trailing_365": self.back(365)}

    def in_days(self, day: date | None, start: datetime) -> bool:
        return day is not None and start <= self.midnight(day) < self.as_of

    # partners
    def onboarded(self, p: dict[str, Any]) -> bool:
        return self.counts(p["onboarded_on"])

    def not_yet_onboarded(self, p: dict[str, Any]) -> bool:
        return p["onboarded_on"] is not None and not self.onboarded(p)

    def sunset(self, p: dict[str, Any]) -> bool:
        # README: status sunset, or a sunset_on before as-of; a partner sunset after as-of is still active.
        # sunset once the local midnight starting its sunset_on day is before as-of (README, partner states)
        if p["sunset_on"] is not None:
            return self.counts(p["sunset_on"])
        return cast(bool, p["status"] == "sunset")

    def in_program(self, p: dict[str, Any]) -> bool:
        return not self.not_yet_onboarded(p) and not self.sunset(p)

    # deals
    def exists(self, d: dict[str, Any]) -> bool:
        return self.counts(d["created_on"])

    def closed(self, d: dict[str, Any]) -> bool:
        return d["outcome"] in ("won", "lost") and self.counts(d["closed_on"])

    def open(self, d: dict[str, Any]) -> bool:
        return self.exists(d) and not self.closed(d)

    def won_in(self, d: dict[str, Any], start: datetime) -> bool:
        return d["outcome"] == "won" and self.exists(d) and self.in_days(d["closed_on"], start)

    def partner_deals(self, pid: int | None) -> list[dict[str, Any]]:
        return [
            d for d in self.raw.deals if d["attribution"] in PARTNER_SIDE and (pid is None or d["partner_id"] == pid)
        ]

    def direct_deals(self) -> list[dict[str, Any]]:
        return [d for d in self.raw.deals if d["attribution"] == "direct"]

    # ---- revenue
    def won_totals(self, deals: list[dict[str, Any]], attribution: str) -> dict[str, Any]:
        out = {}
        for period, start in self.period_starts().items():
            won = [d for d in deals if d["attribution"] == attribution and self.won_in(d, start)]
            out[period] = {"amount_minor": sum(d["amount"] or 0 for d in won), "deals": len(won)}
        return out

    def closed_year(self, deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        start = self.back(365)
        return [
            d
            for d in deals
            if d["outcome"] in ("won", "lost") and self.exists(d) and self.in_days(d["closed_on"], start)
        ]

    def win_rate(self, deals: list[dict[str, Any]]) -> dict[str, Any]:
        closed = self.closed_year(deals)
        won = sum(1 for d in closed if d["outcome"] == "won")
        return rate_dict(won, len(closed))

    def mean_won(self, deals: list[dict[str, Any]]) -> float | None:
        won = [d["amount"] or 0 for d in self.closed_year(deals) if d["outcome"] == "won"]
        return sum(won) / len(won) if len(won) >= MIN_SAMPLE else None

    def close_days(self, deals: list[dict[str, Any]]) -> list[float]:
        return [
            float(max(0, (d["closed_on"] - d["created_on"]).days))
            for d in self.closed_year(deals)
            if d["outcome"] == "won"
        ]

    def open_stats(self, deals: list[dict[str, Any]]) -> tuple[int, int, int]:
        opened = [d for d in deals if self.open(d)]
        return (
            sum(d["amount"] for d in opened if d["amount"] is not None),
            len(opened),
            sum(1 for d in opened if d["amount"] is None),
        )

    # ---- activation
    def own_times(self, p: dict[str, Any]) -> dict[str, datetime]:
        """The first time a partner did each step itself, whatever the as-of."""
        pid = p["id"]
        own: dict[str, list[datetime]] = defaultdict(list)
        acts = [a for a in self.raw.activities if a["partner_id"] == pid]
        if self.raw.courses:
            firsts = []
            for course in self.raw.courses:
                done = [
                    a["occurred_at"]
                    for a in acts
                    if a["kind"] in COURSE_KINDS and (a["detail"] or "").casefold() == course.casefold()
                ]
                firsts.append(min(done) if done else None)
            if all(firsts):
                own["enabled"].append(max(t for t in firsts if t))
        elif p["onboarded_on"] is not None:
            own["enabled"].append(self.midnight(p["onboarded_on"]))
        own["first_selling_action"] += [i["introduced_at"] for i in self.raw.intros if i["partner_id"] == pid]
        own["first_selling_action"] += [a["occurred_at"] for a in acts if a["kind"] in SELLING_KINDS]
        mine = self.partner_deals(pid)
        own["first_selling_action"] += [self.midnight(d["registered_on"]) for d in mine if d["registered_on"]]
        qualified = {s.casefold() for s in PIPELINE[PIPELINE.index(QUALIFIED_FROM) :]}
        for d in mine:
            for c in self.raw.changes.get(d["id"], []):
                if c["stage"].casefold() in qualified:
                    own["first_qualified_opportunity"].append(c["entered"])
        wins = [self.midnight(d["closed_on"]) for d in mine if d["outcome"] == "won" and d["closed_on"]]
        own["first_qualified_opportunity"] += wins
        own["first_win"] += wins
        return {step: min(times) for step, times in own.items() if times}

    def steps(self, p: dict[str, Any]) -> dict[str, datetime | None]:
        """Each step's time as of: a later step implies the earlier ones at the earliest evidence. A partner not
        onboarded by as-of (or without an onboarding date) has no clock, hence no step at all (so it is in no
        activation figure, the first-win cycle included)."""
        if not self.onboarded(p):
            return dict.fromkeys(STEPS)
        own = self.own_times(p)
        out: dict[str, datetime | None] = {}
        for index, step in enumerate(STEPS):
            if step == "onboarded":
                out[step] = self.midnight(p["onboarded_on"])
                continue
            evidence = [own[s] for s in STEPS[index:] if s in own]
            first = min(evidence) if evidence else None
            out[step] = first if first is not None and first < self.as_of else None
        return out

    def clock(self, start: datetime, end: datetime) -> float:
        return max(0.0, self.wall_days(start, end))

    def survival(self, pairs: list[tuple[datetime, datetime | None]]) -> dict[str, Any]:
        durations = [round(self.clock(s, e), 1) for s, e in pairs if e is not None]
        out: dict[str, Any] = {"started": len(pairs), "reached": len(durations), "median_days": median_dict(durations)}
        for day in (30, 60, 90):
            eligible = [(s, e) for s, e in pairs if self.wall_days(s, self.as_of) >= day]
            reached = sum(1 for s, e in eligible if e is not None and self.clock(s, e) <= day)
            out[f"share_by_day_{day}"] = rate_dict(reached, len(eligible))
        return out

    def funnel(self, members: list[dict[str, datetime | None]]) -> list[dict[str, Any]]:
        """A step counts the partners onboarded at least its due days ago (README: 30 days a step, 90 for the first
        win); its conversion is over those of them that reached the step before, and the partners the step before
        counted, that reached it, but are too new for this one are said as too new."""
        out = []
        for index, step in enumerate(STEPS):
            due = FUNNEL_DUE_DAYS[step]
            counted = [s for s in members if self.wall_days(cast(datetime, s["onboarded"]), self.as_of) >= due]
            reached = sum(1 for s in counted if s[step] is not None)
            row: dict[str, Any] = {"step": step, "reached": reached, "conversion": None, "due_days": due, "too_new": 0}
            if index:
                before = STEPS[index - 1]
                row["conversion"] = rate_dict(reached, sum(1 for s in counted if s[before] is not None))
                row["too_new"] = sum(
                    1
                    for s in members
                    if s[before] is not None
                    and FUNNEL_DUE_DAYS[before] <= self.wall_days(cast(datetime, s["onboarded"]), self.as_of) < due
                )
            out.append(row)
        return out

    # ---- stage histories
    def stays(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        """The stay that begins at each stage change: it ends at the next entry or at the close, whichever is
        first; a stay entered at or after the close is terminal (no pipeline time); only entries before the close
        advance a stage (README, pipeline decisions)."""
        changes = self.raw.changes.get(d["id"], [])
        close = self.midnight(d["closed_on"]) if d["outcome"] in ("won", "lost") and d["closed_on"] else None
        index = {s.casefold(): i for i, s in enumerate(PIPELINE)}
        seen: set[str] = set()
        out = []
        for n, c in enumerate(changes):
            terminal = close is not None and c["entered"] >= close
            left = None
            if not terminal:
                ends = [t for t in (changes[n + 1]["entered"] if n + 1 < len(changes) else None, close) if t]
                left = min(ends) if ends else None
            folded = c["stage"].casefold()
            first = folded not in seen
            seen.add(folded)
            advanced = None
            here = index.get(folded)
            if first and here is not None and not terminal:
                later = [
                    x["entered"]
                    for x in changes[n + 1 :]
                    if index.get(x["stage"].casefold(), -1) > here and (close is None or x["entered"] < close)
                ]
                if d["outcome"] == "won" and close is not None:
                    later.append(max(close, c["entered"]))
                advanced = min(later) if later else None
            out.append(
                {
                    "deal": d,
                    "stage": c["stage"],
                    "entered": c["entered"],
                    "left": left,
                    "tenths": None if left is None else max(0, tenths(int((left - c["entered"]).total_seconds()))),
                    "terminal": terminal,
                    "first": first,
                    "advanced": advanced,
                    "seq": n + 1,
                }
            )
        return out

    def all_stays(self) -> list[dict[str, Any]]:
        return [s for d in self.raw.deals for s in self.stays(d)]

    def ended_stays(self) -> list[dict[str, Any]]:
        start = self.back(365)
        return [
            s
            for s in self.all_stays()
            if not s["terminal"] and s["left"] is not None and start <= s["left"] < self.as_of
        ]

    def current_stay(self, d: dict[str, Any]) -> dict[str, Any] | None:
        """The stage an open deal is in at as-of: its latest entry before as-of (a deal closed by as-of is in none,
        whatever its history says after the close)."""
        if not self.open(d):
            return None
        before = [s for s in self.stays(d) if s["entered"] < self.as_of]
        return before[-1] if before else None

    def thresholds(self, stages: set[str]) -> dict[str, float]:
        history: dict[str, list[float]] = defaultdict(list)
        for s in self.ended_stays():
            history[s["stage"]].append(s["tenths"] / 10)
        out = {}
        for stage in stages:
            values = history.get(stage, [])
            p75 = quantile(values, 0.75) if len(values) >= MIN_SAMPLE else None
            out[stage] = max(float(STALL_DAYS), p75 or 0.0)
        return out

    def stalled(self, pid: int | None) -> dict[str, Any]:
        current = [(d, s) for d in self.partner_deals(pid) if (s := self.current_stay(d)) is not None]
        thresholds = self.thresholds({s["stage"] for _, s in current})
        stalled = [
            (d, s) for d, s in current if (self.as_of - s["entered"]).total_seconds() / 86400 > thresholds[s["stage"]]
        ]
        largest = sorted(stalled, key=lambda ds: (-(ds[0]["amount"] or 0), ds[1]["entered"], ds[0]["external_id"]))[:5]
        return {
            "count": len(stalled),
            "amount_minor": sum(d["amount"] or 0 for d, _ in stalled),
            "deals_with_amount": sum(1 for d, _ in stalled if d["amount"] is not None),
            "largest": [
                {
                    "deal_id": d["external_id"],
                    "name": d["name"],
                    "stage": s["stage"],
                    "days_in_stage": round((self.as_of - s["entered"]).total_seconds() / 86400, 1),
                    "amount_minor": d["amount"],
                }
                for d, s in largest
            ],
            "thresholds_days": Keyed({stage: round(days, 1) for stage, days in thresholds.items()}),
        }

    def movement(self, pid: int | None) -> dict[str, Any]:
        """Open partner deals at as-of (with or without a stage history, as pipeline contribution counts them);
        moved: the current stage was entered in the last 14 days and was not the deal's first."""
        since = self.back(14)
        opened = [d for d in self.partner_deals(pid) if self.open(d)]
        open_minor = sum(d["amount"] or 0 for d in opened)
        moved = [
            d for d in opened if (s := self.current_stay(d)) is not None and s["entered"] >= since and s["seq"] > 1
        ]
        moved_minor = sum(d["amount"] or 0 for d in moved)
        share = moved_minor / open_minor if len(opened) >= MIN_SAMPLE and open_minor else None
        return {
            "share": num(share),
            "open_amount_minor": open_minor,
            "moved_amount_minor": moved_minor,
            "open_deals": len(opened),
        }

    # ---- handoffs
    def handoff(self, pid: int | None, *, next_step: bool, sla: bool) -> dict[str, Any]:
        start = self.back(90)
        waits = []  # (hours, waiting, intro)
        for i in self.raw.intros:
            if pid is not None and i["partner_id"] != pid:
                continue
            if not start <= i["introduced_at"] < self.as_of:
                continue
            begun = i["first_response_at"] if next_step else i["introduced_at"]
            if not self.seen(begun):
                continue
            end = i["next_step_at"] if next_step else i["first_response_at"]
            done = end if self.seen(end) else None
            if done is None and i["outcome"]:
                continue  # closed with an outcome: waiting for nothing
            hours = max(0.0, ((done or self.as_of) - begun).total_seconds() / 3600)
            waits.append((hours, done is None, i))
        values = [round(h, 4) for h, _, _ in waits]
        worst = max(waits, key=lambda w: (w[0], w[2]["external_id"]), default=None)
        out: dict[str, Any] = {
            "intros": len(waits),
            "waiting": sum(1 for _, waiting, _ in waits if waiting),
            "median_hours": median_dict(values, 0.5),
            "p90_hours": median_dict(values, 0.9),
            "worst": None
            if worst is None
            else {
                "intro_id": worst[2]["external_id"],
                "hours": round(worst[0], 2),
                "waiting": worst[1],
                "seller_email": worst[2]["seller_email"],
                "partner": self.raw.partner_by_id[worst[2]["partner_id"]]["name"],
                "partner_owner_email": self.raw.partner_by_id[worst[2]["partner_id"]]["owner_email"],
            },
        }
        if sla:
            out["answered"] = sum(1 for _, waiting, _ in waits if not waiting)
            out["over_sla"] = sum(1 for h, _, _ in waits if h > SLA_HOURS)
            out["sla_hours"] = SLA_HOURS
        return out

    def stale(self, pid: int | None, *, program: bool) -> dict[str, Any]:
        out = Keyed()
        for i in self.raw.intros:
            if pid is not None and i["partner_id"] != pid:
                continue
            if not self.seen(i["introduced_at"]) or self.seen(i["first_response_at"]) or i["outcome"]:
                continue
            age = (self.as_of - i["introduced_at"]).total_seconds() / 3600
            if age > SLA_HOURS:
                row = {"account": i["account"], "age_hours": round(age, 1), "escalate": age > 2 * SLA_HOURS}
                if program:
                    row |= {
                        "partner": self.raw.partner_by_id[i["partner_id"]]["name"],
                        "seller_email": i["seller_email"],
                    }
                out[i["external_id"]] = row
        return out

    # ---- enablement, engagement, dormancy
    def completed(self, pid: int) -> set[str]:
        wanted = {c.casefold() for c in self.raw.courses}
        return {
            (a["detail"] or "").casefold()
            for a in self.raw.activities
            if a["partner_id"] == pid
            and a["kind"] in COURSE_KINDS
            and self.seen(a["occurred_at"])
            and (a["detail"] or "").casefold() in wanted
        }

    def last_motion(self, p: dict[str, Any]) -> datetime | None:
        pid = p["id"]
        moments = [a["occurred_at"] for a in self.raw.activities if a["partner_id"] == pid]
        moments += [i["introduced_at"] for i in self.raw.intros if i["partner_id"] == pid]
        moments += [self.midnight(d["registered_on"]) for d in self.partner_deals(pid) if d["registered_on"]]
        moments += [c["entered"] for d in self.partner_deals(pid) for c in self.raw.changes.get(d["id"], [])]
        before = [m for m in moments if m < self.as_of]
        return max(before, default=None)

    def dormant(self, p: dict[str, Any]) -> dict[str, Any] | None:
        """Onboarded at least 60 days ago, in the program, and no motion in the trailing 60 days; diagnosed
        momentum (any past deal or intro), else training (required courses missing), else fit."""
        if not self.in_program(p) or p["onboarded_on"] is None:
            return None
        start = self.back(DORMANCY_DAYS)
        if self.midnight(p["onboarded_on"]) > start:
            return None
        last = self.last_motion(p)
        if last is not None and last >= start:
            return None
        pid = p["id"]
        momentum = any(self.exists(d) for d in self.partner_deals(pid)) or any(
            i["partner_id"] == pid and self.seen(i["introduced_at"]) for i in self.raw.intros
        )
        missing = [c for c in self.raw.courses if c.casefold() not in self.completed(pid)]
        diagnosis = "momentum" if momentum else "training" if missing else "fit"
        since = last or self.midnight(p["onboarded_on"])
        return {"diagnosis": diagnosis, "days_quiet": num(self.wall_days(since, self.as_of)), "sunset_candidate": False}

    def state(self, p: dict[str, Any], steps: dict[str, datetime | None]) -> str:
        """The README's precedence: not yet onboarded, sunset, onboarding unknown, dormant, activated, in runway,
        active."""
        if self.not_yet_onboarded(p):
            return "not yet onboarded"
        if self.sunset(p):
            return "sunset"
        if p["onboarded_on"] is None:
            return "onboarding unknown"
        if self.dormant(p) is not None:
            return "dormant"
        if steps["first_win"] is not None:
            return "activated"
        if self.midnight(p["onboarded_on"]) >= self.back(RUNWAY_DAYS):
            return "in runway"
        return "active"

    def in_runway(self, p: dict[str, Any], steps: dict[str, datetime | None], as_of: datetime) -> bool:
        """partners_in_runway: in the program, onboarded within the last 180 days, not activated."""
        on = steps["onboarded"]
        return (
            on is not None and steps["first_win"] is None and on >= self.back(RUNWAY_DAYS, as_of) and self.in_program(p)
        )

    # ---- goals
    def goal(self, g: dict[str, Any], first_win: datetime | None) -> dict[str, Any] | None:
        start, end = self.midnight(g["period_start"]), self.midnight(g["period_end"])
        if self.as_of <= start:
            return None  # upcoming: not shown yet
        pid = g["partner_id"]
        until = min(end, self.as_of)

        def inside(day: date | None) -> bool:
            return day is not None and start <= self.midnight(day) < until

        deals = [d for d in self.raw.deals if d["partner_id"] == pid]
        if g["metric"] == "first_win_by":
            deadline = g["target_date"] or g["period_end"] - timedelta(days=1)
            if first_win is not None:
                status = "met" if first_win.astimezone(self.tz).date() <= deadline else "missed"
            else:
                status = "missed" if self.as_of >= self.midnight(deadline + timedelta(days=1)) else "on track"
            # KPIS.md: actual against target; a first win before as-of is the one thing this goal counts
            return {
                "status": status,
                "actual": 1.0 if first_win is not None else 0.0,
                "target": g["target"],
                "pace": None,
            }
        if g["metric"] == "registered_deals":
            actual = float(sum(1 for d in deals if inside(d["registered_on"])))
        elif g["metric"] == "sourced_pipeline":
            actual = float(
                sum(d["amount"] or 0 for d in deals if d["attribution"] == "sourced" and inside(d["created_on"]))
            )
        else:
            actual = float(
                sum(
                    d["amount"] or 0
                    for d in deals
                    if d["attribution"] == "sourced"
                    and d["outcome"] == "won"
                    and self.exists(d)
                    and inside(d["closed_on"])
                )
            )
        target = g["target"] or 0.0
        length = self.wall_days(start, end)
        elapsed = min(length, self.wall_days(start, self.as_of))
        pace = elapsed / length if length > 0 else 1.0
        grace = min(14.0, length / 4)
        ramp = 1.0 if length <= grace else min(1.0, max(0.0, (elapsed - grace) / (length - grace)))
        expected = target * ramp
        if g["metric"] == "registered_deals":
            expected = float(math.floor(expected + 1e-9))
        if actual >= target:
            status = "met"
        elif self.as_of >= end:
            status = "missed"
        else:
            status = "on track" if actual >= expected else "behind"
        return {"status": status, "actual": actual, "target": g["target"], "pace": num(pace)}

    def psat(self, pid: int | None) -> dict[str, Any]:
        start = self.back(365)
        scores = [
            s["score"]
            for s in self.raw.surveys
            if (pid is None or s["partner_id"] == pid) and self.in_days(s["responded_on"], start)
        ]
        n = len(scores)
        if n < MIN_SAMPLE:
            return {"responses": n, "mean": None, "nps": None}
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        return {"responses": n, "mean": num(sum(scores) / n), "nps": num(100 * (promoters - detractors) / n)}

    # ---- everything
    def compute(self) -> dict[str, Any]:
        raw = self.raw
        partners = raw.partners
        # Any values: the filters below (onboarded, first_win is not None) narrow them in ways mypy cannot follow
        steps: dict[int, dict[str, Any]] = {p["id"]: self.steps(p) for p in partners}
        first_wins = {p["id"]: self.first_win_ever(p) for p in partners}
        active = [p for p in partners if self.in_program(p)]
        active_ids = {p["id"] for p in active}
        all_partner = self.partner_deals(None)
        direct = self.direct_deals()

        # revenue
        sourced_open = self.open_stats([d for d in all_partner if d["attribution"] == "sourced"])
        influenced_open = self.open_stats([d for d in all_partner if d["attribution"] == "influenced"])
        direct_open = self.open_stats(direct)
        total_open = sourced_open[0] + influenced_open[0] + direct_open[0]
        win_rate = {
            a: self.win_rate([d for d in raw.deals if d["attribution"] == a])
            for a in ("sourced", "influenced", "direct")
        }
        win_rate["partner"] = self.win_rate(all_partner)
        partner_mean, direct_mean = self.mean_won(all_partner), self.mean_won(direct)
        partner_close, direct_close = self.close_days(all_partner), self.close_days(direct)
        year = self.back(365)
        revenue: dict[int, int] = defaultdict(int)
        sourced_revenue: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for d in all_partner:
            if self.won_in(d, year):
                revenue[d["partner_id"]] += d["amount"] or 0
                if d["attribution"] == "sourced":
                    sourced_revenue[d["partner_id"]][0] += d["amount"] or 0
                    sourced_revenue[d["partner_id"]][1] += 1
        earning = {pid for pid, amount in revenue.items() if amount > 0}
        population = len(active_ids | earning)
        amounts = sorted((revenue[pid] for pid in earning), reverse=True)
        enough = len(amounts) >= MIN_SAMPLE and sum(amounts) > 0
        top10, top20 = math.ceil(0.1 * population), math.ceil(0.2 * population)
        ranked = sorted(
            (raw.partner_by_id[pid] for pid, (amount, _) in sourced_revenue.items() if amount > 0),
            key=lambda p: (-sourced_revenue[p["id"]][0], p["name"].casefold()),
        )
        by_segment: dict[str, int] = defaultdict(int)
        for p in ranked:
            by_segment[p["segment"] or "unknown"] += sourced_revenue[p["id"]][0]
        leading = sorted(by_segment, key=lambda s: (-by_segment[s], s))[0] if by_segment else None

        # activation
        onboarded = [p for p in partners if steps[p["id"]]["onboarded"] is not None]
        ttfr_pairs = [(steps[p["id"]]["onboarded"], steps[p["id"]]["first_win"]) for p in onboarded]
        cohorts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in onboarded:
            day = p["onboarded_on"]
            cohorts[f"{day.year}-Q{(day.month - 1) // 3 + 1}"].append(p)
        week_ago = self.back(7)
        week_ref = Reference(raw, week_ago)
        runway_now = [p for p in partners if self.in_runway(p, steps[p["id"]], self.as_of)]
        runway_week = [p for p in partners if week_ref.in_runway(p, week_ref.steps(p), week_ago)]
        left_from, left_until = self.back(RUNWAY_DAYS + 90), self.back(RUNWAY_DAYS)
        left = [p for p in onboarded if left_from <= steps[p["id"]]["onboarded"] < left_until]
        completed = sum(
            1
            for p in left
            if steps[p["id"]]["first_win"] is not None
            and self.clock(steps[p["id"]]["onboarded"], steps[p["id"]]["first_win"]) <= RUNWAY_DAYS
        )
        by_next: dict[str, int] = defaultdict(int)
        for p in runway_now:
            by_next[next(s for s in STEPS if steps[p["id"]][s] is None)] += 1
        funnel_population = [p for p in onboarded if steps[p["id"]]["onboarded"] >= self.back(365)]
        overall_funnel = self.funnel([steps[p["id"]] for p in funnel_population])
        scored = [f for f in overall_funnel if f["conversion"] is not None and f["conversion"]["value"] is not None]
        worst = min(scored, key=lambda f: f["conversion"]["value"])["step"] if scored else None
        funnel_cohorts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        segments: dict[str, dict[str, list[dict[str, Any]]]] = {
            dim: defaultdict(list) for dim in ("type", "tier", "region")
        }
        for p in funnel_population:
            day = p["onboarded_on"]
            funnel_cohorts[f"{day.year}-Q{(day.month - 1) // 3 + 1}"].append(steps[p["id"]])
            for dim in segments:
                segments[dim][p[dim] or "unknown"].append(steps[p["id"]])
        wip: dict[str | None, int] = defaultdict(int)
        for p in runway_now:
            wip[p["owner_email"]] += 1
        registration = [
            float(max(0, (d["created_on"] - d["registered_on"]).days))
            for d in all_partner
            if d["registered_on"] is not None and self.in_days(d["registered_on"], year) and self.exists(d)
        ]
        recent = self.back(90)
        winners = {d["partner_id"] for d in all_partner if self.won_in(d, recent)}

        # pipeline
        ended = self.ended_stays()
        velocity: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"partner": [], "direct": []})
        for s in ended:
            side = "partner" if s["deal"]["attribution"] in PARTNER_SIDE else "direct"
            velocity[s["stage"]][side].append(s["tenths"] / 10)
        conversion: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        pipeline = {s.casefold() for s in PIPELINE}
        for s in self.all_stays():
            if (
                s["first"]
                and not s["terminal"]
                and year <= s["entered"] < self.as_of
                and s["stage"].casefold() in pipeline
            ):
                cell = conversion[s["stage"]][s["deal"]["attribution"]]
                cell[0] += 1
                cell[1] += int(s["advanced"] is not None and s["advanced"] < self.as_of)

        # handoffs, enablement, dormancy, goals
        handoff = self.handoff(None, next_step=False, sla=True)
        engaged = {a["partner_id"] for a in raw.activities if self.back(30) <= a["occurred_at"] < self.as_of}
        enabled = {pid for pid in active_ids if steps_enabled(self, raw.partner_by_id[pid])}
        activity_data = any(self.seen(a["occurred_at"]) for a in raw.activities)
        dormant = {p["id"]: self.dormant(p) for p in partners}
        goals = [(g, self.goal(g, first_wins[g["partner_id"]])) for g in raw.goals]
        shown = [(g, r) for g, r in goals if r is not None]
        current: dict[int, list[str]] = defaultdict(list)
        for g, r in shown:
            if self.midnight(g["period_start"]) < self.as_of <= self.midnight(g["period_end"]):
                current[g["partner_id"]].append(r["status"])
        on_track = sum(1 for statuses in current.values() if all(s in ("met", "on track") for s in statuses))
        states = dict.fromkeys(STATES, 0)
        for p in partners:
            states[self.state(p, steps[p["id"]])] += 1
        dormant_rows = Keyed({raw.partner_by_id[pid]["name"]: row for pid, row in dormant.items() if row is not None})
        by_diagnosis = {
            k: sum(1 for r in dormant_rows.values() if r["diagnosis"] == k) for k in ("training", "fit", "momentum")
        }
        program_ttfr = [
            round(self.clock(self.midnight(p["onboarded_on"]), cast(datetime, first_wins[p["id"]])), 1)
            for p in partners
            if p["onboarded_on"] is not None and self.onboarded(p) and first_wins[p["id"]] is not None
        ]

        program = {
            "partner_states": states,
            "sourced_revenue": self.won_totals(all_partner, "sourced"),
            "influenced_revenue": self.won_totals(all_partner, "influenced"),
            "pipeline_contribution": {
                "sourced_share": num(divide(sourced_open[0], total_open)),
                "influenced_share": num(divide(influenced_open[0], total_open)),
                "open_amount_minor": total_open,
                "partner_open_amount_minor": sourced_open[0] + influenced_open[0],
                "open_deals": sourced_open[1] + influenced_open[1] + direct_open[1],
                "open_deals_without_amount": sourced_open[2] + influenced_open[2] + direct_open[2],
            },
            "win_rate": win_rate,
            "deal_size_vs_direct": {
                "partner_mean_minor": num(partner_mean),
                "direct_mean_minor": num(direct_mean),
                "ratio": num(divide(partner_mean, direct_mean)),
            },
            "time_to_close_vs_direct": {
                "partner_days": median_dict(partner_close),
                "direct_days": median_dict(direct_close),
                "ratio": num(divide(median_value(partner_close), median_value(direct_close))),
            },
            "revenue_concentration": {
                "top10_share": num(sum(amounts[:top10]) / sum(amounts)) if enough else None,
                "top20_share": num(sum(amounts[:top20]) / sum(amounts)) if enough else None,
                "active_partners_with_revenue": rate_dict(len(active_ids & earning), len(active_ids)),
            },
            "top_partners": {
                "ranked": [
                    {
                        "partner": p["name"],
                        "amount_minor": sourced_revenue[p["id"]][0],
                        "deals": sourced_revenue[p["id"]][1],
                        "type": p["type"],
                        "tier": p["tier"],
                        "segment": p["segment"],
                    }
                    for p in ranked[:10]
                ],
                "leading_segment": leading,
            },
            "time_to_first_revenue": {
                "overall": self.survival(ttfr_pairs),
                "by_cohort": Keyed(
                    {
                        label: self.survival(
                            [(steps[p["id"]]["onboarded"], steps[p["id"]]["first_win"]) for p in members]
                        )
                        for label, members in cohorts.items()
                    }
                ),
                "onboarding_unknown": sorted(p["name"] for p in partners if p["onboarded_on"] is None),
            },
            "activation_rate": self.survival(ttfr_pairs)["share_by_day_90"],
            "active_revenue_partners": rate_dict(len(active_ids & winners), len(active_ids)),
            "activation_runway": self.survival(
                [(steps[p["id"]]["onboarded"], steps[p["id"]]["first_selling_action"]) for p in onboarded]
            ),
            # README: a partner not onboarded by as-of has no clock, so it has no first selling action to count from
            "first_win_cycle": self.survival(
                [
                    (steps[p["id"]]["first_selling_action"], steps[p["id"]]["first_win"])
                    for p in onboarded
                    if steps[p["id"]]["first_selling_action"] is not None
                ]
            ),
            "partners_in_runway": {
                "count": len(runway_now),
                "count_week_ago": len(runway_week),
                "completion": rate_dict(completed, len(left)),
                "by_next_step": Keyed(by_next),
            },
            "dropoff_by_step": {
                "population": len(funnel_population),
                "worst_step": worst,
                "overall": overall_funnel,
                "by_cohort": Keyed({label: self.funnel(m) for label, m in funnel_cohorts.items()}),
                "by_segment": {
                    dim: Keyed({value: self.funnel(m) for value, m in groups.items()})
                    for dim, groups in segments.items()
                },
            },
            "wip_per_manager": {
                "limit": WIP_LIMIT,
                "owners": Keyed(
                    {str(owner): {"in_runway": n, "over_limit": n > WIP_LIMIT} for owner, n in wip.items()}
                ),
            },
            "deal_registration_velocity": median_dict(registration),
            "stage_velocity": Keyed(
                {
                    stage: {"partner_days": median_dict(sides["partner"]), "direct_days": median_dict(sides["direct"])}
                    for stage, sides in velocity.items()
                }
            ),
            "stage_conversion": Keyed(
                {
                    stage: {a: rate_dict(cells[a][1], cells[a][0]) for a in ("sourced", "influenced", "direct")}
                    for stage, cells in conversion.items()
                }
            ),
            "stalled_deals": self.stalled(None),
            "pipeline_movement": self.movement(None),
            "handoff_response_time": handoff,
            "next_step_time": self.handoff(None, next_step=True, sla=False),
            "stale_intros": self.stale(None, program=True),
            "enablement_completion": rate_dict(len(enabled), len(active_ids)) if raw.courses else None,
            "active_partner_rate": {
                **rate_dict(len(active_ids & engaged), len(active_ids)),
                **({} if activity_data else {"value": None}),
                "activity_data": activity_data,
            },
            "dormant_partners": {"count": len(dormant_rows), "by_diagnosis": by_diagnosis, "partners": dormant_rows},
            "goal_progress": {"share_on_track": rate_dict(on_track, len(current)), "goals": len(shown)},
            "psat": self.psat(None),
        }

        program_partner_rate = win_rate["partner"]
        out_partners = {}
        for p in partners:
            pid = p["id"]
            s = steps[pid]
            mine = self.partner_deals(pid)
            opened = self.open_stats(mine)
            mine_close = self.close_days(mine)
            reached = [step for step in STEPS if s[step] is not None]
            ttfr = (
                None if s["onboarded"] is None or s["first_win"] is None else self.clock(s["onboarded"], s["first_win"])
            )
            out_partners[p["external_id"]] = {
                "status": self.state(p, s),
                "sourced_revenue": self.won_totals(mine, "sourced"),
                "influenced_revenue": self.won_totals(mine, "influenced"),
                "pipeline_contribution": {
                    "open_amount_minor": opened[0],
                    "open_deals": opened[1],
                    "open_deals_without_amount": opened[2],
                },
                "win_rate": {
                    "partner": self.win_rate(mine),
                    "program": program_partner_rate,
                    "direct": win_rate["direct"],
                },
                "deal_size_vs_direct": {
                    "partner": num(self.mean_won(mine)),
                    "program": num(partner_mean),
                    "direct": num(direct_mean),
                },
                "time_to_close_vs_direct": {
                    "partner": median_dict(mine_close),
                    "program": median_dict(partner_close),
                    "direct": median_dict(direct_close),
                },
                "time_to_first_revenue": {"days": num(ttfr), "program_median_days": median_dict(program_ttfr)},
                "partners_in_runway": {
                    "days_onboarded": None
                    if s["onboarded"] is None
                    else num(self.wall_days(s["onboarded"], self.as_of)),
                    "current_step": reached[-1] if reached else None,
                    "next_step": next((step for step in STEPS if s[step] is None), None) if reached else None,
                },
                "stalled_deals": self.stalled(pid),
                "pipeline_movement": {k: v for k, v in self.movement(pid).items() if k in ("share", "open_deals")},
                "handoff_response_time": self.handoff(pid, next_step=False, sla=False),
                "stale_intros": self.stale(pid, program=False),
                "enablement_completion": {
                    "required": list(raw.courses),
                    "missing": [c for c in raw.courses if c.casefold() not in self.completed(pid)],
                },
                "engagement_mix": Keyed(self.engagement(pid)),
                "dormant_partners": dormant[pid],
                "goal_progress": Keyed(
                    {f"{g['metric']}@{g['period']}": r for g, r in goals if g["partner_id"] == pid and r is not None}
                ),
                "psat": self.psat(pid),
            }
        return {"program": program, "partners": out_partners}

    def first_win_ever(self, p: dict[str, Any]) -> datetime | None:
        """The partner's first win before as-of, whatever its onboarding (goals and the program baseline)."""
        wins = [
            self.midnight(d["closed_on"])
            for d in self.partner_deals(p["id"])
            if d["outcome"] == "won" and d["closed_on"] is not None
        ]
        first = min(wins, default=None)
        return first if first is not None and first < self.as_of else None

    def engagement(self, pid: int) -> dict[str, Any]:
        last_30, last_90 = self.back(30), self.back(90)
        out: dict[str, Any] = {}
        for a in self.raw.activities:
            if a["partner_id"] != pid or not self.seen(a["occurred_at"]):
                continue
            row = out.setdefault(a["kind"], {"last_30": 0, "last_90": 0, "last_at": a["occurred_at"]})
            row["last_30"] += a["occurred_at"] >= last_30
            row["last_90"] += a["occurred_at"] >= last_90
            row["last_at"] = max(row["last_at"], a["occurred_at"])
        for row in out.values():
            row["last_at"] = row["last_at"].isoformat()
        return out


def steps_enabled(ref: Reference, p: dict[str, Any]) -> bool:
    """Enabled by as-of: every required course completed before as-of (enablement completion)."""
    return all(c.casefold() in ref.completed(p["id"]) for c in ref.raw.courses)


def reference_kpis(raw: Raw, as_of: datetime) -> dict[str, Any]:
    return Reference(raw, as_of).compute()
