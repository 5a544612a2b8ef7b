"""What a snooze is listed under: the intro or partner its button was on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reports.blocks.alerts import DORMANT, STALE, intro_label
from storage.alerts import load_intro_names, load_partner_name


def snooze_label(session: Session, *, rule: str, subject: str) -> str | None:
    """The name a snooze is listed under (the intro or partner its button was on), or None when it is gone."""
    if not subject.isdigit():
        return None
    if rule == STALE:
        names = load_intro_names(session, intro_id=int(subject))
        return None if names is None else intro_label(*names)
    if rule == DORMANT:
        return load_partner_name(session, partner_id=int(subject))
    return None
