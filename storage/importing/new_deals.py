"""What an import's newly inserted deals can do to their partners' milestones, from the validated records.

A partner that only gained deals keeps its stored milestones except where a new deal is earlier
(`storage.rollups.merge_new_deals`), so the import hands over each partner's earliest candidates of the kinds a
deal offers (`storage.rollups.MilestoneCandidates`: a partner deal's registration day, its first stage change into
a qualified stage, its win) instead of recomputing the partner from every table; `storage.rollups` ranks them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from storage.models import PARTNER_ATTRIBUTIONS, Deal
from storage.rollups import MilestoneCandidates, WinCandidate, chunked, qualified_stages


def new_deal_facts(
    session: Session,
    *,
    records: pd.DataFrame,
    entered: pd.Series | None,
    rows: Sequence[int],
    config: ProgramConfig,
) -> dict[int, MilestoneCandidates]:
    """Each partner's earliest candidates among the records at these positions (all inserted as new deals).

    `entered` is when each record's first stage change begins (`writer._deal_moments`), None when the file gives
    no stages. Run after the deals are written: a win's deal id is read back by external id.
    """
    positions = list(rows)
    new = records.iloc[positions]
    partner = new["partner_ref"]
    mine = partner.notna() & new["attribution"].isin(PARTNER_ATTRIBUTIONS)
    new = new[mine]
    partners = new["partner_ref"].astype("int64")
    registered: dict[int, date] = {}
    if "registered_on" in new:
        days = new["registered_on"].dropna()
        registered = {pid: _day(day) for pid, day in _earliest(days, partners).items()}
    qualified: dict[int, datetime] = {}
    stages = qualified_stages(config)
    if entered is not None and stages:
        stage = new["stage"]
        late = stage.notna() & stage.astype(str).str.lower().isin(stages)
        moments = entered.iloc[positions][mine][late]
        qualified = {pid: pd.Timestamp(moment).to_pydatetime() for pid, moment in _earliest(moments, partners).items()}
    wins = _first_wins(session, new, partners)
    return {
        pid: MilestoneCandidates(registered_on=registered.get(pid), qualified_at=qualified.get(pid), win=wins.get(pid))
        for pid in sorted(set(registered) | set(qualified) | set(wins))
    }


def _first_wins(session: Session, new: pd.DataFrame, partners: pd.Series) -> dict[int, WinCandidate]:
    """Each partner's best-ranked won deal among the new ones: those on its earliest close day, ranked by
    `WinCandidate.key`."""
    won = new[(new["outcome"] == "won") & new["closed_on"].notna()]
    if won.empty:
        return {}
    partner = partners[won.index]
    earliest = won[won["closed_on"] == won["closed_on"].groupby(partner).transform("min")]
    external_ids = earliest["deal_id"].astype(str).tolist()
    ids: dict[str, int] = {}
    for chunk in chunked(external_ids):
        ids.update(session.execute(select(Deal.external_id, Deal.id).where(Deal.external_id.in_(chunk))).all())
    wins: dict[int, list[WinCandidate]] = defaultdict(list)
    for pid, closed, external_id in zip(partner[earliest.index], earliest["closed_on"], external_ids, strict=True):
        wins[int(pid)].append(WinCandidate(_day(closed), external_id, ids[external_id]))
    return {pid: min(candidates, key=WinCandidate.key) for pid, candidates in wins.items()}


def _earliest(values: pd.Series, partners: pd.Series) -> dict[int, Any]:
    """The least of `values` for each partner (`partners` holds each value's partner, by index)."""
    least = values.groupby(partners[values.index]).min()
    return dict(zip(least.index.astype("int64").tolist(), least.tolist(), strict=True))


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()
