"""Why sourced? and Dispute: a deal's attribution trace on request, a dispute opened in a modal and sent to the
partner's owner and the admins, and an admin's decision (Accept or Reject, with a reason) that changes the deal.

The notices go through the outbox, claimed per dispute and person in the transaction that records the dispute or
the decision, so they are sent once, and still sent when Slack was down at the moment of the click.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from commands.access import AccessDenied, check_admin, check_known, check_partner, grantors
from commands.context import ADMIN, Requester
from commands.errors import UserFacingError
from commands.interactions import payload
from commands.interactions.context import InteractionContext
from commands.interactions.effects import DirectMessage, Effect, OpenView, Reply
from commands.interactions.payload import Body
from reports.attribution import DealRef, Dispute
from reports.blocks.disputes import (
    ACCEPT_ACTION,
    DECIDE_NOTE_BLOCK,
    DECIDE_NOTE_INPUT,
    DISPUTE_PROPOSED_BLOCK,
    DISPUTE_PROPOSED_INPUT,
    DISPUTE_REASON_BLOCK,
    DISPUTE_REASON_INPUT,
    decide_modal,
    decision_notice,
    dispute_modal,
    dispute_notice,
    why_reply,
)
from reports.blocks.kit import section
from reports.config import ProgramConfig
from reports.message import Message
from storage.disputes import (
    DisputeError,
    decide_dispute,
    load_deal,
    load_dispute,
    load_disputes,
    load_trace,
    open_dispute,
)
from storage.loaders.partners import (
    load_admins,
    load_partner_by_channel,
    load_partner_profile,
    load_people,
)
from storage.program import load_config
from storage.work import claim_work, enqueue

DEAL_GONE = "That deal is no longer in partnerbot."
NOTICE = "dispute_notice"


def check_deal(session: Session, requester: Requester, deal: DealRef) -> None:
    """Who may see a deal's trace and dispute it: whoever may see its partner's scorecard (its owner, managers,
    admins); a direct deal, managers and admins. In a channel shared with a partner, only that partner's deals."""
    admins = load_admins(session)
    if requester.channel_id:
        shared = load_partner_by_channel(session, channel_id=requester.channel_id)
        if shared is not None and shared.id != deal.partner_id:
            raise AccessDenied(f"This channel is shared with {shared.name}: it only shows {shared.name}'s deals.")
    check_known(requester, admins)
    partner = load_partner_profile(session, partner_id=deal.partner_id) if deal.partner_id else None
    if partner is not None:
        check_partner(requester, partner, admins)
    elif not requester.sees_everything:
        raise AccessDenied(
            f"{deal.label} is a direct deal: its attribution is for managers and admins.",
            hint=f"Ask {grantors(admins)}.",
        )


def _visible_deal(session: Session, requester: Requester, deal_id: int) -> DealRef:
    """The deal, if it is still there and the requester may see it (else a refusal they can read)."""
    deal = load_deal(session, deal_id=deal_id)
    if deal is None:
        raise UserFacingError(DEAL_GONE)
    check_deal(session, requester, deal)
    return deal


def _why(session: Session, deal: DealRef) -> Message:
    config = load_config(session)
    trace = load_trace(session, deal_id=deal.id)
    disputes = load_disputes(session, deal_id=deal.id, limit=5)
    return why_reply(deal, trace, disputes, config, can_dispute=True)


@dataclass(frozen=True)
class ShowWhy:
    deal_id: int
    user_id: str
    channel_id: str | None
    response_url: str


def parse_show_why(body: Body) -> ShowWhy | None:
    actions = body.get("actions") or [{}]
    value = str((actions[0].get("selected_option") or {}).get("value") or payload.action_value(body))
    user = payload.user_id(body)
    if not value.isdigit() or user is None:
        return None
    return ShowWhy(int(value), user, payload.channel_id(body), str(body.get("response_url") or ""))


def handle_show_why(request: ShowWhy, ctx: InteractionContext) -> Sequence[Effect]:
    requester = ctx.people.requester(request.user_id, request.channel_id)
    with ctx.database.session() as session:
        message = _why(session, _visible_deal(session, requester, request.deal_id))
    if request.response_url:
        return [Reply(request.response_url, request.user_id, request.channel_id, message)]
    return [DirectMessage(request.user_id, message)]


