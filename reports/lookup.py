"""Finding a partner from what a person typed: case-insensitive, tolerant of typos and aliases."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from reports.model import PartnerProfile

SUFFIXES = {
    "inc",
    "llc",
    "ltd",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "plc",
    "ag",
    "sa",
    "bv",
    "pty",
    "limited",
}
TYPO_SCORE = 88.0
SUGGEST_SCORE = 60.0
MAX_CANDIDATES = 10


def normalise(text: str) -> str:
    """Case-folded, accents and punctuation removed, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


def core_name(text: str) -> str:
    """The normalised name without legal suffixes ("Acme, Inc." → "acme")."""
    words = normalise(text).split()
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class Lookup:
    """Exactly one of: a match, several candidates (ambiguous), or suggestions for a miss."""

    match: PartnerProfile | None = None
    candidates: tuple[PartnerProfile, ...] = ()
    suggestions: tuple[PartnerProfile, ...] = ()


def _names(partner: PartnerProfile) -> list[str]:
    return [partner.name, *partner.aliases]


def _unique(partners: Sequence[PartnerProfile]) -> tuple[PartnerProfile, ...]:
    seen: dict[int, PartnerProfile] = {}
    for partner in partners:
        seen.setdefault(partner.id, partner)
    return tuple(seen.values())


def _ranked(partners: Sequence[PartnerProfile]) -> tuple[PartnerProfile, ...]:
    return tuple(sorted(_unique(partners), key=lambda p: (p.name.casefold(), p.id)))[:MAX_CANDIDATES]


def exact_matches(query: str, partners: Sequence[PartnerProfile]) -> list[PartnerProfile]:
    """Partners the query names exactly: their id, or a name or alias (case, accents, punctuation and legal
    suffixes aside), with no typo tolerance."""
    wanted = normalise(query)
    wanted_core = core_name(query)
    wanted_id = query.strip().casefold()
    if not wanted:
        return []
    return [
        p
        for p in partners
        if wanted_id == p.external_id.casefold()
        or any(wanted == normalise(n) or wanted_core == core_name(n) for n in _names(p))
    ]


def find_partner(query: str, partners: Sequence[PartnerProfile]) -> Lookup:
    wanted = normalise(query)
    if not wanted:
        return Lookup()
    exact = exact_matches(query, partners)
    if exact:
        found = _unique(exact)
        return Lookup(match=found[0]) if len(found) == 1 else Lookup(candidates=_ranked(found))
    starts = [
        p
        for p in partners
        if any(
            normalise(n).startswith(wanted) or (len(wanted) >= 3 and f" {wanted}" in f" {normalise(n)}")
            for n in _names(p)
        )
    ]
    if starts:
        found = _unique(starts)
        return Lookup(match=found[0]) if len(found) == 1 else Lookup(candidates=_ranked(found))
    choices = {(index, n): normalise(n) for index, p in enumerate(partners) for n in _names(p)}
    scored = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=12, score_cutoff=SUGGEST_SCORE)
    best: dict[int, float] = {}
    for _, score, (index, _name) in scored:
        best[index] = max(best.get(index, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], partners[item[0]].name.casefold()))
    close = [partners[i] for i, score in ranked if score >= TYPO_SCORE]
    if len(close) == 1 or (len(close) > 1 and ranked[0][1] - ranked[1][1] >= 5):
        return Lookup(match=partners[ranked[0][0]])
    if close:
        return Lookup(candidates=tuple(close[:MAX_CANDIDATES]))
    return Lookup(suggestions=tuple(partners[i] for i, _ in ranked[:3]))
