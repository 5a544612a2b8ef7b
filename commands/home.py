"""App Home for one person: their partners' status, and their stale intros and dormant partners."""

from __future__ import annotations

from typing import Any

from commands.access import grantors
from commands.context import CommandContext
from reports.blocks.home import HomeItem, home_view, stranger_home
from reports.kpis.activation import compute_partner_activation
from reports.kpis.dormancy import compute_dormant_partners
from reports.kpis.handoffs import compute_stale_intros
from reports.kpis.lifecycle import compute_partner_state
from reports.model import Scope
from storage.loaders.activation import load_milestones
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_unanswered_intros
from storage.loaders.partners import load_admins, load_partner_profiles
from storage.program import load_config


def home_for(ctx: CommandContext) -> dict[str, Any]:
    requester, as_of = ctx.requester, ctx.as_of
    if not requester.known or not requester.email:
        with ctx.database.session() as session:
            return stranger_home(grantors(load_admins(session)))
    with ctx.database.session() as session:
        config = load_config(session)
        owned = load_partner_profiles(session, scope=Scope(owner_email=requester.email.lower()))
        scope = Scope(partner_ids=frozenset(p.id for p in owned))
        milestones = load_milestones(session, scope=scope, profiles=owned)
        quiet = load_quiet_partners(session, partners=owned, as_of=as_of, config=config)
        unanswered = load_unanswered_intros(session, scope=scope, as_of=as_of, older_than=as_of)
        freshness = load_freshness(session, as_of=as_of, config=config)
    dormant = compute_dormant_partners(quiet, config, as_of).partners
    dormant_by_id = {d.partner.id: d for d in dormant}
    items = []
    for m in milestones:
        activation = compute_partner_activation(m, config, as_of)
        state = compute_partner_state(m.partner, activation, dormant_by_id.get(m.partner.id), as_of, config)
        items.append(HomeItem(m.partner, state.detail))
    return home_view(
        name=requester.name or requester.email,
        partners=sorted(items, key=lambda i: i.partner.name.casefold()),
        stale=compute_stale_intros(unanswered, as_of, config.handoff_sla_hours),
        dormant=dormant,
        by_id={p.id: p for p in owned},
        freshness=freshness,
        tz=config.tz,
    )
