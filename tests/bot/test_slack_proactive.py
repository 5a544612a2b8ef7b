"""Digest subscriptions, deliveries and alert buttons, through the real HTTP round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from benchmarks.slack_harness.bot import BOT_TOKEN, interaction_body
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from storage.models import DigestSubscription, Intro, OutboxMessage, Person, Snooze
from tests.bot.conftest import ADMIN, VIEWER, Harness, text_of


def test_digest_subscribe_list_preview_unsubscribe(harness: Harness) -> None:
    # the segment as typed is matched to the partners' spelling, and stored so
    _, url = harness.bot.command("digest subscribe <#C0GENERAL|general> tuesday 08:30 Europe/Berlin segment Enterprise")
    confirmation = harness.reply(url)
    # the section links the channel; the fallback text is plain (escaped on the way out), so it says "this channel"
    shown = "Weekly digest for <#C0GENERAL>: Tuesdays at 08:30 Europe/Berlin (segment enterprise)"
    assert shown in text_of(confirmation)
    assert confirmation["text"].startswith("Weekly digest for this channel: Tuesdays at 08:30 Europe/Berlin")
    with harness.database.session() as session:
        sub = session.execute(select(DigestSubscription)).scalar_one()
    assert (sub.weekday, sub.local_time, sub.time_zone, sub.segment) == (1, "08:30", "Europe/Berlin", "enterprise")
    _, url = harness.bot.command("digest list")
    assert "<#C0GENERAL> — Tuesdays 08:30 Europe/Berlin" in text_of(harness.reply(url))
    _, url = harness.bot.command("digest preview")
    preview = harness.reply(url)
    assert preview["response_type"] == "ephemeral" and "Weekly throughput" in text_of(preview)
    _, url = harness.bot.command("digest unsubscribe")
    gone = harness.reply(url)
    assert gone["text"] == "No more digests in this channel." and "No more digests in <#C0GENERAL>." in text_of(gone)


def test_digest_commands_are_for_admins_and_managers(harness: Harness) -> None:
    _, url = harness.bot.command("digest list", user=VIEWER)
    assert "for partnerbot admins and managers" in harness.reply(url)["text"]
    _, url = harness.bot.command("deliveries", user=VIEWER)
    assert "for partnerbot admins" in harness.reply(url)["text"]
    _, url = harness.bot.command("deliveries", user=ADMIN)
    assert harness.reply(url)["text"].startswith("Deliveries in the last 7 days")


def alert_dm(harness: Harness) -> dict:
    """Send the owner alerts through the outbox, into the fake Slack, and return Olga's DM."""
    with harness.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "olga@example.com").values(time_zone="UTC"))
    jobs = Jobs(
        database=harness.database, port=SlackSender(make_client(BOT_TOKEN, harness.slack.api_url)), sleep=lambda _: None
    )
    jobs.tick(datetime(2026, 6, 15, 12, tzinfo=UTC))
    (dm,) = [c.params for c in harness.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{VIEWER}"]
    with harness.database.session() as session:  # where Slack put it, as the sender recorded it
        dm["ts"] = session.execute(
            select(OutboxMessage.sent_ts).where(OutboxMessage.sent_channel == f"D{VIEWER}")
        ).scalar_one()
    return dm


def click(harness: Harness, dm: dict, action_id: str, *, nth: int = 0) -> None:
    """Click the nth button with this action id, on the message as it was first posted (as Slack would send a
    click on a message the user has not reloaded)."""
    ts = dm["ts"]
    button = [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id][
        nth
    ]
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST"},
        "user": {"id": VIEWER},
        "api_app_id": "A0TEST",
        "channel": {"id": f"D{VIEWER}"},
        "container": {"type": "message", "message_ts": ts, "channel_id": f"D{VIEWER}"},
        "message": {"ts": ts, "text": dm["text"], "blocks": dm["blocks"]},
        "trigger_id": "trigger-2",
        "actions": [{"action_id": action_id, "block_id": "x", "value": button["value"], "type": "button"}],
    }
    body, headers = interaction_body(payload)
    assert harness.bot.post("/slack/events", body, headers).status == 200


def test_responded_records_the_first_response_and_updates_the_dm_once(harness: Harness) -> None:
    dm = alert_dm(harness)
    click(harness, dm, "alert_responded")
    click(harness, dm, "alert_responded")  # a double click
    harness.bot.settle()
    with harness.database.session() as session:
        responded = session.execute(select(Intro.first_response_at).where(Intro.external_id == "I-1")).scalar_one()
    assert responded == datetime(2026, 6, 15, 12, tzinfo=UTC)
    (updated,) = harness.slack.calls_to("chat.update")
    assert "Responded — recorded by <@U0OLGA>" in json.dumps(updated.params["blocks"], ensure_ascii=False)
    assert "alert_responded" not in json.dumps(updated.params["blocks"], ensure_ascii=False)


def submit_snooze(harness: Harness, view: dict, *, view_id: str, days: str, reason: str | None) -> None:
    submitted = {
        "id": view_id,
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "state": {
            "values": {
                "length": {"days": {"type": "radio_buttons", "selected_option": {"value": days}}},
                "why": {"reason": {"type": "plain_text_input", "value": reason}},
            }
        },
    }
    body, headers = interaction_body(
        {
            "type": "view_submission",
            "user": {"id": VIEWER},
            "view": submitted,
            "team": {"id": "T0TEST"},
            "trigger_id": f"t-{view_id}",
        }
    )
    assert harness.bot.post("/slack/events", body, headers).status == 200
    harness.bot.settle()


def test_snooze_with_a_reason(harness: Harness) -> None:
    dm = alert_dm(harness)
    click(harness, dm, "alert_snooze")
    harness.bot.settle()
    (opened,) = harness.slack.calls_to("views.open")
    view = opened.params["view"]
    metadata = json.loads(view["private_metadata"])  # ids only
    assert set(metadata) == {"rule", "subject", "channel", "ts"}
    assert (metadata["rule"], metadata["channel"], metadata["ts"]) == ("stale_intro", f"D{VIEWER}", dm["ts"])
    assert metadata["subject"].isdigit()
    assert "Initech via Acme" in json.dumps(view["blocks"])  # the name is read from the store, not carried
    submit_snooze(harness, view, view_id="V9", days="7", reason="seller on leave")
    with harness.database.session() as session:
        snooze = session.execute(select(Snooze)).scalar_one()
    assert (snooze.rule, snooze.reason) == ("stale_intro", "seller on leave")
    assert snooze.until - snooze.created_at == timedelta(days=7)
    (updated,) = harness.slack.calls_to("chat.update")
    assert "Snoozed for 7 days by <@U0OLGA>: seller on leave" in json.dumps(
        updated.params["blocks"], ensure_ascii=False
    )
