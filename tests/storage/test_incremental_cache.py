"""The cache after random sequences of imports and webhook events: each change computes again only the figures
read from the tables it wrote, and every view still equals the engine without a cache (a full rebuild of every
figure from the rows).

Each step warms the cache, applies one change (an activity, an intro, its response, a new won deal, a changed
deal, a stage change, or a CSV import of deals), then compares the views read through the warm cache with the same
views computed without it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select

from benchmarks.profiles import ANCHOR, PROFILES, SEED
from commands.context import CommandContext
from commands.digest import digest_message
from commands.table import dispatch, dispatch_partner
from demodata import build_demo
from reports.model import Scope
from storage.db import Database
from storage.models import Deal, Intro, Partner
from storage.program import load_config
from tests.metamorphic.program import import_rows, post_events

AS_OF = ANCHOR + timedelta(hours=7, minutes=13)  # mid-day: each view also reads the day so far around the cache
STEPS = 10  # every kind of change once, in a random order, then three more at random


@pytest.fixture
def small(db: Database) -> Database:
    build_demo(db, anchor=ANCHOR, seed=SEED, size=PROFILES["small"].size)
    return db


def views(database: Database, partner_ids: list[int]) -> dict[str, Any]:
    ctx = CommandContext(database=database, as_of=AS_OF, charts=False)
    out: dict[str, Any] = {text: dispatch(text, ctx).payload() for text in ("program", "dormant", "handoffs", "top")}
    out |= {f"partner {pid}": dispatch_partner(pid, ctx).payload() for pid in partner_ids}
    with database.session() as session:
        out["digest"] = digest_message(
            session, scope=Scope(), as_of=AS_OF, config=load_config(session), charts=False
        ).payload()
    return cast(dict[str, Any], json.loads(json.dumps(out, default=str)))


def _moment(rng: random.Random) -> str:
    """A time in the 40 days before as-of: inside every trailing window, and in cached whole days."""
    return (AS_OF - timedelta(minutes=rng.randrange(10, 40 * 24 * 60))).isoformat()


def _day(rng: random.Random, back: int) -> str:
    return (AS_OF - timedelta(days=rng.randrange(1, back))).date().isoformat()


KINDS = ("activity", "intro", "response", "new deal", "changed deal", "stage", "import")


def _change(database: Database, kind: str, rng: random.Random, step: int, tmp_path: Path, serial: list[int]) -> str:
    """One change of this kind, at random, through the ingestion API or the importer; what it was."""
    with database.session() as session:
        partners = session.execute(select(Partner.external_id).order_by(Partner.id)).scalars().all()
        deals = session.execute(
            select(
                Deal.external_id, Partner.external_id, Deal.attribution, Deal.outcome, Deal.created_on, Deal.closed_on
            )
            .join(Partner, Partner.id == Deal.partner_id)
            .order_by(Deal.id)
        ).all()
        open_deals = (
            session.execute(select(Deal.external_id).where(Deal.outcome == "open").order_by(Deal.id)).scalars().all()
        )
        intros = (
            session.execute(select(Intro.external_id).where(Intro.first_response_at.is_(None)).order_by(Intro.id))
            .scalars()
            .all()
        )
    partner = rng.choice(partners)
    if kind == "activity":
        row = {"partner_id": partner, "kind": "webinar", "occurred_at": _moment(rng)}
        post_events(database, "activities", [row], AS_OF, serial)
    elif kind == "intro":
        row = {"intro_id": f"I-RND-{step}", "partner_id": partner, "introduced_at": _moment(rng)}
        post_events(database, "intros", [row], AS_OF, serial)
    elif kind == "response" and intros:
        row = {"intro_id": rng.choice(intros), "first_response_at": (AS_OF - timedelta(minutes=5)).isoformat()}
        post_events(database, "intro_responses", [row], AS_OF, serial)
    elif kind == "stage" and open_deals:
        row = {"deal_id": rng.choice(open_deals), "stage": "Negotiation", "entered_at": _moment(rng)}
        post_events(database, "stage_changes", [row], AS_OF, serial)
    elif kind == "changed deal" and deals:
        deal, owner, attribution, outcome, created_on, closed_on = rng.choice(deals)
        row = {
            "deal_id": deal,
            "partner_id": owner,
            "attribution": attribution,
            "outcome": outcome,
            "created_on": created_on.isoformat(),
            "closed_on": "" if closed_on is None else closed_on.isoformat(),
            "amount": str(rng.randrange(1_000, 90_000)),  # a new amount
            "currency": "USD",
        }
        post_events(database, "deals", [row], AS_OF, serial)
    elif kind == "import":
        rows = [_won_deal(f"D-IMP-{step}-{i}", rng.choice(partners), rng) for i in range(3)]
        import_rows(database, tmp_path, "deals", rows, AS_OF)
    else:
        kind = "new deal"
        post_events(database, "deals", [_won_deal(f"D-RND-{step}", partner, rng)], AS_OF, serial)
    return kind


def _won_deal(deal_id: str, partner: str, rng: random.Random) -> dict[str, str]:
    return {
        "deal_id": deal_id,
        "partner_id": partner,
        "attribution": rng.choice(["sourced", "influenced"]),
        "outcome": "won",
        "stage": "Closed Won",
        "created_on": _day(rng, 120),
        "closed_on": _day(rng, 20),
        "amount": str(rng.randrange(1_000, 90_000)),
        "currency": "USD",
    }


def test_after_random_imports_and_events_the_cache_equals_a_full_rebuild(small: Database, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    with small.session() as session:
        ids = session.execute(select(Partner.id).order_by(Partner.id)).scalars().all()
    sample = [ids[0], ids[len(ids) // 2]]
    serial = [0]
    cache = small.cache
    assert cache is not None
    kinds = rng.sample(KINDS, len(KINDS)) + [rng.choice(KINDS) for _ in range(STEPS - len(KINDS))]
    kept: dict[str, list[tuple[int, int]]] = {}
    for step, kind in enumerate(kinds):
        views(small, sample)  # warm
        done = _change(small, kind, rng, step, tmp_path, serial)
        hits, misses = cache.hits, cache.misses
        cached = views(small, sample)
        kept.setdefault(done, []).append((cache.hits - hits, cache.misses - misses))
        assert cached == views(small.without_cache(), sample), f"step {step} ({done}) differs from a rebuild"
    assert set(kept) == set(KINDS), kept
    # each change computed again some figures and kept others; an activity keeps more than a new won deal
    assert all(hit > 0 and missed > 0 for runs in kept.values() for hit, missed in runs), kept
    assert min(hit for hit, _ in kept["activity"]) > max(hit for hit, _ in kept["new deal"]), kept
