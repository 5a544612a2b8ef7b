"""The weekly throughput digest: its facts gathered for a scope at an as-of (with last week beside them), then
computed and rendered with no session open; and the subscriptions that schedule it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from commands.access import AccessDenied, grantors
from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.gather import gather_stalled
from commands.scope import SCOPE_WORDS, parse_scope, resolve_scope
from reports.blocks.digest import digest_reply
from reports.blocks.kit import bullet_lines, section
from reports.blocks.refusals import reach_note
from reports.config import ProgramConfig
from reports.formatting import local_time
from reports.message import Message, esc
from reports.model import Scope
from reports.schedule import WEEKDAYS, next_slot, parse_clock
from reports.timeframe import trailing
from reports.views.digest import DigestFacts, DigestView, SnoozeNote, WeekPair, compute_digest, trend_ends, week_before
from storage.loaders.activation import load_first_wins, load_milestones
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_intros
from storage.loaders.partners import load_admins, load_partner_profiles
from storage.loaders.revenue import load_revenue_by_partner
from storage.loaders.snoozes import load_expiring_snoozes
from storage.models import DigestSubscription
from storage.program import load_config
from storage.subscriptions import forget_subscription, load_subscription, load_subscriptions, record_subscription


def gather_digest_facts(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> DigestFacts:
    tz = config.tz
    before = week_before(as_of, tz)
    partners = load_partner_profiles(session, scope=scope)
    return DigestFacts(
        scope=scope,
        milestones=load_milestones(session, scope=scope, profiles=partners),
        weekly_sourced=[
            load_revenue_by_partner(
                session, scope=scope, window=trailing(end, 7, tz), config=config, attributions=("sourced",)
            )
            for end in trend_ends(as_of, tz)
        ],
        wins=load_first_wins(session, scope=scope, window=trailing(as_of, 7, tz)),
        intros=WeekPair(
            load_intros(session, scope=scope, window=trailing(as_of, 7, tz), tz=tz),
            load_intros(session, scope=scope, window=trailing(before, 7, tz), tz=tz),
        ),
        stalled=WeekPair(
            gather_stalled(session, scope=scope, as_of=as_of, config=config),
            gather_stalled(session, scope=scope, as_of=before, config=config),
        ),
        quiet=WeekPair(
            load_quiet_partners(session, partners=partners, as_of=as_of, config=config),
            load_quiet_partners(session, partners=partners, as_of=before, config=config),
        ),
        snoozes=tuple(
            SnoozeNote(s.label, s.owner_email, s.until, s.reason)
            for s in load_expiring_snoozes(
                session, as_of=as_of, until=as_of + timedelta(days=7), owner_email=scope.owner_email
            )
        ),
        freshness=load_freshness(session, as_of=as_of, config=config),
    )


def gather_digest(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> DigestView:
    """The digest's view in one call, for callers that hold a read session anyway (tests, benchmarks)."""
    return compute_digest(gather_digest_facts(session, scope=scope, as_of=as_of, config=config), config, as_of)


def digest_message(
    session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig, charts: bool = True
) -> Message:
    """Gather, compute and render in one call, for callers that hold a read session anyway (tests, benchmarks);
    the command and the scheduled job close their session before rendering."""
    return digest_reply(gather_digest(session, scope=scope, as_of=as_of, config=config), config, charts=charts)


WEEKDAY_TYPO_SCORE = 75.0  # `wendesday`, `thrusday`: close enough to a weekday to be one mistyped
USAGE = (
    "`/partner digest subscribe [#channel] [weekday] [HH:MM] [time zone] [segment X | region Y | owner Z]`, "
    "`/partner digest unsubscribe [#channel]`, `/partner digest list`, `/partner digest preview [#channel]`"
)
CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{6,})$")


@dataclass(frozen=True)
class DigestRequest:
    action: str
    channel_id: str | None
    weekday: int = 0
    local_time: str = "09:00"
    time_zone: str | None = None
    scope: Scope = field(default_factory=Scope)


def _near_weekday(word: str) -> bool:
    """`wendesday`, `thrusday`: a weekday mistyped (a filter or time zone never is this close to one)."""
    return any(fuzz.ratio(word, day) >= WEEKDAY_TYPO_SCORE for day in WEEKDAYS)


