"""What an interaction handler receives from the running bot: the store, the moment, and who people are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.context import CommandContext, Requester
from storage.claims import claim_interaction
from storage.db import Database


class People(Protocol):
    """Who a Slack user is to partnerbot (implemented by bot.identity.Directory)."""

    def requester(self, user_id: str, channel_id: str | None) -> Requester: ...

    def resolve_people(self, *, limit: int = 40) -> int: ...


@dataclass(frozen=True)
class InteractionContext:
    database: Database
    now: datetime
    people: People

    def command_context(self, user_id: str, channel_id: str | None) -> CommandContext:
        """The context a subcommand runs in, for this person in this channel."""
        return CommandContext(
            database=self.database, as_of=self.now, requester=self.people.requester(user_id, channel_id)
        )

    def claim(self, key: str) -> bool:
        """True the first time this key is claimed: a double click or a retried delivery acts once."""
        with self.database.transaction() as session:
            return claim_interaction(session, key=key, at=self.now)
