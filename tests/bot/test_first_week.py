"""A manager's first week, end to end through the command line, the offline Slack and the webhook API: import a
HubSpot export, ask five questions with typos and filters, subscribe a digest (wrong, then right), get an owner
alert for an intro nobody answered, and snooze it from the DM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.slack_harness.bot import BOT_TOKEN, INGEST_TOKEN, RunningBot, interaction_body
from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from storage.db import Database
from storage.models import Deal, DigestSubscription, Snooze
from tests.bot.conftest import Cli
from tests.storage.test_import_support import FIXTURES

MONDAY = datetime(2026, 6, 15, 9, tzinfo=UTC)
PAT, OLGA = "U0PATMGR1", "U0OLGA"  # the manager (in the people export with a Slack id) and Acme's owner


@pytest.fixture
def week(
    db: Database, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[RunningBot, FakeSlack]]:
    """Monday morning: people, partners and the HubSpot deals export imported from the command line."""
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    for kind, fixture in (("people", "prm_people.csv"), ("partners", "prm_partners.csv")):
        code, _, err = cli("import", kind, str(FIXTURES / fixture), "--mapping", kind)
        assert code == 0, err
    export = tmp_path / "hubspot-deals.csv"
    export.write_bytes((FIXTURES / "hubspot_deals_export.csv").read_bytes())
    code, out, _ = cli("import", "deals", str(export), "--mapping", "hubspot", "--skip-invalid")
    assert (code, out.splitlines()[0]) == (0, "deals: 6 inserted, 0 updated, 0 unchanged, 1 rejected")
    slack = FakeSlack().start()
    slack.users = {PAT: "pat.manager@example.com", OLGA: "olga.owner@example.com"}
    slack.members = {"C0GENERAL"}
    bot = RunningBot(db, slack, clock=MONDAY).start()
    yield bot, slack
    bot.stop()
    slack.stop()
    assert slack.violations == [], "a message Slack would have rejected"


def ask(bot: RunningBot, slack: FakeSlack, text: str, *, user: str = PAT) -> dict:
    _, url = bot.command(text, user=user)
    bot.settle()
    key = url.rsplit("/", 1)[1]
    replies = [c.params for c in slack.calls_to("response_url") if c.params["url"].endswith(key)]
    (reply, *_) = [r for r in replies if not r.get("delete_original")]
    return reply


def shown(reply: dict) -> str:
    return json.dumps(reply.get("blocks"), ensure_ascii=False) + str(reply["text"])


def test_a_managers_first_week(week: tuple[RunningBot, FakeSlack], db: Database) -> None:
    bot, slack = week
    with db.session() as session:
        assert session.execute(select(Deal.owner_email).where(Deal.name == "Soylent - Upsell")).scalar_one() == (
            "ria.rep@example.com"  # HubSpot's "Deal owner" holds a name: "ria rep"
        )

    # five questions, typed as people type them
    typo = ask(bot, slack, "dormnt")
    assert "Did you mean `/partner dormant [segment X" in shown(typo)
    program = ask(bot, slack, "program region emea")
    assert "region EMEA" in shown(program)  # matched to the partners' spelling
    card = ask(bot, slack, "acme", user=OLGA)  # Olga owns Acme: Slack tells partnerbot who she is
    assert "Acme — partner scorecard" in shown(card) and "Pipeline health" in shown(card)
    top = ask(bot, slack, "top quarter tier GOLD")
    assert "tier Gold" in shown(top) and "*Acme*" in shown(top)
    define = ask(bot, slack, "define nps")
    assert define["text"].startswith("Partner satisfaction (psat)")

    # a digest for the team channel: a weekday that is not one, then the right words
    wrong = ask(bot, slack, "digest subscribe <#C0GENERAL|general> funday 25:00")
    assert wrong["text"].startswith("“funday” is not a weekday")
    right = ask(bot, slack, "digest subscribe <#C0GENERAL|general> monday 08:30 Europe/London region emea")
    assert "Mondays at 08:30 Europe/London (region EMEA)" in shown(right)
    with db.session() as session:
        sub = session.execute(select(DigestSubscription)).scalar_one()
    assert (sub.weekday, sub.local_time, sub.region) == (0, "08:30", "EMEA")

    # Monday: the PRM sends an intro for Acme; nobody answers it
    event = {
        "id": "prm-1",
        "type": "intro.created",
        "data": {
            "intro_id": "I-1",
            "partner_id": "001A000001",
            "introduced_at": "2026-06-15T08:00:00Z",
            "account": "Initech & Co <pilot>",
            "seller_email": "sam.seller@example.com",
        },
    }
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {INGEST_TOKEN}"}
    assert bot.post("/api/v1/events", json.dumps({"events": [event]}).encode(), headers).status == 200

    # Tuesday at noon the schedule runs: Olga, Acme's owner, gets one DM about it
    jobs = Jobs(database=db, port=SlackSender(make_client(BOT_TOKEN, slack.api_url)), sleep=lambda _: None)
    jobs.tick(MONDAY + timedelta(days=1, hours=3))
    dms = [c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{OLGA}"]
    claims = [d["metadata"]["event_payload"]["claim"] for d in dms]
    # Monday's batch already told her about a dormant partner; Tuesday's run adds the intro
    assert claims == [
        "alert:olga.owner@example.com:dormant:2026-06-15",
        "alert:olga.owner@example.com:stale_intro:2026-06-16",
    ]
    dm = dms[1]
    assert "Initech &amp; Co &lt;pilot&gt;* via Acme — waiting 28.0 h" in json.dumps(dm["blocks"], ensure_ascii=False)

    # she snoozes it for a week from the DM
    snooze = next(
        e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "alert_snooze"
    )
    _, _ = bot.action(action_id="alert_snooze", value=snooze["value"], user=OLGA, channel=f"D{OLGA}")
    bot.settle()
    (opened,) = slack.calls_to("views.open")
    view = opened.params["view"]
    assert "Initech &amp; Co &lt;pilot&gt; via Acme" in json.dumps(view["blocks"], ensure_ascii=False)
    submitted = {
        "id": "V1",
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "state": {
            "values": {
                "length": {"days": {"type": "radio_buttons", "selected_option": {"value": "7"}}},
                "why": {"reason": {"type": "plain_text_input", "value": "seller on leave"}},
            }
        },
    }
    body, signed = interaction_body(
        {"type": "view_submission", "user": {"id": OLGA}, "view": submitted, "team": {"id": "T0TEST"}}
    )
    assert bot.post("/slack/events", body, signed).status == 200
    bot.settle()
    with db.session() as session:
        (snoozed,) = session.execute(select(Snooze)).scalars()
    assert (snoozed.rule, snoozed.reason, snoozed.until - snoozed.created_at) == (
        "stale_intro",
        "seller on leave",
        timedelta(days=7),
    )
    # the next day's run says nothing more to her
    jobs.tick(MONDAY + timedelta(days=2, hours=3))
    assert len([c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{OLGA}"]) == 2
