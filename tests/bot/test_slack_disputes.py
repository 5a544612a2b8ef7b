"""Why sourced? and Dispute, end to end through the offline Slack (real HTTP), on both stores.

Acme (P-1, owned by Olga, a viewer) has Hooli (D-2, $80k open, sourced). A CRM event says Hooli is influenced;
Olga asks why from her scorecard, disputes it, Hana (admin) accepts, and the figures follow.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from benchmarks.slack_harness.bot import interaction_body
from bot.ingest import ingest
from bot.jobs.disputes import notify_open_disputes
from reports.model import Scope
from storage.disputes import load_deal, open_dispute
from storage.loaders.revenue import load_revenue_facts
from storage.models import AttributionDispute, Deal, OutboxMessage, Partner, Person
from storage.program import apply_settings, load_config
from tests.bot.conftest import ADMIN, SHARED, STRANGER, VIEWER, Harness, jobs_for, text_of
from tests.bot.test_ingest import won_deal
from tests.commands.test_dispatch import AS_OF

EVENT_AT = AS_OF - timedelta(days=1)
NAME = "Hooli & <Sons>"  # the deal's name, renamed by the CRM: it must come out escaped everywhere


def crm_says(harness: Harness, event_id: str, attribution: str, *, at: Any = EVENT_AT) -> dict[str, Any]:
    data = {
        "deal_id": "D-2",
        "partner_id": "P-1",
        "attribution": attribution,
        "outcome": "open",
        "created_on": "2026-03-01",
        "name": NAME,
    }
    body = json.dumps({"events": [{"id": event_id, "type": "deal.upsert", "data": data}]}).encode()
    answer = ingest(harness.database, source="crm", raw=body, now=at)
    assert answer.status == 200, answer.body
    return answer.body


def act(harness: Harness, user: str, action: dict[str, Any], *, channel: str = "C0GENERAL", url: str = "") -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST"},
        "user": {"id": user},
        "api_app_id": "A0TEST",
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel},
        "response_url": url or harness.slack.response_url(),
        "trigger_id": f"trigger-{user}",
        "actions": [action],
    }
    body, headers = interaction_body(payload)
    assert harness.bot.post("/slack/events", body, headers).status == 200
    harness.bot.settle()


def submit(harness: Harness, user: str, view: dict[str, Any], view_id: str, values: dict[str, Any]) -> None:
    submitted = {
        "id": view_id,
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "state": {"values": values},
    }
    body, headers = interaction_body(
        {"type": "view_submission", "user": {"id": user}, "view": submitted, "team": {"id": "T0TEST"}}
    )
    assert harness.bot.post("/slack/events", body, headers).status == 200
    harness.bot.settle()


def tick(harness: Harness, at: Any = AS_OF) -> None:
    jobs_for(harness).tick(at)


def dms_to(harness: Harness, user: str) -> list[dict[str, Any]]:
    return [c.params for c in harness.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{user}"]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def sourced_open(harness: Harness) -> int:
    with harness.database.session() as session:
        acme = session.execute(select(Partner.id).where(Partner.external_id == "P-1")).scalar_one()
        facts = load_revenue_facts(session, scope=Scope.partner(acme), as_of=AS_OF, config=load_config(session))
    return facts.open_stats("sourced").amount_minor


def test_why_dispute_decide_and_the_figures_follow(harness: Harness) -> None:
    crm_says(harness, "e-1", "influenced")
    assert sourced_open(harness) == 0  # Hooli counts as influenced pipeline now

    # Olga's scorecard offers its deals; she picks Hooli
    _, url = harness.bot.command("acme", user=VIEWER)
    card = harness.reply(url)
    (picker,) = [b["accessory"] for b in card["blocks"] if b.get("accessory", {}).get("type") == "static_select"]
    (hooli,) = [o for o in picker["options"] if o["text"]["text"].startswith("Hooli &amp; &lt;Sons&gt;")]
    assert "· $80k open, influenced" in hooli["text"]["text"]
    why_url = harness.slack.response_url()
    act(
        harness,
        VIEWER,
        {"action_id": picker["action_id"], "type": "static_select", "selected_option": hooli},
        url=why_url,
    )
    why = harness.reply(why_url)
    shown = text_of(why)
    assert why["text"] == "Hooli &amp; &lt;Sons&gt; is influenced: set 2026-06-14 by API source api:crm (event e-1)"
    assert "Why is Hooli &amp; &lt;Sons&gt; influenced?" in shown
    assert "*influenced* for Acme (was *sourced*), set by API source `api:crm` (event e-1)" in shown
    assert "field *attribution* = “influenced”" in shown

    # she disputes it: a modal, then one notice to the admin (she is the owner, and she opened it)
    act(harness, VIEWER, buttons(why)["attribution_dispute"], url=why_url)
    (opened,) = harness.slack.calls_to("views.open")
    modal = opened.params["view"]
    proposed = {"type": "radio_buttons", "selected_option": {"value": "sourced"}}
    reason = {"type": "plain_text_input", "value": "We registered it on 2026-02-20 & ran the <demo>"}
    submit(harness, VIEWER, modal, "V1", {"proposed": {"proposed_input": proposed}, "reason": {"reason_input": reason}})
    submit(harness, VIEWER, modal, "V1", {"proposed": {"proposed_input": proposed}, "reason": {"reason_input": reason}})
    with harness.database.session() as session:
        (dispute,) = session.execute(select(AttributionDispute)).scalars().all()  # a resubmission opened nothing
    assert (dispute.status, dispute.attribution, dispute.proposed, dispute.opened_by) == (
        "open",
        "influenced",
        "sourced",
        VIEWER,
    )
    (confirm,) = dms_to(harness, VIEWER)
    assert f"Dispute #{dispute.id} sent to <@{ADMIN}>" in text_of(confirm)
    replaced = [r for r in harness.responses(why_url) if r.get("replace_original")]
    assert replaced and f"Dispute #{dispute.id} is open" in text_of(replaced[-1])
    tick(harness)
    tick(harness)  # the notice goes once
    (notice,) = dms_to(harness, ADMIN)
    assert "on *Hooli &amp; &lt;Sons&gt;*" in text_of(notice)
    assert "“We registered it on 2026-02-20 &amp; ran the &lt;demo&gt;”" in text_of(notice)

    # a viewer cannot decide; the admin accepts with a reason
    accept = buttons(notice)["attribution_accept"]
    act(harness, VIEWER, accept, channel=f"D{VIEWER}")
    assert harness.slack.calls_to("views.open")[-1:] == [opened]  # no decision modal for her
    assert "is for partnerbot admins" in text_of(dms_to(harness, VIEWER)[-1])
    act(harness, ADMIN, accept, channel=f"D{ADMIN}")
    decide = harness.slack.calls_to("views.open")[-1].params["view"]
    assert decide["callback_id"] == "attribution_decide"
    note = {"type": "plain_text_input", "value": "Registration confirmed in the PRM"}
    submit(harness, ADMIN, decide, "V2", {"note": {"note_input": note}})
    with harness.database.session() as session:
        deal = session.execute(select(Deal).where(Deal.external_id == "D-2")).scalar_one()
    assert (deal.attribution, deal.updated_at) == ("sourced", AS_OF)
    assert sourced_open(harness) == 8_000_000  # $80k of sourced pipeline, from the next figure on
    assert "Dispute #1 accepted" in text_of(dms_to(harness, ADMIN)[-1])
    tick(harness, AS_OF + timedelta(minutes=1))
    assert f"*Dispute #{dispute.id} accepted* by <@{ADMIN}>" in text_of(dms_to(harness, VIEWER)[-1])

    # the CRM still says influenced: kept, and said in the answer
    held = crm_says(harness, "e-2", "influenced", at=AS_OF + timedelta(hours=1))
    assert held["attribution_held"] == [
        {"deal": "D-2", "sent": "influenced", "kept": "sourced", "dispute": dispute.id, "event": "event e-2"}
    ]
    assert sourced_open(harness) == 8_000_000

    # the trace tells the whole story
    act(harness, VIEWER, {"action_id": "attribution_why", "type": "button", "value": str(deal.id)}, url=why_url)
    story = text_of(harness.responses(why_url)[-1])
    assert f"dispute #{dispute.id}, decided by <@{ADMIN}>" in story
    assert "API source `api:crm` (event e-2) said *influenced* for Acme (column *attribution*): kept *sourced*" in story
    assert "accepted* by <@U0ADMIN>" in story and "Registration confirmed in the PRM" in story


def test_disputes_are_listed_by_who_may_see_them(harness: Harness) -> None:
    crm_says(harness, "e-1", "influenced")
    with harness.database.transaction() as session:  # a Globex deal disputed by the admin
        session.add(
            Deal(
                external_id="G-1",
                partner_id=session.execute(select(Partner.id).where(Partner.external_id == "P-3")).scalar_one(),
                attribution="sourced",
                name="Globex deal",
                created_on=AS_OF.date(),
                outcome="open",
                updated_at=AS_OF,
            )
        )
        session.flush()
        for external_id, who in (("D-2", VIEWER), ("G-1", ADMIN)):
            deal = load_deal(session, external_id=external_id)
            assert deal is not None
            open_dispute(session, deal=deal, proposed="direct", reason="no partner involved", user_id=who, at=AS_OF)
    _, url = harness.bot.command("disputes", user=ADMIN)
    everything = text_of(harness.reply(url))
    assert "Hooli &amp; &lt;Sons&gt;" in everything and "Globex deal" in everything
    _, url = harness.bot.command("disputes open", user=VIEWER)  # her partners' only
    hers = text_of(harness.reply(url))
    assert "Hooli" in hers and "Globex" not in hers
    _, url = harness.bot.command("disputes", user=STRANGER, channel=SHARED)  # Acme's channel: Acme's only
    shared = text_of(harness.reply(url))
    assert "Hooli" in shared and "Globex" not in shared
    _, url = harness.bot.command("disputes globex", user=VIEWER)
    assert "isn't one of your partners" in text_of(harness.reply(url))


def test_strangers_and_other_partners_channels_see_no_trace(harness: Harness) -> None:
    with harness.database.session() as session:
        globex_deal = session.execute(select(Deal.id).where(Deal.external_id == "D-3")).scalar_one()  # direct
        hooli = session.execute(select(Deal.id).where(Deal.external_id == "D-2")).scalar_one()
    url = harness.slack.response_url()
    act(harness, STRANGER, {"action_id": "attribution_why", "type": "button", "value": str(hooli)}, url=url)
    assert "doesn't know you yet" in text_of(harness.reply(url))
    url = harness.slack.response_url()
    act(harness, VIEWER, {"action_id": "attribution_why", "type": "button", "value": str(globex_deal)}, url=url)
    assert "is a direct deal: its attribution is for managers and admins" in text_of(harness.reply(url))
    url = harness.slack.response_url()
    act(
        harness,
        ADMIN,
        {"action_id": "attribution_why", "type": "button", "value": str(globex_deal)},
        channel=SHARED,
        url=url,
    )
    assert "shared with Acme: it only shows Acme's deals" in text_of(harness.reply(url))
    url = harness.slack.response_url()
    act(harness, ADMIN, {"action_id": "attribution_why", "type": "button", "value": str(hooli)}, url=url)
    assert "No change recorded: it has been *sourced* since before partnerbot kept the attribution trace" in text_of(
        harness.reply(url)
    )


def test_the_first_win_post_answers_why_from_its_deal(harness: Harness) -> None:
    with harness.database.transaction() as session:
        apply_settings(session, values={"wins_channel": "C0GENERAL"})
    tick(harness)  # the fixture's history is logged silently first (a new install)
    body = json.dumps({"events": [won_deal("evt-win", "W-30")]}).encode()
    assert ingest(harness.database, source="crm", raw=body, now=AS_OF).status == 200
    tick(harness)
    (post,) = [c.params for c in harness.slack.calls_to("chat.postMessage") if c.params["channel"] == "C0GENERAL"]
    why = buttons(post)["attribution_why"]
    with harness.database.session() as session:
        assert why["value"] == str(session.execute(select(Deal.id).where(Deal.external_id == "W-30")).scalar_one())
    assert why["text"]["text"] == "Why sourced?"
    url = harness.slack.response_url()
    act(harness, ADMIN, why, url=url)
    answer = text_of(harness.reply(url))
    assert "*sourced* for Acme Analytics (new deal), set by API source `api:crm` (event evt-win)" in answer


def test_admins_found_in_slack_later_still_get_the_open_disputes(harness: Harness) -> None:
    with harness.database.transaction() as session:
        session.add(Person(email="late@example.com", name="Late Admin", role="admin", updated_at=AS_OF))
        deal = load_deal(session, external_id="D-2")
        assert deal is not None
        open_dispute(session, deal=deal, proposed="influenced", reason="shared credit", user_id=VIEWER, at=AS_OF)
        session.execute(update(Person).where(Person.email == "hana@example.com").values(slack_user_id=ADMIN))
    assert notify_open_disputes(harness.database, now=AS_OF) == 1  # Hana; the late admin is not in Slack yet
    assert notify_open_disputes(harness.database, now=AS_OF) == 0  # once
    with harness.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "late@example.com").values(slack_user_id="U0LATE"))
    assert notify_open_disputes(harness.database, now=AS_OF + timedelta(minutes=1)) == 1
    with harness.database.session() as session:
        keys = set(session.execute(select(OutboxMessage.claim_key)).scalars())
    assert {"dispute:1:opened:U0ADMIN", "dispute:1:opened:U0LATE"} <= keys
