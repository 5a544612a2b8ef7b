"""`/partner top [quarter | year] [N] [filters]`: partners ranked by sourced revenue."""

from __future__ import annotations

from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.scope import SCOPE_WORDS, parse_scope, resolve_scope
from reports.blocks.top import top_blocks, top_text
from reports.kpis.revenue import compute_revenue_concentration, compute_top_partners
from reports.message import Message
from reports.model import Scope
from reports.timeframe import quarter_to_date, trailing
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_partner_profiles
from storage.loaders.revenue import load_revenue_by_partner, load_top_partner_rows
from storage.models import PARTNER_ATTRIBUTIONS
from storage.program import load_config

MAX_TOP = 25


def parse_top(text: str) -> tuple[str, int, Scope]:
    """The period and count, then any filters (`top quarter 5 region EMEA tier gold`)."""
    period, limit = "year", 10
    words = text.split()
    first_filter = next((i for i, w in enumerate(words) if w.lower() in SCOPE_WORDS), len(words))
    for word in (w.lower() for w in words[:first_filter]):
        if word in ("quarter", "year"):
            period = word
        elif word.isdigit() and 1 <= int(word) <= MAX_TOP:
            limit = int(word)
        else:
            raise UserFacingError(
                f"I don't understand “{word}” after `top`.",
                hint=(
                    f"Try `/partner top`, `/partner top quarter` or `/partner top year 20` (up to {MAX_TOP}), "
                    "then any filter: `region EMEA`, `tier gold`, `type reseller`."
                ),
            )
    return period, limit, parse_scope(" ".join(words[first_filter:]))


def handle_top(text: str, ctx: CommandContext) -> Message:
    period, limit, scope = parse_top(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        tz = config.tz
        year = trailing(ctx.as_of, 365, tz)
        window = quarter_to_date(ctx.as_of, tz) if period == "quarter" else year
        rows = load_top_partner_rows(session, scope=scope, window=window, config=config)
        by_partner = load_revenue_by_partner(
            session, scope=scope, window=year, config=config, attributions=PARTNER_ATTRIBUTIONS
        )
        active = frozenset(p.id for p in load_partner_profiles(session, scope=scope) if p.is_active(ctx.as_of, tz))
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    top = compute_top_partners(rows, limit=limit)
    concentration = compute_revenue_concentration({pid: amount for pid, (amount, _) in by_partner.items()}, active)
    label = "this quarter" if period == "quarter" else "trailing 365 days"
    currency = config.base_currency
    return Message(
        text=top_text(top, label, currency, freshness, config),
        blocks=top_blocks(scope, top, concentration, label, currency, freshness, config),
    )
