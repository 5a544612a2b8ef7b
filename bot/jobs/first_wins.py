"""Announcing each partner's first win once ever, wherever the win came from (import, re-import or webhook)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reports.blocks.first_win import first_win_message
from reports.config import ProgramConfig
from reports.kpis.incentives import EligibleWin, compute_eligible_wins
from reports.message import Message
from reports.model import PartnerProfile, Scope
from reports.timeframe import Window, dates_before
from reports.views.wins import WinInput, compute_first_wins
from storage.db import Database
from storage.loaders.activation import load_first_wins, load_milestones
from storage.loaders.incentives import load_fast_start_wins
from storage.loaders.partners import load_people
from storage.program import load_config
from storage.wins import NewWin, count_recorded_wins, load_unrecorded_wins, record_win
from storage.work import claim_work, enqueue

KIND = "first_win"


def claim_key(partner_id: int) -> str:
    return f"{KIND}:partner:{partner_id}"


@dataclass(frozen=True)
class PlannedWin:
    """A win not logged yet, with its post rendered before anything is recorded, or why it goes without one."""

    win: NewWin
    message: Message | None
    note: str | None  # why it is recorded without a post


def plan_first_wins(session: Session, *, now: datetime, config: ProgramConfig) -> list[PlannedWin]:
    """Every first win not logged yet, each post rendered; reads only, so a read session will do.

    On a new install (nothing logged yet) wins older than the horizon go without a post: the first import of a
    program's history must not flood the channel.
    """
    new = load_unrecorded_wins(session, as_of=now)
    if not new:
        return []
    fresh_install = count_recorded_wins(session) == 0
    horizon = now - timedelta(days=config.first_win_horizon_days)
    wanted = {w.partner_id for w in new}
    window = Window(min(w.won_at for w in new), now)
    details = [w for w in load_first_wins(session, scope=Scope(), window=window) if w.partner_id in wanted]
    wins = {w.partner.id: w for w in compute_first_wins(details, load_milestones(session, scope=Scope()), config, now)}
    owners = load_people(session, emails=[w.partner.owner_email or "" for w in wins.values()])
    incentives = _first_win_incentives(session, details, [w.partner for w in wins.values()], now=now, config=config)
    planned = []
    for win in new:
        note = None
        if fresh_install and win.won_at < horizon:
            note = f"recorded without a post: older than {config.first_win_horizon_days} days on a new install"
        elif not config.wins_channel:
            note = "recorded without a post: no wins_channel is set"
        elif win.partner_id not in wins:
            note = "recorded without a post: the partner has no onboarding date"
        if note is not None:
            planned.append(PlannedWin(win, None, note))
            continue
        detail = wins[win.partner_id]
        owner = owners.get(detail.partner.owner_email or "")
        message = first_win_message(detail, owner, config, incentives.get(win.partner_id))
        planned.append(PlannedWin(win, message, None))
    return planned


def _first_win_incentives(
    session: Session, details: list[WinInput], partners: list[PartnerProfile], *, now: datetime, config: ProgramConfig
) -> dict[int, EligibleWin]:
    """partner id → its first-win deal's fast-start incentive, for the wins whose deal earns it."""
    if not config.fast_start_on or not partners:
        return {}
    scope = Scope(partner_ids=frozenset(p.id for p in partners))
    wins = load_fast_start_wins(session, scope=scope, end=dates_before(now, config.tz), days=config.fast_start_days)
    eligible = {(e.partner.id, e.win.external_id): e for e in compute_eligible_wins(partners, wins, config, now)}
    return {
        d.partner_id: found
        for d in details
        if d.deal_external_id is not None and (found := eligible.get((d.partner_id, d.deal_external_id)))
    }


def queue_first_wins(session: Session, *, planned: list[PlannedWin], now: datetime, config: ProgramConfig) -> int:
    """Log each planned win, claim and queue its post, in the caller's write transaction; returns how many were
    queued. A win another replica logged or claimed since it was planned is dropped: that one announces it. A
    corrected or re-opened deal never causes a second post: the log holds one row per partner, ever."""
    queued = 0
    for plan in planned:
        if plan.message is None:
            record_win(session, win=plan.win, at=now, announced=False, note=plan.note)
            continue
        if not record_win(session, win=plan.win, at=now, announced=True, note=None):
            continue  # another replica logged it since: that one announces it
        key = claim_key(plan.win.partner_id)
        if claim_work(session, key=key, kind=KIND, at=now):
            enqueue(session, claim_key=key, kind=KIND, message=plan.message, at=now, channel=config.wins_channel)
            queued += 1
    return queued


def announce_first_wins(session: Session, *, now: datetime, config: ProgramConfig) -> int:
    """Plan and queue the first wins in the caller's transaction (an ingested batch and its announcements commit
    together); the tick plans in a read session and queues in a short transaction of its own."""
    planned = plan_first_wins(session, now=now, config=config)
    return queue_first_wins(session, planned=planned, now=now, config=config)


def announce_new_first_wins(database: Database, *, now: datetime) -> int:
    """Plan and render in a read session, then log, claim and queue in one short write transaction: what the tick
    and `partnerbot import` do, so that neither holds the store's write lock while posts are drawn."""
    with database.session() as session:
        config = load_config(session)
        planned = plan_first_wins(session, now=now, config=config)
    if not planned:
        return 0
    with database.transaction() as session:
        return queue_first_wins(session, planned=planned, now=now, config=config)
