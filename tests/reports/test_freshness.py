"""Freshness: the newest record time beside the last delivery, when a card says both, and when data is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.blocks.freshness import freshness_block, freshness_text, stale_data_notice, stale_warning_text
from reports.formatting import elapsed
from reports.freshness import Freshness, LastDelivery

BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)  # 17:00 CEST
NEWEST = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
LAST = datetime(2026, 6, 22, 7, 0, tzinfo=UTC)


def fresh(last: datetime | None, *, newest: datetime | None = NEWEST, kind: str = "deals") -> Freshness:
    deliveries = () if last is None else (LastDelivery("import", kind, last, 120),)
    return Freshness(as_of=AS_OF, newest_record_at=newest, deliveries=deliveries, limit_hours=72)


def test_eight_days_without_a_delivery_is_stale_and_says_both_times() -> None:
    freshness = fresh(LAST)
    assert freshness.age == timedelta(days=8, hours=8)
    assert freshness.stale and freshness.shows_delivery
    assert freshness_text(freshness, BERLIN) == (
        "Data as of 2026-06-30 17:00 CEST (last delivery 2026-06-22, 8 d ago) · computed as of 2026-06-30 17:00 CEST"
    )
    assert freshness_block(freshness, BERLIN)["elements"][0]["text"].startswith(":warning: Data as of")
    assert stale_warning_text(freshness, BERLIN) == (
        ":warning: No data has arrived since 2026-06-22 09:00 CEST (8 d ago): figures below may be incomplete."
    )


def test_a_recent_delivery_close_to_the_newest_record_is_not_mentioned() -> None:
    freshness = fresh(AS_OF - timedelta(hours=5), newest=AS_OF - timedelta(hours=6))
    assert not freshness.stale and not freshness.shows_delivery
    assert freshness_text(freshness, BERLIN) == (
        "Data as of 2026-06-30 11:00 CEST · computed as of 2026-06-30 17:00 CEST"
    )
    assert freshness_block(freshness, BERLIN)["elements"][0]["text"].startswith(":clock3:")
    assert stale_warning_text(freshness, BERLIN) is None


def test_a_fresh_delivery_of_old_records_says_both_a_quiet_program_not_a_stopped_export() -> None:
    freshness = fresh(AS_OF - timedelta(hours=30), newest=datetime(2026, 6, 10, tzinfo=UTC))
    assert not freshness.stale
    assert "(last delivery 2026-06-29, 30 h ago)" in freshness_text(freshness, BERLIN)


@pytest.mark.parametrize("kind", ["partners", "people", "surveys", "goals"])
def test_only_deals_stage_changes_intros_and_activities_make_data_fresh(kind: str) -> None:
    freshness = Freshness(
        as_of=AS_OF,
        newest_record_at=NEWEST,
        deliveries=(LastDelivery("import", "activities", LAST, 10), LastDelivery("import", kind, AS_OF, 3)),
    )
    assert freshness.last_delivery_at == LAST and freshness.stale


def test_a_store_that_never_received_a_delivery_is_never_stale() -> None:
    freshness = fresh(None, newest=datetime(2025, 1, 1, tzinfo=UTC))
    assert freshness.last_delivery_at is None and not freshness.stale and not freshness.shows_delivery
    assert freshness.vouches_for(AS_OF)
    assert (
        freshness_text(Freshness(as_of=AS_OF), BERLIN)
        == "Data as of no data yet · computed as of 2026-06-30 17:00 CEST"
    )


def test_stale_data_vouches_only_up_to_its_last_delivery() -> None:
    stale = fresh(LAST)
    assert stale.vouches_for(LAST) and not stale.vouches_for(LAST + timedelta(seconds=1))
    assert not stale.vouches_for(AS_OF)
    assert fresh(AS_OF - timedelta(hours=71)).vouches_for(AS_OF)  # within the 72 h limit


def test_the_admin_notice_names_the_limit_and_every_source() -> None:
    freshness = Freshness(
        as_of=AS_OF,
        newest_record_at=NEWEST,
        deliveries=(LastDelivery("import", "deals", LAST, 120), LastDelivery("api:crm", "activities", LAST, 1)),
    )
    notice = stale_data_notice(freshness, BERLIN)
    assert notice.text == (
        "No data has arrived since 2026-06-22 09:00 CEST (8 d ago), beyond the 72 h limit: digests carry a warning, "
        "and DMs about dormant partners (and intros that passed the SLA since) wait until data arrives again."
    )
    listed = notice.blocks[1]["text"]["text"]
    assert "• activities via the API (crm): 2026-06-22 09:00 CEST (8 d ago), 1 record" in listed
    assert "• deals (import): 2026-06-22 09:00 CEST (8 d ago), 120 records" in listed


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=40), "40 min"),
        (timedelta(hours=47, minutes=59), "47 h"),
        (timedelta(days=8, hours=23), "8 d"),
    ],
)
def test_elapsed(delta: timedelta, text: str) -> None:
    assert elapsed(delta) == text
