"""`/partner tiers [segment X | region Y | owner Z | tier T | type K]`: the tier review on demand (admins and
managers)."""

from __future__ import annotations

from commands.access import AccessDenied, grantors
from commands.context import CommandContext
from commands.scope import parse_scope, resolve_scope
from reports.blocks.tiers import tiers_reply
from reports.kpis.tiers import compute_tier_review
from reports.message import Message
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_admins
from storage.loaders.tiers import load_tier_inputs
from storage.program import load_config


def handle_tiers(text: str, ctx: CommandContext) -> Message:
    if not ctx.requester.sees_everything:
        with ctx.database.session() as session:
            raise AccessDenied(
                "The tier review is for partnerbot admins and managers.",
                hint=f"Ask {grantors(load_admins(session))} for manager access, or to run it.",
            )
    scope = parse_scope(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        inputs = load_tier_inputs(session, scope=scope, as_of=ctx.as_of, config=config)
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    review = compute_tier_review(inputs, config.tier_rules, config.tz, ctx.as_of)
    return tiers_reply(scope, review, freshness, config)
