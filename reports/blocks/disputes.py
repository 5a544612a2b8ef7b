"""Why a deal is sourced, influenced or direct, and its disputes: the trace reply, the Dispute and decision
modals, the notices to the owner and the admins, and `/partner disputes`.

Every text that came from outside (deal and partner names, file names, columns, values, reasons) is escaped;
mentions are built here from Slack user ids only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, RadioButtonsElement
from slack_sdk.models.views import View

from reports.attribution import ACCEPTED, API, DISPUTE, HELD, IMPORT, DealRef, Dispute, TraceStep
from reports.blocks.kit import Block, actions, bullet_lines, button, clip_escaped, context, header, section
from reports.config import ProgramConfig
from reports.formatting import count, day, local_date, local_time, money
from reports.message import Message, esc

WHY_ACTION = "attribution_why"  # a button (value: the deal's id) or a picker of deals (the chosen option's value)
WHY_PICK_ACTION = "attribution_why_pick"
DISPUTE_ACTION = "attribution_dispute"
DISPUTE_VIEW = "attribution_dispute_view"
DISPUTE_PROPOSED_BLOCK, DISPUTE_PROPOSED_INPUT = "proposed", "proposed_input"
DISPUTE_REASON_BLOCK, DISPUTE_REASON_INPUT = "reason", "reason_input"
ACCEPT_ACTION = "attribution_accept"
REJECT_ACTION = "attribution_reject"
DECIDE_VIEW = "attribution_decide"
DECIDE_NOTE_BLOCK, DECIDE_NOTE_INPUT = "note", "note_input"
ATTRIBUTIONS = ("sourced", "influenced", "direct")
MAX_PICK = 10
MAX_OPTION_TEXT = 75
SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")


def mention(user_id: str | None) -> str:
    """A mention of a Slack user id; anything else (never expected) is shown as text, not markup."""
    if user_id and SLACK_USER.fullmatch(user_id):
        return f"<@{user_id}>"
    return esc(user_id or "someone")


def quoted(text: str | None) -> str:
    """A reason or note in quotation marks, escaped (its line breaks kept)."""
    return f"“{esc((text or '').strip())}”"


def deal_facts(deal: DealRef, currency: str) -> str:
    """'Acme · won 2026-06-10 · $12.5k', escaped."""
    state = f"won {day(deal.closed_on)}" if deal.outcome == "won" and deal.closed_on else deal.outcome
    if deal.outcome == "open" and deal.stage:
        state = f"open, {esc(deal.stage)}"
    parts = [esc(deal.partner_name) if deal.partner_name else "no partner", state]
    if deal.amount_minor is not None:
        parts.append(money(deal.amount_minor, currency))
    return " · ".join(parts)


def _credit(step: TraceStep) -> str:
    partner = f" for {esc(step.partner_name)}" if step.partner_name and step.attribution != "direct" else ""
    return f"*{step.attribution}*{partner}"


def _how(step: TraceStep) -> str:
    """What set the value: the import's file, line and column with the value as the file said it; the API source
    and event; or the dispute and who decided it."""
    value = f" = “{esc(step.raw_value)}”" if step.raw_value is not None else ""
    where = f" ({esc(step.reference)})" if step.reference else ""
    if step.origin == IMPORT:
        return f"import of `{esc(step.source)}`{where}, column *{esc(step.field or 'attribution')}*{value}"
    if step.origin == API:
        return f"API source `{esc(step.source)}`{where}, field *{esc(step.field or 'attribution')}*{value}"
    if step.origin == DISPUTE:
        return f"{esc(step.source)}, decided by {mention(step.reference)}"
    return esc(step.source)


def _by(step: TraceStep) -> str:
    """What set it, in plain text (the notification): 'import crm.csv (line 2)', 'API source api:crm (event
    e-1)', 'dispute #3'."""
    if step.origin == DISPUTE:
        return step.source
    what = "import" if step.origin == IMPORT else "API source"
    return f"{what} {step.source}" + (f" ({step.reference})" if step.reference else "")


def _held_source(source: str) -> str:
    """A held value's source ('import: crm.csv', 'api: api:crm') as the trace says it."""
    origin, _, name = source.partition(": ")
    what = {IMPORT: "the import of", API: "API source"}.get(origin)
    return f"{what} `{esc(name)}`" if what and name else esc(source)


def trace_line(step: TraceStep, tz: ZoneInfo) -> str:
    when = local_time(step.changed_at, tz)
    if step.origin == HELD:
        where = f" ({esc(step.reference)})" if step.reference else ""
        return (
            f"{when}: {_held_source(step.source)}{where} said {_credit(step)} (column "
            f"*{esc(step.field or 'attribution')}*): kept *{step.previous}*, as a dispute decided"
        )
    if step.previous is None:
        change = "new deal"
    elif step.previous == step.attribution:
        change = f"credit moved from {esc(step.previous_partner_name or 'no partner')}"
    else:
        change = f"was *{step.previous}*"
    return f"{when}: {_credit(step)} ({change}), set by {_how(step)}"


