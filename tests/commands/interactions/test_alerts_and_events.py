"""Alert buttons, the snooze modal and events: payload → typed request, and what each handler records and asks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from commands.errors import UserFacingError
from commands.interactions.alerts import (
    SUBJECT_GONE,
    FinishSnooze,
    ResolveAlert,
    StartSnooze,
    handle_finish_snooze,
    handle_resolve_alert,
    handle_start_snooze,
    parse_finish_snooze,
    parse_resolve_alert,
    parse_start_snooze,
)
from commands.interactions.context import InteractionContext
from commands.interactions.effects import OpenView, PublishHome, Update
from commands.interactions.events import (
    HomeOpened,
    WorkspaceLost,
    handle_home_opened,
    handle_workspace_lost,
    parse_home_opened,
    parse_workspace_lost,
)
from reports.blocks.alerts import SNOOZE_VIEW, item_block_id
from reports.blocks.kit import actions, button, section
from storage.db import Database
from storage.models import Intro, SlackWorkspace, Snooze
from tests.commands.interactions.conftest import (
    RESPONSE_URL,
    FakePeople,
    event_callback,
    message_click,
    partner_id,
    snooze_metadata,
    view_submission,
)
from tests.commands.test_dispatch import AS_OF


def intro_id(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(Intro.id).where(Intro.external_id == "I-1")).scalar_one())


def test_responded_records_once_and_marks_the_item(ctx: InteractionContext, db: Database) -> None:
    intro = intro_id(db)
    blocks = [
        section("Initech via Acme"),
        actions(button("Responded", "alert_responded", str(intro)), block_id=item_block_id("stale_intro", intro)),
    ]
    body = message_click("alert_responded", str(intro), channel="D0OLGA", blocks=blocks)
    request = parse_resolve_alert(body)
    assert request == ResolveAlert(
        "alert_responded", intro, "U0ADMIN", "D0OLGA", "1718452800.000100", tuple(blocks), RESPONSE_URL
    )
    (update,) = handle_resolve_alert(request, ctx)
    assert isinstance(update, Update) and (update.channel_id, update.ts) == ("D0OLGA", "1718452800.000100")
    assert update.message.blocks[0] == blocks[0]
    assert update.message.blocks[1]["elements"][0]["text"] == ":white_check_mark: Responded — recorded by <@U0ADMIN>."
    with db.session() as session:
        assert session.execute(select(Intro.first_response_at).where(Intro.id == intro)).scalar_one() == AS_OF
    assert handle_resolve_alert(request, ctx) == []


def test_an_alert_button_without_an_intro_id_is_not_ours() -> None:
    assert parse_resolve_alert(message_click("alert_next_step", "")) is None


def test_snooze_opens_a_modal_naming_the_intro(ctx: InteractionContext, db: Database) -> None:
    intro = intro_id(db)
    request = parse_start_snooze(message_click("alert_snooze", f"stale_intro|{intro}", channel="D0OLGA"))
    assert request == StartSnooze("stale_intro", str(intro), "U0ADMIN", "1234.5678.abcd", "D0OLGA", "1718452800.000100")
    (opened,) = handle_start_snooze(request, ctx)
    assert isinstance(opened, OpenView) and opened.view["callback_id"] == SNOOZE_VIEW
    assert "*Initech via Acme*" in opened.view["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("value", ["stale_intro|999999", "dormant|acme", "nonsense|1"])
def test_snoozing_something_gone_says_so(ctx: InteractionContext, value: str) -> None:
    request = parse_start_snooze(message_click("alert_snooze", value))
    assert request is not None
    with pytest.raises(UserFacingError, match=SUBJECT_GONE):
        handle_start_snooze(request, ctx)


def length(days: str | None) -> dict[str, object]:
    option = {"text": {"type": "plain_text", "text": "1 week"}, "value": days} if days else None
    return {"days": {"type": "radio_buttons", "selected_option": option}}


def test_the_snooze_submission_is_read_and_recorded(ctx: InteractionContext, db: Database) -> None:
    acme = partner_id(db, "Acme")
    values = {"length": length("7"), "why": {"reason": {"type": "plain_text_input", "value": "  on leave  "}}}
    request = parse_finish_snooze(view_submission(SNOOZE_VIEW, snooze_metadata("dormant", str(acme)), values))
    assert request == FinishSnooze(
        "dormant", str(acme), 7, "on leave", "U0ADMIN", "V0MODAL", "D0OLGA", "1718452800.000100"
    )
    assert handle_finish_snooze(request, ctx) == []  # no stored copy of that DM: nothing to update
    with db.session() as session:
        snooze = session.execute(select(Snooze)).scalar_one()
    assert (snooze.rule, snooze.subject, snooze.label, snooze.reason) == ("dormant", str(acme), "Acme", "on leave")
    assert snooze.owner_email == "hana@example.com"
    assert snooze.until - snooze.created_at == timedelta(days=7)
    assert handle_finish_snooze(request, ctx) == []
    with db.session() as session:
        assert len(session.execute(select(Snooze)).scalars().all()) == 1


def test_a_snooze_with_no_choice_and_no_reason_is_three_days() -> None:
    body = view_submission(
        SNOOZE_VIEW, snooze_metadata("dormant", "4"), {"length": length(None), "why": {"reason": {"value": "   "}}}
    )
    request = parse_finish_snooze(body)
    assert request is not None and (request.days, request.reason) == (3, None)


@pytest.mark.parametrize(
    ("metadata", "days"), [("not json", "7"), ("[1, 2]", "7"), (snooze_metadata("dormant", "4"), "a week")]
)
def test_a_snooze_submission_it_cannot_read_is_not_ours(metadata: str, days: str) -> None:
    assert parse_finish_snooze(view_submission(SNOOZE_VIEW, metadata, {"length": length(days)})) is None


def test_app_home_opened_publishes_the_home(ctx: InteractionContext) -> None:
    request = parse_home_opened(event_callback({"type": "app_home_opened", "user": "U0ADMIN", "tab": "home"}))
    assert request == HomeOpened("U0ADMIN")
    (home,) = handle_home_opened(request, ctx)
    assert isinstance(home, PublishHome) and home.user_id == "U0ADMIN"
    assert home.view["type"] == "home" and "Hana Head's partners" in home.view["blocks"][0]["text"]["text"]
    assert isinstance(ctx.people, FakePeople) and ctx.people.resolved == 1
    assert parse_home_opened(event_callback({"type": "app_home_opened"})) is None


def test_uninstall_and_revoked_tokens_are_recorded(ctx: InteractionContext, db: Database) -> None:
    request = parse_workspace_lost(event_callback({"type": "tokens_revoked", "tokens": {"bot": ["B0"]}}))
    assert request == WorkspaceLost("T0TEST", "tokens revoked")
    assert handle_workspace_lost(request, ctx) == []
    with db.session() as session:
        assert session.execute(select(SlackWorkspace.status)).scalar_one() == "tokens revoked"
    assert parse_workspace_lost(event_callback({"type": "app_uninstalled"})) == WorkspaceLost("T0TEST", "uninstalled")
    assert parse_workspace_lost(event_callback({"type": "app_home_opened"})) is None
