"""Full lists as CSV files, for views whose lists are longer than a message should carry."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from reports.csv_cells import safe_writer
from reports.formatting import local_time, number
from reports.kpis.activation import OwnerLoad, PartnerActivation
from reports.kpis.dormancy import DormantPartner
from reports.kpis.handoffs import StaleIntro
from reports.message import File

MORE = "the full list is in the attached file"


def more_line(hidden: int) -> str:
    """The line after a list cut short for Slack, when the whole list goes with the message as a CSV file."""
    return f"…and {number(hidden)} more: {MORE}"


def csv_file(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> File:
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return File(filename, title, buffer.getvalue().encode("utf-8"))


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else local_time(moment, tz)


def dormant_csv(partners: Sequence[DormantPartner], tz: ZoneInfo) -> File:
    return csv_file(
        "dormant-partners.csv",
        "Dormant partners",
        ["partner_id", "partner", "owner_email", "diagnosis", "days_quiet", "last_motion", "step", "sunset_candidate"],
        (
            [
                p.partner.external_id,
                p.partner.name,
                p.partner.owner_email,
                p.diagnosis,
                None if p.days_quiet is None else round(p.days_quiet, 1),
                _when(p.last_motion_at, tz),
                p.step,
                p.sunset_candidate,
            ]
            for p in partners
        ),
    )


def stale_intros_csv(stale: Sequence[StaleIntro], tz: ZoneInfo) -> File:
    return csv_file(
        "stale-intros.csv",
        "Stale intros",
        [
            "intro_id",
            "partner",
            "account",
            "seller_email",
            "partner_owner_email",
            "introduced_at",
            "age_hours",
            "manager_told",
        ],
        (
            [
                s.intro.external_id,
                s.intro.partner_name,
                s.intro.account,
                s.intro.seller_email,
                s.intro.partner_owner_email,
                _when(s.intro.introduced_at, tz),
                round(s.age_hours, 1),
                s.escalate,
            ]
            for s in stale
        ),
    )


def runway_csv(partners: Sequence[PartnerActivation], owners: Sequence[OwnerLoad]) -> File:
    rows = [
        [
            a.partner.external_id,
            a.partner.name,
            a.partner.owner_email,
            None if a.days_onboarded is None else round(a.days_onboarded),
            a.next_step,
        ]
        for a in partners
    ]
    rows += [
        ["", "", o.owner_email, "", f"owner carries {o.in_runway} partners in runway"] for o in owners if o.over_limit
    ]
    return csv_file(
        "partners-in-runway.csv",
        "Partners in runway",
        ["partner_id", "partner", "owner_email", "days_onboarded", "next_step"],
        rows,
    )
