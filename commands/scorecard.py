"""`/partner <name>`: one partner's scorecard."""

from __future__ import annotations

from commands.access import check_partner
from commands.context import CommandContext
from commands.gather import gather_scorecard
from reports.blocks.lookup import lookup_reply
from reports.blocks.scorecard import scorecard_blocks, scorecard_chart, scorecard_text
from reports.lookup import find_partner
from reports.message import Message
from reports.model import PartnerProfile, Scope
from reports.views.scorecard import compute_scorecard
from storage.loaders.partners import load_admins, load_partner_profile, load_partner_profiles
from storage.program import load_config

QUOTES = "\"'“”‘’"


def handle_scorecard(text: str, ctx: CommandContext) -> Message:
    query = text.strip().strip(QUOTES).strip()
    with ctx.database.session() as session:
        partners = load_partner_profiles(session, scope=Scope())
    found = find_partner(query, partners)
    if found.match is None:
        return lookup_reply(query, found)
    return scorecard_message(found.match, ctx)


def handle_scorecard_by_id(partner_id: int, ctx: CommandContext) -> Message:
    """The card for a partner picked with a button (the id came from one of our own messages)."""
    with ctx.database.session() as session:
        partner = load_partner_profile(session, partner_id=partner_id)
    if partner is None:
        return Message(text="That partner is no longer in partnerbot.")
    return scorecard_message(partner, ctx)


def scorecard_message(partner: PartnerProfile, ctx: CommandContext) -> Message:
    with ctx.database.session() as session:
        if not ctx.requester.sees_everything:
            check_partner(ctx.requester, partner, load_admins(session))
        config = load_config(session)
        facts = gather_scorecard(session, partner=partner, as_of=ctx.as_of, config=config)
    card = compute_scorecard(facts, config, ctx.as_of)
    files = (scorecard_chart(card),) if ctx.charts else ()
    return Message(text=scorecard_text(card, config), blocks=scorecard_blocks(card, config), files=files)
