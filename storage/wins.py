"""The first-win log: every partner's first win, recorded once ever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import STEP_FIRST_WIN
from reports.model import Scope
from reports.views.wins import WinInput
from storage.claims import insert_once
from storage.models import Deal, FirstWin, PartnerMilestone
from storage.sql import partner_scope


@dataclass(frozen=True)
class NewWin:
    partner_id: int
    deal_id: int | None
    won_at: datetime


def load_unrecorded_wins(session: Session, *, as_of: datetime) -> list[NewWin]:
    """First-win milestones no log entry covers yet."""
    logged = select(FirstWin.partner_id)
    rows = session.execute(
        select(PartnerMilestone.partner_id, PartnerMilestone.deal_id, PartnerMilestone.reached_at)
        .where(
            PartnerMilestone.step == STEP_FIRST_WIN,
            PartnerMilestone.reached_at < as_of,
            PartnerMilestone.partner_id.not_in(logged),
        )
        .order_by(PartnerMilestone.reached_at, PartnerMilestone.partner_id)
    )
    return [NewWin(pid, deal_id, reached) for pid, deal_id, reached in rows]


def count_recorded_wins(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(FirstWin)).scalar_one())


def record_win(session: Session, *, win: NewWin, at: datetime, announced: bool, note: str | None) -> bool:
    """True when this call recorded it (so must announce it); a partner's first win is recorded once ever."""
    return insert_once(
        session,
        FirstWin,
        {
            "partner_id": win.partner_id,
            "deal_id": win.deal_id,
            "won_at": win.won_at,
            "recorded_at": at,
            "announced": announced,
            "note": note,
        },
        "partner_id",
    )


@dataclass(frozen=True)
class LoggedWin:
    win: WinInput
    announced: bool
    note: str | None


def load_win_log(session: Session, *, scope: Scope | None = None, limit: int = 50) -> list[LoggedWin]:
    """The first-win log of the scope's partners (all of them by default), newest first, with each winning deal."""
    rows = session.execute(
        select(
            FirstWin.partner_id,
            FirstWin.won_at,
            Deal.external_id,
            Deal.name,
            Deal.amount_base_minor,
            Deal.attribution,
            FirstWin.announced,
            FirstWin.note,
        )
        .outerjoin(Deal, Deal.id == FirstWin.deal_id)
        .where(partner_scope(FirstWin.partner_id, scope or Scope()))
        .order_by(FirstWin.won_at.desc(), FirstWin.partner_id)
        .limit(limit)
    )
    return [LoggedWin(WinInput(*row[:6]), row[6], row[7]) for row in rows]
