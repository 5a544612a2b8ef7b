"""Who sees what, and what a partner-facing channel may ever show."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from commands.access import AccessDenied
from commands.context import ADMIN, MANAGER, VIEWER, CommandContext, Requester
from commands.table import SUBCOMMANDS, dispatch
from reports.message import Message
from storage.db import Database
from tests.commands.test_dispatch import AS_OF, small_program

OLGA = Requester(user_id="U0OLGA", email="olga@example.com", name="Olga", role=VIEWER, channel_id="C0GENERAL")
ACME_CHANNEL = "C0ACMESHARED"


@pytest.fixture
def ctx(db: Database) -> CommandContext:
    small_program(db)
    from sqlalchemy import update

    from storage.models import Partner, Person

    with db.transaction() as session:
        session.execute(update(Partner).where(Partner.name == "Acme").values(slack_channel=ACME_CHANNEL))
        session.add(
            Person(email="hana@example.com", name="Hana Head", role="admin", slack_user_id="U0HANA", updated_at=AS_OF)
        )
    return CommandContext(database=db, as_of=AS_OF, requester=OLGA)


def ask(ctx: CommandContext, text: str, **requester: Any) -> Message:
    return dispatch(text, replace(ctx, requester=replace(ctx.requester, **requester)))


def test_viewer_sees_program_views_and_own_partners(ctx: CommandContext) -> None:
    for command in ("program", "runway", "handoffs", "dormant", "top", "wins", "help", "define win_rate"):
        assert ask(ctx, command).text
    assert "partner scorecard" in ask(ctx, "acme").blocks[0]["text"]["text"]  # Olga owns Acme


def test_viewer_is_refused_other_partners_with_who_can_help(ctx: CommandContext) -> None:
    with pytest.raises(AccessDenied) as refused:
        ask(ctx, "globex")
    assert "Globex isn't one of yours" in refused.value.message
    assert "<@U0HANA>" in (refused.value.hint or "")


def test_viewer_is_refused_an_admin_command(ctx: CommandContext) -> None:
    with pytest.raises(AccessDenied, match="for partnerbot admins"):
        ask(ctx, "export")


def test_unknown_people_are_refused_politely(ctx: CommandContext) -> None:
    with pytest.raises(AccessDenied) as refused:
        ask(ctx, "program", known=False, role=None, email="stranger@example.com")
    assert "doesn't know you yet" in refused.value.message
    assert "<@U0HANA>" in (refused.value.hint or "")


@pytest.mark.parametrize("role", [MANAGER, ADMIN])
def test_managers_and_admins_see_every_partner(ctx: CommandContext, role: str) -> None:
    assert "Globex — partner scorecard" in ask(ctx, "globex", role=role).blocks[0]["text"]["text"]


def test_admin_export_is_a_csv_file(ctx: CommandContext) -> None:
    message = ask(ctx, "export", role=ADMIN)
    (file,) = message.files
    header, *rows = file.content.decode().splitlines()
    assert header == "scope,partner_id,partner,kpi,measure,value"
    assert any(r.startswith("partner,P-3,Globex,sourced_revenue,") for r in rows)


PARTNER_CHANNEL_ASKS = [
    "",
    "help",
    "acme",
    "ACME Corp",
    "P-1",
    "globex",
    "acm",
    "program",
    "dormant",
    "handoffs",
    "runway",
    "top",
    "wins",
    "export",
    "define win_rate",
    "zzz",
    "top quarter",
    *[c.name for c in SUBCOMMANDS],
]


@pytest.mark.parametrize("role", [ADMIN, VIEWER, None])
def test_partner_channel_never_shows_another_partner(ctx: CommandContext, role: str | None) -> None:
    payloads = []
    for text in PARTNER_CHANNEL_ASKS:
        message = ask(ctx, text, channel_id=ACME_CHANNEL, role=role, known=role is not None)
        payloads.append(json.dumps(message.payload()) + " ".join(f.filename + f.title for f in message.files))
    everything = "\n".join(payloads)
    for other in ("Globex", "P-3", "Acme Analytics", "P-2"):
        assert other not in everything
    for internal in ("Next step", "program median", "direct", "sam@example.com", "Hooli", "Initech"):
        assert internal not in everything


def test_partner_channel_card_and_refusal(ctx: CommandContext) -> None:
    card = ask(ctx, "", channel_id=ACME_CHANNEL)
    assert card.blocks[0]["text"]["text"] == "Acme × Test Program"
    assert "Our shared goals" in json.dumps(card.blocks)
    refusal = ask(ctx, "program", channel_id=ACME_CHANNEL)
    assert "only show Acme's own scorecard" in refusal.text
