"""The program's configuration: every key, its default, and how a value is checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.tier_criteria import (
    DEFAULT_TIER_CRITERIA,
    TierCriteriaError,
    TierRule,
    canonical_tier_criteria,
    parse_tier_criteria,
)

STEP_ONBOARDED = "onboarded"
STEP_ENABLED = "enabled"
STEP_FIRST_SELLING_ACTION = "first_selling_action"
STEP_FIRST_QUALIFIED = "first_qualified_opportunity"
STEP_FIRST_WIN = "first_win"
BUILT_IN_STEPS = (
    STEP_ONBOARDED,
    STEP_ENABLED,
    STEP_FIRST_SELLING_ACTION,
    STEP_FIRST_QUALIFIED,
    STEP_FIRST_WIN,
)
ACTIVITY_STEP_PREFIX = "activity:"
STEP_TITLES = {
    STEP_ONBOARDED: "Onboarded",
    STEP_ENABLED: "Enabled",
    STEP_FIRST_SELLING_ACTION: "First selling action",
    STEP_FIRST_QUALIFIED: "First qualified opportunity",
    STEP_FIRST_WIN: "First win",
}
HEADLINE_METRICS = (
    "time_to_first_revenue",
    "pipeline_health",
    "enablement",
    "win_rate",
    "sourced_revenue",
    "handoff_response_time",
    "psat",
)
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
FAST_START_MAX_WINS = 3
FAST_START_MAX_DAYS = 365
QBR_MAX_DAYS_BEFORE_END = 60  # a quarter's packs go out in its last two months at the earliest


class ConfigError(ValueError):
    """A configuration value that cannot be used, with what would be accepted."""


def step_title(step: str) -> str:
    if step.startswith(ACTIVITY_STEP_PREFIX):
        return "First " + step.removeprefix(ACTIVITY_STEP_PREFIX).replace("_", " ")
    return STEP_TITLES.get(step, step)


@dataclass(frozen=True)
class ProgramConfig:
    time_zone: str = "UTC"
    base_currency: str = "USD"
    currency_rates: Mapping[str, float] = field(default_factory=dict)
    activation_steps: tuple[str, ...] = BUILT_IN_STEPS
    required_courses: tuple[str, ...] = ()
    pipeline_stages: tuple[str, ...] = ("Prospecting", "Qualification", "Proposal", "Negotiation")
    qualified_stage: str = "Proposal"
    dormancy_days: int = 60
    handoff_sla_hours: int = 24
    stall_threshold_days: int = 30
    wip_limit: int = 8
    sunset_after_alert_days: int = 180
    headline_metrics: tuple[str, ...] = ("time_to_first_revenue", "pipeline_health", "enablement")
    program_name: str = "Partner program"
    wins_channel: str = ""  # channel id for first-win posts; empty: wins are recorded, not posted
    quiet_hours: str = "20:00-08:00"  # in each owner's time zone: alerts wait until it ends
    dormant_repeat_days: int = 7
    stale_repeat_hours: int = 24
    first_win_horizon_days: int = 14
    digest_grace_hours: int = 6
    freshness_limit_hours: int = 72  # no deals, intros or activities delivered for longer: warn and hold
    tier_criteria: str = DEFAULT_TIER_CRITERIA  # reports/tier_criteria.py: tiers highest first, with their minimums
    fast_start_wins: int = 0  # a partner's first N sourced wins within fast_start_days of onboarding; 0: off
    fast_start_days: int = 90
    fast_start_amount: str = ""  # per eligible deal, in the base currency ("500.00"); empty: none
    fast_start_percent: str = ""  # of an eligible deal's amount ("2.5"); empty: none
    qbr_days_before_end: int = 10  # owners get their partners' QBR packs this many days before the quarter's last day
    qbr_partner_channels: bool = False  # the schedule also posts each partner's partner-safe pack in its channel

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def fast_start_on(self) -> bool:
        return self.fast_start_wins > 0

    def fast_start_owed(self, deal_minor: int | None) -> int | None:
        """What one eligible deal earns, in minor units: the fixed amount, or the percentage of the deal's amount
        (halves rounded up); None when neither is set or the deal has no amount."""
        if self.fast_start_amount:
            return int(Decimal(self.fast_start_amount) * 100)
        if self.fast_start_percent and deal_minor is not None:
            owed = Decimal(deal_minor) * Decimal(self.fast_start_percent) / 100
            return int(owed.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return None

    @cached_property
    def tier_rules(self) -> tuple[TierRule, ...]:
        return parse_tier_criteria(self.tier_criteria)

    def rate_for(self, currency: str | None) -> float | None:
        """Base-currency units per unit of `currency`; the base currency is always 1."""
        if currency is None or currency == self.base_currency:
            return 1.0
        return self.currency_rates.get(currency)

    def stage_index(self, stage: str | None) -> int | None:
        if stage is None:
            return None
        folded = stage.casefold()
        for index, name in enumerate(self.pipeline_stages):
            if name.casefold() == folded:
                return index
        return None

    @property
    def qualified_index(self) -> int | None:
        return self.stage_index(self.qualified_stage)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ProgramConfig:
        """Build from stored values, checking each; unknown keys are refused."""
        parsed = {key: parse_setting(key, value) for key, value in values.items()}
        config = replace(cls(), **parsed)
        check_config(config)
        return config

    def as_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = list(value) if isinstance(value, tuple) else value
        out["currency_rates"] = dict(self.currency_rates)
        return out


def _as_zone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin") from exc
    return str(value)


def _as_currency(value: Any) -> str:
    code = str(value).strip().upper()
    if not CURRENCY_CODE.match(code):
        raise ConfigError(f"{value!r} is not a currency code: use three letters such as USD")
    return code


def _as_rates(value: Any) -> dict[str, float]:
    """Accepts {"EUR": 1.08} or "EUR=1.08,GBP=1.27"."""
    if isinstance(value, str):
        pairs: list[tuple[str, Any]] = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            code, sep, rate = part.partition("=")
            if not sep:
                raise ConfigError(f"{part!r} is not CODE=RATE: write rates like EUR=1.08,GBP=1.27")
            pairs.append((code, rate))
        value = dict(pairs)
    if not isinstance(value, Mapping):
        raise ConfigError("currency rates must look like EUR=1.08,GBP=1.27")
    rates: dict[str, float] = {}
    for code, rate in value.items():
        try:
            number = float(rate)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"rate for {code} is {rate!r}, not a number") from exc
        if not number > 0:
            raise ConfigError(f"rate for {code} must be above 0, got {rate}")
        rates[_as_currency(code)] = number
    return rates


def _as_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list | tuple):
        raise ConfigError("expected a comma-separated list")
    return tuple(str(item).strip() for item in value if str(item).strip())


def _as_steps(value: Any) -> tuple[str, ...]:
    steps = _as_list(value)
    for step in steps:
        if step not in BUILT_IN_STEPS and not (
            step.startswith(ACTIVITY_STEP_PREFIX) and len(step) > len(ACTIVITY_STEP_PREFIX)
        ):
            raise ConfigError(f"unknown activation step {step!r}: use {', '.join(BUILT_IN_STEPS)} or activity:<kind>")
    return steps


def _as_positive_int(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ConfigError(f"{value!r} is not a whole number") from exc
    if number <= 0:
        raise ConfigError(f"{value!r} must be a whole number above 0")
    return number


def _as_headlines(value: Any) -> tuple[str, ...]:
    items = _as_list(value)
    for item in items:
        if item not in HEADLINE_METRICS:
            raise ConfigError(f"unknown headline metric {item!r}: choose from {', '.join(HEADLINE_METRICS)}")
    if not 1 <= len(items) <= 3:
        raise ConfigError("give one to three headline metrics")
    return items


def _as_channel(value: Any) -> str:
    text = str(value).strip().upper()
    if text and not re.fullmatch(r"[CG][A-Z0-9]{6,}", text):
        raise ConfigError(f"{value!r} is not a Slack channel id: use the id (like C0123ABCD), not the name")
    return text


def _as_quiet_hours(value: Any) -> str:
    text = str(value).strip()
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", text)
    if match is None:
        raise ConfigError(f"{value!r} is not a time range: use HH:MM-HH:MM, like 20:00-08:00")
    return text


def _as_fast_start_wins(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ConfigError(f"{value!r} is not a whole number: use 1 to {FAST_START_MAX_WINS}, or 0 for off") from exc
    if not 0 <= number <= FAST_START_MAX_WINS:
        raise ConfigError(f"{value!r} is out of range: use 1 to {FAST_START_MAX_WINS} wins, or 0 to turn it off")
    return number


def _as_fast_start_days(value: Any) -> int:
    number = _as_positive_int(value)
    if number > FAST_START_MAX_DAYS:
        raise ConfigError(f"{value!r} is more than {FAST_START_MAX_DAYS} days: a fast start is a first year at most")
    return number


def _as_decimal(value: Any, *, example: str, what: str) -> Decimal | None:
    """A positive number with at most two decimals (thousands commas allowed); empty means none."""
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ConfigError(f"{value!r} is not {what}: write it like {example}, or '' for none") from exc
    if not number.is_finite() or number <= 0:
        raise ConfigError(f"{value!r} must be above 0: write it like {example}, or '' for none")
    if number != number.quantize(Decimal("0.01")):
        raise ConfigError(f"{value!r} has more than two decimals: write it like {example}")
    return number


def _as_amount(value: Any) -> str:
    number = _as_decimal(value, example="500 or 1250.50", what="an amount in the base currency")
    return "" if number is None else f"{number:.2f}"


def _as_percent(value: Any) -> str:
    number = _as_decimal(str(value).strip().removesuffix("%"), example="5 or 2.5", what="a percentage")
    if number is not None and number > 100:
        raise ConfigError(f"{value!r} is more than 100 %: write the percentage of the deal's amount, like 5")
    return "" if number is None else f"{number.normalize():f}"


def _as_text(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ConfigError("must not be empty")
    return text


def _as_qbr_days(value: Any) -> int:
    number = _as_positive_int(value)
    if number > QBR_MAX_DAYS_BEFORE_END:
        raise ConfigError(
            f"{value!r} is more than {QBR_MAX_DAYS_BEFORE_END} days: a review goes out in its quarter's last month"
        )
    return number


def _as_switch(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0", ""):
        return False
    raise ConfigError(f"{value!r} is not on or off")


def _as_tier_criteria(value: Any) -> str:
    try:
        return canonical_tier_criteria(str(value))
    except TierCriteriaError as exc:
        raise ConfigError(str(exc)) from exc


PARSERS: dict[str, Callable[[Any], Any]] = {
    "time_zone": _as_zone,
    "base_currency": _as_currency,
    "currency_rates": _as_rates,
    "activation_steps": _as_steps,
    "required_courses": _as_list,
    "pipeline_stages": _as_list,
    "qualified_stage": _as_text,
    "dormancy_days": _as_positive_int,
    "handoff_sla_hours": _as_positive_int,
    "stall_threshold_days": _as_positive_int,
    "wip_limit": _as_positive_int,
    "sunset_after_alert_days": _as_positive_int,
    "headline_metrics": _as_headlines,
    "program_name": _as_text,
    "wins_channel": _as_channel,
    "quiet_hours": _as_quiet_hours,
    "dormant_repeat_days": _as_positive_int,
    "stale_repeat_hours": _as_positive_int,
    "first_win_horizon_days": _as_positive_int,
    "digest_grace_hours": _as_positive_int,
    "freshness_limit_hours": _as_positive_int,
    "tier_criteria": _as_tier_criteria,
    "fast_start_wins": _as_fast_start_wins,
    "fast_start_days": _as_fast_start_days,
    "fast_start_amount": _as_amount,
    "fast_start_percent": _as_percent,
    "qbr_days_before_end": _as_qbr_days,
    "qbr_partner_channels": _as_switch,
}

DESCRIPTIONS = {
    "time_zone": "IANA time zone that windows, quarters and dates are cut in",
    "base_currency": "currency every amount is converted to",
    "currency_rates": "base-currency units per unit of each other currency, e.g. EUR=1.08,GBP=1.27",
    "activation_steps": "ordered activation sequence: onboarded … first_win, plus activity:<kind> steps",
    "required_courses": "course or certification ids every partner must complete to be enabled",
    "pipeline_stages": "open deal stages in pipeline order",
    "qualified_stage": "the stage from which an opportunity counts as qualified",
    "dormancy_days": "days without any partner motion before a partner is dormant",
    "handoff_sla_hours": "hours a seller has to respond to a partner intro",
    "stall_threshold_days": "minimum days in a stage before a deal can be stalled",
    "wip_limit": "partners in runway one owner can carry before being flagged",
    "sunset_after_alert_days": "days dormant after an alert before a partner is a sunset candidate",
    "headline_metrics": "the scorecard's focus metrics (up to three)",
    "program_name": "the program's name on cards and digests",
    "wins_channel": "channel id where first wins are announced (empty: recorded, not posted)",
    "quiet_hours": "owners' quiet hours in their own time zone, HH:MM-HH:MM: alerts wait until they end",
    "dormant_repeat_days": "days before an owner is told again about the same dormant partner",
    "stale_repeat_hours": "hours before an owner is told again about the same stale intro",
    "first_win_horizon_days": "a new install's first wins older than this are recorded without a post",
    "digest_grace_hours": "hours a digest missed by downtime may still go out late",
    "freshness_limit_hours": (
        "hours without a delivery of deals, stage changes, intros or activities before data counts as stale: "
        "digests warn, dormant DMs wait"
    ),
    "tier_criteria": (
        "tiers highest first, separated by ;, each `name: metric>=value, …` over sourced_revenue (base currency, "
        "250k, 1.5m), win_rate (%), certifications (required courses done) and psat (mean 0–10); the last tier "
        "is the entry tier, with no minimums (see *Tier review*)"
    ),
    "fast_start_wins": (
        f"fast-start incentive: how many of a partner's first sourced wins within fast_start_days of onboarding "
        f"earn it (1 to {FAST_START_MAX_WINS}; 0: off)"
    ),
    "fast_start_days": "fast-start incentive: days from onboarding a sourced win may close on and still count",
    "fast_start_amount": "fast-start incentive per eligible deal, in the base currency (empty: none)",
    "fast_start_percent": "fast-start incentive as a percentage of each eligible deal's amount (empty: none)",
    "qbr_days_before_end": (
        f"days before the quarter's last day that each partner owner gets the quarterly business review packs of "
        f"their partners, at 09:00 program time (1 to {QBR_MAX_DAYS_BEFORE_END})"
    ),
    "qbr_partner_channels": (
        "on: the quarterly schedule also posts each partner's partner-safe pack in its partner channel (default off)"
    ),
}


def parse_setting(key: str, value: Any) -> Any:
    parser = PARSERS.get(key)
    if parser is None:
        raise ConfigError(f"unknown setting {key!r}: known settings are {', '.join(sorted(PARSERS))}")
    try:
        return parser(value)
    except ConfigError as exc:
        raise ConfigError(f"{key}: {exc}") from exc


def check_config(config: ProgramConfig) -> None:
    """Rules that span keys."""
    steps = config.activation_steps
    if len(steps) < 2 or steps[0] != STEP_ONBOARDED or steps[-1] != STEP_FIRST_WIN:
        raise ConfigError("activation_steps: the sequence must start with onboarded and end with first_win")
    if len(set(steps)) != len(steps):
        raise ConfigError("activation_steps: a step appears twice")
    if config.stage_index(config.qualified_stage) is None:
        raise ConfigError(
            f"qualified_stage: {config.qualified_stage!r} is not one of the pipeline_stages "
            f"({', '.join(config.pipeline_stages)}); to change both, set them together: "
            "partnerbot config set pipeline_stages 'A,B,C' qualified_stage B"
        )
    if config.fast_start_amount and config.fast_start_percent:
        raise ConfigError(
            "fast_start_amount and fast_start_percent: an eligible deal earns one or the other, not both; to switch, "
            "set them together: partnerbot config set fast_start_percent 5 fast_start_amount ''"
        )
