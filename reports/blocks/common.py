"""Pieces every card shares: who someone is, how a rate or comparison reads."""

from __future__ import annotations

from reports.blocks.kit import esc
from reports.model import PersonProfile
from reports.stats import Median, Rate


def person(profile: PersonProfile | None, email: str | None = None) -> str:
    """A Slack mention when the person is in Slack, else their name or email."""
    if profile is not None and profile.slack_user_id:
        return f"<@{profile.slack_user_id}>"
    if profile is not None and profile.name:
        return esc(profile.name)
    return esc(email) if email else "unassigned"


def rate_text(rate: Rate | None) -> str:
    return "–" if rate is None else rate.text()


def median_text(median: Median, unit: str = "d") -> str:
    return median.text(unit)