def dispute_line(dispute: Dispute, tz: ZoneInfo, *, with_deal: bool = False) -> str:
    deal = f"*{esc(dispute.deal.label)}* ({esc(dispute.partner_name or 'no partner')}) · " if with_deal else ""
    opened = (
        f"#{dispute.id} · {deal}{mention(dispute.opened_by)} proposed *{dispute.proposed}* instead of "
        f"*{dispute.attribution}* on {local_date(dispute.opened_at, tz)}"
    )
    if dispute.is_open:
        return f"{opened}: open — “{esc(dispute.reason)}”"
    verdict = "accepted" if dispute.status == ACCEPTED else "rejected"
    when = local_date(dispute.decided_at, tz) if dispute.decided_at else "?"
    return (
        f"{opened}: *{verdict}* by {mention(dispute.decided_by)} on {when}, now *{dispute.decided_attribution}* — "
        f"“{esc(dispute.decision_note)}”"
    )


def why_reply(
    deal: DealRef,
    trace: Sequence[TraceStep],
    disputes: Sequence[Dispute],
    config: ProgramConfig,
    *,
    can_dispute: bool,
) -> Message:
    """The rule trace of one deal's attribution, its disputes, and the Dispute button."""
    tz = config.tz
    changes = [s for s in trace if s.origin != HELD]
    if changes:
        latest = changes[0]
        summary = f"{deal.label} is {deal.attribution}: set {local_date(latest.changed_at, tz)} by {_by(latest)}"
    else:
        summary = f"{deal.label} is {deal.attribution}: no change recorded since the trace began"
    lines = [trace_line(step, tz) for step in trace]
    if not changes:
        lines.append(
            f"No change recorded: it has been *{deal.attribution}* since before partnerbot kept the attribution trace "
            f"(last written {local_date(deal.updated_at, tz)}). The next import that changes it will show here."
        )
    blocks: list[Block] = [
        section(
            f":mag: *Why is {esc(deal.label)} {deal.attribution}?*\n{deal_facts(deal, config.base_currency)} · "
            f"deal `{esc(deal.external_id)}`"
        ),
        *bullet_lines(lines),
    ]
    open_one = next((d for d in disputes if d.is_open), None)
    if disputes:
        blocks += bullet_lines([f"Dispute {dispute_line(d, tz)}" for d in disputes[:5]])
    if can_dispute and open_one is None:
        blocks.append(actions(button("Dispute…", DISPUTE_ACTION, str(deal.id))))
        blocks.append(context("Think it should be credited differently? *Dispute…* sends it to the owner and admins."))
    elif open_one is not None:
        blocks.append(context(f"Dispute #{open_one.id} is open: an admin decides it."))
    return Message(text=summary, blocks=blocks, shareable=False)


def why_button(deal_id: int, attribution: str) -> Any:
    return button(f"Why {attribution}?", WHY_ACTION, str(deal_id))


def why_picker(block: Block, deals: Sequence[tuple[int, str]]) -> Block:
    """`block` (a section) with a *Why sourced?* picker of these deals (id, label) as its accessory, so the
    scorecard's deals can answer why without a line of their own."""
    if not deals:
        return block
    options = [
        {"text": {"type": "plain_text", "text": clip_escaped(label, MAX_OPTION_TEXT)}, "value": str(deal_id)}
        for deal_id, label in deals[:MAX_PICK]
    ]
    accessory = {
        "type": "static_select",
        "action_id": WHY_PICK_ACTION,
        "placeholder": {"type": "plain_text", "text": "Why sourced? Pick a deal"},
        "options": options,
    }
    return {**block, "accessory": accessory}


def _metadata(**values: object) -> str:
    return json.dumps(values)  # ids and a response URL only: well under Slack's 3,000 characters


def dispute_modal(deal: DealRef, *, reply_to: str | None, channel: str | None) -> dict[str, Any]:
    """The Dispute modal: the proposed attribution and why (ids only in its metadata)."""
    choices = [a for a in ATTRIBUTIONS if a != deal.attribution]
    options = [Option(label=choice, value=choice) for choice in choices]
    return View(
        type="modal",
        callback_id=DISPUTE_VIEW,
        private_metadata=_metadata(deal=deal.id, reply=reply_to, channel=channel),
        title="Dispute attribution",
        submit="Send",
        close="Cancel",
        blocks=[
            section(
                f"*{esc(deal.label)}* is *{deal.attribution}* "
                f"({esc(deal.partner_name or 'no partner')}). "
                "Your dispute goes to the partner's owner and the admins; an admin decides."
            ),
            InputBlock(
                block_id=DISPUTE_PROPOSED_BLOCK,
                label="It should be",
                element=RadioButtonsElement(
                    action_id=DISPUTE_PROPOSED_INPUT, options=options, initial_option=options[0]
                ),
            ),
            InputBlock(
                block_id=DISPUTE_REASON_BLOCK,
                label="Why",
                element=PlainTextInputElement(
                    action_id=DISPUTE_REASON_INPUT,
                    multiline=True,
                    max_length=1000,
                    placeholder="What shows it: the registration, the intro, the email thread…",
                ),
            ),
        ],
    ).to_dict()


