"""App Home: a person's partners with their status, and the stale intros and dormant partners to act on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from reports.blocks.freshness import freshness_block
from reports.blocks.kit import MAX_HOME_BLOCKS, Block, actions, button, context, divider, header, section
from reports.formatting import duration, hours
from reports.freshness import Freshness
from reports.kpis.dormancy import DormantPartner
from reports.kpis.handoffs import StaleIntro
from reports.message import esc
from reports.model import PartnerProfile

HOME_OPEN_ACTION = "home_open_scorecard"
HOME_SHARE_ACTION = "home_share_scorecard"
PER_SECTION = 10


@dataclass(frozen=True)
class HomeItem:
    partner: PartnerProfile
    status: str


def _buttons(partner: PartnerProfile) -> Block:
    return actions(
        button("Open scorecard", HOME_OPEN_ACTION, str(partner.id), style="primary"),
        button("Share…", HOME_SHARE_ACTION, str(partner.id)),
    )


def home_view(
    *,
    name: str,
    partners: Sequence[HomeItem],
    stale: Sequence[StaleIntro],
    dormant: Sequence[DormantPartner],
    by_id: dict[int, PartnerProfile],
    freshness: Freshness,
    tz: ZoneInfo,
) -> dict[str, Any]:
    blocks: list[Block] = [header(f"partnerbot — {name}'s partners"), freshness_block(freshness, tz)]
    if stale:
        blocks += [divider(), section(f"*Intros waiting past the SLA* ({len(stale)})")]
        for waiting in stale[:PER_SECTION]:
            intro = waiting.intro
            partner = by_id.get(intro.partner_id)
            blocks.append(
                section(
                    f"{':rotating_light: ' if waiting.escalate else ''}*{esc(intro.account or intro.external_id)}* via "
                    f"{esc(intro.partner_name)} — waiting {hours(waiting.age_hours)} for "
                    f"{esc(intro.seller_email or 'a seller')}"
                )
            )
            if partner is not None:
                blocks.append(_buttons(partner))
    if dormant:
        blocks += [divider(), section(f"*Dormant partners* ({len(dormant)})")]
        for quiet in dormant[:PER_SECTION]:
            days = f"{duration(quiet.days_quiet, 'd')} quiet" if quiet.days_quiet is not None else "never active"
            blocks += [
                section(f"*{esc(quiet.partner.name)}* — {quiet.diagnosis}, {days}\n{esc(quiet.step)}"),
                _buttons(quiet.partner),
            ]
    blocks += [divider(), section(f"*Your partners* ({len(partners)})")]
    if not partners:
        blocks.append(section("You don't own any partners yet. `/partner program` shows the whole program."))
    room = (MAX_HOME_BLOCKS - len(blocks) - 2) // 2
    for item in partners[:room]:
        blocks += [section(f"*{esc(item.partner.name)}* — {esc(item.status)}"), _buttons(item.partner)]
    if len(partners) > room:
        blocks.append(context(f"…and {len(partners) - room} more: `/partner &lt;name&gt;` opens any of them"))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def stranger_home(grantors: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            header("partnerbot"),
            section(f"partnerbot doesn't know you yet. Ask {grantors} to add your email to the people list."),
        ],
    }
