"""The Slack app through a real HTTP round trip: signed requests in, a fake Slack Web API out, on every store."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from benchmarks.slack_harness.bot import signed_headers
from benchmarks.slack_harness.fake_slack import Scripted
from storage.models import Partner, Person, SlackWorkspace
from tests.bot.conftest import ADMIN, SHARED, STRANGER, VIEWER, Harness, text_of
from tests.factories import STAMP


def test_scorecard_end_to_end(harness: Harness) -> None:
    answer, url = harness.bot.command("globex")
    assert (answer.status, answer.body) == (200, "")
    assert answer.seconds < 1
    reply = harness.reply(url)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Globex scorecard")
    assert reply["blocks"][0]["text"]["text"] == "Globex — partner scorecard"
    assert reply["blocks"][-1]["elements"][0]["action_id"] == "share_in_channel"
    assert "posted in this channel" in text_of(reply)
    steps = [
        c.method
        for c in harness.slack.calls
        if c.method in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")
    ]
    assert steps == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (upload,) = harness.slack.uploads.values()
    assert upload["content"].startswith(b"\x89PNG") and upload["channel"] == "C0GENERAL"


def test_empty_text_is_help(harness: Harness) -> None:
    _, url = harness.bot.command("")
    assert "partnerbot — what moved" in text_of(harness.reply(url))


def test_a_miss_suggests_names(harness: Harness) -> None:
    _, url = harness.bot.command("globax")
    reply = harness.reply(url)
    assert reply["text"] == "No partner matches “globax”. Did you mean Globex?"
    assert [b["text"]["text"] for b in reply["blocks"][1]["elements"]] == ["Globex"]
    assert "share_in_channel" not in text_of(reply)


def test_ambiguity_then_a_button_click(harness: Harness) -> None:
    _, url = harness.bot.command("acm")
    reply = harness.reply(url)
    buttons = reply["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Acme", "Acme Analytics"]
    pick = buttons[1]
    answer, click_url = harness.bot.action(action_id=pick["action_id"], value=pick["value"])
    assert answer.status == 200
    chosen = harness.reply(click_url)
    assert chosen["replace_original"] is True
    assert chosen["blocks"][0]["text"]["text"] == "Acme Analytics — partner scorecard"


def test_share_in_channel_acts_once_on_a_double_click(harness: Harness) -> None:
    _, url = harness.bot.command("globex")
    share = harness.reply(url)["blocks"][-1]["elements"][0]
    for _ in range(2):
        harness.bot.action(
            action_id=share["action_id"], value=share["value"], message_ts="1700000000.000200", response_url=url
        )
    harness.bot.settle()
    posted = [r for r in harness.responses(url) if r.get("response_type") == "in_channel"]
    assert len(posted) == 1
    assert posted[0]["blocks"][0]["text"]["text"] == "Globex — partner scorecard"
    deleted = [r for r in harness.responses(url) if r.get("delete_original")]
    assert len(deleted) == 1


def test_bad_signature_and_stale_timestamp_are_401(harness: Harness) -> None:
    answer, _ = harness.bot.command("globex", secret="f" * 32)
    assert answer.status == 401
    answer, _ = harness.bot.command("globex", timestamp=int(time.time()) - 6 * 60)
    assert answer.status == 401
    harness.bot.settle()
    assert harness.slack.calls_to("response_url") == []


def test_a_retried_event_acts_once(harness: Harness) -> None:
    event = {"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "D0HOME"}
    assert harness.bot.event(event, event_id="Ev0001").status == 200
    assert harness.bot.event(event, event_id="Ev0001", retry=1).status == 200
    assert harness.bot.event(event, event_id="Ev0001", retry=2).status == 200
    harness.bot.settle()
    (publish,) = harness.slack.calls_to("views.publish")
    assert publish.params["user_id"] == ADMIN
    assert "Hana Head's partners" in json.dumps(publish.params["view"], ensure_ascii=False)


def test_429_retry_after_is_honoured(harness: Harness) -> None:
    harness.slack.script("files.getUploadURLExternal", Scripted.rate_limited(1))
    _, url = harness.bot.command("globex")
    reply = harness.reply(url)
    first, second = harness.slack.calls_to("files.getUploadURLExternal")
    assert second.at - first.at >= 1.0
    assert "posted in this channel" in text_of(reply)


def test_not_in_channel_falls_back_to_a_dm(harness: Harness) -> None:
    _, url = harness.bot.command("globex", channel="C0PRIVATE")
    reply = harness.reply(url)
    assert "sent to you in a direct message" in text_of(reply)
    assert harness.slack.calls_to("conversations.open")[0].params["users"] == ADMIN
    (upload,) = [u for u in harness.slack.uploads.values() if u.get("channel")]
    assert upload["channel"] == f"D{ADMIN}"


def test_users_not_found_is_normal(harness: Harness) -> None:
    with harness.database.transaction() as session:
        session.add(Person(email="gone@example.com", name="Gone Seller", role="viewer", updated_at=STAMP))
    for n in (1, 2):
        harness.bot.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"}, event_id=f"Ev000{n}")
    harness.bot.settle()
    lookups = [c.params["email"] for c in harness.slack.calls_to("users.lookupByEmail")]
    assert sorted(lookups) == ["gone@example.com", "hana@example.com"]  # the miss is remembered, not retried
    with harness.database.session() as session:
        ids = dict(session.execute(select(Person.email, Person.slack_user_id)).all())
    assert (ids["hana@example.com"], ids["gone@example.com"]) == (ADMIN, None)
    assert len(harness.slack.calls_to("views.publish")) == 2
    assert "Acme" in json.dumps(harness.slack.calls_to("views.publish")[0].params["view"])


def test_partner_channel_never_shows_another_partner(harness: Harness) -> None:
    urls = [
        harness.bot.command(text, channel=SHARED, user=who)[1]
        for text in ("", "acme", "globex", "acm", "program", "dormant", "top", "help")
        for who in (ADMIN, STRANGER)
    ]
    harness.bot.settle()
    sent = [
        json.dumps(c.params, ensure_ascii=False)
        for c in harness.slack.calls
        if c.method == "response_url" or c.params.get("channel_id") == SHARED or c.method == "upload"
    ]
    sent += [
        json.dumps({k: v for k, v in u.items() if k != "content"}, ensure_ascii=False)
        for u in harness.slack.uploads.values()
    ]
    everything = "\n".join(sent)
    assert len(harness.slack.calls_to("response_url")) == len(urls)
    for other in ("Globex", "Acme Analytics", "P-2", "P-3"):
        assert other not in everything
    assert "Acme × Test Program" in everything


def test_viewer_is_refused_an_admin_command(harness: Harness) -> None:
    _, url = harness.bot.command("export", user=VIEWER)
    assert "for partnerbot admins" in harness.reply(url)["text"]
    _, url = harness.bot.command("export", user=ADMIN)
    assert harness.reply(url)["text"].startswith("Every KPI")


def test_unknown_people_are_refused_politely(harness: Harness) -> None:
    _, url = harness.bot.command("program", user=STRANGER)
    reply = harness.reply(url)
    assert "doesn't know you yet" in reply["text"] and "Hana Head" in reply["text"]


def test_unexpected_errors_get_a_reference(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import commands.interactions.slash

    def broken(text: str, ctx: object) -> None:
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(commands.interactions.slash, "dispatch", broken)
    with caplog.at_level(logging.ERROR, logger="partnerbot.errors"):
        _, url = harness.bot.command("program")
        reply = harness.reply(url)
    assert reply["text"].startswith("Something went wrong (ref ")
    ref = reply["text"].split("ref ")[1][:4]
    assert "caught fire" not in reply["text"] and "Traceback" not in reply["text"]
    (record,) = [r for r in caplog.records if ref in r.getMessage()]
    assert record.exc_info is not None


def test_uninstall_is_recorded(harness: Harness) -> None:
    harness.bot.event({"type": "app_uninstalled"}, event_id="Ev0003")
    harness.bot.settle()
    with harness.database.session() as session:
        assert session.execute(select(SlackWorkspace.status)).scalar_one() == "uninstalled"


def test_health_check(harness: Harness) -> None:
    answer = harness.bot.get("/healthz")
    assert (answer.status, json.loads(answer.body)) == (200, {"status": "ok"})
    assert harness.bot.get("/nothing").status == 404


def test_thirty_concurrent_commands_are_all_acked_within_a_second(harness: Harness) -> None:
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda n: harness.bot.command("globex" if n % 2 else "program")[0], range(30)))
    assert all(a.status == 200 for a in answers)
    slowest = max(a.seconds for a in answers)
    assert slowest < 1.0, f"slowest ack {slowest:.3f} s"
    harness.bot.settle(timeout=120)
    assert len(harness.slack.calls_to("response_url")) == 30


def test_signed_headers_match_slacks_recipe() -> None:
    import hashlib
    import hmac

    headers = signed_headers(b"a=1", timestamp=1_700_000_000, secret="abc")
    expected = "v0=" + hmac.new(b"abc", b"v0:1700000000:a=1", hashlib.sha256).hexdigest()
    assert headers["X-Slack-Signature"] == expected


def test_the_largest_views_stay_within_block_kit_limits(harness: Harness) -> None:
    from datetime import date

    from sqlalchemy import insert

    from storage.program import load_config
    from storage.rollups import refresh_milestones

    rows = [
        {
            "external_id": f"D-{n:03d}",
            "name": f"Quiet Partner {n:03d}",
            "onboarded_on": date(2025, 1, 1),
            "owner_email": "olga@example.com" if n < 150 else f"owner{n % 7}@example.com",
            "updated_at": STAMP,
        }
        for n in range(500)
    ]
    rows += [
        {
            "external_id": f"R-{o:02d}-{n}",
            "name": f"Runway {o:02d}-{n}",
            "onboarded_on": date(2026, 5, 1),
            "owner_email": f"manager{o:02d}@example.com",
            "updated_at": STAMP,
        }
        for o in range(40)
        for n in range(9)
    ]
    with harness.database.transaction() as session:
        session.execute(insert(Partner), rows)
        refresh_milestones(session, partner_ids=None, config=load_config(session))
    urls = {text: harness.bot.command(text)[1] for text in ("dormant", "runway", "program", "handoffs", "top")}
    harness.bot.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"}, event_id="EvBig")
    harness.bot.settle(timeout=120)
    dormant = harness.reply(urls["dormant"])
    assert dormant["blocks"][0]["text"]["text"] == "Dormant partners: 501"  # 500 and Globex, quiet since onboarding
    assert "the full list is in the attached file" in text_of(dormant)
    assert "…and 35 more owners over the limit" in text_of(harness.reply(urls["runway"]))
    files = {u["filename"]: u for u in harness.slack.uploads.values()}
    assert files["dormant-partners.csv"]["content"].count(b"\n") == 502
    assert files["partners-in-runway.csv"]["content"].count(b"manager") == 360 + 40
    (home,) = harness.slack.calls_to("views.publish")
    assert len(home.params["view"]["blocks"]) <= 100
    # every message and view was accepted by the fake, which enforces Slack's limits (checked at teardown)


def test_app_home_buttons_open_and_share_a_scorecard(harness: Harness) -> None:
    from benchmarks.slack_harness.bot import interaction_body

    with harness.database.session() as session:
        ids = dict(session.execute(select(Partner.name, Partner.id)).all())
    globex = str(ids["Globex"])
    harness.bot.action(action_id="home_open_scorecard", value=globex, channel="D0HOME")
    harness.bot.action(action_id="home_share_scorecard", value=globex, channel="D0HOME")
    harness.bot.settle()
    (dm,) = harness.slack.calls_to("chat.postMessage")
    assert dm.params["channel"] == f"D{ADMIN}"
    assert dm.params["blocks"][0]["text"]["text"] == "Globex — partner scorecard"
    (modal,) = harness.slack.calls_to("views.open")
    assert modal.params["view"]["callback_id"] == "share_scorecard"

    def submit(channel: str, view_id: str) -> None:
        view = {
            "id": view_id,
            "type": "modal",
            "callback_id": "share_scorecard",
            "private_metadata": globex,
            "state": {
                "values": {"where": {"channel": {"type": "conversations_select", "selected_conversation": channel}}}
            },
        }
        body, headers = interaction_body(
            {
                "type": "view_submission",
                "user": {"id": ADMIN},
                "view": view,
                "team": {"id": "T0TEST"},
                "trigger_id": f"t-{view_id}",
            }
        )
        assert harness.bot.post("/slack/events", body, headers).status == 200

    submit("C0GENERAL", "V1")
    submit(SHARED, "V2")  # Acme's shared channel: Globex's card must never land there
    harness.bot.settle()
    posts = {c.params["channel"]: c.params for c in harness.slack.calls_to("chat.postMessage")[1:]}
    assert posts["C0GENERAL"]["blocks"][0]["text"]["text"] == "Globex — partner scorecard"
    assert SHARED not in posts
    assert "only show Acme's own scorecard" in posts[f"D{ADMIN}"]["text"]


def test_tokens_never_reach_the_logs(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from benchmarks.slack_harness.bot import BOT_TOKEN, SIGNING_SECRET

    with caplog.at_level(logging.DEBUG):
        _, url = harness.bot.command("globex")
        harness.reply(url)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Sending a request" in logged  # the Slack client logged its requests (headers redacted)
    assert BOT_TOKEN not in logged and SIGNING_SECRET not in logged


def test_settle_waits_for_a_listener_that_has_acked_but_not_handed_over(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack has its ack before the listener hands the work to the pool: settling must wait for the listener too,
    or a test (or a drain) finds the pool idle with the work still to come."""
    runtime = harness.bot.runtime
    handed_over = runtime.interact

    def slow_hand_over(interaction: Any, body: dict[str, Any]) -> None:
        time.sleep(0.5)
        handed_over(interaction, body)

    monkeypatch.setattr(runtime, "interact", slow_hand_over)
    _, url = harness.bot.command("program")
    harness.bot.settle()
    assert harness.responses(url), "settled before the listener handed its work over"
