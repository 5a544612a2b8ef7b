"""Why a deal is sourced, influenced or direct, and the disputes about it: the shapes the trace and the dispute
messages show (storage/disputes.py reads and writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
DECIDED = (ACCEPTED, REJECTED)
IMPORT, API, DISPUTE, HELD = "import", "api", "dispute", "held"  # what set (or, held, tried to set) a value


@dataclass(frozen=True)
class DealRef:
    """A deal as the trace and disputes show it."""

    id: int
    external_id: str
    name: str | None
    account: str | None
    attribution: str
    partner_id: int | None
    partner_name: str | None
    outcome: str
    stage: str | None
    amount_minor: int | None  # in the base currency
    closed_on: date | None
    updated_at: datetime

    @property
    def label(self) -> str:
        return self.name or self.external_id


@dataclass(frozen=True)
class TraceStep:
    """One change of a deal's attribution (or of the partner credited), or a value a decision held."""

    attribution: str
    previous: str | None
    partner_name: str | None
    previous_partner_name: str | None
    origin: str  # import, api, dispute, held
    source: str
    field: str | None
    raw_value: str | None
    reference: str | None
    changed_at: datetime


@dataclass(frozen=True)
class Dispute:
    id: int
    deal: DealRef
    partner_id: int | None
    partner_name: str | None
    attribution: str  # what it questioned
    proposed: str
    reason: str
    opened_by: str
    opened_at: datetime
    status: str
    decided_attribution: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN
