"""Every import kind: its fields and how each is parsed, its key, the rules that span fields, and the model
columns the parsed values are stored in. All of it works on whole columns at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from reports.config import ProgramConfig
from storage.importing import limits, parse
from storage.models import (
    ATTRIBUTIONS,
    GOAL_METRICS,
    OUTCOMES,
    PARTNER_ATTRIBUTIONS,
    PARTNER_STATUSES,
    ROLES,
    Activity,
    Base,
    Deal,
    Goal,
    Intro,
    Partner,
    Person,
    StageChange,
    Survey,
)
from storage.people import name_keys

ALWAYS = ()  # a stored column written whenever a record is, whichever fields the file has
MONEY_METRICS = ("sourced_pipeline", "sourced_revenue")


@dataclass(frozen=True)
class Context:
    config: ProgramConfig
    formats: tuple[str, ...]  # the mapping's date formats
    zone: ZoneInfo  # for times without an offset: the mapping's time zone, else the program's
    onboarding: str | None = None  # partners: the mapping's rule for a missing onboarding date


Parser = Callable[[pd.Series, Context], parse.Parsed]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Parser
    required: bool = False


@dataclass(frozen=True)
class Stored:
    """A model column, the `Batch.values` column it is written from, and the fields whose presence writes it."""

    column: str
    source: str
    when: tuple[str, ...] = ALWAYS


@dataclass
class Batch:
    """Parsed records on their way to the store, with every problem found so far."""

    values: pd.DataFrame
    present: set[str]  # fields the file or mapping provides
    blank: dict[str, pd.Series]  # field → rows where it was empty (every row for a field the file lacks)
    labels: dict[str, str]  # field → the file's column, to name in messages
    problems: list[pd.DataFrame] = field(default_factory=list)

    def fail(self, name: str, rows: pd.Series, reason: str | Callable[[pd.Series], pd.Series]) -> None:
        """Reject `rows` (a boolean mask) for `reason`: one text, or a function of the rejected rows' mask that
        gives a text per rejected row (so the texts are built for those rows only)."""
        rows = rows.fillna(False).astype(bool)
        if not rows.any():
            return
        index = rows.index[rows.to_numpy()]
        reasons = list(reason(rows).loc[index].astype(str)) if callable(reason) else [reason] * len(index)
        self.problems.append(
            pd.DataFrame({"row": index.to_numpy(), "field": name, "reason": list(reasons), "seq": len(self.problems)})
        )

    def fail_each(self, name: str, errors: pd.Series) -> None:
        if len(errors):
            self.problems.append(
                pd.DataFrame(
                    {
                        "row": errors.index.to_numpy(),
                        "field": name,
                        "reason": errors.to_list(),
                        "seq": len(self.problems),
                    }
                )
            )

    def drop(self, rows: pd.Series) -> None:
        """Leave these rows (a boolean mask) out of the import: their values and whatever was wrong with them."""
        keep = ~rows.to_numpy(dtype=bool)
        dropped = rows.index[~keep]
        self.values = self.values[keep]
        self.blank = {name: blank[keep] for name, blank in self.blank.items()}
        self.problems = [p[~p["row"].isin(dropped)] for p in self.problems]

    def bad_rows(self) -> np.ndarray:
        if not self.problems:
            return np.array([], dtype=np.int64)
        return np.unique(np.concatenate([p["row"].to_numpy() for p in self.problems]))

    def column(self, name: str) -> pd.Series:
        """A parsed field, all missing when the file lacks it."""
        if name in self.values:
            return self.values[name]
        return pd.Series(np.nan, index=self.values.index, dtype=object)


@dataclass(frozen=True)
class KindSpec:
    kind: str
    model: type[Base]
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]  # the fields that identify a record (after resolving references)
    stored: tuple[Stored, ...]  # key columns first
    check: Callable[[Batch, Context, References], None] | None = None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(s.column for s in self.stored[: len(self.key)])


@dataclass(frozen=True)
class References:
    """Our ids for the export's ids, for the records this file refers to."""

    partners: Mapping[str, int]
    deals: Mapping[str, int] = field(default_factory=dict)
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name key → emails (`load_emails_by_name`)
    first_deals: Mapping[str, date] = field(default_factory=dict)  # partner_id → first deal day (`onboarding`)
    given_onboarding: Mapping[str, date | None] = field(default_factory=dict)  # partner_id → its data's onboarding date