@dataclass(frozen=True)
class StartDispute:
    deal_id: int
    user_id: str
    trigger_id: str
    channel_id: str | None
    response_url: str


def parse_start_dispute(body: Body) -> StartDispute | None:
    value, user, trigger = payload.action_value(body), payload.user_id(body), body.get("trigger_id")
    if not value.isdigit() or user is None or not trigger:
        return None
    return StartDispute(int(value), user, str(trigger), payload.channel_id(body), str(body.get("response_url") or ""))


def handle_start_dispute(request: StartDispute, ctx: InteractionContext) -> Sequence[Effect]:
    requester = ctx.people.requester(request.user_id, request.channel_id)
    with ctx.database.session() as session:
        deal = _visible_deal(session, requester, request.deal_id)
    view = dispute_modal(deal, reply_to=request.response_url or None, channel=request.channel_id)
    return [OpenView(request.trigger_id, view)]


@dataclass(frozen=True)
class FinishDispute:
    deal_id: int
    proposed: str
    reason: str
    user_id: str
    view_id: str
    reply_to: str | None  # the Why reply to replace with its updated self
    channel_id: str | None


def parse_finish_dispute(body: Body) -> FinishDispute | None:
    user, view, meta = payload.user_id(body), body.get("view") or {}, payload.view_metadata(body)
    values = payload.view_values(body)
    chosen = (values.get(DISPUTE_PROPOSED_BLOCK, {}).get(DISPUTE_PROPOSED_INPUT) or {}).get("selected_option") or {}
    reason = str(values.get(DISPUTE_REASON_BLOCK, {}).get(DISPUTE_REASON_INPUT, {}).get("value") or "")
    if user is None or meta is None or not isinstance(meta.get("deal"), int):
        return None
    return FinishDispute(
        deal_id=meta["deal"],
        proposed=str(chosen.get("value", "")),
        reason=reason,
        user_id=user,
        view_id=str(view.get("id")),
        reply_to=str(meta["reply"]) if meta.get("reply") else None,
        channel_id=str(meta["channel"]) if meta.get("channel") else None,
    )


def _recipients(session: Session, dispute: Dispute) -> dict[str, bool]:
    """Slack user id → whether they decide (admins), for the partner's owner and the admins in Slack."""
    out: dict[str, bool] = {}
    partner = load_partner_profile(session, partner_id=dispute.partner_id) if dispute.partner_id else None
    if partner is not None and partner.owner_email:
        owner = load_people(session, emails=[partner.owner_email]).get(partner.owner_email.lower())
        if owner is not None and owner.slack_user_id:
            out[owner.slack_user_id] = False
    for admin in load_admins(session):
        if admin.slack_user_id:
            out[admin.slack_user_id] = True
    return out


def _queue(session: Session, key: str, user_id: str, message: Message, now: datetime) -> bool:
    if not claim_work(session, key=key, kind=NOTICE, at=now):
        return False
    enqueue(session, claim_key=key, kind=NOTICE, message=message, at=now, user_id=user_id)
    return True


def queue_dispute_notices(session: Session, dispute: Dispute, config: ProgramConfig, *, now: datetime) -> list[str]:
    """Queue the open dispute's notice to the partner's owner and each admin in Slack who has not had it (an
    admin gets Accept and Reject; whoever opened it gets none unless they decide); the Slack ids queued now.
    Run when the dispute is opened, and by the schedule for people found in Slack since (claimed: once each)."""
    told = []
    for user, decides in _recipients(session, dispute).items():
        if user == dispute.opened_by and not decides:
            continue
        notice = dispute_notice(dispute, config, decides=decides)
        if _queue(session, f"dispute:{dispute.id}:opened:{user}", user, notice, now):
            told.append(user)
    return told


