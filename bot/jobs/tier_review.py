"""Once a quarter, the tier review to each admin by DM.

It goes on the quarter's first weekday at 09:00 in the program's time zone: the quarter just ended is then whole,
so the review reads exactly the four quarters it names, and tier changes are decided at the start of the quarter
they apply to. It is claimed per quarter (`tier_review:2026-Q3`, then one claim per admin DM, as every admin
notice), so replicas, restarts and retries send it once; a review missed by more than a week (downtime, a new
install mid-quarter) is recorded as skipped, not sent late. While no admin has a Slack user id it waits, unclaimed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.jobs.alerts import send_to_admins
from reports.blocks.tiers import tiers_reply
from reports.kpis.tiers import compute_tier_review
from reports.model import Scope
from reports.schedule import quarterly_slot
from storage.db import Database
from storage.loaders.freshness import load_freshness
from storage.loaders.partners import load_admins
from storage.loaders.tiers import load_tier_inputs
from storage.program import load_config
from storage.work import QUEUED, SKIPPED, claim_work, finish_work, is_claimed

log = logging.getLogger("partnerbot.jobs")
KIND = "tier_review"
GRACE = timedelta(days=7)


def claim_key(quarter: str) -> str:
    return f"{KIND}:{quarter}"


def send_tier_review(database: Database, *, now: datetime) -> int:
    """Queue this quarter's review to each admin in Slack once it is due; returns how many DMs were queued."""
    with database.session() as session:
        config = load_config(session)
        slot = quarterly_slot(now=now, tz=config.tz)
        key = claim_key(slot.week)
        if now < slot.due_at or is_claimed(session, key=key):
            return 0
        reachable = any(admin.slack_user_id for admin in load_admins(session))
    late = now - slot.due_at
    if late > GRACE:
        reason = f"missed by {late.days} days (downtime, or installed mid-quarter): beyond the {GRACE.days}-day grace"
        with database.transaction() as session:
            if claim_work(session, key=key, kind=KIND, at=now, status=SKIPPED, reason=reason):
                log.warning("tier review %s skipped: %s", key, reason)
        return 0
    if not reachable:
        log.warning("tier review %s waits: no admin has a Slack user id yet", key)
        return 0  # not claimed: it goes once an admin is found in Slack, within the grace week
    with database.session() as session:
        inputs = load_tier_inputs(session, scope=Scope(), as_of=now, config=config)
        freshness = load_freshness(session, as_of=now, config=config)
    review = compute_tier_review(inputs, config.tier_rules, config.tz, now)
    message = tiers_reply(Scope(), review, freshness, config, title=f"Tier review {slot.week}")
    with database.transaction() as session:
        if not claim_work(session, key=key, kind=KIND, at=now):
            return 0  # another replica claimed it while this one computed: that one sends it
        queued = send_to_admins(session, key=key, message=message, now=now)
        finish_work(session, key=key, status=QUEUED, at=now, reason=f"one DM to each of {queued} admin(s)")
    return queued
