"""The QBR pack through the real HTTP round trip: `/partner qbr` posts the PDF, a partner channel gets the partner
version, and before the quarter ends each owner gets the packs of their partners once, however many ticks and
replicas run; an owner not in Slack is named to the admins."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.jobs import qbr as qbr_job
from storage.models import Partner, Person, WorkClaim
from storage.program import apply_settings
from tests.bot.conftest import ADMIN, SHARED, STRANGER, VIEWER, Harness, jobs_for, text_of
from tests.bot.test_jobs import activities_file
from tests.commands.test_qbr import pages, pdf_text
from tests.factories import STAMP

OLGA_DM = f"D{VIEWER}"  # Olga Owner owns Acme and Acme Analytics


def _upload(harness: Harness, filename: str) -> dict:
    (found,) = [u for u in harness.slack.uploads.values() if u["filename"] == filename]
    return found


def _completions(harness: Harness) -> list[dict]:
    out: list[dict] = []
    for call in harness.slack.calls_to("files.completeUploadExternal"):
        files = call.params.get("files")
        out += json.loads(files) if isinstance(files, str) else files or []
    return out


def test_the_command_posts_the_pack_as_a_pdf(harness: Harness) -> None:
    _, url = harness.bot.command("qbr acme", user=VIEWER)  # Olga is a viewer who owns Acme
    reply = harness.reply(url)
    assert reply["text"] == "Quarterly business review 2026-Q2 to date for Acme: PDF attached."
    assert "qbr-acme-2026-Q2.pdf" in text_of(reply) or "QBR Acme 2026-Q2 to date" in text_of(reply)
    upload = _upload(harness, "qbr-acme-2026-Q2.pdf")
    assert upload["channel"] == "C0GENERAL" and upload["content"].startswith(b"%PDF-")
    assert pages(upload["content"]) == 8
    text = pdf_text(upload["content"])
    assert "Acme" in text and "Olga Owner" in text and "$50k" in text  # Initech expansion, won in Q1
    assert all("alt_txt" not in item and "alt_text" not in item for item in _completions(harness))


def test_the_command_keeps_to_who_may_see_the_partner(harness: Harness) -> None:
    _, url = harness.bot.command("qbr globex", user=VIEWER)
    assert "isn't one of yours" in harness.reply(url)["text"]
    _, url = harness.bot.command("qbr acme", user=STRANGER)
    assert "doesn't know you yet" in harness.reply(url)["text"]
    _, url = harness.bot.command("qbr acme 2026-Q9", user=ADMIN)
    assert "/partner qbr acme 2026-Q3" in text_of(harness.reply(url))
    assert harness.slack.uploads == {}


def test_a_partner_channel_gets_the_partner_version(harness: Harness) -> None:
    _, url = harness.bot.command("qbr 2026-Q1", channel=SHARED, user=VIEWER)
    reply = harness.reply(url)
    assert reply["text"] == "Quarterly business review 2026-Q1 for Acme (partner version): PDF attached."
    upload = _upload(harness, "qbr-acme-2026-Q1-partner.pdf")
    assert upload["channel"] == SHARED
    text = pdf_text(upload["content"])
    assert "$50k" in text and "Prepared for the partner" in text
    assert "Olga Owner" not in text and "Program win rate" not in text and "Next step" not in text
    _, url = harness.bot.command("qbr globex", channel=SHARED, user=ADMIN)
    assert "only show Acme's own scorecard" in harness.reply(url)["text"]


def _pack_dms(harness: Harness) -> list[dict]:
    return [
        c.params for c in harness.slack.calls_to("chat.postMessage") if "of your partners" in str(c.params.get("text"))
    ]


def _claim(harness: Harness, key: str) -> WorkClaim:
    with harness.database.session() as session:
        claim: WorkClaim = session.execute(select(WorkClaim).where(WorkClaim.key == key)).scalar_one()
        session.expunge(claim)
    return claim


def test_each_owner_gets_the_packs_once_before_the_quarter_ends(harness: Harness) -> None:
    with harness.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "hana@example.com").values(slack_user_id=ADMIN))
        session.add(Person(email="nina@example.com", name="Nina & <Co>", role="viewer", updated_at=STAMP))
        session.execute(update(Partner).where(Partner.name == "Globex").values(owner_email="nina@example.com"))
        apply_settings(session, values={"qbr_partner_channels": "on"})
    replica_a, replica_b = jobs_for(harness), jobs_for(harness)
    # Q2 2026 ends Tuesday 30 June; ten days before is Saturday 20 June, so the packs are due Friday 19 June 09:00
    assert replica_a.tick(datetime(2026, 6, 19, 8, 59, tzinfo=UTC)).qbr_packs == 0
    assert replica_a.tick(datetime(2026, 6, 19, 9, 1, tzinfo=UTC)).qbr_packs == 2  # Olga's DM, Acme's channel
    assert replica_b.tick(datetime(2026, 6, 19, 9, 2, tzinfo=UTC)).qbr_packs == 0
    assert replica_a.tick(datetime(2026, 6, 20, 9, 0, tzinfo=UTC)).qbr_packs == 0
    (dm,) = _pack_dms(harness)
    assert dm["channel"] == OLGA_DM
    assert "2 of your partners" in dm["text"] and "Acme Analytics" in text_of(dm)
    dm_files = sorted(u["filename"] for u in harness.slack.shared_files(OLGA_DM))
    assert dm_files == ["qbr-acme-2026-Q2.pdf", "qbr-acme-analytics-2026-Q2.pdf"]
    (shared,) = harness.slack.shared_files(SHARED)
    assert shared["filename"] == "qbr-acme-2026-Q2-partner.pdf"
    assert "Olga Owner" not in pdf_text(shared["content"])
    # Nina owns Globex but is not in Slack: the admins hear it once, by her email
    notes = [
        c.params
        for c in harness.slack.calls_to("chat.postMessage")
        if str(c.params.get("text")).startswith("Quarterly business reviews 2026-Q2: 1 partner owner is not in Slack")
    ]
    assert len(notes) == 1 and notes[0]["channel"] == f"D{ADMIN}"
    assert "nina@example.com: 1 partner" in text_of(notes[0])
    quarter = _claim(harness, "qbr:2026-Q2")
    assert quarter.status == "queued"
    assert quarter.reason == "packs to 1 owner(s); 1 owner(s) not in Slack, named to the admins"
    assert _claim(harness, "qbr:2026-Q2:owner:olga@example.com").status == "sent"
    assert harness.slack.violations == []


def test_packs_missed_by_more_than_a_week_are_skipped_not_sent_late(harness: Harness) -> None:
    assert jobs_for(harness).tick(datetime(2026, 6, 26, 9, 2, tzinfo=UTC)).qbr_packs == 0  # 7 days and a minute late
    assert _pack_dms(harness) == []
    claim = _claim(harness, "qbr:2026-Q2")
    assert claim.status == "skipped" and "beyond the 7-day grace" in (claim.reason or "")


def test_the_pdf_text_reader_reads_what_it_is_given() -> None:
    # the helper the tests above lean on: a stream holding one kerned TrueType run
    stream = zlib.compress(b"BT /F1 10 Tf [ (\x00A) 16.9 (\x00c) -0.2 (\x00m) (\x00e) ] TJ ET")
    assert pdf_text(b"stream\n" + stream + b"\nendstream") == "Acme"


def test_packs_wait_while_data_is_stale(harness: Harness, tmp_path: Path) -> None:
    from storage.importing import run_import

    def deliver(at: datetime) -> None:
        path = activities_file(tmp_path, f"{at:%d%H}.csv", f"{at:%Y-%m-%dT%H:%MZ}")
        run_import(harness.database, kind="activities", path=path, now=at)

    deliver(datetime(2026, 6, 14, 9, tzinfo=UTC))  # five days before the packs are due: past the 72 h limit
    jobs = jobs_for(harness)
    assert jobs.tick(datetime(2026, 6, 19, 9, 1, tzinfo=UTC)).qbr_packs == 0
    with harness.database.session() as session:
        assert session.execute(select(WorkClaim).where(WorkClaim.key.like("qbr:%"))).first() is None
    deliver(datetime(2026, 6, 19, 10, tzinfo=UTC))  # data again: the packs go on the next tick
    assert jobs.tick(datetime(2026, 6, 19, 10, 1, tzinfo=UTC)).qbr_packs == 1
    assert len(_pack_dms(harness)) == 1


def test_a_tick_draws_one_dm_of_packs_and_the_next_ticks_the_rest(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qbr_job, "FILES_PER_MESSAGE", 1)  # Olga's two partners: two DMs of one pack each
    due = datetime(2026, 6, 19, 9, 1, tzinfo=UTC)
    assert qbr_job.send_qbr_packs(harness.database, now=due, packs_per_tick=1) == 1
    assert not _claimed(harness, "qbr:2026-Q2:owner:olga@example.com")  # one part of two: the owner is not done
    assert qbr_job.send_qbr_packs(harness.database, now=due, packs_per_tick=1) == 1
    assert qbr_job.send_qbr_packs(harness.database, now=due, packs_per_tick=1) == 0
    assert _claim(harness, "qbr:2026-Q2:owner:olga@example.com").reason == "2 pack(s) in 2 DM(s)"
    assert _claim(harness, "qbr:2026-Q2").status == "queued"
    with harness.database.session() as session:
        parts = session.execute(select(WorkClaim.key).where(WorkClaim.key.like("qbr:2026-Q2:owner:%:part%")))
        assert sorted(parts.scalars()) == [f"qbr:2026-Q2:owner:olga@example.com:part{n}" for n in (1, 2)]


def _claimed(harness: Harness, key: str) -> bool:
    with harness.database.session() as session:
        return session.execute(select(WorkClaim.key).where(WorkClaim.key == key)).first() is not None
