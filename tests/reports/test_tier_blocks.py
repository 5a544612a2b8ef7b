"""The tier review as Slack receives it: names escaped, within Slack's limits however many partners, and the full
list as CSV when the message leaves some out."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from reports.blocks.kit import check_blocks
from reports.blocks.tiers import PER_VERDICT, tiers_blocks, tiers_files, tiers_text
from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.revenue import ClosedStats
from reports.kpis.tiers import DEMOTE, KEEP, PROMOTE, TierInputs, compute_tier_review
from reports.model import PartnerProfile, Scope
from reports.stats import Distribution
from reports.timeframe import Window

AS_OF = datetime(2026, 7, 1, 9, tzinfo=UTC)
WINDOW = Window(datetime(2025, 7, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
CONFIG = ProgramConfig(required_courses=("C1", "C2", "C3"))


def _inputs(count: int) -> TierInputs:
    """Partners cycling through the tiers with revenue rising by 10k each: many promotions, demotions and keeps."""
    tiers = ("platinum", "gold", "silver", "registered")
    partners = [
        PartnerProfile(
            id=n,
            external_id=f"P{n}",
            name=f"R&D <Partner> number {n} with a name long enough to fill a line " + "x" * 60,
            tier=tiers[n % 4],
            onboarded_on=date(2024, 1, 1),
        )
        for n in range(count)
    ]
    return TierInputs(
        window=WINDOW,
        partners=partners,
        revenue={n: (n * 10_000_00, n) for n in range(count)},
        closed={n: {"sourced": ClosedStats(won=n % 7 + 1, lost=4)} for n in range(count)},
        courses={n: frozenset({"c1", "c2", "c3"}) for n in range(count)},
        scores={n: Distribution.from_pairs([(9.0, 3), (7.0, 2)]) for n in range(count)},
        required_courses=3,
    )


def test_a_long_review_stays_within_slacks_limits_and_attaches_the_rest() -> None:
    review = compute_tier_review(_inputs(240), CONFIG.tier_rules, CONFIG.tz, AS_OF)
    counts = review.counts()
    assert counts[PROMOTE] > PER_VERDICT and counts[DEMOTE] > PER_VERDICT and counts[KEEP] > PER_VERDICT
    blocks = tiers_blocks(Scope(), review, Freshness(as_of=AS_OF), CONFIG)
    assert check_blocks(blocks) == []
    shown = str(blocks)
    assert "R&amp;D &lt;Partner&gt; number" in shown and "R&D <Partner>" not in shown
    assert f"…and {counts[PROMOTE] - PER_VERDICT} more: the full list is in the attached file" in shown
    (sheet,) = tiers_files(review, CONFIG)
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8"))))
    assert len(rows) == 240
    assert {row["verdict"] for row in rows} >= {PROMOTE, DEMOTE, KEEP}
    text = tiers_text(review, Freshness(as_of=AS_OF), CONFIG)
    assert text.startswith(f"Tier review over 2025-Q3 to 2026-Q2: {counts[PROMOTE]} to promote")


def test_a_short_review_attaches_nothing() -> None:
    review = compute_tier_review(_inputs(6), CONFIG.tier_rules, CONFIG.tz, AS_OF)
    assert tiers_files(review, CONFIG) == ()
    assert check_blocks(tiers_blocks(Scope(), review, Freshness(as_of=AS_OF), CONFIG)) == []
