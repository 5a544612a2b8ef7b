"""How an onboarding date reads wherever it is shown: a derived one says how it was derived."""

from __future__ import annotations

from datetime import date

from reports.model import PartnerProfile


def test_onboarding_text_says_when_the_date_is_derived() -> None:
    given = PartnerProfile(1, "P-1", "Acme", onboarded_on=date(2026, 1, 15))
    derived = PartnerProfile(2, "P-2", "Globex", onboarded_on=date(2026, 2, 3), onboarding_source="first_deal")
    waiting = PartnerProfile(3, "P-3", "Initech", onboarding_source="first_deal")
    assert given.onboarded_text() == "2026-01-15"
    assert derived.onboarded_text() == "2026-02-03 (derived: first deal)"
    assert waiting.onboarded_text() == "onboarding date unknown"
