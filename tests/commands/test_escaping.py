"""Names holding `&`, `<` and `>` through every view and every proactive message: what Slack receives never turns
them into markup (a link, a mention, a broadcast) and never shows an entity twice escaped.

The fallback text of a message is plain text, escaped in one place on its way to Slack (`Message.wire_text`);
the blocks escape every name with the same function. The placeholders of the help (`<partner>`, `<kpi>`) are
written escaped, so they read as words, not links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.jobs.alerts import plan_alerts
from bot.jobs.first_wins import plan_first_wins
from commands.context import CommandContext, Requester
from commands.digest import digest_message
from commands.errors import UserFacingError
from commands.home import home_for
from commands.table import dispatch, error_reply
from reports.blocks.alerts import snooze_modal
from reports.blocks.disputes import (
    decide_modal,
    decision_notice,
    dispute_modal,
    dispute_notice,
    disputes_reply,
    why_reply,
)
from reports.message import Message, esc
from reports.model import Scope
from storage.db import Database
from storage.disputes import decide_dispute, load_deal, load_disputes, load_trace, open_dispute
from storage.program import load_config
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 14, tzinfo=UTC)  # a Monday, 10:00 in New York: owners' alerts are due
PROGRAM = "R&D <Partners>"
PARTNER = "Smith & Sons <EU>"
DEAL = "Initech & Co <pilot>"
BROADCAST = "<!channel> & Co"  # a name that, unescaped, would notify everyone in the channel
ACCOUNT = "Hooli & <Co>"
OWNER = "olga@example.com"
# Slack's own markup the bot writes on purpose: a user or channel mention, a link
MARKUP = re.compile(r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+(?:\|[^<>]*)?|https?://[^<>|]+(?:\|[^<>]*)?)>")
ENTITY = re.compile(r"&(?:amp|lt|gt);")


@pytest.fixture
def hostile(db: Database) -> Database:
    f = Fixture(settings={"time_zone": "America/New_York", "program_name": PROGRAM, "wins_channel": "C0123WINS"})
    f.person(OWNER, name="Olga <Ops> & Co", slack_user_id="U0OLGA", role="admin")
    f.partner("P-1", PARTNER, onboarded_on=date(2025, 6, 1), owner_email=OWNER, region="EU & <UK>")
    f.partner("P-2", BROADCAST, onboarded_on=date(2025, 1, 1), owner_email=OWNER)  # dormant: no motion
    f.partner("P-3", "Globex", onboarded_on=date(2026, 5, 1), owner_email=OWNER)
    f.deal(
        "W-1", partner="P-3", attribution="sourced", created=date(2026, 5, 20), outcome="won",
        closed=date(2026, 6, 14), amount=20_000, name=DEAL,
    )  # fmt: skip
    f.deal(
        "W-2", partner="P-1", attribution="sourced", created=date(2026, 1, 5), outcome="won",
        closed=date(2026, 2, 10), amount=30_000, name=DEAL,
    )  # fmt: skip
    f.deal(
        "O-1", partner="P-1", attribution="sourced", created=date(2026, 1, 1), amount=50_000, name=DEAL,
        account=ACCOUNT, stages=(("Proposal", at(date(2026, 1, 2))),),
    )  # fmt: skip
    f.intro("I-1", partner="P-1", introduced=at(date(2026, 6, 10), 9), account=ACCOUNT)
    f.activity("P-1", "login", at(date(2026, 6, 12)))
    f.write(db)
    return db


def strings(value: Any) -> Iterator[str]:
    """Every text Slack parses in a payload: fallback text, block texts, fields, labels, options."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "label", "title", "placeholder") and isinstance(item, str):
                yield item
            elif key not in ("action_id", "block_id", "value", "callback_id", "private_metadata", "url"):
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def problems(payload: Any) -> list[str]:
    found = []
    for text in strings(payload):
        bare = MARKUP.sub("", text)
        if "<" in bare or ">" in bare:
            found.append(f"raw < or >: {text!r}")
        if "&" in ENTITY.sub("", bare):
            found.append(f"raw &: {text!r}")
        if re.search(r"&amp;(?:amp|lt|gt);", text):
            found.append(f"escaped twice: {text!r}")
        if "<!channel>" in text:
            found.append(f"a broadcast: {text!r}")
    return found


def wire(message: Message) -> dict[str, Any]:
    """What Slack receives for a message, as JSON would carry it."""
    return json.loads(json.dumps(message.payload()))  # type: ignore[no-any-return]


