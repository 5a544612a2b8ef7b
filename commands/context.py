"""What every handler receives: the store, the moment to compute as of, and who is asking from where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database

ADMIN = "admin"
MANAGER = "manager"
VIEWER = "viewer"


@dataclass(frozen=True)
class Requester:
    """Who typed the command and where. `known` is False for a Slack user partnerbot has no person for."""

    user_id: str | None = None
    email: str | None = None
    name: str | None = None
    role: str | None = ADMIN
    channel_id: str | None = None
    known: bool = True

    @property
    def sees_everything(self) -> bool:
        return self.known and self.role in (ADMIN, MANAGER)


OPERATOR = Requester(name="operator", role=ADMIN)  # the command line: whoever runs it runs the program


@dataclass(frozen=True)
class CommandContext:
    database: Database
    as_of: datetime
    requester: Requester = field(default=OPERATOR)
    charts: bool = True  # render PNG charts (the terminal can skip them)
