"""How fresh the data is: when each source last delivered each kind of record.

The record time alone cannot tell a quiet program from an export that stopped: both look like "nothing new".
The deliveries can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

IMPORT_SOURCE = "import"  # `partnerbot import`
DEMO_SOURCE = "demo"  # `partnerbot demo`, as of its anchor
API_PREFIX = "api:"  # `POST /api/v1/events`, then the token's name


def api_source(token_name: str) -> str:
    return f"{API_PREFIX}{token_name}"


@dataclass(frozen=True)
class LastDelivery:
    """One source's last delivery of one kind of record, and how many records it held."""

    source: str
    kind: str
    delivered_at: datetime
    records: int

    @property
    def label(self) -> str:
        if self.source.startswith(API_PREFIX):
            return f"{self.kind} via the API ({self.source.removeprefix(API_PREFIX)})"
        return f"{self.kind} ({self.source})"
