"""The tier_criteria setting: read, written back one way, and refused with what to write instead."""

from __future__ import annotations

import pytest

from reports.config import ConfigError, ProgramConfig, parse_setting
from reports.tier_criteria import DEFAULT_TIER_CRITERIA, Minimum, parse_tier_criteria


def test_the_default_reads_highest_first_with_an_entry_tier() -> None:
    rules = ProgramConfig().tier_rules
    assert [r.name for r in rules] == ["platinum", "gold", "silver", "registered"]
    assert rules[0].minimums == (
        Minimum("sourced_revenue", 1_000_000),
        Minimum("win_rate", 0.30),
        Minimum("certifications", 3),
        Minimum("psat", 8),
    )
    assert rules[-1].minimums == ()
    assert parse_setting("tier_criteria", DEFAULT_TIER_CRITERIA) == DEFAULT_TIER_CRITERIA


def test_a_setting_is_stored_one_way() -> None:
    typed = "Gold : sourced_revenue >= 250000 , win_rate>=27.5% ;silver:SOURCED_REVENUE>=1.5M; ; Registered"
    with pytest.raises(ConfigError, match="Gold is above silver"):
        parse_setting("tier_criteria", typed)  # 250k is below silver's 1.5m
    typed = "Gold : sourced_revenue >= 2500000 , win_rate>=27.5% ;silver:SOURCED_REVENUE>=1.5M; ; Registered"
    assert parse_setting("tier_criteria", typed) == (
        "Gold: sourced_revenue>=2.5m, win_rate>=27.5%; silver: sourced_revenue>=1.5m; Registered"
    )
    assert parse_tier_criteria("a: sourced_revenue>=1234; b")[0].minimums == (Minimum("sourced_revenue", 1234),)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("gold: sourced_revenue>=1k", "at least two tiers"),
        ("gold: revenue>=1k; registered", "unknown metric 'revenue': use sourced_revenue, win_rate"),
        ("gold: win_rate>=30; registered", "as a percentage: win_rate>=30%"),
        ("gold: win_rate>=130%; registered", "up to 100%"),
        ("gold: psat>=11; registered", "up to 10"),
        ("gold: certifications>=1.5; registered", "whole number"),
        ("gold: sourced_revenue>=lots; registered", "250k or 1.5m"),
        ("gold: sourced_revenue>=0; registered", "asks nothing"),
        ("gold: sourced_revenue 5; registered", "is not metric>=value"),
        ("gold: psat>=8, psat>=9; registered", "appears twice"),
        ("gold: psat>=8; GOLD: psat>=7; registered", "a tier appears twice"),
        ("gold: psat>=8; silver: psat>=7", "give it no minimums"),
        ("gold: psat>=8; silver: sourced_revenue>=5k; registered", "must ask at least sourced_revenue>=5k"),
        ("gold: psat>=7; silver: psat>=8; registered", "must ask at least psat>=8"),
    ],
)
def test_bad_criteria_say_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=r"^tier_criteria: ") as error:
        parse_setting("tier_criteria", text)
    assert says in str(error.value)
