"""`/partner incentives` through a real HTTP round trip: signed slash command in, reply and CSV file out."""

from __future__ import annotations

import csv
import io

from storage.program import apply_settings
from tests.bot.conftest import ADMIN, VIEWER, Harness, text_of


def test_incentives_reply_and_csv_reach_slack(harness: Harness) -> None:
    with harness.database.transaction() as session:
        apply_settings(session, values={"fast_start_wins": "1", "fast_start_days": "60", "fast_start_percent": "10"})
    _, url = harness.bot.command("incentives 2026-Q1", user=ADMIN)
    reply = harness.reply(url)
    # Acme, onboarded 2026-01-01, won Initech expansion ($50,000, sourced) on 2026-02-10: day 40, 10 % owed
    assert reply["text"].startswith("Fast-start incentives 2026-Q1: $5,000.00 owed for 1 deal of 1 partner.")
    assert "Initech expansion · won 2026-02-10 · day 40 · win 1 of 1 · *$5,000.00*" in text_of(reply)
    (upload,) = harness.slack.uploads.values()
    assert upload["filename"] == "fast-start-incentives-2026-Q1.csv"
    (row,) = csv.DictReader(io.StringIO(upload["content"].decode("utf-8")))
    assert (row["partner"], row["deal_id"], row["deal_amount"], row["owed"]) == ("Acme", "D-1", "50000.00", "5000.00")


def test_a_viewer_is_told_who_may_see_it(harness: Harness) -> None:
    with harness.database.transaction() as session:
        apply_settings(session, values={"fast_start_wins": "1"})
    _, url = harness.bot.command("incentives", user=VIEWER)
    reply = harness.reply(url)
    assert "for partnerbot admins and managers" in reply["text"] and "Hana Head" in text_of(reply)
    assert harness.slack.uploads == {}
