"""`/partner` in a partner-facing channel: only that partner's own, partner-friendly scorecard, whoever asks."""

from __future__ import annotations

from commands.context import CommandContext
from commands.disputes import partner_disputes
from commands.gather import gather_scorecard
from commands.qbr import handle_partner_channel_qbr, split_quarter
from reports.blocks.kit import section
from reports.blocks.partner_card import partner_card_blocks, partner_card_text
from reports.blocks.scorecard import scorecard_chart
from reports.lookup import core_name, normalise
from reports.message import Message, esc
from reports.model import PartnerProfile
from reports.views.scorecard import compute_scorecard
from storage.program import load_config

QUOTES = "\"'“”‘’"


def names_this_partner(text: str, partner: PartnerProfile) -> bool:
    """Empty text, `help`, or one of this partner's own names, aliases or id."""
    wanted = normalise(text.strip().strip(QUOTES))
    if wanted in ("", "help"):
        return True
    if text.strip().strip(QUOTES).casefold() == partner.external_id.casefold():
        return True
    return any(wanted == normalise(n) or core_name(text) == core_name(n) for n in (partner.name, *partner.aliases))


def handle_partner_channel(text: str, partner: PartnerProfile, ctx: CommandContext) -> Message:
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() == "disputes":  # this partner's attribution disputes, never another's
        return partner_disputes(partner, ctx)
    if words and words[0].lower() == "qbr":  # the partner's own pack, partner-safe: `/partner qbr [quarter]`
        named, quarter = split_quarter(words[1] if len(words) > 1 else "")
        if not named or names_this_partner(named, partner):
            return handle_partner_channel_qbr(quarter, partner, ctx)
        text = named
    if not names_this_partner(text, partner):
        refusal = (
            f"This channel is shared with {partner.name}, so here I only show {partner.name}'s own scorecard: "
            "type `/partner` on its own, or `/partner qbr [quarter]` for its quarterly review."
        )
        return Message(text=refusal, blocks=[section(esc(refusal))], shareable=False)
    with ctx.database.session() as session:
        config = load_config(session)
        facts = gather_scorecard(session, partner=partner, as_of=ctx.as_of, config=config)
    card = compute_scorecard(facts, config, ctx.as_of)
    files = (scorecard_chart(card),) if ctx.charts else ()
    return Message(text=partner_card_text(card), blocks=partner_card_blocks(card, config), files=files)
