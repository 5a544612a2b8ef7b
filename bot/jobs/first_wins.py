"""Announcing each partner's first win once ever, wherever the win came from (import, re-import or webhook)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reports.blocks.first_win import first_win_message
from reports.config import ProgramConfig
from reports.model import Scope
from reports.timeframe import Window
from reports.views.wins import compute_first_wins
from storage.loaders.activation import load_first_wins, load_milestones
from storage.loaders.partners import load_people
from storage.wins import count_recorded_wins, load_unrecorded_wins, record_win
from storage.work import claim_work, enqueue

KIND = "first_win"


def claim_key(partner_id: int) -> str:
    return f"{KIND}:partner:{partner_id}"


def announce_first_wins(session: Session, *, now: datetime, config: ProgramConfig) -> int:
    """Log every first win not logged yet; queue a post for each that is news. Returns how many were queued.

    On a new install (nothing logged yet) wins older than the horizon are logged silently: the first import of a
    program's history must not flood the channel. A corrected or re-opened deal never causes a second post: the
    log holds one row per partner, ever.
    """
    new = load_unrecorded_wins(session, as_of=now)
    if not new:
        return 0
    fresh_install = count_recorded_wins(session) == 0
    horizon = now - timedelta(days=config.first_win_horizon_days)
    wanted = {w.partner_id for w in new}
    window = Window(min(w.won_at for w in new), now)
    details = [w for w in load_first_wins(session, scope=Scope(), window=window) if w.partner_id in wanted]
    wins = {w.partner.id: w for w in compute_first_wins(details, load_milestones(session, scope=Scope()), config, now)}
    owners = load_people(session, emails=[w.partner.owner_email or "" for w in wins.values()])
    queued = 0
    for win in new:
        note = None
        if fresh_install and win.won_at < horizon:
            note = f"recorded without a post: older than {config.first_win_horizon_days} days on a new install"
        elif not config.wins_channel:
            note = "recorded without a post: no wins_channel is set"
        elif win.partner_id not in wins:
            note = "recorded without a post: the partner has no onboarding date"
        if not record_win(session, win=win, at=now, announced=note is None, note=note) or note is not None:
            continue
        key = claim_key(win.partner_id)
        if claim_work(session, key=key, kind=KIND, at=now):
            detail = wins[win.partner_id]
            message = first_win_message(detail, owners.get(detail.partner.owner_email or ""), config)
            enqueue(session, claim_key=key, kind=KIND, message=message, at=now, channel=config.wins_channel)
            queued += 1
    return queued
