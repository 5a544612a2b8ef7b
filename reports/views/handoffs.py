"""The handoffs view: how fast sellers answer partner intros in the window, and the stale intros to chase."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.handoffs import (
    HandoffTime,
    IntroRecord,
    SlaSplit,
    StaleIntro,
    compute_handoff_response_time,
    compute_next_step_time,
    compute_sla_split,
    compute_stale_intros,
)
from reports.model import Scope


@dataclass(frozen=True)
class HandoffsView:
    scope: Scope
    as_of: datetime
    response: HandoffTime
    sla: SlaSplit
    next_step: HandoffTime
    stale: tuple[StaleIntro, ...]
    freshness: Freshness


def compute_handoffs(
    scope: Scope,
    intros: Sequence[IntroRecord],
    unanswered: Sequence[IntroRecord],
    config: ProgramConfig,
    as_of: datetime,
    freshness: Freshness,
) -> HandoffsView:
    """`intros`: those introduced in the handoff window; `unanswered`: every intro still without a response."""
    response = compute_handoff_response_time(intros, as_of)
    return HandoffsView(
        scope=scope,
        as_of=as_of,
        response=response,
        sla=compute_sla_split(response, config.handoff_sla_hours),
        next_step=compute_next_step_time(intros, as_of),
        stale=compute_stale_intros(unanswered, as_of, config.handoff_sla_hours),
        freshness=freshness,
    )
