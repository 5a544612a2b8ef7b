"""The optimised engine (cache of derived figures, day-split windows) against the unoptimised one on the
benchmark's small profile: every view's payload must be identical, cold and warm, at a day boundary and mid-day.
And the cache must never serve a figure once the data under it changed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select, update

from benchmarks.profiles import ANCHOR, PROFILES, SEED
from commands.context import CommandContext
from commands.digest import digest_message
from commands.export import export_kpis
from commands.table import dispatch, dispatch_partner
from demodata import build_demo
from reports.model import Scope
from storage.db import Database
from storage.models import Deal, Partner
from storage.program import load_config

MOMENTS = (ANCHOR.replace(hour=0), ANCHOR + timedelta(hours=7, minutes=13))  # a day boundary, and mid-day


@pytest.fixture
def small(db: Database) -> Database:
    build_demo(db, anchor=ANCHOR, seed=SEED, size=PROFILES["small"].size)
    return db


def payloads(database: Database, as_of: datetime, partner_ids: list[int]) -> dict[str, Any]:
    ctx = CommandContext(database=database, as_of=as_of, charts=False)
    out: dict[str, Any] = {
        text: dispatch(text, ctx).payload() for text in ("program", "dormant", "handoffs", "runway", "top", "wins")
    }
    out |= {f"partner {pid}": dispatch_partner(pid, ctx).payload() for pid in partner_ids}
    with database.session() as session:
        config = load_config(session)
        out["digest"] = digest_message(session, scope=Scope(), as_of=as_of, config=config, charts=False).payload()
        segment = session.execute(select(Partner.segment).where(Partner.segment.is_not(None)).limit(1)).scalar()
        scoped = Scope(segment=segment)
        out["digest segment"] = digest_message(
            session, scope=scoped, as_of=as_of, config=config, charts=False
        ).payload()
        name = session.execute(select(Partner.name).where(Partner.id == partner_ids[0])).scalar_one()
    out["kpis"] = export_kpis(database, as_of=as_of, partner=name)  # program KPIs and one partner's
    return cast(dict[str, Any], json.loads(json.dumps(out, default=str)))


def partner_sample(database: Database) -> list[int]:
    with database.session() as session:
        ids = session.execute(select(Partner.id).order_by(Partner.id)).scalars().all()
    return list(ids[:: max(1, len(ids) // 4)])


def test_the_optimised_engine_gives_the_unoptimised_results_cold_and_warm(small: Database) -> None:
    partners = partner_sample(small)
    for as_of in MOMENTS:
        plain = payloads(small.without_cache(), as_of, partners)  # the same store, read without the cache
        cold = payloads(small, as_of, partners)
        warm = payloads(small, as_of, partners)
        assert cold == plain, f"cold cache differs at {as_of}"
        assert warm == plain, f"warm cache differs at {as_of}"
    assert small.cache is not None and small.cache.size() > 0  # the optimised runs did use the cache


def test_a_committed_change_is_seen_at_once_by_a_warm_cache(small: Database) -> None:
    as_of = MOMENTS[1]
    ctx = CommandContext(database=small, as_of=as_of, charts=False)
    before = dispatch("program", ctx).payload()
    assert dispatch("program", ctx).payload() == before  # warm
    with small.transaction() as session:  # every won partner deal of the last year doubles in size
        session.execute(
            update(Deal)
            .where(Deal.outcome == "won", Deal.partner_id.is_not(None), Deal.closed_on >= date(2025, 7, 1))
            .values(amount_base_minor=Deal.amount_base_minor * 2)
        )
    after = dispatch("program", ctx).payload()
    assert after != before
    plain = CommandContext(database=small.without_cache(), as_of=as_of, charts=False)
    assert dispatch("program", plain).payload() == after