def handle_finish_dispute(request: FinishDispute, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"dispute-view:{request.view_id}"):
        return []
    ctx.people.resolve_people(limit=10)  # admins and owners new to Slack get the notice now, not at the next tick
    requester = ctx.people.requester(request.user_id, request.channel_id)
    with ctx.database.transaction() as session:
        deal = _visible_deal(session, requester, request.deal_id)
        config = load_config(session)
        try:
            dispute = open_dispute(
                session,
                deal=deal,
                proposed=request.proposed,
                reason=request.reason,
                user_id=request.user_id,
                at=ctx.now,
            )
        except DisputeError as error:
            raise UserFacingError(error.message, hint=error.hint) from None
        told = queue_dispute_notices(session, dispute, config, now=ctx.now)
        updated = _why(session, deal)
    who = (
        ", ".join(f"<@{u}>" for u in told)
        if told
        else "nobody yet (no admin is in Slack): it waits in `/partner disputes`"
    )
    confirm = Message(
        text=f"Dispute #{dispute.id} sent.",
        blocks=[section(f":scales: Dispute #{dispute.id} sent to {who}. You'll get a DM when an admin decides.")],
        shareable=False,
    )
    effects: list[Effect] = []
    if request.reply_to:
        effects.append(Reply(request.reply_to, request.user_id, request.channel_id, updated, replace_original=True))
    effects.append(DirectMessage(request.user_id, confirm))
    return effects


@dataclass(frozen=True)
class StartDecision:
    dispute_id: int
    accept: bool
    user_id: str
    trigger_id: str


def parse_start_decision(body: Body) -> StartDecision | None:
    value, user, trigger = payload.action_value(body), payload.user_id(body), body.get("trigger_id")
    if not value.isdigit() or user is None or not trigger:
        return None
    return StartDecision(int(value), payload.action_id(body) == ACCEPT_ACTION, user, str(trigger))


def _check_admin(session: Session, requester: Requester) -> None:
    if requester.role != ADMIN:
        check_admin(requester, "disputes decide", load_admins(session))


def handle_start_decision(request: StartDecision, ctx: InteractionContext) -> Sequence[Effect]:
    requester = ctx.people.requester(request.user_id, None)
    with ctx.database.session() as session:
        _check_admin(session, requester)
        dispute = load_dispute(session, dispute_id=request.dispute_id)
    if dispute is None:
        raise UserFacingError(f"Dispute #{request.dispute_id} is no longer in partnerbot (its deal was deleted).")
    if not dispute.is_open:
        raise UserFacingError(
            f"Dispute #{dispute.id} was already {dispute.status}: nothing left to decide.",
            hint=f"By <@{dispute.decided_by}>.",
        )
    return [OpenView(request.trigger_id, decide_modal(dispute, accept=request.accept))]


@dataclass(frozen=True)
class FinishDecision:
    dispute_id: int
    accept: bool
    note: str
    user_id: str
    view_id: str


def parse_finish_decision(body: Body) -> FinishDecision | None:
    user, view, meta = payload.user_id(body), body.get("view") or {}, payload.view_metadata(body)
    note = str(payload.view_values(body).get(DECIDE_NOTE_BLOCK, {}).get(DECIDE_NOTE_INPUT, {}).get("value") or "")
    if user is None or meta is None or not isinstance(meta.get("dispute"), int):
        return None
    return FinishDecision(meta["dispute"], bool(meta.get("accept")), note, user, str(view.get("id")))


def handle_finish_decision(request: FinishDecision, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"decide-view:{request.view_id}"):
        return []
    requester = ctx.people.requester(request.user_id, None)
    with ctx.database.transaction() as session:
        _check_admin(session, requester)
        try:
            dispute = decide_dispute(
                session,
                dispute_id=request.dispute_id,
                accept=request.accept,
                note=request.note,
                user_id=request.user_id,
                at=ctx.now,
                config=load_config(session),
            )
        except DisputeError as error:
            raise UserFacingError(error.message, hint=error.hint) from None
        notice = decision_notice(dispute)
        people = {dispute.opened_by, *_recipients(session, dispute)} - {request.user_id}
        for user in sorted(people):
            _queue(session, f"dispute:{dispute.id}:decided:{user}", user, notice, ctx.now)
    return [DirectMessage(request.user_id, notice)]
