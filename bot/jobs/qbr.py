"""Before each quarter ends, every partner owner gets the quarterly business review packs of their partners by DM.

Due `qbr_days_before_end` days before the quarter's last day (default 10; a weekend day moves to the Friday
before) at 09:00 in the program's time zone, so the owner has time to prepare the reviews while the quarter can
still be moved. Each owner's packs are claimed per (quarter, owner) and, past ten partners, per DM of ten, so
ticks, restarts and replicas send them once; at most ten packs are drawn per tick (each is a PDF, 1–2 s), the
rest on the next ticks, so a tick keeps the digests, alerts and outbox on time. Owners not in Slack are
named to the admins once per quarter, not dropped silently. While data is stale the packs wait (within the
grace), as dormant DMs do: a review drawn from an export that stopped would mislead. With `qbr_partner_channels`
on, each partner's channel gets its partner-safe pack too, claimed per (quarter, partner). Missed by more than a
week (downtime, a new install late in the quarter), the quarter's packs are recorded as skipped, not sent late.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.alerts import send_to_admins
from commands.qbr import compute_pack
from reports.blocks.qbr import (
    FILES_PER_MESSAGE,
    owner_pack_message,
    qbr_file,
    qbr_message,
    qbr_unreachable_message,
)
from reports.model import PartnerProfile, Scope
from reports.schedule import QUARTERLY_REVIEW_AT, Slot, local_instant
from reports.timeframe import add_months, quarter_first_day, quarter_label
from storage.db import Database
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_partner_profiles, load_people
from storage.program import load_config
from storage.work import QUEUED, SKIPPED, claim_work, enqueue, is_claimed

log = logging.getLogger("partnerbot.jobs")
KIND = "qbr"
GRACE = timedelta(days=7)
PACKS_PER_TICK = (
    10  # each pack is a PDF drawn in the tick (1–2 s): one DM's worth per tick keeps the other jobs on time
)
NO_OWNER = "(no owner set)"


def qbr_slot(*, now: datetime, tz: ZoneInfo, days_before_end: int, at: time = QUARTERLY_REVIEW_AT) -> Slot:
    """This quarter's packs: `days_before_end` days before the quarter's last day (a Saturday or Sunday moves to
    the Friday before) at `at` in `tz`, labelled with the quarter ('2026-Q3'). It may lie after now."""
    first = quarter_first_day(now.astimezone(tz).date())
    day = add_months(first, 3) - timedelta(days=1 + days_before_end)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return Slot(local_instant(day, at, tz), quarter_label(first))


def quarter_key(quarter: str) -> str:
    return f"{KIND}:{quarter}"


def owner_key(quarter: str, email: str) -> str:
    return f"{KIND}:{quarter}:owner:{email}"


def channel_key(quarter: str, partner_id: int) -> str:
    return f"{KIND}:{quarter}:channel:{partner_id}"


def send_qbr_packs(database: Database, *, now: datetime, packs_per_tick: int = PACKS_PER_TICK) -> int:
    """Queue this quarter's packs once due: one DM (or a few, for many partners) per owner in Slack, and the
    partner-safe packs in partner channels when that is on; returns how many messages were queued. A DM's packs
    (at most ten) are drawn in one tick; none is started that would take this tick past `packs_per_tick`."""
    with database.session() as session:
        config = load_config(session)
        slot = qbr_slot(now=now, tz=config.tz, days_before_end=config.qbr_days_before_end)
        key = quarter_key(slot.week)
        if now < slot.due_at or is_claimed(session, key=key):
            return 0
        partners = [p for p in load_partner_profiles(session, scope=Scope()) if p.is_active(now, config.tz)]
        people = load_people(session, emails=sorted({p.owner_email for p in partners if p.owner_email}))
        stale = load_freshness(session, as_of=now, config=config).stale
    late = now - slot.due_at
    if late > GRACE:
        reason = (
            f"missed by {late.days} days (downtime, or installed late in the quarter): "
            f"beyond the {GRACE.days}-day grace"
        )
        with database.transaction() as session:
            if claim_work(session, key=key, kind=KIND, at=now, status=SKIPPED, reason=reason):
                log.warning("QBR packs %s skipped: %s", key, reason)
        return 0
    if stale:
        log.warning("QBR packs %s wait: no data has arrived for longer than the freshness limit", key)
        return 0  # not claimed: a review drawn from an export that stopped would mislead; it goes once data arrives
    by_owner: dict[str, list[PartnerProfile]] = defaultdict(list)
    for partner in partners:
        by_owner[(partner.owner_email or NO_OWNER).lower()].append(partner)
    reachable = {
        email: person.slack_user_id for email, person in people.items() if person.slack_user_id and email in by_owner
    }
    unreachable = sorted((email, len(owned)) for email, owned in by_owner.items() if email not in reachable)
    if unreachable:
        with database.transaction() as session:
            send_to_admins(
                session, key=f"{key}:unreachable", message=qbr_unreachable_message(slot.week, unreachable), now=now
            )
    if not reachable:
        log.warning("QBR packs %s wait: no partner owner has a Slack user id yet", key)
        return 0  # not claimed: they go once an owner is found in Slack, within the grace week
    queued, drawn = 0, 0
    for email, user_id in sorted(reachable.items()):
        okey = owner_key(slot.week, email)
        with database.session() as session:
            if is_claimed(session, key=okey):
                continue
        owned = sorted(by_owner[email], key=lambda p: p.name.casefold())
        chunks = [owned[i : i + FILES_PER_MESSAGE] for i in range(0, len(owned), FILES_PER_MESSAGE)]
        for number, chunk in enumerate(chunks, start=1):
            pkey = okey if len(chunks) == 1 else f"{okey}:part{number}"
            if len(chunks) > 1:
                with database.session() as session:
                    if is_claimed(session, key=pkey):
                        continue
            if drawn and drawn + len(chunk) > packs_per_tick:
                return queued  # the rest on the next ticks; the quarter stays open until every owner is done
            views = [compute_pack(database, partner=p, quarter="", as_of=now) for p in chunk]
            message = owner_pack_message(
                slot.week, views, [qbr_file(v) for v in views], number=number, parts=len(chunks)
            )
            with database.transaction() as session:
                if not claim_work(session, key=pkey, kind=KIND, at=now):
                    continue  # another replica claimed it while this one drew: that one sends it
                enqueue(session, claim_key=pkey, kind=KIND, message=message, at=now, user_id=user_id)
            queued += 1
            drawn += len(views)
        if len(chunks) > 1:
            with database.transaction() as session:
                reason = f"{len(owned)} pack(s) in {len(chunks)} DM(s)"
                claim_work(session, key=okey, kind=KIND, at=now, status=QUEUED, reason=reason)
    if config.qbr_partner_channels:
        posted, finished = _post_partner_channels(
            database, quarter=slot.week, partners=partners, now=now, budget=packs_per_tick - drawn
        )
        queued += posted
        if not finished:
            return queued
    with database.transaction() as session:
        reason = f"packs to {len(reachable)} owner(s)" + (
            f"; {len(unreachable)} owner(s) not in Slack, named to the admins" if unreachable else ""
        )
        claim_work(session, key=key, kind=KIND, at=now, status=QUEUED, reason=reason)
    return queued


def _post_partner_channels(
    database: Database, *, quarter: str, partners: list[PartnerProfile], now: datetime, budget: int
) -> tuple[int, bool]:
    """Each partner channel's partner-safe pack, once per quarter, at most `budget` drawn in this tick: how many
    were queued, and whether every channel is done."""
    posted = 0
    for partner in partners:
        if not partner.slack_channel:
            continue
        ckey = channel_key(quarter, partner.id)
        with database.session() as session:
            if is_claimed(session, key=ckey):
                continue
        if budget <= 0:
            return posted, False
        budget -= 1
        view = compute_pack(database, partner=partner, quarter="", as_of=now, safe=True)
        message = replace(qbr_message(view), response_type="in_channel", shareable=False)
        with database.transaction() as session:
            if claim_work(session, key=ckey, kind=KIND, at=now):
                enqueue(session, claim_key=ckey, kind=KIND, message=message, at=now, channel=partner.slack_channel)
                posted += 1
    return posted, True
