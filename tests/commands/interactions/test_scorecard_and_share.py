"""Scorecard and share buttons: payload → typed request, and what each handler asks of Slack."""

from __future__ import annotations

import pytest

from commands.errors import UserFacingError
from commands.interactions.context import InteractionContext
from commands.interactions.effects import DeleteOriginal, DirectMessage, OpenView, Post, Reply
from commands.interactions.scorecard import (
    OpenScorecard,
    PickPartner,
    handle_open_scorecard,
    handle_pick_partner,
    parse_open_scorecard,
    parse_pick_partner,
)
from commands.interactions.share import (
    FinishShare,
    ShareReply,
    StartShare,
    handle_finish_share,
    handle_share_reply,
    handle_start_share,
    parse_finish_share,
    parse_share_reply,
    parse_start_share,
)
from commands.interactions.slash import SlashCommand, handle_slash_command, parse_slash_command
from reports.blocks.share import SHARE_VIEW
from storage.db import Database
from tests.commands.interactions.conftest import (
    RESPONSE_URL,
    home_click,
    message_click,
    partner_id,
    view_submission,
)


def test_a_slash_command_is_read_as_typed() -> None:
    body = {
        "token": "legacy",
        "team_id": "T0TEST",
        "channel_id": "C0GENERAL",
        "user_id": "U0ADMIN",
        "command": "/partner",
        "text": "Smith &amp; Sons &lt;EU&gt;",  # should_escape: Slack sends & < > as entities
        "response_url": RESPONSE_URL,
        "trigger_id": "1.2.3",
    }
    assert parse_slash_command(body) == SlashCommand("Smith & Sons <EU>", "U0ADMIN", "C0GENERAL", RESPONSE_URL)
    assert parse_slash_command({**body, "response_url": ""}) is None


def test_a_slash_command_replies_with_a_share_button_text(ctx: InteractionContext) -> None:
    (reply,) = handle_slash_command(SlashCommand(" globex ", "U0ADMIN", "C0GENERAL", RESPONSE_URL), ctx)
    assert isinstance(reply, Reply)
    assert (reply.response_url, reply.share_text, reply.replace_original) == (RESPONSE_URL, "globex", False)
    assert reply.message.text.startswith("Globex scorecard")


def test_a_pick_is_read_and_answered_once(ctx: InteractionContext, db: Database) -> None:
    globex = partner_id(db, "Globex")
    body = message_click(f"partner_pick_{globex}", str(globex))
    request = parse_pick_partner(body)
    assert request == PickPartner(globex, "U0ADMIN", "C0GENERAL", RESPONSE_URL, "1718452800.000100")
    (reply,) = handle_pick_partner(request, ctx)
    assert isinstance(reply, Reply)
    assert (reply.share_text, reply.replace_original) == (f"#{globex}", True)
    assert reply.message.blocks[0]["text"]["text"] == "Globex — partner scorecard"
    assert handle_pick_partner(request, ctx) == []  # the double click


@pytest.mark.parametrize("value", ["", "globex", "12a"])
def test_a_pick_without_a_partner_id_is_not_ours(value: str) -> None:
    assert parse_pick_partner(message_click("partner_pick_1", value)) is None


def test_open_scorecard_from_app_home_goes_to_the_dm(ctx: InteractionContext, db: Database) -> None:
    acme = partner_id(db, "Acme")
    request = parse_open_scorecard(home_click("home_open_scorecard", str(acme)))
    assert request == OpenScorecard(acme, "U0ADMIN")
    (dm,) = handle_open_scorecard(request, ctx)
    assert isinstance(dm, DirectMessage) and dm.user_id == "U0ADMIN"
    assert dm.message.blocks[0]["text"]["text"] == "Acme — partner scorecard"
    assert parse_open_scorecard({**home_click("home_open_scorecard", str(acme)), "user": {}}) is None


def test_share_in_channel_posts_once_and_removes_the_ephemeral(ctx: InteractionContext) -> None:
    request = parse_share_reply(message_click("share_in_channel", "globex"))
    assert request == ShareReply("globex", "U0ADMIN", "C0GENERAL", RESPONSE_URL, "1718452800.000100")
    reply, delete = handle_share_reply(request, ctx)
    assert isinstance(reply, Reply) and reply.share_text is None
    assert (reply.message.response_type, reply.message.shareable) == ("in_channel", False)
    assert delete == DeleteOriginal(RESPONSE_URL)
    assert handle_share_reply(request, ctx) == []


def test_share_of_a_picked_card_runs_by_id(ctx: InteractionContext, db: Database) -> None:
    globex = partner_id(db, "Globex")
    request = parse_share_reply(message_click("share_in_channel", f"#{globex}", ts="2.0"))
    assert request is not None
    reply, _ = handle_share_reply(request, ctx)
    assert isinstance(reply, Reply) and reply.message.text.startswith("Globex scorecard")


def test_share_from_app_home_opens_the_modal(ctx: InteractionContext) -> None:
    request = parse_start_share(home_click("home_share_scorecard", "7"))
    assert request == StartShare(7, "U0ADMIN", "1234.5678.home")
    (opened,) = handle_start_share(request, ctx)
    assert isinstance(opened, OpenView) and opened.trigger_id == "1234.5678.home"
    assert (opened.view["callback_id"], opened.view["private_metadata"]) == (SHARE_VIEW, "7")
    assert parse_start_share({**home_click("home_share_scorecard", "7"), "trigger_id": None}) is None


def chosen(channel: str | None) -> dict[str, dict[str, object]]:
    return {"where": {"channel": {"type": "conversations_select", "selected_conversation": channel}}}


def test_the_share_modal_submission_posts_in_the_chosen_channel(ctx: InteractionContext, db: Database) -> None:
    globex = partner_id(db, "Globex")
    request = parse_finish_share(view_submission(SHARE_VIEW, str(globex), chosen("C0GENERAL")))
    assert request == FinishShare(globex, "C0GENERAL", "U0ADMIN", "V0MODAL:1234.5678.submit")
    (post,) = handle_finish_share(request, ctx)
    assert isinstance(post, Post) and post.channel_id == "C0GENERAL"
    assert post.message.blocks[0]["text"]["text"] == "Globex — partner scorecard"
    assert post.refused is not None and "invite @partnerbot to that channel first" in post.refused
    assert handle_finish_share(request, ctx) == []  # Slack retried the submission


def test_a_card_refused_in_a_partner_channel_is_an_error_for_the_person(ctx: InteractionContext, db: Database) -> None:
    from sqlalchemy import update

    from storage.models import Partner

    with db.transaction() as session:
        session.execute(update(Partner).where(Partner.name == "Acme").values(slack_channel="C0ACME"))
    globex = partner_id(db, "Globex")
    request = parse_finish_share(view_submission(SHARE_VIEW, str(globex), chosen("C0ACME")))
    assert request is not None
    with pytest.raises(UserFacingError, match="only show Acme's own scorecard"):
        handle_finish_share(request, ctx)


@pytest.mark.parametrize(
    ("metadata", "values"),
    [("", chosen("C0GENERAL")), ("acme", chosen("C0GENERAL")), ("7", chosen(None)), ("7", {})],
)
def test_a_share_submission_without_partner_or_channel_is_not_ours(metadata: str, values: dict[str, object]) -> None:
    assert parse_finish_share(view_submission(SHARE_VIEW, metadata, values)) is None
