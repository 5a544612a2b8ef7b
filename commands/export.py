"""`partnerbot kpis`: every program KPI and per-partner KPIs keyed by the registry's ids."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.gather import gather_baseline, gather_program, gather_scorecard
from reports.blocks.kit import section
from reports.csv_cells import safe_writer
from reports.export import flatten, partner_kpis, program_kpis, tier_review_kpis
from reports.kpis.tiers import compute_tier_review
from reports.lookup import find_partner
from reports.message import File, Message
from reports.model import Scope
from reports.views.program import compute_program
from reports.views.scorecard import compute_scorecard
from storage.db import Database
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_partner_profiles
from storage.loaders.tiers import load_tier_inputs
from storage.program import load_config


def export_kpis(database: Database, *, as_of: datetime, partner: str | None = None) -> dict[str, Any]:
    with database.session() as session:
        config = load_config(session)
        partners = load_partner_profiles(session, scope=Scope())
        freshness = load_freshness(session, as_of=as_of, config=config)
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "data_as_of": freshness.newest_record_at.isoformat() if freshness.newest_record_at else None,
        "last_delivery_at": freshness.last_delivery_at.isoformat() if freshness.last_delivery_at else None,
        "data_stale": freshness.stale,
        "currency": config.base_currency,
        "amounts": "minor units (hundredths of the currency)",
    }
    if partner is not None:
        found = find_partner(partner, partners)
        if found.match is None:
            names = ", ".join(p.name for p in (found.candidates or found.suggestions)) or "no close names"
            raise UserFacingError(f"--partner {partner!r} does not name one partner ({names}).")
        selected = [found.match]
    else:
        with database.session() as session:
            view = compute_program(gather_program(session, scope=Scope(), as_of=as_of, config=config), config, as_of)
            tiers = load_tier_inputs(session, scope=Scope(), as_of=as_of, config=config)
        out["program"] = program_kpis(view)
        out["program"]["tier_review"] = tier_review_kpis(
            compute_tier_review(tiers, config.tier_rules, config.tz, as_of)
        )
        selected = partners
    rows = []
    with database.session() as session:
        baseline = gather_baseline(session, as_of=as_of, config=config)
    for profile in selected:
        with database.session() as session:
            facts = gather_scorecard(session, partner=profile, as_of=as_of, config=config, baseline=baseline)
        card = compute_scorecard(facts, config, as_of)
        rows.append({"partner_id": profile.external_id, "name": profile.name, "kpis": partner_kpis(card)})
    out["partners"] = rows
    return out


def kpis_csv(data: dict[str, Any]) -> str:
    """Long format: scope, partner_id, partner, kpi, measure, value."""
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    writer.writerow(["scope", "partner_id", "partner", "kpi", "measure", "value"])
    for kpi, value in data.get("program", {}).items():
        for measure, scalar in flatten(value):
            writer.writerow(["program", "", "", kpi, measure, scalar])
    for partner in data.get("partners", []):
        for kpi, value in partner["kpis"].items():
            for measure, scalar in flatten(value):
                writer.writerow(["partner", partner["partner_id"], partner["name"], kpi, measure, scalar])
    return buffer.getvalue()


def handle_export(text: str, ctx: CommandContext) -> Message:
    data = export_kpis(ctx.database, as_of=ctx.as_of)
    rows = kpis_csv(data)
    stamp = ctx.as_of.strftime("%Y-%m-%d")
    note = (
        f"Every KPI as of {stamp}: the program and {len(data['partners'])} partners, one row per measure "
        "(amounts in hundredths of the base currency)."
    )
    return Message(
        text=note,
        blocks=[section(note)],
        files=(File(f"partnerbot-kpis-{stamp}.csv", f"partnerbot KPIs {stamp}", rows.encode("utf-8")),),
    )
