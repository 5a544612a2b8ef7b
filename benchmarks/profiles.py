"""The benchmark's named scales. `large` is the scale the targets are set at; `medium` is a typical program (2,000
partners), between the two in every size; `small` is CI's smoke test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from demodata import DemoSize

ANCHOR = datetime(2026, 6, 15, 12, tzinfo=UTC)  # a Monday noon: every run computes as of the same moment
SEED = 7


@dataclass(frozen=True)
class Profile:
    name: str
    size: DemoSize
    import_rows: int  # rows in the deals CSV pushed through the real importer
    scorecards: int  # random partners whose scorecard is timed end to end
    concurrent: int  # /partner commands in flight at once for the ack latency
    rounds: int  # bursts of `concurrent` commands


PROFILES = {
    "small": Profile(
        "small",
        DemoSize(
            partners=400,
            owners=8,
            years=2.0,
            deals_per_partner=30,
            direct_deals=4_000,
            activities_per_partner=200,
            intros_per_partner=10,
            surveys_per_partner=2.5,
        ),
        import_rows=20_000,
        scorecards=10,
        concurrent=30,
        rounds=1,
    ),
    "medium": Profile(
        "medium",
        DemoSize(
            partners=2_000,
            owners=40,
            years=2.0,
            deals_per_partner=60,
            direct_deals=20_000,
            activities_per_partner=350,
            intros_per_partner=10,
            surveys_per_partner=2.5,
        ),
        import_rows=100_000,
        scorecards=100,
        concurrent=30,
        rounds=3,
    ),
    "large": Profile(
        "large",
        DemoSize(
            partners=20_000,
            owners=200,
            years=2.0,
            deals_per_partner=90,
            direct_deals=200_000,
            activities_per_partner=500,
            intros_per_partner=10,
            surveys_per_partner=2.5,
        ),
        import_rows=1_000_000,
        scorecards=200,
        concurrent=30,
        rounds=3,
    ),
}