# --- field parsers -----------------------------------------------------------------------------------------------


def _text(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_text(raw)


def _lower(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_lower(raw)


def _email(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_email(raw)


def _email_or_name(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_email_or_name(raw)


def _contact(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_contact(raw)


def _date(raw: pd.Series, ctx: Context) -> parse.Parsed:
    return parse.parse_dates(raw, ctx.formats, ctx.config.tz)


def _instant(raw: pd.Series, ctx: Context) -> parse.Parsed:
    return parse.parse_instants(raw, ctx.formats, ctx.zone)


def _choice(choices: tuple[str, ...], default: str | None = None) -> Parser:
    return lambda raw, _: parse.parse_choice(raw, choices, default=default)


def _pattern(pattern: str, what: str) -> Parser:
    return lambda raw, _: parse.parse_pattern(raw, pattern, what, upper=True)


def _stage(raw: pd.Series, ctx: Context) -> parse.Parsed:
    """A configured pipeline stage in its configured spelling ("proposal" → "Proposal"); any other as written."""
    canonical = raw.str.casefold().map({s.casefold(): s for s in ctx.config.pipeline_stages})
    return parse.parse_text(canonical.where(canonical.notna(), raw).astype(str))


F = FieldSpec
PARTNER = F("partner_id", _text, required=True)
CHANNEL = _pattern(r"[CG][A-Z0-9]{6,}", "a Slack channel id like C0123ABCD (the id, not the #name)")
SLACK_USER = _pattern(r"[UW][A-Z0-9]{6,}", "a Slack user id like U0123ABCD")
CURRENCY = _pattern(r"[A-Z]{3}", "a currency code like EUR")


def _score(raw: pd.Series, _: Context) -> parse.Parsed:
    return parse.parse_score(raw, 0, 10)


def _same(*names: str) -> tuple[Stored, ...]:
    return tuple(Stored(name, name, (name,)) for name in names)


# --- rules that span fields --------------------------------------------------------------------------------------


def resolve_partners(batch: Batch, refs: References, *, rows: pd.Series | None = None) -> None:
    """The export's partner_id → our partner id, in `partner_ref`; unknown ids are rejected."""
    external = batch.column("partner_id")
    found = external.map(refs.partners) if len(refs.partners) else pd.Series(np.nan, index=external.index)
    unknown = external.notna() & found.isna()
    if rows is not None:
        unknown &= rows
    batch.fail(
        "partner_id", unknown, lambda rows: "unknown partner_id '" + external[rows] + "' — import partners first"
    )
    batch.values["partner_ref"] = found.astype("Int64")


def resolve_deals(batch: Batch, refs: References) -> None:
    external = batch.column("deal_id")
    found = external.map(refs.deals) if len(refs.deals) else pd.Series(np.nan, index=external.index)
    unknown = external.notna() & found.isna()
    batch.fail("deal_id", unknown, lambda rows: "unknown deal_id '" + external[rows] + "' — import deals first")
    batch.values["deal_ref"] = found.astype("Int64")


def resolve_people(batch: Batch, refs: References, name: str) -> None:
    """A person's name in an email field → their email, through the people table (case and spacing ignored); a
    name nobody has, or several people have, is rejected with what to do about it."""
    values = batch.column(name)
    named = values.notna() & ~values.astype(str).str.contains("@", regex=False)
    if not named.any():
        return
    # the emails of the people with each name, joined by ", " (an email holds no space); each distinct name once
    codes, names = pd.factorize(values[named].astype(str))
    emails = name_keys(pd.Series(names, dtype=str)).map(lambda key: ", ".join(refs.people.get(key, ())))
    found = pd.Series(emails.to_numpy()[codes], index=values.index[named.to_numpy()], dtype=str)
    found = found.reindex(values.index, fill_value="")
    count = (found.str.count(", ") + 1).where(found != "", 0).where(named, -1)
    batch.fail(
        name,
        count == 0,
        lambda rows: (
            "no person is named '" + values[rows] + "' — import people first (partnerbot import people "
            "FILE, with their names and emails), or put the email in this column"
        ),
    )
    batch.fail(
        name,
        count > 1,
        lambda rows: (
            count[rows].astype(str) + " people are named '" + values[rows] + "' (" + found[rows] + ") — put "
            "the email of the one you mean in this column"
        ),
    )
    batch.values[name] = values.where(~named, found.where(count == 1))


def check_partners(batch: Batch, ctx: Context, refs: References) -> None:
    """A written onboarding date is the partner data's own; with the mapping's rule, a partner without one (and
    without one from an earlier export when this one has no such column) takes its first deal's day, marked as
    derived (`storage.importing.onboarding`)."""
    values = batch.values
    if ctx.onboarding is None:
        if "onboarded_on" in batch.present:
            values["onboarding_source"] = pd.Series(None, index=values.index, dtype=object)
        return
    ids = batch.column("partner_id")
    given = batch.column("onboarded_on") if "onboarded_on" in batch.present else ids.map(refs.given_onboarding)
    given = pd.to_datetime(given).astype("datetime64[us]")
    missing = given.isna()
    first = pd.to_datetime(ids.map(refs.first_deals)).astype("datetime64[us]")
    values["onboarded_on"] = given.where(~missing, first)
    values["onboarding_source"] = pd.Series(ctx.onboarding, index=values.index, dtype=object).where(missing)
    batch.present.add("onboarded_on")


def _partner_kind(batch: Batch, _: Context, refs: References) -> None:
    resolve_partners(batch, refs)


def _rates_hint(config: ProgramConfig, currency: str) -> str:
    """The config command that adds a rate and keeps the others (`config set` replaces the whole table)."""
    rates = [f"{code}={rate:g}" for code, rate in sorted(config.currency_rates.items())]
    return ",".join([*rates, f"{currency}=<rate>"])


def check_deals(batch: Batch, ctx: Context, refs: References) -> None:
    """Partner, close, amount and currency rules; the base-currency amount."""
    values, config = batch.values, ctx.config
    attribution, outcome = values["attribution"], values["outcome"]
    partner = batch.column("partner_id")
    partnered = attribution.isin(PARTNER_ATTRIBUTIONS)
    direct = attribution == "direct"
    batch.fail("partner_id", partnered & partner.isna(), lambda rows: "is required for " + attribution[rows] + " deals")
    batch.fail(
        "partner_id",
        direct & partner.notna(),
        "must be empty for direct deals: clear it, or set attribution to sourced or influenced",
    )
    resolve_partners(batch, refs, rows=~direct)
    values["partner_ref"] = values["partner_ref"].where(partnered)
    resolve_people(batch, refs, "owner_email")
    closed = outcome.isin(("won", "lost"))
    batch.fail(
        "closed_on", closed & batch.blank["closed_on"], lambda rows: "is required for " + outcome[rows] + " deals"
    )
    if "closed_on" in values:
        values["closed_on"] = values["closed_on"].where(closed)  # an open deal's close date is only expected
    else:
        values["closed_on"] = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    batch.fail("amount", (outcome == "won") & batch.blank["amount"], "is required for won deals")
    if "amount" in batch.present or "currency" in batch.present:
        currency = batch.column("currency")
        currency = currency.where(~batch.blank["currency"], config.base_currency)
        rates = {config.base_currency: 1.0, **config.currency_rates}
        rate = currency.map(rates)
        missing = currency.notna() & rate.isna()
        batch.fail(
            "currency",
            missing,
            lambda rows: currency[rows].map(
                lambda code: (
                    f"no exchange rate for {code}: add one with partnerbot config set currency_rates "
                    + _rates_hint(config, code)
                )
            ),
        )
        values["currency"] = currency
        amount = batch.column("amount").astype("Float64")
        base = pd.Series(np.floor(amount * rate.astype("Float64") + 0.5), index=values.index)
        over = (base > limits.MAX_AMOUNT_MINOR).fillna(False)  # a small amount in a currency with a large rate
        batch.fail(
            "amount",
            over,
            lambda rows: (
                "is "
                + (base[rows] / 100).map(lambda units: f"{units:,.0f}")
                + f" {config.base_currency} in the base currency: at most {limits.MAX_AMOUNT:,} fit"
            ),
        )
        values["amount_base"] = base.where(~over).astype("Int64")


QUARTER = re.compile(r"(\d{4})\s*-?\s*Q([1-4])|Q([1-4])\s*[- ]?\s*(\d{4})", re.IGNORECASE)
RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/)\s*(\d{4}-\d{2}-\d{2})")
MONTH = re.compile(r"(\d{4})-(\d{2})")


@cache
def parse_period(text: str) -> tuple[str, date, date] | None:
    """'2026-Q3', '2026', '2026-07', '2026-07-01' or '2026-07-01..2026-09-30' (inclusive) → (label, start, end).

    The end is exclusive; the label is the normalised spelling stored as the goal's period.
    """
    text = text.strip()
    try:
        if quarter := QUARTER.fullmatch(text):
            year = int(quarter.group(1) or quarter.group(4))
            number = int(quarter.group(2) or quarter.group(3))
            start = date(year, 3 * number - 2, 1)
            end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
            return f"{year}-Q{number}", start, end
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return text, date(year, 1, 1), date(year + 1, 1, 1)
        if month := MONTH.fullmatch(text):
            year, number = int(month.group(1)), int(month.group(2))
            start = date(year, number, 1)
            return f"{year}-{number:02d}", start, date(year + number // 12, number % 12 + 1, 1)
        if span := RANGE.fullmatch(text):
            start, last = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
            if last < start:
                return None
            return f"{start.isoformat()}..{last.isoformat()}", start, last + timedelta(days=1)
        single = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None
    if single is None:
        return None
    return single.isoformat(), single, single + timedelta(days=1)


def check_goals(batch: Batch, ctx: Context, refs: References) -> None:
    resolve_partners(batch, refs)
    values = batch.values
    metric = values["metric"]
    raw = values["period"]
    periods = raw.map(lambda text: parse_period(text) if isinstance(text, str) else None)
    batch.fail(
        "period",
        raw.notna() & periods.isna(),
        lambda rows: "'" + raw[rows] + "' is not a period: use 2026-Q3, 2026, 2026-07 or 2026-07-01..2026-09-30",
    )
    values["period"] = periods.map(lambda p: p[0] if p else None)
    start = pd.to_datetime(periods.map(lambda p: p[1] if p else None)).astype("datetime64[us]")
    end = pd.to_datetime(periods.map(lambda p: p[2] if p else None)).astype("datetime64[us]")
    first_win = metric == "first_win_by"
    target_date = batch.column("target_date")
    batch.fail("target_date", first_win & batch.blank["target_date"], "is required for first_win_by goals")
    if "target_date" in values:
        early = first_win & target_date.notna() & start.notna() & (target_date < start)
        batch.fail("target_date", early, "is before the goal's period starts")
        end = end.where(~(first_win & target_date.notna()), target_date + pd.Timedelta(days=1))
    values["period_start"], values["period_end"] = start, end
    batch.fail(
        "target",
        metric.notna() & ~first_win & batch.blank["target"],
        lambda rows: "is required for " + metric[rows] + " goals",
    )
    if "target" in values:
        money = metric.isin(MONEY_METRICS)
        values["target"] = values["target"].where(~money, np.floor(values["target"] * 100 + 0.5))


def _defaults(**defaults: str) -> Callable[[Batch, Context, References], None]:
    """Resolve partners, and give key fields the file may leave empty their stored default."""

    def check(batch: Batch, ctx: Context, refs: References) -> None:
        resolve_partners(batch, refs)
        for name, default in defaults.items():
            batch.values[name] = batch.column(name).fillna(default).astype(str)

    return check


def _stage_changes(batch: Batch, _: Context, refs: References) -> None:
    resolve_deals(batch, refs)


KINDS: dict[str, KindSpec] = {
    "partners": KindSpec(
        "partners",
        Partner,
        (
            F("partner_id", _text, required=True),
            F("name", _text, required=True),
            F("aliases", lambda raw, _: parse.parse_aliases(raw)),
            F("type", _lower),
            F("tier", _text),
            F("region", _text),
            F("segment", _text),
            F("owner_email", _email),
            F("onboarded_on", _date),
            F("status", _choice(PARTNER_STATUSES, default="active")),
            F("sunset_on", _date),
            F("slack_channel", CHANNEL),
        ),
        key=("partner_id",),
        stored=(
            Stored("external_id", "partner_id"),
            *_same("name", "aliases", "type", "tier", "region", "segment", "owner_email", "onboarded_on"),
            Stored("onboarding_source", "onboarding_source", ("onboarded_on",)),
            *_same("status", "sunset_on", "slack_channel"),
        ),
        check=check_partners,
    ),
    "people": KindSpec(
        "people",
        Person,
        (
            F("email", _email, required=True),
            F("name", _text),
            F("slack_user_id", SLACK_USER),
            F("role", _choice(ROLES)),
            F("manager_email", _email),
            F("time_zone", lambda raw, _: parse.parse_zone(raw)),
        ),
        key=("email",),
        stored=(
            Stored("email", "email"),
            *_same("name", "slack_user_id", "role", "manager_email", "time_zone"),
        ),
    ),
    "deals": KindSpec(
        "deals",
        Deal,
        (
            F("deal_id", _text, required=True),
            F("attribution", _choice(ATTRIBUTIONS), required=True),
            F("outcome", _choice(OUTCOMES), required=True),
            F("created_on", _date, required=True),
            F("partner_id", _text),
            F("closed_on", _date),
            F("amount", lambda raw, _: parse.parse_money(raw, limits.MAX_AMOUNT)),
            F("currency", CURRENCY),
            F("account", _text),
            F("name", _text),
            F("stage", _stage),
            F("registered_on", _date),
            F("owner_email", _email_or_name),
            F("stage_entered_at", _instant),
        ),
        key=("deal_id",),
        stored=(
            Stored("external_id", "deal_id"),
            Stored("partner_id", "partner_ref"),
            Stored("attribution", "attribution"),
            Stored("outcome", "outcome"),
            Stored("created_on", "created_on"),
            Stored("closed_on", "closed_on"),
            Stored("amount_minor", "amount", ("amount",)),
            Stored("amount_base_minor", "amount_base", ("amount",)),
            Stored("currency", "currency", ("amount", "currency")),
            *_same("account", "name", "stage", "registered_on", "owner_email"),
        ),
        check=check_deals,
    ),
    "stage_changes": KindSpec(
        "stage_changes",
        StageChange,
        (
            F("deal_id", _text, required=True),
            F("stage", _stage, required=True),
            F("entered_at", _instant, required=True),
        ),
        key=("deal_id", "stage", "entered_at"),
        stored=(Stored("deal_id", "deal_ref"), Stored("stage", "stage"), Stored("entered_at", "entered_at")),
        check=_stage_changes,
    ),
    "intros": KindSpec(
        "intros",
        Intro,
        (
            F("intro_id", _text, required=True),
            PARTNER,
            F("introduced_at", _instant, required=True),
            F("account", _text),
            F("seller_email", _email),
            F("first_response_at", _instant),
            F("next_step_at", _instant),
            F("outcome", _text),
        ),
        key=("intro_id",),
        stored=(
            Stored("external_id", "intro_id"),
            Stored("partner_id", "partner_ref"),
            Stored("introduced_at", "introduced_at"),
            *_same("account", "seller_email", "first_response_at", "next_step_at", "outcome"),
        ),
        check=_partner_kind,
    ),
    "activities": KindSpec(
        "activities",
        Activity,
        (
            PARTNER,
            F("kind", lambda raw, _: parse.parse_slug(raw), required=True),
            F("occurred_at", _instant, required=True),
            F("contact", _contact),
            F("detail", _text),
        ),
        key=("partner_id", "kind", "occurred_at", "contact"),
        stored=(
            Stored("partner_id", "partner_ref"),
            Stored("kind", "kind"),
            Stored("occurred_at", "occurred_at"),
            Stored("contact", "contact"),
            *_same("detail"),
        ),
        check=_defaults(contact=""),
    ),
    "surveys": KindSpec(
        "surveys",
        Survey,
        (
            PARTNER,
            F("responded_on", _date, required=True),
            F("score", _score, required=True),
            F("respondent", _contact),
            F("comment", _text),
        ),
        key=("partner_id", "responded_on", "respondent"),
        stored=(
            Stored("partner_id", "partner_ref"),
            Stored("responded_on", "responded_on"),
            Stored("respondent", "respondent"),
            Stored("score", "score"),
            *_same("comment"),
        ),
        check=_defaults(respondent=""),
    ),
    "goals": KindSpec(
        "goals",
        Goal,
        (
            PARTNER,
            F("metric", _choice(GOAL_METRICS), required=True),
            F("period", _text, required=True),
            F("target", lambda raw, _: parse.parse_number(raw, limits.MAX_NUMBER)),
            F("target_date", _date),
        ),
        key=("partner_id", "metric", "period"),
        stored=(
            Stored("partner_id", "partner_ref"),
            Stored("metric", "metric"),
            Stored("period", "period"),
            Stored("period_start", "period_start"),
            Stored("period_end", "period_end"),
            *_same("target", "target_date"),
        ),
        check=check_goals,
    ),
}


def parse_batch(frame: pd.DataFrame, labels: dict[str, str], spec: KindSpec, ctx: Context) -> Batch:
    """Parse every field the file provides; required fields left empty are rejected."""
    index = frame.index
    values: dict[str, Any] = {}
    blank: dict[str, pd.Series] = {}
    every = pd.Series(True, index=index)
    batch = Batch(pd.DataFrame(index=index), set(frame.columns), blank, labels)
    for item in spec.fields:
        if item.name not in frame:
            blank[item.name] = every
            continue
        raw = frame[item.name]
        blank[item.name] = raw == ""
        unsafe = limits.unsafe_text(raw)
        if unsafe.any():  # rejected here; parsed without those characters, so no rule or query meets them
            batch.fail(item.name, unsafe, limits.UNSAFE_REASON)
            raw = raw.str.replace(limits.UNSAFE, "", regex=True)
        parsed = parse_distinct(item.parse, raw, ctx)
        values[item.name] = parsed.values
        batch.fail_each(item.name, parsed.errors[~parsed.errors.index.isin(unsafe.index[unsafe.to_numpy()])])
        if item.required:
            batch.fail(item.name, blank[item.name], "is required")
    batch.values = pd.DataFrame(values, index=index)
    return batch


def parse_distinct(parser: Parser, raw: pd.Series, ctx: Context) -> parse.Parsed:
    """Parse each distinct value once: exports repeat dates, stages, currencies and emails on many rows."""
    found = parse.distinct(raw)
    if found is None:
        return parser(raw, ctx)
    codes, uniques = found
    parsed = parser(uniques, ctx)
    values = parsed.values.take(codes)
    values.index = raw.index
    errors = parse.no_errors()
    if len(parsed.errors):
        hit = pd.Series(codes, index=raw.index)
        hit = hit[hit.isin(parsed.errors.index)]
        errors = pd.Series(parsed.errors.loc[hit.to_numpy()].to_numpy(), index=hit.index, dtype=object)
    return parse.Parsed(values, errors)
