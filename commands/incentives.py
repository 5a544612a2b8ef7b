"""`/partner incentives [quarter]`: the fast-start incentive owed for the deals won in a quarter, with its CSV."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from commands.access import check_manager
from commands.context import CommandContext
from commands.errors import UserFacingError
from reports.blocks.incentives import (
    incentives_blocks,
    incentives_csv,
    incentives_off_blocks,
    incentives_off_text,
    incentives_text,
)
from reports.config import ProgramConfig
from reports.kpis.incentives import IncentiveList, compute_eligible_wins, compute_incentive_list
from reports.message import Message
from reports.model import Scope
from reports.timeframe import add_months, as_of_day, quarter_first_day, quarter_label
from storage.db import Database
from storage.importing.kinds import QUARTER, parse_period
from storage.loaders.freshness import load_freshness
from storage.loaders.incentives import load_fast_start_wins
from storage.loaders.partners import load_admins, load_partner_profiles
from storage.program import load_config


def parse_quarter(text: str, as_of: datetime, config: ProgramConfig) -> tuple[str, date, date]:
    """`2026-Q3` (or `Q3 2026`) → (label, first day, end day); nothing typed is the as-of's quarter."""
    words = text.strip()
    if not words:
        first = quarter_first_day(as_of_day(as_of, config.tz))
        return quarter_label(first), first, add_months(first, 3)
    found = parse_period(words) if QUARTER.fullmatch(words) else None
    if found is None:
        raise UserFacingError(
            f"“{words}” is not a quarter.",
            hint="Write it like `/partner incentives 2026-Q3`, or leave it out for this quarter.",
        )
    return found


def load_incentive_list(database: Database, *, quarter: str, as_of: datetime) -> tuple[IncentiveList, ProgramConfig]:
    """The deals won in the quarter that earn the fast-start incentive, as of."""
    with database.session() as session:
        config = load_config(session)
        label, first, end = parse_quarter(quarter, as_of, config)
        days = config.fast_start_days
        # a deal won in the quarter is in its partner's window only if the partner was onboarded at most `days`
        # before the quarter began; its earlier wins in that window decide its place
        wins = load_fast_start_wins(
            session, scope=Scope(), end=end, days=days, onboarded_from=first - timedelta(days=days)
        )
        partners = load_partner_profiles(session, scope=Scope())
    eligible = compute_eligible_wins(partners, wins, config, as_of)
    listing = compute_incentive_list(eligible, label=label, first=first, end=end, as_of=as_of, config=config)
    return listing, config


def handle_incentives(text: str, ctx: CommandContext) -> Message:
    with ctx.database.session() as session:
        admins = load_admins(session) if not ctx.requester.sees_everything else []
    check_manager(ctx.requester, "`/partner incentives`", admins)
    listing, config = load_incentive_list(ctx.database, quarter=text, as_of=ctx.as_of)
    if not config.fast_start_on:
        return Message(text=incentives_off_text(), blocks=incentives_off_blocks())
    with ctx.database.session() as session:
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    return Message(
        text=incentives_text(listing, freshness, config),
        blocks=incentives_blocks(listing, freshness, config),
        files=(incentives_csv(listing, config),) if listing.wins else (),
    )
