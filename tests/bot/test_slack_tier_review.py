"""The tier review through the real HTTP round trip: on demand for admins and managers, and once a quarter to
each admin by DM, claimed once however many ticks and replicas run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from storage.models import Person, WorkClaim
from tests.bot.conftest import ADMIN, VIEWER, Harness, jobs_for, text_of
from tests.factories import STAMP

SECOND_ADMIN = "U0ADA"


def test_tiers_on_demand_for_admins_and_managers_only(harness: Harness) -> None:
    _, url = harness.bot.command("tiers", user=ADMIN)
    reply = harness.reply(url)
    shown = text_of(reply)
    # as of 2026-06-15 the reviewed quarters are 2025-Q2 to 2026-Q1: Acme's 50k win is far below gold's 250k, but
    # Acme was onboarded on 2026-01-01, part-way through them: kept, not demoted; Globex has no tier; Acme
    # Analytics was onboarded after the window
    assert reply["text"].startswith("Tier review over 2025-Q2 to 2026-Q1: 0 to promote, 0 to demote, 1 to assign")
    assert (
        "*Acme* stays *gold* · nearest: sourced revenue, 80% below the line · onboarded 2026-01-01, part-way" in shown
    )
    assert "*Globex* no tier → *registered*" in shown
    assert "Acme Analytics (onboarded 2026-05-01, after the reviewed quarters)" in shown
    _, url = harness.bot.command("tiers segment enterprise", user=ADMIN)
    assert "Globex" not in text_of(harness.reply(url))
    _, url = harness.bot.command("tiers", user=VIEWER)
    assert "The tier review is for partnerbot admins and managers." in harness.reply(url)["text"]


def _review_dms(harness: Harness) -> list[dict]:
    return [
        c.params
        for c in harness.slack.calls_to("chat.postMessage")
        if "Tier review 2026-Q3" in str(c.params.get("text"))
    ]


def test_the_quarterly_review_goes_to_each_admin_once(harness: Harness) -> None:
    replica_a, replica_b = jobs_for(harness), jobs_for(harness)
    # due, but no admin is in Slack yet: it waits unclaimed rather than being spent on nobody
    assert replica_a.tick(datetime(2026, 7, 1, 9, 0, 30, tzinfo=UTC)).tier_reviews == 0
    with harness.database.session() as session:
        assert session.execute(select(WorkClaim).where(WorkClaim.key == "tier_review:2026-Q3")).first() is None
    with harness.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "hana@example.com").values(slack_user_id=ADMIN))
        session.add(
            Person(email="ada@example.com", name="Ada", role="admin", slack_user_id=SECOND_ADMIN, updated_at=STAMP)
        )
    # 2026-07-01 is a Wednesday, the quarter's first weekday: due at 09:00 UTC (the program's time zone)
    assert replica_a.tick(datetime(2026, 7, 1, 8, 59, tzinfo=UTC)).tier_reviews == 0  # a minute early
    assert _review_dms(harness) == []
    assert replica_a.tick(datetime(2026, 7, 1, 9, 1, tzinfo=UTC)).tier_reviews == 2
    assert replica_b.tick(datetime(2026, 7, 1, 9, 2, tzinfo=UTC)).tier_reviews == 0
    assert replica_a.tick(datetime(2026, 7, 3, 9, 0, tzinfo=UTC)).tier_reviews == 0
    dms = _review_dms(harness)
    assert sorted(dm["channel"] for dm in dms) == sorted([f"D{ADMIN}", f"D{SECOND_ADMIN}"])
    # the figures that decided and how near the line, for the quarters 2025-Q3 to 2026-Q2
    assert "the four whole quarters 2025-Q3 to 2026-Q2" in text_of(dms[0])
    assert "sourced revenue $50k (1 win) (≥ $250k: 80% below the line)" in text_of(dms[0])
    with harness.database.session() as session:
        claim = session.execute(select(WorkClaim).where(WorkClaim.key == "tier_review:2026-Q3")).scalar_one()
    assert (claim.status, claim.reason) == ("queued", "one DM to each of 2 admin(s)")


def test_a_review_missed_by_more_than_a_week_is_skipped_not_sent_late(harness: Harness) -> None:
    with harness.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "hana@example.com").values(slack_user_id=ADMIN))
    assert jobs_for(harness).tick(datetime(2026, 7, 9, 9, 1, tzinfo=UTC)).tier_reviews == 0
    assert _review_dms(harness) == []
    with harness.database.session() as session:
        claim = session.execute(select(WorkClaim).where(WorkClaim.key == "tier_review:2026-Q3")).scalar_one()
    assert claim.status == "skipped" and "beyond the 7-day grace" in (claim.reason or "")
