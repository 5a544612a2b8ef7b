"""Why a deal is sourced, influenced or direct, and the disputes about it: the trace, opening a dispute, and an
admin's decision, which changes the deal's attribution (with its audit trail) and holds against later imports.

A decision goes through the same derivations as an import (`follow_writes`): the stage history's copy of the
attribution, derived onboarding dates and the milestones follow, and the data version moves, so every figure
from the next one on counts the deal as decided.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session, aliased

from reports.attribution import ACCEPTED, DECIDED, DISPUTE, OPEN, REJECTED, DealRef, Dispute, TraceStep
from reports.config import ProgramConfig
from storage.importing.run import follow_writes
from storage.importing.writer import Written
from storage.models import (
    PARTNER_ATTRIBUTIONS,
    AttributionChange,
    AttributionDispute,
    AttributionHold,
    Deal,
    Partner,
)

MAX_REASON = 1000


class DisputeError(Exception):
    """A dispute that cannot be opened or decided as asked: `message` (plain text) says why, for the person who
    asked; `hint` (mrkdwn, mentions) who can help."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _deal_query() -> Select[*tuple[Any, ...]]:
    return select(
        Deal.id,
        Deal.external_id,
        Deal.name,
        Deal.account,
        Deal.attribution,
        Deal.partner_id,
        Partner.name,
        Deal.outcome,
        Deal.stage,
        Deal.amount_base_minor,
        Deal.closed_on,
        Deal.updated_at,
    ).outerjoin(Partner, Partner.id == Deal.partner_id)


def load_deal(session: Session, *, external_id: str | None = None, deal_id: int | None = None) -> DealRef | None:
    query = _deal_query()
    query = query.where(Deal.external_id == external_id) if external_id is not None else query.where(Deal.id == deal_id)
    row = session.execute(query).first()
    return None if row is None else DealRef(*row)


def load_trace(session: Session, *, deal_id: int, limit: int = 10) -> list[TraceStep]:
    """The deal's attribution changes, newest first."""
    now_partner, before_partner = aliased(Partner), aliased(Partner)
    rows = session.execute(
        select(
            AttributionChange.attribution,
            AttributionChange.previous,
            now_partner.name,
            before_partner.name,
            AttributionChange.origin,
            AttributionChange.source,
            AttributionChange.field,
            AttributionChange.raw_value,
            AttributionChange.reference,
            AttributionChange.changed_at,
        )
        .outerjoin(now_partner, now_partner.id == AttributionChange.partner_id)
        .outerjoin(before_partner, before_partner.id == AttributionChange.previous_partner_id)
        .where(AttributionChange.deal_id == deal_id)
        .order_by(AttributionChange.changed_at.desc(), AttributionChange.id.desc())
        .limit(limit)
    ).all()
    return [TraceStep(*cast(tuple[Any, ...], row)) for row in rows]


def load_disputes(
    session: Session,
    *,
    partner_ids: Collection[int] | None = None,
    deal_id: int | None = None,
    dispute_id: int | None = None,
    status: str | None = None,
    opened_by: str | None = None,
    limit: int = 50,
) -> list[Dispute]:
    """Disputes, newest first: of these partners (all when None), of one deal, or one; `status` open or decided."""
    query = select(AttributionDispute).order_by(AttributionDispute.opened_at.desc(), AttributionDispute.id.desc())
    if partner_ids is not None:
        query = query.where(AttributionDispute.partner_id.in_(list(partner_ids)))
    if deal_id is not None:
        query = query.where(AttributionDispute.deal_id == deal_id)
    if dispute_id is not None:
        query = query.where(AttributionDispute.id == dispute_id)
    if opened_by is not None:
        query = query.where(AttributionDispute.opened_by == opened_by)
    if status == OPEN:
        query = query.where(AttributionDispute.status == OPEN)
    elif status is not None:
        query = query.where(AttributionDispute.status.in_(DECIDED))
    rows = session.execute(query.limit(limit)).scalars().all()
    deals = {
        d.id: d
        for d in (DealRef(*r) for r in session.execute(_deal_query().where(Deal.id.in_({r.deal_id for r in rows}))))
    }
    partners = {r.partner_id for r in rows if r.partner_id}
    names: dict[int, str] = dict(
        session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(partners))).all()
    )
    return [
        Dispute(
            id=r.id,
            deal=deals[r.deal_id],
            partner_id=r.partner_id,
            partner_name=names.get(r.partner_id) if r.partner_id else None,
            attribution=r.attribution,
            proposed=r.proposed,
            reason=r.reason,
            opened_by=r.opened_by,
            opened_at=r.opened_at,
            status=r.status,
            decided_attribution=r.decided_attribution,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )
        for r in rows
    ]


def load_dispute(session: Session, *, dispute_id: int) -> Dispute | None:
    found = load_disputes(session, dispute_id=dispute_id, limit=1)
    return found[0] if found else None


def open_dispute(session: Session, *, deal: DealRef, proposed: str, reason: str, user_id: str, at: datetime) -> Dispute:
    """A new open dispute on the deal, in the caller's transaction. One open dispute per deal: a second is refused
    with the first's number."""
    if proposed == deal.attribution:
        raise DisputeError(f"{deal.label} is already {proposed}: propose another attribution.")
    if proposed in PARTNER_ATTRIBUTIONS and deal.partner_id is None:
        raise DisputeError(f"{deal.label} credits no partner, so it cannot be {proposed} from here.")
    reason = reason.strip()
    if not reason:
        raise DisputeError("Say why: a dispute needs a reason the admins can weigh.")
    already = load_disputes(session, deal_id=deal.id, status=OPEN, limit=1)
    if already:
        raise DisputeError(
            f"{deal.label} already has an open dispute (#{already[0].id}): an admin decides it first.",
            hint=f"<@{already[0].opened_by}> opened it; `/partner disputes open` lists it.",
        )
    row = AttributionDispute(
        deal_id=deal.id,
        partner_id=deal.partner_id,
        attribution=deal.attribution,
        proposed=proposed,
        reason=reason[:MAX_REASON],
        opened_by=user_id,
        opened_at=at,
        status=OPEN,
    )
    session.add(row)
    session.flush()
    opened = load_dispute(session, dispute_id=row.id)
    assert opened is not None
    return opened


def decide_dispute(
    session: Session,
    *,
    dispute_id: int,
    accept: bool,
    note: str,
    user_id: str,
    at: datetime,
    config: ProgramConfig,
) -> Dispute:
    """Accept (the deal becomes what was proposed) or reject (it keeps its attribution) an open dispute, in the
    caller's transaction; either way the decided attribution holds against later imports and events. A dispute
    decided already is refused, naming who decided it."""
    row = session.execute(
        select(AttributionDispute).where(AttributionDispute.id == dispute_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise DisputeError(f"Dispute #{dispute_id} is no longer in partnerbot (its deal was deleted).")
    if row.status != OPEN:
        when = row.decided_at.date().isoformat() if row.decided_at else "earlier"
        raise DisputeError(
            f"Dispute #{dispute_id} was already {row.status} on {when}.", hint=f"By <@{row.decided_by}>."
        )
    note = note.strip()
    if not note:
        raise DisputeError("Say why: the decision's reason is kept with it, for the audit trail.")
    deal = load_deal(session, deal_id=row.deal_id)
    assert deal is not None  # the dispute goes with its deal (ON DELETE CASCADE)
    decided = row.proposed if accept else deal.attribution
    partner_id = None if decided == "direct" else (deal.partner_id or row.partner_id)
    if decided in PARTNER_ATTRIBUTIONS and partner_id is None:
        raise DisputeError(f"{deal.label} credits no partner any more, so it cannot be {decided}.")
    row.status = ACCEPTED if accept else REJECTED
    row.decided_attribution = decided
    row.decided_by = user_id
    row.decided_at = at
    row.decision_note = note[:MAX_REASON]
    session.execute(delete(AttributionHold).where(AttributionHold.deal_id == deal.id))
    session.add(
        AttributionHold(deal_id=deal.id, attribution=decided, partner_id=partner_id, dispute_id=row.id, decided_at=at)
    )
    if (decided, partner_id) != (deal.attribution, deal.partner_id):
        session.execute(
            update(Deal).where(Deal.id == deal.id).values(attribution=decided, partner_id=partner_id, updated_at=at)
        )
        session.add(
            AttributionChange(
                deal_id=deal.id,
                attribution=decided,
                previous=deal.attribution,
                partner_id=partner_id,
                previous_partner_id=deal.partner_id,
                origin=DISPUTE,
                source=f"dispute #{row.id}",
                field=None,
                raw_value=None,
                reference=user_id,  # who decided (the dispute keeps why)
                changed_at=at,
            )
        )
        session.flush()
        partners = {p for p in (deal.partner_id, partner_id) if p is not None}
        follow_writes(session, Written(deal_ids={deal.id}, partner_ids=partners), deals=True, now=at, config=config)
    session.flush()
    decided_dispute = load_dispute(session, dispute_id=row.id)
    assert decided_dispute is not None
    return decided_dispute
