"""`/partner disputes [open | decided] [partner]`: attribution disputes, open first, then decided, newest first.

Admins and managers see every partner's; anyone else, the disputes on the partners they own and those they
opened. In a channel shared with a partner, only that partner's disputes (see commands/partner_channel.py).
"""

from __future__ import annotations

from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.scorecard import QUOTES
from reports.attribution import OPEN
from reports.blocks.disputes import disputes_reply
from reports.lookup import find_partner
from reports.message import Message
from reports.model import PartnerProfile, Scope
from storage.disputes import load_disputes
from storage.loaders.partners import load_partner_profiles
from storage.program import load_config

USAGE = "disputes [open | decided] [partner]"
STATUSES = {"open": OPEN, "decided": "decided", "all": None}


def parse_disputes(text: str) -> tuple[str | None, str]:
    """(status filter, partner text): `open acme` → ('open', 'acme')."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() in STATUSES:
        return STATUSES[words[0].lower()], words[1].strip() if len(words) > 1 else ""
    return None, text.strip()


def handle_disputes(text: str, ctx: CommandContext) -> Message:
    status, named = parse_disputes(text)
    requester = ctx.requester
    with ctx.database.session() as session:
        config = load_config(session)
        partners = load_partner_profiles(session, scope=Scope())
        partner = _named(named, partners) if named else None
        mine = requester.email.lower() if requester.email else None
        if requester.sees_everything:
            ids = None if partner is None else [partner.id]
            found = load_disputes(session, partner_ids=ids, status=status)
            whose = partner.name if partner else "every partner"
        else:
            owned = [p.id for p in partners if mine and (p.owner_email or "").lower() == mine]
            if partner is not None and partner.id not in owned:
                raise UserFacingError(
                    f"{partner.name} isn't one of your partners, so its disputes are for its owner and the admins."
                )
            ids = owned if partner is None else [partner.id]
            found = load_disputes(session, partner_ids=ids, status=status)
            if partner is None and requester.user_id:  # and the ones they opened, on any partner
                theirs = load_disputes(session, status=status, opened_by=requester.user_id)
                found = sorted({d.id: d for d in [*found, *theirs]}.values(), key=lambda d: -d.id)
            whose = partner.name if partner else "your partners"
    return disputes_reply(found, config, whose=whose, status=status)


def partner_disputes(partner: PartnerProfile, ctx: CommandContext) -> Message:
    """A partner channel's `/partner disputes`: that partner's own, nobody else's."""
    with ctx.database.session() as session:
        config = load_config(session)
        found = load_disputes(session, partner_ids=[partner.id])
    return disputes_reply(found, config, whose=partner.name)


def _named(text: str, partners: list[PartnerProfile]) -> PartnerProfile:
    query = text.strip().strip(QUOTES).strip()
    found = find_partner(query, partners)
    if found.match is None:
        names = ", ".join(p.name for p in found.candidates[:5])
        raise UserFacingError(
            f"No single partner is called “{query}”" + (f": did you mean {names}?" if names else "."),
            hint="Use the partner's name or id, e.g. `/partner disputes open acme`.",
        )
    return found.match
