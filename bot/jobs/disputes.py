"""Open attribution disputes reach the owner and admins found in Slack after the dispute was opened.

A dispute's notices are queued when it is opened; an admin or owner without a Slack id then is reached here, on a
later tick, once the directory has found them. Each notice is claimed per dispute and person, so nobody gets two.
"""

from __future__ import annotations

from datetime import datetime

from commands.interactions.disputes import queue_dispute_notices
from reports.attribution import OPEN
from storage.db import Database
from storage.disputes import load_disputes
from storage.program import load_config


def notify_open_disputes(database: Database, *, now: datetime) -> int:
    """Queue the notices of open disputes not yet sent to someone who can now be reached; how many."""
    with database.session() as session:
        if not load_disputes(session, status=OPEN, limit=1):
            return 0
    queued = 0
    with database.transaction() as session:
        config = load_config(session)
        for dispute in load_disputes(session, status=OPEN, limit=200):
            queued += len(queue_dispute_notices(session, dispute, config, now=now))
    return queued
