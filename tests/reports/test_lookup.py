"""Partner lookup: exact names and aliases, prefixes, typos, ambiguity and misses."""

from __future__ import annotations

import pytest

from reports.lookup import core_name, find_partner
from reports.model import PartnerProfile

PARTNERS = [
    PartnerProfile(1, "P-001", "Acme", aliases=("ACME Corp",)),
    PartnerProfile(2, "P-002", "Acme Analytics"),
    PartnerProfile(3, "P-003", "Globex Systems, Inc."),
    PartnerProfile(4, "P-004", "Initech"),
    PartnerProfile(5, "P-005", "Umbrella Cloud"),
    PartnerProfile(6, "P-006", "Zürich Data AG"),
]


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("acme", "Acme"),  # exact beats prefix
        ("ACME", "Acme"),
        ("acme corp", "Acme"),  # alias
        ("Acme, Inc.", "Acme"),  # legal suffix ignored
        ("p-004", "Initech"),  # external id
        ("globex", "Globex Systems, Inc."),  # unique prefix
        ("analytics", "Acme Analytics"),  # a word of the name
        ("initec", "Initech"),  # typo
        ("umbrela cloud", "Umbrella Cloud"),
        ("zurich", "Zürich Data AG"),  # accents
    ],
)
def test_finds_one_partner(query: str, match: str) -> None:
    result = find_partner(query, PARTNERS)
    assert result.match is not None
    assert result.match.name == match


def test_ambiguous_prefix_lists_candidates() -> None:
    result = find_partner("acm", PARTNERS)
    assert result.match is None
    assert [p.name for p in result.candidates] == ["Acme", "Acme Analytics"]


def test_miss_suggests_the_closest_names() -> None:
    result = find_partner("globular", PARTNERS)
    assert result.match is None
    assert not result.candidates
    assert result.suggestions
    assert result.suggestions[0].name == "Globex Systems, Inc."


def test_nothing_close_and_empty_query() -> None:
    assert find_partner("qqqqqqqq", PARTNERS).suggestions == ()
    assert find_partner("   ", PARTNERS).match is None


def test_core_name() -> None:
    assert core_name("Globex Systems, Inc.") == "globex systems"
    assert core_name("Co") == "co"
