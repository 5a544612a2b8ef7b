"""What the tier review reads: each partner's sourced revenue, closed deals, required courses and survey scores
over the last four whole quarters, through the loaders of those KPIs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.tiers import TierInputs
from reports.model import Scope
from reports.timeframe import last_whole_quarters
from storage.loaders.enablement import load_completed_courses_of
from storage.loaders.partners import load_partner_profiles
from storage.loaders.revenue import load_closed_by_partner, load_revenue_by_partner
from storage.loaders.satisfaction import load_scores_by_partner


def load_tier_inputs(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> TierInputs:
    window = last_whole_quarters(as_of, config.tz)
    partners = load_partner_profiles(session, scope=scope)
    courses = load_completed_courses_of(
        session, partner_ids=[p.id for p in partners], courses=config.required_courses, as_of=window.end
    )
    return TierInputs(
        window=window,
        partners=partners,
        revenue=load_revenue_by_partner(session, scope=scope, window=window, config=config, attributions=("sourced",)),
        closed=load_closed_by_partner(session, scope=scope, window=window, config=config),
        courses={pid: frozenset(done) for pid, done in courses.items()},
        scores=load_scores_by_partner(session, scope=scope, window=window, config=config),
        required_courses=len({c.casefold() for c in config.required_courses}),
    )
