"""Onboarding dates derived when the partner data has none: a partners mapping's `[onboarding] when_missing`.

With `when_missing = "first_deal"`, a partner the export gives no onboarding date takes the day of its first partner
deal (sourced or influenced; the deal's registration or creation day, the earlier), stored with
`partners.onboarding_source = "first_deal"` and shown as derived. The date follows the deals: every deals import
(and ingestion) derives the marked partners' dates again, so a partner imported before its deals gets its date
when they come, and an earlier deal moves it. A date the export gives always wins and clears the mark.

The KPIs take a derived date as the onboarding date: the activation clock starts at the first deal, so runway
(onboarded → first selling action) and time to first revenue read shorter than they would from a real onboarding
date. The import report says so whenever it derives dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from storage.models import PARTNER_ATTRIBUTIONS, Deal, Partner
from storage.rollups import chunked

FIRST_DEAL = "first_deal"  # a key of DERIVED_ONBOARDING, the one rule there is
KPI_EFFECT = (
    "a derived date starts the activation clock at that deal, so their runway (onboarded → first selling action) "
    "and time to first revenue read shorter than from a real onboarding date"
)


def _first_day() -> Any:
    """A partner's first deal day: the least of its partner deals' registration or creation day, the earlier."""
    day = case((Deal.registered_on < Deal.created_on, Deal.registered_on), else_=Deal.created_on)
    return func.min(day)


def load_first_deal_days(session: Session, *, external_ids: Sequence[str]) -> dict[str, date]:
    """The first deal day of each of these partners (by the export's partner_id) that has a partner deal."""
    return _first_deal_days(session, Partner.external_id, external_ids)


def _first_deal_days(session: Session, key: Any, ids: Sequence[Any]) -> dict[Any, date]:
    """The first deal day of each of these partners (by `key`, a column of partners) that has a partner deal."""
    found: dict[Any, date] = {}
    for chunk in chunked(sorted(set(ids))):
        found.update(
            session.execute(
                select(key, _first_day())
                .join(Deal, Deal.partner_id == Partner.id)
                .where(key.in_(chunk), Deal.attribution.in_(PARTNER_ATTRIBUTIONS))
                .group_by(key)
            ).all()
        )
    return found


def load_given_onboarding(session: Session, *, external_ids: Sequence[str]) -> dict[str, date | None]:
    """The onboarding dates the partner data itself gave these partners (not derived), by partner_id."""
    found: dict[str, date | None] = {}
    for chunk in chunked(sorted(set(external_ids))):
        found.update(
            session.execute(
                select(Partner.external_id, Partner.onboarded_on).where(
                    Partner.external_id.in_(chunk),
                    Partner.onboarded_on.is_not(None),
                    Partner.onboarding_source.is_(None),
                )
            ).all()
        )
    return found


def rederive_onboarding(session: Session, *, now: datetime) -> list[int]:
    """Bring every derived onboarding date up to date with the deals stored now; the partners whose date moved."""
    stored = dict(
        session.execute(select(Partner.id, Partner.onboarded_on).where(Partner.onboarding_source == FIRST_DEAL)).all()
    )
    if not stored:
        return []
    first = _first_deal_days(session, Partner.id, list(stored))
    moved = sorted(pid for pid, day in stored.items() if first.get(pid) != day)
    if moved:
        session.execute(
            update(Partner),
            [{"id": pid, "onboarded_on": first.get(pid), "updated_at": now} for pid in moved],
        )
    return moved


def onboarding_notes(session: Session, *, external_ids: Sequence[str], rule: str | None) -> list[str]:
    """What a partners import tells about the onboarding dates of the partners it wrote."""
    derived = dated = unknown = 0
    for chunk in chunked(sorted(set(external_ids))):
        for source, has_date, count in session.execute(
            select(Partner.onboarding_source, Partner.onboarded_on.is_not(None), func.count())
            .where(Partner.external_id.in_(chunk))
            .group_by(Partner.onboarding_source, Partner.onboarded_on.is_not(None))
        ):
            if source is not None:
                derived += count
                dated += count if has_date else 0
            elif not has_date:
                unknown += count
    notes = []
    if derived:
        waiting = derived - dated
        notes.append(
            f"onboarding dates: {_partners(derived)} without one in the export "
            f"{'take their' if derived != 1 else 'takes its'} first partner deal's day (registered or created, the "
            "earlier), shown as derived"
            + (f"; {waiting:,} with no partner deal yet until one is imported" if waiting else "")
            + f"; {KPI_EFFECT}"
        )
    if unknown:
        hint = "" if rule else '; or derive it with [onboarding] when_missing = "first_deal" in the mapping'
        notes.append(
            f"onboarding dates: {_partners(unknown)} {'have' if unknown != 1 else 'has'} none, so "
            f"{'they are' if unknown != 1 else 'it is'} left out of activation KPIs (listed as 'onboarding date "
            f"unknown'); add onboarded_on to the export{hint}"
        )
    return notes


def moved_note(moved: int) -> str:
    """What a deals import tells when it moved derived onboarding dates."""
    return (
        f"onboarding dates derived from the first deal: {_partners(moved)} got or moved "
        f"{'their dates' if moved != 1 else 'its date'} with these deals; {KPI_EFFECT}"
    )


def _partners(count: int) -> str:
    return f"{count:,} partner{'s' if count != 1 else ''}"