VIEWS = (
    "program", "program region EU & <UK>", "dormant", "handoffs", "runway", "top", "wins", "help", "define",
    "define psat", "P-1", "P-2", "Smith & Sons <EX>", "<!channel>", "program region <Mars>", "digest", "tiers",
    "incentives", "qbr P-1", "disputes", "disputes open Smith & Sons <EU>",
)  # fmt: skip


@pytest.mark.parametrize("command", VIEWS)
def test_every_view_escapes_names_and_placeholders(hostile: Database, command: str) -> None:
    try:
        message = dispatch(command, CommandContext(database=hostile, as_of=AS_OF, charts=False))
    except UserFacingError as error:  # answered as the runtime answers it
        message = error_reply(error)
    payload = wire(message)
    assert problems(payload) == [], command
    assert payload["text"] == esc(message.text)  # the fallback text is escaped once, on its way out


def test_the_scorecard_shows_the_name_escaped_once(hostile: Database) -> None:
    payload = wire(dispatch("P-1", CommandContext(database=hostile, as_of=AS_OF, charts=False)))
    assert payload["text"].startswith("Smith &amp; Sons &lt;EU&gt; scorecard")
    assert any("Smith &amp; Sons &lt;EU&gt;" in text for text in strings(payload["blocks"]))


def test_help_shows_its_placeholders_as_words(hostile: Database) -> None:
    payload = wire(dispatch("help", CommandContext(database=hostile, as_of=AS_OF, charts=False)))
    shown = "\n".join(strings(payload["blocks"]))
    assert "/partner &lt;partner&gt;" in shown and "define &lt;kpi&gt;" in shown


def test_every_proactive_message_escapes_names(hostile: Database) -> None:
    with hostile.session() as session:
        config = load_config(session)
        wins = [p.message for p in plan_first_wins(session, now=AS_OF, config=config) if p.message is not None]
        _, dms = plan_alerts(session, now=AS_OF, config=config)
        digest = digest_message(session, scope=Scope(), as_of=AS_OF, config=config, charts=False)
    home = home_for(
        CommandContext(database=hostile, as_of=AS_OF, requester=Requester(user_id="U0OLGA", email=OWNER), charts=False)
    )
    modal = snooze_modal(PARTNER, rule="dormant", subject="1", channel="D0OLGA", ts="1.2")
    assert [len(wins), len(dms)] == [1, 1]  # Globex's first win; Olga's DM (dormant, stale intro)
    assert DEAL in wins[0].text and esc(DEAL) in wins[0].wire_text
    assert BROADCAST in "".join(dm.message.text for dm in dms) or any(
        esc(BROADCAST) in text for dm in dms for text in strings(dm.message.blocks)
    )
    for name, payload in [
        *(("first win", wire(m)) for m in wins),
        *(("alert DM", wire(dm.message)) for dm in dms),
        ("digest", wire(digest)),
        ("App Home", home),
        ("snooze modal", modal),
    ]:
        assert problems(payload) == [], name


def test_every_attribution_message_escapes_names(hostile: Database) -> None:
    """The trace, the two modals, the notices and the list, for a deal and a reason holding `&`, `<`, `>`."""
    with hostile.transaction() as session:
        config = load_config(session)
        deal = load_deal(session, external_id="O-1")
        assert deal is not None
        dispute = open_dispute(
            session, deal=deal, proposed="influenced", reason="Ran the <demo> & the <!channel> call", user_id="U0OLGA",
            at=AS_OF,
        )  # fmt: skip
        decided = decide_dispute(
            session, dispute_id=dispute.id, accept=True, note="PRM <note> & more", user_id="U0OLGA", at=AS_OF,
            config=config,
        )  # fmt: skip
        deal = load_deal(session, external_id="O-1")
        assert deal is not None
        trace = load_trace(session, deal_id=deal.id)
        listed = load_disputes(session)
    messages = [
        why_reply(deal, trace, listed, config, can_dispute=True),
        dispute_notice(dispute, config, decides=True),
        decision_notice(decided),
        disputes_reply(listed, config, whose=PARTNER),
    ]
    for message in messages:
        payload = wire(message)
        assert problems(payload) == [], payload["text"]
        assert payload["text"] == esc(message.text)
    for view in (dispute_modal(deal, reply_to=None, channel=None), decide_modal(dispute, accept=False)):
        assert problems(view) == []
    assert "Initech &amp; Co &lt;pilot&gt;" in json.dumps(wire(messages[0]))