def parse_digest(text: str, default_channel: str | None) -> DigestRequest:
    words = text.split()
    if not words or words[0].lower() not in ("subscribe", "unsubscribe", "list", "preview"):
        raise UserFacingError("Tell me what to do with digests.", hint=f"Try {USAGE}.")
    action, rest = words[0].lower(), words[1:]
    channel = default_channel
    if rest and (match := CHANNEL.match(rest[0])):
        channel = match.group(1) or match.group(2)
        rest = rest[1:]
    weekday, clock, zone, scope_words = 0, "09:00", None, []
    for index, word in enumerate(rest):
        lowered = word.lower().rstrip(",")
        if lowered[:3] in [d[:3] for d in WEEKDAYS] and lowered in [d[: len(lowered)] for d in WEEKDAYS]:
            weekday = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(lowered))
        elif re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", lowered):
            hours, minutes = lowered.split(":")
            clock = f"{int(hours):02d}:{minutes}"
        elif re.fullmatch(r"\d+:\d+", lowered):
            raise UserFacingError(f"“{word}” is not a time of day.", hint="Use 24-hour HH:MM, like `08:30` or `17:00`.")
        elif "/" in word or word.upper() == "UTC":
            try:
                ZoneInfo(word)
            except (ZoneInfoNotFoundError, ValueError):
                raise UserFacingError(f"“{word}” is not a time zone.", hint="Use a name like Europe/Berlin.") from None
            zone = word
        elif lowered in SCOPE_WORDS:
            scope_words = rest[index:]
            break
        elif lowered.endswith("day") or _near_weekday(lowered):
            raise UserFacingError(
                f"“{word}” is not a weekday.", hint="Use `monday` … `sunday`, or their first three letters (`mon`)."
            )
        else:
            raise UserFacingError(
                f"I don't understand “{word}” in a digest subscription.",
                hint=(
                    "Give a weekday (`monday` … `sunday`, or `mon`), a time (`08:30`), a time zone "
                    "(`Europe/Berlin`) or a filter (`segment`, `region`, `owner`), in any order."
                ),
            )
    if action in ("subscribe", "unsubscribe", "preview") and not channel:
        raise UserFacingError("Which channel?", hint=f"Name one (`#channel`) or run it in that channel. {USAGE}.")
    scope = parse_scope(" ".join(scope_words))
    if scope.tier or scope.partner_type:
        raise UserFacingError(
            "A digest can be narrowed by segment, region or owner, not by tier or type.",
            hint="Drop the `tier` or `type` filter; `/partner program tier gold` shows that view on demand.",
        )
    return DigestRequest(action, channel, weekday, clock, zone, scope)


def handle_digest(text: str, ctx: CommandContext) -> Message:
    requester = ctx.requester
    if not requester.sees_everything:
        with ctx.database.session() as session:
            raise AccessDenied(
                "Digest subscriptions are for partnerbot admins and managers.",
                hint=f"Ask {grantors(load_admins(session))}.",
            )
    request = parse_digest(text, requester.channel_id)
    if request.action in ("list", "preview"):
        with ctx.database.session() as session:
            config = load_config(session)
            if request.action == "list":
                return _list_reply(load_subscriptions(session), ctx.as_of)
            assert request.channel_id is not None
            existing = load_subscription(session, channel_id=request.channel_id)
            scope = (
                Scope(segment=existing.segment, region=existing.region, owner_email=existing.owner_email)
                if existing
                else resolve_scope(session, request.scope)
            )
            facts = gather_digest_facts(session, scope=scope, as_of=ctx.as_of, config=config)
        preview = digest_reply(compute_digest(facts, config, ctx.as_of), config, charts=ctx.charts)
        return replace(preview, response_type="ephemeral", shareable=False)
    with ctx.database.transaction() as session:
        config = load_config(session)
        request = replace(request, scope=resolve_scope(session, request.scope))  # stored as the partners spell it
        assert request.channel_id is not None
        if request.action == "unsubscribe":
            gone = forget_subscription(session, channel_id=request.channel_id)
            note = "No more digests" if gone else "There was no digest"
            return _note(f"{note} in this channel.", f"{note} in <#{request.channel_id}>.")
        zone = request.time_zone or config.time_zone
        record_subscription(
            session,
            channel_id=request.channel_id,
            weekday=request.weekday,
            local_time=request.local_time,
            time_zone=zone,
            segment=request.scope.segment,
            region=request.scope.region,
            owner_email=request.scope.owner_email,
            created_by=requester.user_id,
            at=ctx.as_of,
        )
        upcoming = next_slot(
            weekday=request.weekday, at=parse_clock(request.local_time), tz=ZoneInfo(zone), now=ctx.as_of
        )
    when = (
        f"{WEEKDAYS[request.weekday].title()}s at {request.local_time} {zone} ({request.scope.describe()}); "
        f"the next one is {local_time(upcoming, ZoneInfo(zone))}. {reach_note(files='the digest’s chart')}"
    )
    return _note(f"Weekly digest for this channel: {when}", f"Weekly digest for <#{request.channel_id}>: {esc(when)}")


def _note(text: str, markup: str | None = None) -> Message:
    """A short reply: `text` is plain (the fallback, and the section escaped from it) unless `markup` gives the
    section's mrkdwn (a channel link, with everything else in it escaped)."""
    return Message(text=text, blocks=[section(markup if markup is not None else esc(text))], shareable=False)


def _list_reply(subscriptions: list[DigestSubscription], as_of: datetime) -> Message:
    if not subscriptions:
        return _note("No channel gets the weekly digest yet: `/partner digest subscribe` in a channel.")
    lines = []
    for sub in subscriptions:
        zone = ZoneInfo(sub.time_zone)
        upcoming = next_slot(weekday=sub.weekday, at=parse_clock(sub.local_time), tz=zone, now=as_of)
        scope = Scope(segment=sub.segment, region=sub.region, owner_email=sub.owner_email).describe()
        lines.append(
            f"• <#{sub.channel_id}> — {WEEKDAYS[sub.weekday].title()}s {sub.local_time} {sub.time_zone} "
            f"({esc(scope)}); next {local_time(upcoming, zone)}"
        )
    return Message(
        text=f"{len(subscriptions)} digest subscriptions.",
        blocks=[section("*Weekly digests*"), *bullet_lines(lines)],
        shareable=False,
    )
