"""Owner alerts: one grouped DM per owner per run, deduplicated, never inside the repeat interval, never in the
owner's quiet hours (held until morning, not dropped), escalated to the owner's manager past 2 × SLA."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reports.blocks.alerts import (
    DORMANT,
    ESCALATION,
    STALE,
    admin_notice,
    alert_message,
    unreachable_message,
)
from reports.blocks.freshness import stale_data_notice
from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.dormancy import DormantPartner, compute_dormant_partners
from reports.kpis.handoffs import StaleIntro, compute_stale_intros
from reports.message import Message
from reports.model import PersonProfile, Scope
from reports.schedule import in_quiet_hours
from storage.alerts import load_notices, record_notice
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_unanswered_intros
from storage.loaders.partners import load_admins, load_partner_profiles, load_people
from storage.loaders.snoozes import load_active_snoozes
from storage.work import claim_work, enqueue, is_claimed

KIND = "alert"


@dataclass
class Inbox:
    stale: list[StaleIntro] = field(default_factory=list)
    dormant: list[DormantPartner] = field(default_factory=list)
    escalations: list[StaleIntro] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.stale) + len(self.dormant) + len(self.escalations)


@dataclass
class AlertRun:
    queued: int = 0
    held: list[str] = field(default_factory=list)  # owners in quiet hours
    unreachable: dict[str, int] = field(default_factory=dict)  # owner → items not sent
    held_for_data: int = 0  # dormant partners and stale intros waiting for data to arrive (see plan_inboxes)


def dormant_key(item: DormantPartner) -> str:
    return f"{DORMANT}:{item.partner.id}:{item.diagnosis}"


def stale_key(item: StaleIntro) -> str:
    return f"{STALE}:{item.intro.intro_id}:{'2xsla' if item.escalate else 'sla'}"


def escalation_key(item: StaleIntro) -> str:
    return f"{ESCALATION}:{item.intro.intro_id}"


def _due(key: str, notices: dict[str, datetime], repeat: timedelta, now: datetime) -> bool:
    last = notices.get(key)
    return last is None or now - last >= repeat


def plan_inboxes(
    session: Session, *, now: datetime, config: ProgramConfig, people: dict[str, PersonProfile], freshness: Freshness
) -> tuple[dict[str, Inbox], int]:
    """What each person should hear about now: owners their dormant partners and stale intros, managers the
    intros past 2 × SLA on their team; and how many items wait because the data cannot vouch for them.

    While data is stale, an item goes only when its condition already held at the last delivery: a partner is not
    dormant, nor an intro unanswered, because the data stopped arriving. So dormant partners wait (their quiet
    runs up to now), and so do intros whose SLA ran out after the last delivery; intros already past the SLA then
    are breaches on record and still go. What waits is neither sent nor marked, and goes once data arrives.
    """
    partners = [p for p in load_partner_profiles(session, scope=Scope()) if p.owner_email]
    dormant = compute_dormant_partners(
        load_quiet_partners(session, partners=partners, as_of=now, config=config), config, now
    ).partners
    stale = compute_stale_intros(
        load_unanswered_intros(session, scope=Scope(), as_of=now, older_than=now), now, config.handoff_sla_hours
    )
    snoozed = load_active_snoozes(session, as_of=now)
    notices = load_notices(session)
    dormant_repeat = timedelta(days=config.dormant_repeat_days)
    stale_repeat = timedelta(hours=config.stale_repeat_hours)
    sla = timedelta(hours=config.handoff_sla_hours)
    inboxes: dict[str, Inbox] = defaultdict(Inbox)
    held = 0
    for item in dormant:
        owner = (item.partner.owner_email or "").lower()
        if (
            owner
            and (DORMANT, str(item.partner.id)) not in snoozed
            and _due(dormant_key(item), notices, dormant_repeat, now)
        ):
            if freshness.vouches_for(now):
                inboxes[owner].dormant.append(item)
            else:
                held += 1
    for waiting in stale:
        owner = (waiting.intro.partner_owner_email or "").lower()
        if not owner or (STALE, str(waiting.intro.intro_id)) in snoozed:
            continue
        introduced = waiting.intro.introduced_at
        if _due(stale_key(waiting), notices, stale_repeat, now):
            if freshness.vouches_for(introduced + sla):
                inboxes[owner].stale.append(waiting)
            else:
                held += 1
        manager = (people.get(owner) or PersonProfile(owner)).manager_email
        if (
            waiting.escalate
            and manager
            and _due(escalation_key(waiting), notices, stale_repeat, now)
            and freshness.vouches_for(introduced + 2 * sla)
        ):
            inboxes[manager.lower()].escalations.append(waiting)
    return dict(inboxes), held


@dataclass(frozen=True)
class AlertDm:
    """One person's DM of this run, rendered before anything is claimed."""

    email: str
    user_id: str
    day: str  # in the person's time zone: each rule is claimed once a day
    inbox: Inbox
    rules: tuple[str, ...]  # the rules with items that were not claimed today when it was rendered
    message: Message
    apart: Message | None  # escalations for a manager who owns partners too


def _rule_key(email: str, rule: str, day: str) -> str:
    return f"{KIND}:{email}:{rule}:{day}"


