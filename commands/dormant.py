"""`/partner dormant [segment X | region Y | owner Z]`: dormant partners with diagnosis and next step."""

from __future__ import annotations

from commands.context import CommandContext
from commands.scope import parse_scope, resolve_scope
from reports.blocks.dormant import PER_DIAGNOSIS, dormant_blocks, dormant_text
from reports.blocks.tables import dormant_csv
from reports.kpis.dormancy import compute_dormant_partners
from reports.message import Message
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_partner_profiles
from storage.program import load_config


def handle_dormant(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        partners = load_partner_profiles(session, scope=scope)
        quiet = load_quiet_partners(session, partners=partners, as_of=ctx.as_of, config=config)
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    dormant = compute_dormant_partners(quiet, config, ctx.as_of)
    shown = sum(min(n, PER_DIAGNOSIS) for n in dormant.by_diagnosis().values())
    return Message(
        text=dormant_text(dormant, freshness, config),
        blocks=dormant_blocks(scope, dormant, freshness, config),
        files=(dormant_csv(dormant.partners, config.tz),) if dormant.count > shown else (),
    )
