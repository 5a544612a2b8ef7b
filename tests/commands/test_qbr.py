"""The QBR pack by hand on a small program (both stores): the quarter against its goals, four quarters of trend
with a partner onboarded mid-trend, the suggested goals, the PDF itself, the partner-safe version, and rows
dated after the as-of changing nothing."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, date, datetime

import pytest

from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.qbr import compute_pack, handle_qbr, split_quarter
from commands.table import dispatch
from reports.blocks.kit import check_blocks
from reports.blocks.qbr import owner_pack_messages, qbr_message
from reports.kpis.qbr import FALLING, RISING
from reports.model import PartnerProfile, Scope
from reports.qbr_pdf import qbr_pdf
from reports.views.qbr import NOT_ONBOARDED_CELL, QbrView, partner_safe
from storage.db import Database
from storage.loaders.partners import load_partner_profiles
from tests.factories import Fixture, at

NAME = "Fox & <Co>"
AS_OF = datetime(2026, 8, 1, tzinfo=UTC)  # Q2 2026 is over: its pack is read as of 2026-07-01 00:00
K = 100_000  # $1,000 in minor units


def program(f: Fixture | None = None) -> Fixture:
    f = f or Fixture(settings={"program_name": "Test Program"})
    f.person("olga@example.com", name="Olga Owner", slack_user_id="U0OLGA", role="manager")
    f.partner("P-1", NAME, type="reseller", owner_email="olga@example.com", onboarded_on=date(2025, 11, 15))
    f.partner("P-2", "Globex", onboarded_on=date(2025, 1, 1))
    f.deal("D-1", partner="P-1", attribution="sourced", created=date(2025, 11, 20), closed=date(2025, 12, 10),
           amount=10_000, outcome="won")  # fmt: skip
    f.deal("D-2", partner="P-1", attribution="sourced", created=date(2026, 1, 5), closed=date(2026, 2, 15),
           amount=20_000, registered_on=date(2026, 1, 3), outcome="won")  # fmt: skip
    f.deal("D-3", partner="P-1", attribution="sourced", created=date(2026, 4, 1), closed=date(2026, 5, 20),
           amount=30_000, registered_on=date(2026, 3, 30), name="Hooli renewal", outcome="won")  # fmt: skip
    f.deal("D-4", partner="P-1", attribution="influenced", created=date(2026, 4, 2), closed=date(2026, 6, 10),
           amount=5_000, outcome="won")  # fmt: skip
    f.deal("D-5", partner="P-1", attribution="sourced", created=date(2026, 6, 1), amount=40_000,
           registered_on=date(2026, 5, 30), name="Initech", account="Initech",
           stages=(("Proposal", at(date(2026, 6, 1))),))  # fmt: skip
    f.deal("D-9", partner="P-2", attribution="sourced", created=date(2026, 4, 1), closed=date(2026, 4, 20),
           amount=999_000, outcome="won")  # fmt: skip
    f.goal("P-1", "sourced_revenue", date(2026, 4, 1), date(2026, 7, 1), target=25_000 * 100, period="2026-Q2")
    f.goal("P-1", "registered_deals", date(2026, 1, 1), date(2026, 4, 1), target=2, period="2026-Q1")
    f.goal("P-1", "registered_deals", date(2026, 4, 1), date(2026, 7, 1), target=3, period="2026-Q2")
    return f


def _partner(db: Database, external_id: str = "P-1") -> PartnerProfile:
    with db.session() as session:
        return next(p for p in load_partner_profiles(session, scope=Scope()) if p.external_id == external_id)


def _pack(db: Database, quarter: str = "2026-Q2", *, as_of: datetime = AS_OF) -> QbrView:
    return compute_pack(db, partner=_partner(db), quarter=quarter, as_of=as_of)


def pdf_text(data: bytes) -> str:
    """The text drawn in a matplotlib PDF with TrueType fonts: each TJ/Tj string's two-byte codes, one line per
    text run (kerning splits a run into pieces, joined again here)."""
    runs = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for array in re.findall(rb"\[(.*?)\]\s*TJ|(\(.*?(?<!\\)\))\s*Tj", content, re.S):
            pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\)", array[0] or array[1], re.S)
            raw = b"".join(_unescape(p) for p in pieces)
            runs.append(raw.decode("utf-16-be", errors="replace"))
    return "\n".join(runs)


def _unescape(piece: bytes) -> bytes:
    out = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), piece)
    return re.sub(
        rb"\\(.)", lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), out, flags=re.S
    )


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def test_the_quarter_against_its_goals_by_hand(db: Database) -> None:
    program().write(db)
    view = _pack(db)
    assert view.quarter.title == "2026-Q2" and not view.quarter.quarter.to_date
    assert view.as_of == datetime(2026, 7, 1, tzinfo=UTC)
    lines = {line.label: line.text for line in view.sections[0].lines if line.label != "Goal"}
    goals = [line.text for line in view.sections[0].lines if line.label == "Goal"]
    # Q2: D-3 won $30k sourced (goal $25k: met); registered in Q2 only D-5 (1 of 3: missed at the quarter's end)
    assert goals == [
        "missed — registered deals 2026-Q2: 1 of 3, 100% of period gone",
        "met — sourced revenue 2026-Q2: $30k of $25k",
    ]
    assert lines["Sourced revenue"] == "$30k in 1 won deal"
    assert lines["Influenced revenue"] == "$5.0k in 1 won deal"
    assert lines["Open pipeline"] == "$40k in 1 open deal"
    # four partner deals closed in 365 d, all won: too few for a rate
    assert lines["Win rate (trailing 365 d)"] == "not enough data (n=4)"


def test_four_quarters_with_a_partner_onboarded_mid_trend(db: Database) -> None:
    program().write(db)
    view = _pack(db)
    table = view.sections[1].table
    assert table is not None
    assert table.header == ("", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")
    rows = {row[0]: row[1:] for row in table.rows}
    # onboarded 2025-11-15: 2025-Q3 is before onboarding, not zero
    assert rows["Sourced revenue (quarter)"] == (NOT_ONBOARDED_CELL, "$10k", "$20k", "$30k")
    assert rows["Sourced won deals (quarter)"] == (NOT_ONBOARDED_CELL, "1", "1", "1")
    assert rows["Influenced revenue (quarter)"] == (NOT_ONBOARDED_CELL, "$0", "$0", "$5.0k")
    assert rows["Open pipeline (at the end)"] == (NOT_ONBOARDED_CELL, "$0", "$0", "$40k")
    assert view.series.sourced == (None, 10 * K, 20 * K, 30 * K)


def test_the_trend_is_the_scorecard_at_each_quarter_end(db: Database) -> None:
    program().write(db)
    view = _pack(db)
    q1 = view.trend[2]
    ctx = CommandContext(database=db, as_of=datetime(2026, 4, 1, tzinfo=UTC), charts=False)
    card = dispatch("fox", ctx)
    assert q1.quarter.as_of == ctx.as_of
    assert "this quarter: sourced $20k" in str(card.blocks)  # the scorecard's own figure at Q1's end
    assert q1.card.sourced["quarter"].amount_minor == 20 * K


def test_next_quarters_suggested_goals(db: Database) -> None:
    program().write(db)
    view = _pack(db)
    assert view.next_quarter == "2026-Q3"
    by_metric = {s.metric: s for s in view.suggestions}
    # sourced revenue 10k, 20k, 30k after onboarding: +10k a quarter, 40k next (under the 45k cap)
    assert (by_metric["sourced_revenue"].target, by_metric["sourced_revenue"].basis) == (40 * K, RISING)
    # registered deals only where a goal measured them: Q1 2 (D-2, D-3), Q2 1 (D-5); the line reads 0 next: hold 1
    assert (by_metric["registered_deals"].target, by_metric["registered_deals"].basis) == (1, FALLING)
    assert "sourced_pipeline" not in by_metric  # never agreed as a goal
    table = view.sections[-1].table
    assert table is not None
    assert table.rows[0][:6] == ("sourced revenue", "–", "$10k", "$20k", "$30k", "$40k")


def test_rows_after_the_as_of_change_nothing(db: Database) -> None:
    program().write(db)
    before = qbr_pdf(_pack(db))
    later = Fixture()  # every row dated at or after 2026-07-01 00:00, the end of Q2
    later.deal("D-7", partner="P-1", attribution="sourced", created=date(2026, 7, 2), closed=date(2026, 7, 20),
               amount=70_000, outcome="won", registered_on=date(2026, 7, 1))  # fmt: skip
    later.deal("D-8", partner="P-1", attribution="sourced", created=date(2026, 7, 1), amount=80_000,
               stages=(("Proposal", at(date(2026, 7, 1))),))  # fmt: skip
    later.survey("P-1", date(2026, 7, 1), 2)
    later.activity("P-1", "login", at(date(2026, 7, 1)))
    later.intro("I-9", partner="P-1", introduced=at(date(2026, 7, 1)), account="Late")
    later.goal("P-1", "sourced_revenue", date(2026, 7, 1), date(2026, 10, 1), target=1, period="2026-Q3")
    later.write(db)
    assert qbr_pdf(_pack(db)) == before


def test_the_same_as_of_gives_the_same_pdf(db: Database) -> None:
    program().write(db)
    assert qbr_pdf(_pack(db)) == qbr_pdf(_pack(db))


def test_the_pdf_is_a_multi_page_pack_with_its_figures(db: Database) -> None:
    program().write(db)
    data = qbr_pdf(_pack(db))
    assert data.startswith(b"%PDF-") and pages(data) == 8  # title + seven sections
    text = pdf_text(data)
    for expected in (NAME, "Test Program", "Olga Owner", "2026-Q2", "$30k", "$40k", NOT_ONBOARDED_CELL,
                     "Suggested goals for 2026-Q3", "Win rate: program"):  # fmt: skip
        assert expected in text, expected
    assert b"/CreationDate (D:20260701000000Z)" in data


def test_the_partner_safe_pack_leaves_out_what_it_must(db: Database) -> None:
    program().write(db)
    internal = _pack(db)
    safe = partner_safe(internal)
    text = pdf_text(qbr_pdf(safe))
    assert NAME in text and "$30k" in text and "Suggested goals for 2026-Q3" in text
    for left_out in ("Olga Owner", "olga@example.com", "Win rate: program", "Program win rate", "Next step",
                     "Stalled", "Status", "Program median"):  # fmt: skip
        assert left_out not in text, left_out
    assert "Win rate: program" in pdf_text(qbr_pdf(internal))
    assert qbr_message(safe).files[0].filename == "qbr-fox-co-2026-Q2-partner.pdf"


def test_names_are_escaped_in_slack_and_plain_in_the_pdf(db: Database) -> None:
    program().write(db)
    message = qbr_message(_pack(db))
    assert message.blocks[0]["text"]["text"] == "Fox &amp; &lt;Co&gt; · QBR 2026-Q2"
    assert "Fox &amp; &lt;Co&gt;" in message.wire_text and "<Co>" not in message.wire_text
    assert message.files[0].content.startswith(b"%PDF-") and message.files[0].alt_text == ""
    assert not message.files[0].is_png


def test_the_current_quarter_is_to_date_and_a_future_one_is_refused(db: Database) -> None:
    program().write(db)
    mid_june = datetime(2026, 6, 15, 12, tzinfo=UTC)
    view = _pack(db, "", as_of=mid_june)
    assert view.quarter.title == "2026-Q2 to date" and view.as_of == mid_june
    with pytest.raises(UserFacingError, match="2026-Q3 has not begun yet"):
        _pack(db, "2026-Q3", as_of=mid_june)
    with pytest.raises(UserFacingError) as typo:
        _pack(db, "Q9")
    assert "/partner qbr acme 2026-Q3" in (typo.value.hint or "")


def test_the_command_reads_a_partner_and_a_quarter(db: Database) -> None:
    program().write(db)
    assert split_quarter("fox & <co> 2026-Q2") == ("fox & <co>", "2026-Q2")
    assert split_quarter("fox Q2 2026") == ("fox", "Q2 2026")
    assert split_quarter("fox") == ("fox", "")
    message = handle_qbr("fox 2026-Q2", CommandContext(database=db, as_of=AS_OF))
    assert message.files[0].filename == "qbr-fox-co-2026-Q2.pdf"
    with pytest.raises(UserFacingError, match="Which partner"):
        handle_qbr("2026-Q2", CommandContext(database=db, as_of=AS_OF))


def test_a_quarter_before_onboarding_has_no_review(db: Database) -> None:
    program().write(db)
    with pytest.raises(UserFacingError, match=r"was not yet onboarded in 2025-Q3 \(onboarding 2025-11-15\)"):
        _pack(db, "2025-Q3")


def test_an_owner_with_many_partners_gets_the_packs_in_several_dms(db: Database) -> None:
    program().write(db)
    view = _pack(db)
    file = qbr_message(view).files[0]
    messages = owner_pack_messages("2026-Q2", [view] * 12, [file] * 12)
    assert [len(m.files) for m in messages] == [10, 2]  # Slack shares at most 10 files with one message
    assert messages[1].text.startswith("Quarterly business reviews 2026-Q2 (part 2 of 2): 2 of your partners")
    shown = json.dumps(messages[0].blocks, ensure_ascii=False)
    assert "Fox &amp; &lt;Co&gt; — Sourced revenue $30k in 1 won deal" in shown and "<Co>" not in shown
    assert all(check_blocks(m.blocks) == [] for m in messages)