def _dm_messages(inbox: Inbox, rules: tuple[str, ...], sla_hours: int) -> tuple[Message, Message | None]:
    stale = inbox.stale if STALE in rules else []
    dormant = inbox.dormant if DORMANT in rules else []
    escalations = inbox.escalations if ESCALATION in rules else []
    if not (stale or dormant):
        return alert_message(stale=escalations, dormant=[], sla_hours=sla_hours, escalation=True), None
    apart = alert_message(stale=escalations, dormant=[], sla_hours=sla_hours, escalation=True) if escalations else None
    return alert_message(stale=stale, dormant=dormant, sla_hours=sla_hours), apart


def plan_alerts(session: Session, *, now: datetime, config: ProgramConfig) -> tuple[AlertRun, list[AlertDm]]:
    """This run's DMs, rendered, and who waits or cannot be reached; reads only, so a read session will do."""
    people = load_people(session)
    freshness = load_freshness(session, as_of=now, config=config)
    inboxes, held_for_data = plan_inboxes(session, now=now, config=config, people=people, freshness=freshness)
    run = AlertRun(held_for_data=held_for_data)
    dms = []
    for email, inbox in sorted(inboxes.items()):
        person = people.get(email)
        tz = ZoneInfo(person.time_zone) if person and person.time_zone else config.tz
        if in_quiet_hours(now, tz, config.quiet_hours):
            run.held.append(email)
            continue
        if person is None or not person.slack_user_id:
            run.unreachable[email] = len(inbox)
            continue
        day = now.astimezone(tz).date().isoformat()
        rules = tuple(
            rule
            for rule, items in ((STALE, inbox.stale), (DORMANT, inbox.dormant), (ESCALATION, inbox.escalations))
            if items and not is_claimed(session, key=_rule_key(email, rule, day))
        )
        if rules:
            message, apart = _dm_messages(inbox, rules, config.handoff_sla_hours)
            dms.append(AlertDm(email, person.slack_user_id, day, inbox, rules, message, apart))
    return run, dms


def queue_alerts(session: Session, *, run: AlertRun, dms: list[AlertDm], now: datetime, config: ProgramConfig) -> None:
    """Claim each (person, rule, day) and queue the DMs rendered for them, in the caller's write transaction."""
    for dm in dms:
        claimed = tuple(
            rule for rule in dm.rules if claim_work(session, key=_rule_key(dm.email, rule, dm.day), kind=KIND, at=now)
        )
        if not claimed:
            continue
        message, apart = dm.message, dm.apart
        if claimed != dm.rules:  # another replica claimed a rule since: say only what this run claimed
            message, apart = _dm_messages(dm.inbox, claimed, config.handoff_sla_hours)
        key = f"{KIND}:{dm.email}:{'+'.join(claimed)}:{dm.day}"
        claim_work(session, key=key, kind=KIND, at=now)
        if apart is not None:
            extra_key = f"{key}:escalation"
            if claim_work(session, key=extra_key, kind=KIND, at=now):
                enqueue(session, claim_key=extra_key, kind=KIND, message=apart, at=now, user_id=dm.user_id)
        enqueue(session, claim_key=key, kind=KIND, message=message, at=now, user_id=dm.user_id)
        keys = [stale_key(s) for s in dm.inbox.stale] if STALE in claimed else []
        keys += [dormant_key(d) for d in dm.inbox.dormant] if DORMANT in claimed else []
        keys += [escalation_key(s) for s in dm.inbox.escalations] if ESCALATION in claimed else []
        for dedup_key in keys:
            record_notice(session, dedup_key=dedup_key, owner_email=dm.email, at=now)
        run.queued += 1


def send_alerts(session: Session, *, now: datetime, config: ProgramConfig) -> AlertRun:
    """Plan and queue this run's DMs in the caller's transaction (an ingested batch and its alerts commit
    together); the tick plans in a read session and queues in a short transaction of its own."""
    run, dms = plan_alerts(session, now=now, config=config)
    queue_alerts(session, run=run, dms=dms, now=now, config=config)
    return run


def report_unreachable(session: Session, *, now: datetime, config: ProgramConfig, owners: dict[str, int]) -> int:
    """Once a day, tell the admins which owners could not be reached in Slack."""
    if not owners:
        return 0
    day = now.astimezone(config.tz).date().isoformat()
    message = unreachable_message(sorted(owners.items()))
    return send_to_admins(session, key=f"unreachable:{day}", message=message, now=now)


def report_stale_data(session: Session, *, now: datetime, config: ProgramConfig) -> int:
    """Tell the admins when data stops arriving: once per stale spell, which its last delivery names."""
    freshness = load_freshness(session, as_of=now, config=config)
    last = freshness.last_delivery_at
    if not freshness.stale or last is None:
        return 0
    key = f"freshness:{last.astimezone(UTC).isoformat()}"
    return send_to_admins(session, key=key, message=stale_data_notice(freshness, config.tz), now=now)


def tell_admins(session: Session, *, key: str, text: str, now: datetime) -> int:
    return send_to_admins(session, key=key, message=admin_notice(text), now=now)


def send_to_admins(session: Session, *, key: str, message: Message, now: datetime) -> int:
    """Queue one DM of `message` to each admin in Slack, once per key; returns how many were queued."""
    sent = 0
    for admin in load_admins(session):
        if not admin.slack_user_id:
            continue
        admin_key = f"{key}:{admin.email}"
        if claim_work(session, key=admin_key, kind="admin_notice", at=now):
            enqueue(
                session, claim_key=admin_key, kind="admin_notice", message=message, at=now, user_id=admin.slack_user_id
            )
            sent += 1
    return sent
