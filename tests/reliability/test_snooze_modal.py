"""Snoozing every item of a long alert DM, through the real HTTP round trip.

The figure: a ten-item DM, each item snoozed in turn: snoozes recorded, message updates, notes kept, error DMs.
Before: a DM of four or more items answered "Something went wrong" (the modal carried the blocks, cut at 3,000
characters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import Intro, Partner, Snooze
from tests.bot.conftest import VIEWER, Harness
from tests.bot.test_slack_proactive import alert_dm, click, submit_snooze


def test_a_ten_item_alert_snoozes_each_item_and_the_message_keeps_every_note(harness: Harness) -> None:
    """Before: a DM of 4+ items carried its blocks in the modal's private_metadata, cut at 3,000 characters, and
    Snooze answered "Something went wrong". Now the modal holds ids only; each item is snoozed and the DM, updated
    after each, ends with all ten notes."""
    introduced = datetime(2026, 6, 1, 9, tzinfo=UTC)
    with harness.database.transaction() as session:
        partner_id = session.execute(select(Partner.id).where(Partner.name == "Acme")).scalar_one()
        for n in range(9):
            session.add(
                Intro(
                    external_id=f"X-{n}",
                    partner_id=partner_id,
                    account=f"Account & <Co> {n} with a rather long name to fill the message",
                    introduced_at=introduced,
                    seller_email="olga@example.com",
                    updated_at=introduced,
                )
            )
    dm = alert_dm(harness)
    snoozes = [
        e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "alert_snooze"
    ]
    assert len(snoozes) >= 10
    assert len(json.dumps(dm["blocks"])) > 3000  # what the old modal could not carry
    escaped = 0
    for nth in range(len(snoozes)):
        click(harness, dm, "alert_snooze", nth=nth)
        harness.bot.settle()
        view = harness.slack.calls_to("views.open")[-1].params["view"]
        assert len(view["private_metadata"]) < 200
        shown = json.dumps(view["blocks"])  # the accounts hold & and <Co>: escaped, never read as markup
        assert "<Co>" not in shown and " & " not in shown
        escaped += "Account &amp; &lt;Co&gt;" in shown
        submit_snooze(harness, view, view_id=f"V{nth}", days="3", reason=None)
    assert escaped == 9  # each added intro's modal names it, escaped
    with harness.database.session() as session:
        assert len(session.execute(select(Snooze)).scalars().all()) == len(snoozes)
    updates = harness.slack.calls_to("chat.update")
    assert len(updates) == len(snoozes)
    last = json.dumps(updates[-1].params["blocks"], ensure_ascii=False)
    assert last.count("Snoozed for 3 days by <@U0OLGA>") == len(snoozes)
    assert "alert_snooze" not in last
    sent_dms = [c for c in harness.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{VIEWER}"]
    assert len(sent_dms) == 1  # no "Something went wrong" DM