def dispute_notice(dispute: Dispute, config: ProgramConfig, *, decides: bool) -> Message:
    """The new dispute, to the partner's owner and to each admin (admins get Accept and Reject)."""
    deal = dispute.deal
    text = (
        f"Attribution dispute #{dispute.id}: {deal.label} ({dispute.partner_name or 'no partner'}) is "
        f"{dispute.attribution}; proposed: {dispute.proposed}."
    )
    blocks: list[Block] = [
        section(
            f":scales: *Attribution dispute #{dispute.id}* on *{esc(deal.label)}* "
            f"({deal_facts(deal, config.base_currency)})\n{mention(dispute.opened_by)} says it should be "
            f"*{dispute.proposed}*, not *{dispute.attribution}*:\n{quoted(dispute.reason)}"
        ),
        actions(button(f"Why {dispute.attribution}?", WHY_ACTION, str(deal.id))),
    ]
    if decides:
        blocks.append(
            actions(
                button(f"Accept: make it {dispute.proposed}", ACCEPT_ACTION, str(dispute.id), style="primary"),
                button(f"Reject: keep {dispute.attribution}", REJECT_ACTION, str(dispute.id), style="danger"),
            )
        )
        blocks.append(context("An admin's decision changes the deal's attribution from the next figure on."))
    else:
        blocks.append(context("An admin decides; `/partner disputes` lists open and decided disputes."))
    return Message(text=text, blocks=blocks, shareable=False)


def decide_modal(dispute: Dispute, *, accept: bool) -> dict[str, Any]:
    outcome = (
        f"*{esc(dispute.deal.label)}* becomes *{dispute.proposed}* (now {dispute.attribution})"
        if accept
        else f"*{esc(dispute.deal.label)}* stays *{dispute.attribution}*"
    )
    return View(
        type="modal",
        callback_id=DECIDE_VIEW,
        private_metadata=_metadata(dispute=dispute.id, accept=accept),
        title="Accept dispute" if accept else "Reject dispute",
        submit="Accept" if accept else "Reject",
        close="Cancel",
        blocks=[
            section(
                f"Dispute #{dispute.id}: {outcome}. Later imports will not undo it: they are reported instead.\n"
                f"{mention(dispute.opened_by)} wrote:\n{quoted(dispute.reason)}"
            ),
            InputBlock(
                block_id=DECIDE_NOTE_BLOCK,
                label="Why (kept with the decision)",
                element=PlainTextInputElement(action_id=DECIDE_NOTE_INPUT, multiline=True, max_length=1000),
            ),
        ],
    ).to_dict()


def decision_notice(dispute: Dispute) -> Message:
    """The decision, to whoever opened the dispute and the partner's owner."""
    deal = dispute.deal
    if dispute.status == ACCEPTED:
        outcome = f"{deal.label} is now {dispute.decided_attribution} (was {dispute.attribution})"
        said = f"*{esc(deal.label)}* is now *{dispute.decided_attribution}* (was {dispute.attribution})"
    else:
        outcome = f"{deal.label} stays {dispute.decided_attribution}"
        said = f"*{esc(deal.label)}* stays *{dispute.decided_attribution}*"
    text = f"Dispute #{dispute.id} {dispute.status}: {outcome}."
    blocks = [
        section(
            f":scales: *Dispute #{dispute.id} {dispute.status}* by {mention(dispute.decided_by)}: {said}.\n"
            f"{quoted(dispute.decision_note)}"
        ),
        context("Every figure counts the deal this way from now on; later imports that disagree are reported."),
    ]
    return Message(text=text, blocks=blocks, shareable=False)


def disputes_reply(
    disputes: Sequence[Dispute], config: ProgramConfig, *, whose: str, status: str | None = None
) -> Message:
    """`/partner disputes`: the open ones first, then the decided ones, newest first; `status` the filter asked
    for (open or decided), said in the title."""
    tz = config.tz
    open_ones = [d for d in disputes if d.is_open]
    decided = [d for d in disputes if not d.is_open]
    which = f"{status.capitalize()} attribution disputes" if status else "Attribution disputes"
    title = f"{which} — {whose}"
    if not disputes:
        empty = "None yet. A dispute is opened from a deal's *Why sourced?* (on a scorecard or a first-win post)."
        return Message(text=f"{title}: none.", blocks=[header(title), section(empty)])
    blocks: list[Block] = [header(title)]
    if open_ones:
        blocks.append(section(f"*Open ({count(len(open_ones), 'dispute')})*"))
        blocks += bullet_lines([dispute_line(d, tz, with_deal=True) for d in open_ones])
    if decided:
        blocks.append(section(f"*Decided ({count(len(decided), 'dispute')})*"))
        blocks += bullet_lines([dispute_line(d, tz, with_deal=True) for d in decided])
    text = f"{title}: {len(open_ones)} open, {len(decided)} decided."
    return Message(text=text, blocks=blocks[:50])
