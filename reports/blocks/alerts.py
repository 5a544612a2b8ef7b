"""Owner alert DMs: stale intros and dormant partners, one grouped message, each item with its buttons; and the
modal their Snooze button opens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, RadioButtonsElement
from slack_sdk.models.views import View

from reports.blocks.kit import MAX_BLOCKS, Block, actions, button, context, header, section
from reports.formatting import days, hours
from reports.kpis.dormancy import DormantPartner
from reports.kpis.handoffs import StaleIntro
from reports.message import Message, esc

RESPONDED_ACTION = "alert_responded"
NEXT_STEP_ACTION = "alert_next_step"
SNOOZE_ACTION = "alert_snooze"
OPEN_ACTION = "alert_open"
SNOOZE_VIEW = "snooze_alert"
SNOOZE_LENGTH_BLOCK, SNOOZE_DAYS_INPUT = "length", "days"
SNOOZE_WHY_BLOCK, SNOOZE_REASON_INPUT = "why", "reason"
SNOOZE_DAYS = (("3 days", 3), ("1 week", 7))
STALE, DORMANT, ESCALATION = "stale_intro", "dormant", "escalation"


def item_block_id(rule: str, subject: int | str) -> str:
    return f"{rule}:{subject}:actions"


def snooze_value(rule: str, subject: int | str) -> str:
    """A Snooze button carries ids only: the rule and its subject (an intro or partner id)."""
    return f"{rule}|{subject}"


def intro_label(account: str | None, external_id: str, partner_name: str) -> str:
    """How an alert names an intro (plain text; escape it for mrkdwn)."""
    return f"{account or external_id} via {partner_name}"


def _stale(item: StaleIntro, *, escalation: bool) -> list[Block]:
    intro = item.intro
    owner = f" · owner {esc(intro.partner_owner_email)}" if escalation and intro.partner_owner_email else ""
    flag = ":rotating_light: " if item.escalate else ""
    blocks = [
        section(
            f"{flag}*{esc(intro.account or intro.external_id)}* via {esc(intro.partner_name)} — waiting "
            f"{hours(item.age_hours)} for {esc(intro.seller_email or 'a seller')}{owner}"
        )
    ]
    if not escalation:
        blocks.append(
            actions(
                button("Responded", RESPONDED_ACTION, str(intro.intro_id), style="primary"),
                button("Log next step", NEXT_STEP_ACTION, str(intro.intro_id)),
                button("Snooze…", SNOOZE_ACTION, snooze_value(STALE, intro.intro_id)),
                button("Open scorecard", OPEN_ACTION, str(intro.partner_id)),
                block_id=item_block_id(STALE, intro.intro_id),
            )
        )
    return blocks


def _dormant(item: DormantPartner) -> list[Block]:
    quiet = f"{days(item.days_quiet)} quiet" if item.days_quiet is not None else "never active"
    return [
        section(f"*{esc(item.partner.name)}* — dormant ({item.diagnosis}), {quiet}\n{esc(item.step)}"),
        actions(
            button("Snooze…", SNOOZE_ACTION, snooze_value(DORMANT, item.partner.id)),
            button("Open scorecard", OPEN_ACTION, str(item.partner.id)),
            block_id=item_block_id(DORMANT, item.partner.id),
        ),
    ]


def alert_message(
    *, stale: Sequence[StaleIntro], dormant: Sequence[DormantPartner], sla_hours: int, escalation: bool = False
) -> Message:
    parts = []
    if stale:
        parts.append(f"{len(stale)} intro{'s' if len(stale) != 1 else ''} past the {sla_hours} h SLA")
    if dormant:
        parts.append(f"{len(dormant)} dormant partner{'s' if len(dormant) != 1 else ''}")
    summary = " and ".join(parts)
    title = "Intros waiting too long on your team" if escalation else "Partners that need you"
    blocks: list[Block] = [
        header(title),
        context(
            "Escalated: these intros are past twice the SLA"
            if escalation
            else "Mark intros responded, log a next step, or snooze what can wait."
        ),
    ]
    items = [_stale(s, escalation=escalation) for s in stale] + [_dormant(d) for d in dormant]
    shown = 0
    for item in items:
        if len(blocks) + len(item) > MAX_BLOCKS - 1:
            break
        blocks += item
        shown += 1
    if shown < len(items):
        blocks.append(
            context(f"…and {len(items) - shown} more: `/partner handoffs` and `/partner dormant` list them all")
        )
    return Message(text=f"{title}: {summary}.", blocks=blocks, response_type="in_channel", shareable=False)


def resolve_item(blocks: Sequence[dict[str, Any]], block_id: str, note: str) -> list[dict[str, Any]]:
    """The message with one item's buttons replaced by what was done about it."""
    return [context(note) if b.get("block_id") == block_id else b for b in blocks]


def unreachable_message(owners: Sequence[tuple[str, int]]) -> Message:
    lines = "\n".join(f"• {esc(email)}: {n} alert item{'s' if n != 1 else ''}" for email, n in owners[:40])
    text = (
        f"{len(owners)} partner owner{'s are' if len(owners) != 1 else ' is'} not in Slack (or not found by "
        "email), so their alerts could not be sent."
    )
    return Message(
        text=text,
        blocks=[
            section(f"*{esc(text)}*\n{lines}"),
            context("Add them to Slack with the same email, or fix their email in the people list."),
        ],
        response_type="in_channel",
        shareable=False,
    )


def admin_notice(text: str) -> Message:
    return Message(text=text, blocks=[section(f":warning: {esc(text)}")], response_type="in_channel", shareable=False)


def snooze_modal(label: str, *, rule: str, subject: str, channel: str | None, ts: str | None) -> dict[str, Any]:
    """The Snooze modal. It carries ids only (the rule, its subject, and where the alert is): names and the
    message's blocks are read back from the store when it is submitted."""
    options = [Option(label=text, value=str(days)) for text, days in SNOOZE_DAYS]
    where = {"rule": rule, "subject": subject, "channel": channel, "ts": ts}
    return View(
        type="modal",
        callback_id=SNOOZE_VIEW,
        private_metadata=json.dumps(where),  # ids only: well under Slack's 3,000 characters
        title="Snooze an alert",
        submit="Snooze",
        close="Cancel",
        blocks=[
            section(
                f"*{esc(label[:200])}* will be left out of your alerts until then; it shows up in the weekly digest "
                "before the snooze ends."
            ),
            InputBlock(
                block_id=SNOOZE_LENGTH_BLOCK,
                label="For",
                element=RadioButtonsElement(action_id=SNOOZE_DAYS_INPUT, options=options, initial_option=options[0]),
            ),
            InputBlock(
                block_id=SNOOZE_WHY_BLOCK,
                label="Why",
                optional=True,
                element=PlainTextInputElement(action_id=SNOOZE_REASON_INPUT, max_length=300),
            ),
        ],
    ).to_dict()
