"""The rows a batch of planned partners holds: deals with their stage changes, intros, activity, surveys, goals."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from demodata.catalogue import (
    ASSETS,
    BUSINESS_SECONDS,
    BUSINESS_START,
    CERTIFICATION,
    CO_SELL,
    CURRENCIES,
    CURRENCY_SHARES,
    CUSTOMER_HEADS,
    CUSTOMER_TAILS,
    DEAL_MEDIAN,
    DETAILS,
    DOWNLOAD,
    ELECTIVES,
    EVENT,
    EVENTS,
    FIRST_NAMES,
    INTRO_OUTCOMES,
    KIND_WEIGHTS,
    KINDS,
    LAST_NAMES,
    LOGIN,
    LOST_AT,
    LOST_STAGE,
    OTHER_CURRENCY_SHARES,
    PARTNER_SPEED,
    PRODUCTS,
    QUALIFIED,
    RATES,
    REQUIRED_COURSES,
    SEGMENT_SIZE,
    SHOWCASE,
    SOURCED_SHARE,
    STAGES,
    STAY_MEDIAN,
    SURVEY_COMMENTS,
    TRAINING,
    WIN_RATE,
    WON_STAGE,
)
from demodata.plan import Calendar, PartnerPlan, Staff, partner_stream
from reports.config import ProgramConfig
from storage.rollups import DealFacts, derive_stays

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


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
        rng = partner_stream(self.seed, 2, plan.id)
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
