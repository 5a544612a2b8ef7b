"""The program's data, as SQLAlchemy 2.x models: one class per kind in KPIS.md, plus configuration and rollups.

Every time is an aware UTC instant (`UtcDateTime`); calendar dates (`*_on`) are days in the program's time zone.
Amounts are integers in hundredths of a currency unit, so sums are exact on every store.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ATTRIBUTIONS = ("sourced", "influenced", "direct")
PARTNER_ATTRIBUTIONS = ("sourced", "influenced")
DISPUTE_STATUSES = ("open", "accepted", "rejected")
OUTCOMES = ("open", "won", "lost")
PARTNER_STATUSES = ("active", "sunset")
ROLES = ("admin", "manager", "viewer")
GOAL_METRICS = ("registered_deals", "sourced_pipeline", "sourced_revenue", "first_win_by")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint(_one_of("status", PARTNER_STATUSES), name="status"),
        Index(None, "owner_email"),
        Index(None, "onboarded_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[str | None] = mapped_column(Text)  # "|"-separated
    type: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(100))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    onboarded_on: Mapped[date | None] = mapped_column(Date)
    # None: onboarded_on is the partner data's own; else how it was derived (`reports.model.DERIVED_ONBOARDING`)
    onboarding_source: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    sunset_on: Mapped[date | None] = mapped_column(Date)
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(f"role IS NULL OR {_one_of('role', ROLES)}", name="role"),
        Index(None, "slack_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    slack_user_id: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(20))
    manager_email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(_one_of("attribution", ATTRIBUTIONS), name="attribution"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
        CheckConstraint("amount_minor IS NULL OR amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("(attribution = 'direct') = (partner_id IS NULL)", name="partner_iff_partner_attribution"),
        # Closed-deal aggregates (revenue, win rate, deal size, time to close) scan by close date.
        Index(
            "ix_deals_closed",
            "closed_on",
            "outcome",
            "attribution",
            "partner_id",
            "amount_base_minor",
            "created_on",
        ),
        # Per-partner views and the partner-scoped aggregates.
        Index("ix_deals_partner_closed", "partner_id", "closed_on"),
        Index("ix_deals_partner_registered", "partner_id", "registered_on"),
        # Open pipeline as of a moment.
        Index("ix_deals_outcome_created", "outcome", "created_on"),
        # Freshness: the newest deal date.
        Index("ix_deals_created", "created_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    attribution: Mapped[str] = mapped_column(String(20))
    account: Mapped[str | None] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(300))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_base_minor: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str | None] = mapped_column(String(100))
    registered_on: Mapped[date | None] = mapped_column(Date)
    created_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StageChange(Base):
    """One entry of a deal into a stage, with the derived facts of the stay that began there.

    `seq`, `left_at`, `stay_tenths`, `terminal`, `first_entry`, `advanced_at`, `partner_id`, `is_partner` and
    `attribution` (the deal's) are kept current by `storage.rollups` whenever the deal or its history changes, so
    velocity, conversion and stalls are answered from this table alone, without a join to a million deals.
    """

    __tablename__ = "stage_changes"
    __table_args__ = (
        UniqueConstraint("deal_id", "stage", "entered_at"),
        Index("ix_stage_changes_left", "left_at", "terminal", "stage", "is_partner", "stay_tenths"),
        # Entries and conversion over a year of entries read this index alone (it holds every column they use).
        Index(
            "ix_stage_changes_entered",
            "entered_at",
            "first_entry",
            "terminal",
            "stage",
            "is_partner",
            "attribution",
            "advanced_at",
            "partner_id",
        ),
        Index("ix_stage_changes_partner_entered", "partner_id", "entered_at"),
        # Conversion: first entries that advanced since the cached whole days ended.
        Index("ix_stage_changes_advanced", "advanced_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seq: Mapped[int] = mapped_column(Integer, server_default="1")
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stay_tenths: Mapped[int | None] = mapped_column(Integer)
    terminal: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    first_entry: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    advanced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    is_partner: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    attribution: Mapped[str | None] = mapped_column(String(20))


class Intro(Base):
    __tablename__ = "intros"
    __table_args__ = (
        Index("ix_intros_partner_introduced", "partner_id", "introduced_at"),
        Index(None, "introduced_at"),
        Index(None, "first_response_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    account: Mapped[str | None] = mapped_column(String(300))
    introduced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seller_email: Mapped[str | None] = mapped_column(String(320))
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_step_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Activity(Base):
    """A partner's engagement event. The natural key is the clustered primary key: one B-tree on SQLite."""

    __tablename__ = "activities"
    __table_args__ = (Index(None, "occurred_at"), {"sqlite_with_rowid": False})

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    contact: Mapped[str] = mapped_column(String(320), primary_key=True)  # "" when the export has none
    detail: Mapped[str | None] = mapped_column(String(300))


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("partner_id", "responded_on", "respondent"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        Index(None, "responded_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    responded_on: Mapped[date] = mapped_column(Date)
    respondent: Mapped[str] = mapped_column(String(320))  # "" when anonymous
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class Goal(Base):
    """A success criterion agreed with the partner: `period_end` is exclusive."""

    __tablename__ = "goals"
    __table_args__ = (
        UniqueConstraint("partner_id", "metric", "period"),
        CheckConstraint(_one_of("metric", GOAL_METRICS), name="metric"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    metric: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    target: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date)


class ProgramSetting(Base):
    """Program configuration, one JSON value per key; `storage.config` validates every key."""

    __tablename__ = "program_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PartnerMilestone(Base):
    """When a partner first reached an activation step (a rollup; first times never depend on as-of)."""

    __tablename__ = "partner_milestones"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(80), primary_key=True)
    reached_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deal_id: Mapped[int | None] = mapped_column(Integer)


class DataVersion(Base):
    """One row: the store's token and a counter every committed data change moves on (see storage.versioning)."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger)


class TableVersion(Base):
    """Per data table, the data version of the last committed change to it (see storage.versioning): a cached
    figure stays valid while none of the tables it read has changed."""

    __tablename__ = "table_versions"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ImportRun(Base):
    """One import or ingestion batch: what came in and what it changed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(500))
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)


class SourceDelivery(Base):
    """When each source last delivered each kind of record: `import`, `demo`, or `api:<token name>`."""

    __tablename__ = "source_deliveries"

    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    records: Mapped[int] = mapped_column(Integer)  # how many that delivery held


class SlackEvent(Base):
    """An Events API delivery already handled: retries of the same event_id act once."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InteractionClaim(Base):
    """A button action already carried out: a double click or a retried delivery acts once."""

    __tablename__ = "interaction_claims"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SlackWorkspace(Base):
    """The workspace's install state: uninstalled or revoked tokens stop every send until reinstalled."""

    __tablename__ = "slack_workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DigestSubscription(Base):
    """A channel's weekly throughput digest: its weekday, local time, time zone and optional scope."""

    __tablename__ = "digest_subscriptions"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM
    time_zone: Mapped[str] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkClaim(Base):
    """A unit of scheduled work (a digest per channel per week, an alert per owner per rule and day, a first-win
    post per partner), claimed by key before anything is sent, with how it ended."""

    __tablename__ = "work_claims"
    __table_args__ = (Index(None, "claimed_at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # claimed, queued, sent, skipped, failed
    reason: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message recorded before it is sent; the sender retries, paces and marks it sent with its ts.

    Its post and each of its files are separate steps: `sent_ts` is recorded as soon as the post lands (the files
    follow, each marked when shared), and `post_unsure` says an attempt was made whose outcome is unknown, so the
    channel is searched for the claim before posting again."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"), Index("ix_outbox_sent", "sent_channel", "sent_ts"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))  # a channel id, or None when sent to a user's DM
    user_id: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # {"text": ..., "blocks": [...]}
    status: Mapped[str] = mapped_column(String(20))  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_ts: Mapped[str | None] = mapped_column(String(40))
    sent_channel: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    post_tried_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # wall clock of the first post attempt
    post_unsure: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class OutboxFile(Base):
    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # shared in Slack: never uploaded again


class AlertNotice(Base):
    """The last time an owner was told about one subject in one state (rule, subject, state): the repeat clock."""

    __tablename__ = "alert_notices"

    dedup_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    owner_email: Mapped[str] = mapped_column(String(320))
    first_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Snooze(Base):
    """An alert subject put aside until a time, with a reason; it resurfaces in the digest before it expires."""

    __tablename__ = "snoozes"
    __table_args__ = (Index(None, "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))  # partner id or intro id
    label: Mapped[str] = mapped_column(String(300))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    user_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FirstWin(Base):
    """Each partner's first win, recorded once ever; announced, or kept silent when it was old news."""

    __tablename__ = "first_wins"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    deal_id: Mapped[int | None] = mapped_column(Integer)
    won_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    announced: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class IngestedEvent(Base):
    """A webhook event already applied: replays of the same id from the same source change nothing (ids are
    unique per source: two sources may use the same id for different events)."""

    __tablename__ = "ingested_events"

    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AttributionChange(Base):
    """Why a deal is sourced, influenced or direct: each change of its attribution (or of the partner credited),
    with what set it (an import's column and line, an API event, a dispute's decision) and the value before.
    `origin` "held" records a later import or event whose value a decided dispute kept out (not a change)."""

    __tablename__ = "attribution_changes"
    __table_args__ = (Index(None, "deal_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    attribution: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str | None] = mapped_column(String(20))  # None: the deal was new
    partner_id: Mapped[int | None] = mapped_column(Integer)
    previous_partner_id: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(10))  # import, api, dispute, held
    source: Mapped[str] = mapped_column(String(500))  # the file, the API source, or the admin who decided
    field: Mapped[str | None] = mapped_column(String(300))  # the column (or event field) the value came from
    raw_value: Mapped[str | None] = mapped_column(String(300))  # as the file said it, before any value map
    reference: Mapped[str | None] = mapped_column(String(200))  # the line, the event id, the dispute
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AttributionDispute(Base):
    """Someone questioned a deal's attribution; an admin decides, and the decision (who, when, why) holds."""

    __tablename__ = "attribution_disputes"
    __table_args__ = (
        CheckConstraint(_one_of("status", DISPUTE_STATUSES), name="status"),
        Index(None, "deal_id"),
        Index(None, "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    partner_id: Mapped[int | None] = mapped_column(Integer)  # the partner credited when it was opened
    attribution: Mapped[str] = mapped_column(String(20))  # the attribution it questions
    proposed: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(40))  # Slack user id
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10), server_default="open")  # open, accepted, rejected
    decided_attribution: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class AttributionHold(Base):
    """A decided dispute's attribution (and credited partner), which later imports and events cannot undo
    silently: the writer keeps it and records what they said (`AttributionChange` origin "held")."""

    __tablename__ = "attribution_holds"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    attribution: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(Integer)
    dispute_id: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
