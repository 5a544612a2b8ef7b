"""`/partner qbr <partner> [quarter]`: a partner's quarterly business review pack, as a PDF.

The quarter is parsed as `/partner incentives` parses it; the partner is found as the scorecard finds it, behind
the same access rule. The pack's quarter is computed as of its end (or as of now while it runs), and each of the
four trend quarters is the scorecard at that quarter's end: gather_scorecard and compute_scorecard, nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from commands.access import check_partner
from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.gather import gather_scorecard
from commands.incentives import parse_quarter
from commands.scorecard import QUOTES
from reports.blocks.lookup import lookup_reply
from reports.blocks.qbr import qbr_message
from reports.config import ProgramConfig
from reports.kpis.qbr import compute_trend_quarters
from reports.lookup import find_partner
from reports.message import Message
from reports.model import PartnerProfile, Scope
from reports.timeframe import day_start
from reports.views.qbr import QbrView, QuarterCard, compute_qbr, partner_safe
from reports.views.scorecard import compute_scorecard
from storage.db import Database
from storage.loaders.partners import load_admins, load_partner_profiles
from storage.program import load_config

USAGE = "qbr <partner> [quarter]"
# anything that looks like a quarter ends the text, so that a typo (2026-Q5) is refused, not read as a name
TRAILING_QUARTER = re.compile(r"\s+(\d{4}\s*-?\s*Q\d+|Q\d+\s*[- ]?\s*\d{4})\s*$", re.IGNORECASE)


def split_quarter(text: str) -> tuple[str, str]:
    """'acme 2026-Q3' → ('acme', '2026-Q3'); a text without a trailing quarter is all partner."""
    found = TRAILING_QUARTER.search(" " + text.strip())
    if found is None:
        return text.strip(), ""
    return (" " + text.strip())[: found.start()].strip(), found.group(1)


def pack_quarter(text: str, as_of: datetime, config: ProgramConfig) -> tuple[str, datetime, date]:
    """(label, the pack's as-of, the quarter's first day): a past quarter is read as of its end, the current one
    as of now; a quarter not begun yet is refused."""
    try:
        label, first, end = parse_quarter(text, as_of, config)
    except UserFacingError as error:
        raise UserFacingError(
            error.message, hint="Write it like `/partner qbr acme 2026-Q3`, or leave it out for this quarter."
        ) from None
    if day_start(first, config.tz) >= as_of:
        raise UserFacingError(f"{label} has not begun yet, so there is no review for it.", hint="Try this quarter.")
    return label, min(day_start(end, config.tz), as_of), first


def compute_pack(
    database: Database, *, partner: PartnerProfile, quarter: str, as_of: datetime, safe: bool = False
) -> QbrView:
    """The pack's view for a partner and a typed quarter ('' for the as-of's own)."""
    with database.session() as session:
        config = load_config(session)
        _, pack_as_of, first = pack_quarter(quarter, as_of, config)
        quarters = compute_trend_quarters(first, pack_as_of, config.tz)
        facts = [(q, gather_scorecard(session, partner=partner, as_of=q.as_of, config=config)) for q in quarters]
    trend = [QuarterCard(q, compute_scorecard(f, config, q.as_of)) for q, f in facts]
    if not trend[-1].onboarded:
        raise UserFacingError(
            f"{partner.name} was not yet onboarded in {trend[-1].quarter.label} "
            f"(onboarding {partner.onboarded_text()}), so there is no review for it.",
            hint="Try a quarter after its onboarding.",
        )
    view = compute_qbr(partner, trend, config, pack_as_of)
    return partner_safe(view) if safe else view


def handle_qbr(text: str, ctx: CommandContext) -> Message:
    query, quarter = split_quarter(text)
    query = query.strip(QUOTES).strip()
    if not query:
        raise UserFacingError("Which partner's review?", hint="Try `/partner qbr acme` or `/partner qbr acme 2026-Q3`.")
    with ctx.database.session() as session:
        partners = load_partner_profiles(session, scope=Scope())
    found = find_partner(query, partners)
    if found.match is None:
        return lookup_reply(query, found)
    partner = found.match
    if not ctx.requester.sees_everything:
        with ctx.database.session() as session:
            check_partner(ctx.requester, partner, load_admins(session))
    return qbr_message(compute_pack(ctx.database, partner=partner, quarter=quarter, as_of=ctx.as_of))


def handle_partner_channel_qbr(text: str, partner: PartnerProfile, ctx: CommandContext) -> Message:
    """In a channel shared with the partner: its own partner-safe pack, whoever asks."""
    return qbr_message(compute_pack(ctx.database, partner=partner, quarter=text, as_of=ctx.as_of, safe=True))
