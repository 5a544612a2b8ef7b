"""Loading and recording the program configuration."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from reports.config import ConfigError, ProgramConfig, check_config, parse_setting
from storage.models import Deal, ProgramSetting

# Settings whose change alters derived rollups (milestones, stage stays), which must then be rebuilt.
ROLLUP_KEYS = frozenset({"time_zone", "required_courses", "pipeline_stages", "qualified_stage", "activation_steps"})


def load_config(session: Session) -> ProgramConfig:
    rows = session.execute(select(ProgramSetting.key, ProgramSetting.value)).all()
    return ProgramConfig.from_mapping({key: json.loads(value) for key, value in rows})


def record_settings(session: Session, *, values: dict[str, Any]) -> ProgramConfig:
    """Validate and store several settings at once; the resulting whole configuration must hold together."""
    current = load_config(session).as_mapping()
    stored = {
        key: json.loads(value) for key, value in session.execute(select(ProgramSetting.key, ProgramSetting.value))
    }
    for key, raw in values.items():
        parsed = parse_setting(key, raw)
        current[key] = parsed
        stored[key] = list(parsed) if isinstance(parsed, tuple) else parsed
    config = ProgramConfig.from_mapping(current)
    check_config(config)
    for key in values:
        session.merge(ProgramSetting(key=key, value=json.dumps(stored[key], sort_keys=True)))
    session.flush()
    return config


def forget_setting(session: Session, *, key: str) -> ProgramConfig:
    """Return a setting to its default."""
    parse_setting(key, getattr(ProgramConfig(), key))  # refuses unknown keys
    session.execute(delete(ProgramSetting).where(ProgramSetting.key == key))
    session.flush()
    return load_config(session)


def apply_settings(session: Session, *, values: dict[str, Any]) -> ProgramConfig:
    """Record settings and bring everything derived from them up to date, in the caller's transaction."""
    config = record_settings(session, values=values)
    if set(values) & {"currency_rates", "base_currency"}:
        _reconvert_amounts(session, config)
    if set(values) & ROLLUP_KEYS:
        from storage.rollups import refresh_milestones, refresh_stage_stays

        refresh_stage_stays(session, deal_ids=None, config=config)
        refresh_milestones(session, partner_ids=None, config=config)
    return config


def _reconvert_amounts(session: Session, config: ProgramConfig) -> None:
    """Recompute base-currency amounts; refuse a change that leaves a stored currency without a rate."""
    currencies = {
        c for c in session.execute(select(Deal.currency).where(Deal.currency.is_not(None)).distinct()).scalars() if c
    }
    missing = sorted(c for c in currencies if config.rate_for(c) is None)
    if missing:
        raise ConfigError(
            f"currency_rates: deals are stored in {', '.join(missing)} with no rate; add them, e.g. {missing[0]}=1.10"
        )
    for currency in sorted(currencies):
        rate = config.rate_for(currency)
        session.execute(
            update(Deal).where(Deal.currency == currency).values(amount_base_minor=func.round(Deal.amount_minor * rate))
        )
