"""Who a Slack user is to partnerbot: their email, person record and role, resolved once and cached."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.slack_port import SlackPort
from commands.context import VIEWER, Requester
from storage.db import Database
from storage.loaders.partners import load_people, load_person_by_slack_id
from storage.models import Person
from storage.people import record_slack_user_id

log = logging.getLogger("partnerbot.identity")
EMAIL_TTL = 3600.0
MISS_TTL = 6 * 3600.0


@dataclass
class Directory:
    """Maps Slack users to people by email, both ways: users.info for whoever asks, users.lookupByEmail for the
    people partnerbot will mention or DM. Answers are cached; `users_not_found` is remembered as a normal miss."""

    port: SlackPort
    database: Database
    monotonic: Callable[[], float] = time.monotonic
    _emails: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    _misses: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _resolving: threading.Lock = field(default_factory=threading.Lock)

    def email_for(self, user_id: str) -> str | None:
        now = self.monotonic()
        with self._lock:
            cached = self._emails.get(user_id)
        if cached is not None and now - cached[1] < EMAIL_TTL:
            return cached[0]
        email = self.port.user_email(user_id)
        with self._lock:
            self._emails[user_id] = (email, now)
        return email

    def requester(self, user_id: str, channel_id: str | None) -> Requester:
        with self.database.session() as session:
            person = load_person_by_slack_id(session, user_id=user_id)
        if person is None:
            email = self.email_for(user_id)
            if email is not None:
                with self.database.transaction() as session:
                    person = load_people(session, emails=[email]).get(email)
                    if person is not None:
                        record_slack_user_id(session, email=email, user_id=user_id)
            if person is None:
                return Requester(user_id=user_id, email=email, role=None, channel_id=channel_id, known=False)
        return Requester(
            user_id=user_id,
            email=person.email,
            name=person.name,
            role=person.role or VIEWER,
            channel_id=channel_id,
            known=True,
        )

    def resolve_people(self, *, limit: int = 40) -> int:
        """Find Slack ids for people who have none yet (at most `limit` lookups: users.lookupByEmail is tier 3).

        One resolution at a time: a second caller returns at once rather than repeat the same lookups.
        """
        if not self._resolving.acquire(blocking=False):
            return 0
        try:
            return self._resolve(limit)
        finally:
            self._resolving.release()

    def _resolve(self, limit: int) -> int:
        now = self.monotonic()
        with self.database.session() as session:
            emails = list(
                session.execute(
                    select(Person.email).where(Person.slack_user_id.is_(None)).order_by(Person.email)
                ).scalars()
            )
        found = 0
        for email in emails:
            if limit <= 0:
                break
            with self._lock:
                missed = self._misses.get(email)
            if missed is not None and now - missed < MISS_TTL:
                continue
            limit -= 1
            user_id = self.port.lookup_user(email)
            if user_id is None:
                with self._lock:
                    self._misses[email] = now
                continue
            with self.database.transaction() as session:
                record_slack_user_id(session, email=email, user_id=user_id)
            found += 1
        return found
