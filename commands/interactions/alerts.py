"""Buttons on an owner alert DM: Responded and Log next step record it once and mark the item done in place;
Snooze… opens a modal, and its submission records the snooze and marks the item snoozed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from commands.errors import UserFacingError
from commands.interactions import payload
from commands.interactions.context import InteractionContext
from commands.interactions.effects import Effect, OpenView, Reply, Update
from commands.interactions.payload import Body
from reports.blocks.alerts import (
    DORMANT,
    RESPONDED_ACTION,
    SNOOZE_DAYS_INPUT,
    SNOOZE_LENGTH_BLOCK,
    SNOOZE_REASON_INPUT,
    SNOOZE_WHY_BLOCK,
    STALE,
    intro_label,
    item_block_id,
    resolve_item,
    snooze_modal,
)
from reports.blocks.kit import section
from reports.message import Message
from storage.alerts import (
    load_intro_names,
    load_partner_name,
    record_intro_response,
    record_next_step,
    record_snooze,
)
from storage.work import load_sent_message, record_sent_blocks

SUBJECT_GONE = "That alert's intro or partner is no longer in partnerbot: nothing to snooze."
DEFAULT_SNOOZE_DAYS = 3


@dataclass(frozen=True)
class ResolveAlert:
    """Responded or Log next step, on one stale intro of an alert DM."""

    action: str
    intro_id: int
    user_id: str
    channel_id: str | None
    ts: str | None
    blocks: tuple[dict[str, Any], ...]  # the message as clicked, for a DM the store no longer holds
    response_url: str = ""  # where to confirm when there is no message to update (a scorecard's reply)


def parse_resolve_alert(body: Body) -> ResolveAlert | None:
    value, user = payload.action_value(body), payload.user_id(body)
    if not value.isdigit() or user is None:
        return None
    message = body.get("message") or {}
    return ResolveAlert(
        action=payload.action_id(body),
        intro_id=int(value),
        user_id=user,
        channel_id=payload.channel_id(body),
        ts=str(message["ts"]) if message.get("ts") else None,
        blocks=tuple(message.get("blocks") or ()),
        response_url=str(body.get("response_url") or ""),
    )


def handle_resolve_alert(request: ResolveAlert, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"{request.action}:{request.intro_id}"):
        return []
    responded = request.action == RESPONDED_ACTION
    what = ":white_check_mark: Responded" if responded else ":memo: Next step logged"
    note = f"{what} — recorded by <@{request.user_id}>."
    with ctx.database.transaction() as session:
        record = record_intro_response if responded else record_next_step
        record(session, intro_id=request.intro_id, at=ctx.now)
        where = (request.channel_id, request.ts)
        updated = resolve_sent(session, where, STALE, str(request.intro_id), note, fresh=list(request.blocks))
    if updated is not None:
        return [updated]
    if request.response_url:  # an ephemeral scorecard: nothing to update, so say it was recorded
        done = "Responded" if responded else "Next step logged"
        confirm = Message(text=f"{done}: recorded for the intro.", blocks=[section(note)])
        return [Reply(request.response_url, request.user_id, request.channel_id, confirm)]
    return []


def snooze_label(session: Session, *, rule: str, subject: str) -> str | None:
    """The name a snooze is listed under (the intro or partner its button was on), or None when it is gone."""
    if not subject.isdigit():
        return None
    if rule == STALE:
        names = load_intro_names(session, intro_id=int(subject))
        return None if names is None else intro_label(*names)
    if rule == DORMANT:
        return load_partner_name(session, partner_id=int(subject))
    return None


@dataclass(frozen=True)
class StartSnooze:
    rule: str
    subject: str  # an intro id (stale_intro) or a partner id (dormant)
    user_id: str
    trigger_id: str
    channel_id: str | None
    ts: str | None


def parse_start_snooze(body: Body) -> StartSnooze | None:
    user, trigger = payload.user_id(body), body.get("trigger_id")
    rule, _, subject = payload.action_value(body).partition("|")
    if user is None or not trigger or not rule:
        return None
    channel = (body.get("channel") or {}).get("id")  # where the alert DM is, for the update after
    ts = (body.get("message") or {}).get("ts")
    return StartSnooze(rule, subject, user, str(trigger), str(channel) if channel else None, str(ts) if ts else None)


def handle_start_snooze(request: StartSnooze, ctx: InteractionContext) -> Sequence[Effect]:
    with ctx.database.session() as session:
        label = snooze_label(session, rule=request.rule, subject=request.subject)
    if label is None:
        raise UserFacingError(SUBJECT_GONE)
    view = snooze_modal(label, rule=request.rule, subject=request.subject, channel=request.channel_id, ts=request.ts)
    return [OpenView(request.trigger_id, view)]


@dataclass(frozen=True)
class FinishSnooze:
    rule: str
    subject: str
    days: int
    reason: str | None
    user_id: str
    view_id: str
    channel_id: str | None  # where the alert DM is (carried in the modal's metadata)
    ts: str | None


def parse_finish_snooze(body: Body) -> FinishSnooze | None:
    user, view, where = payload.user_id(body), body.get("view") or {}, payload.view_metadata(body)
    values = payload.view_values(body)
    chosen = (values.get(SNOOZE_LENGTH_BLOCK, {}).get(SNOOZE_DAYS_INPUT) or {}).get("selected_option") or {}
    days = str(chosen.get("value", DEFAULT_SNOOZE_DAYS))
    reason = str(values.get(SNOOZE_WHY_BLOCK, {}).get(SNOOZE_REASON_INPUT, {}).get("value") or "").strip()
    if user is None or where is None or not days.isdigit():
        return None
    return FinishSnooze(
        rule=str(where.get("rule", "")),
        subject=str(where.get("subject", "")),
        days=int(days),
        reason=reason or None,
        user_id=user,
        view_id=str(view.get("id")),
        channel_id=str(where["channel"]) if where.get("channel") else None,
        ts=str(where["ts"]) if where.get("ts") else None,
    )


def handle_finish_snooze(request: FinishSnooze, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"snooze-view:{request.view_id}"):
        return []
    requester = ctx.people.requester(request.user_id, None)
    reason = request.reason
    note = f":zzz: Snoozed for {request.days} days by <@{request.user_id}>" + (f": {reason}" if reason else "")
    with ctx.database.transaction() as session:
        label = snooze_label(session, rule=request.rule, subject=request.subject)
        if label is None:
            raise UserFacingError(SUBJECT_GONE)
        record_snooze(
            session,
            rule=request.rule,
            subject=request.subject,
            label=label,
            owner_email=requester.email,
            user_id=request.user_id,
            reason=reason,
            until=ctx.now + timedelta(days=request.days),
            at=ctx.now,
        )
        updated = resolve_sent(session, (request.channel_id, request.ts), request.rule, request.subject, note)
    return [updated] if updated is not None else []


def resolve_sent(
    session: Session,
    where: tuple[str | None, str | None],
    rule: str,
    subject: str,
    note: str,
    fresh: list[dict[str, Any]] | None = None,
) -> Update | None:
    """One alert item marked done in the stored copy of its message, which is kept for the next item (so two
    items resolved one after the other both show); the update to send to Slack, or None if unknown."""
    channel, ts = where
    if not channel or not ts:
        return None
    sent = load_sent_message(session, channel=channel, ts=ts)
    if sent is None and fresh is None:
        return None
    blocks = resolve_item(sent.blocks if sent else fresh or [], item_block_id(rule, subject), note)
    text = sent.text if sent else "Partner alerts"
    if sent is not None:
        record_sent_blocks(session, outbox_id=sent.outbox_id, text=text, blocks=blocks)
    return Update(channel, ts, Message(text=text or "Partner alerts", blocks=blocks))
