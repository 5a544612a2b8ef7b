"""Every KPI: its id, title, one-line definition and window. The source for `define` and the README table.

Where KPIS.md leaves a choice open, the choice is written into the definition here, so `/partner define` says
exactly what the number means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import process


@dataclass(frozen=True)
class Kpi:
    id: str
    title: str
    group: str
    definition: str
    window: str


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "sourced_revenue",
        "Sourced revenue",
        "Revenue",
        "Sum of the amounts of won sourced deals closed in the period, in the base currency.",
        "month to date, quarter to date, trailing 365 d",
    ),
    Kpi(
        "influenced_revenue",
        "Influenced revenue",
        "Revenue",
        "Sum of the amounts of won influenced deals closed in the period, in the base currency.",
        "month to date, quarter to date, trailing 365 d",
    ),
    Kpi(
        "pipeline_contribution",
        "Pipeline contribution",
        "Revenue",
        "Open sourced (and, separately, influenced) pipeline amount ÷ all open pipeline amount; open deals "
        "without an amount are counted and named, never valued.",
        "as of",
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "Revenue",
        "Won ÷ (won + lost) of deals closed in the window, per attribution; open deals never count.",
        "trailing 365 d",
    ),
    Kpi(
        "deal_size_vs_direct",
        "Deal size vs direct",
        "Revenue",
        "Mean amount of won partner deals ÷ mean amount of won direct deals; both means shown.",
        "trailing 365 d",
    ),
    Kpi(
        "time_to_close_vs_direct",
        "Time to close vs direct",
        "Revenue",
        "Median days created_on → closed_on of won deals, partner vs direct.",
        "trailing 365 d",
    ),
    Kpi(
        "revenue_concentration",
        "Revenue concentration",
        "Revenue",
        "Share of partner revenue from the top 10 % and top 20 % of partners (active ones plus any with "
        "revenue) by revenue; and the share of active partners with any revenue.",
        "trailing 365 d",
    ),
    Kpi(
        "top_partners",
        "Top partners",
        "Revenue",
        "Partners ranked by sourced revenue, with type, tier and segment, and the segment that leads.",
        "trailing 365 d (or this quarter)",
    ),
    Kpi(
        "time_to_first_revenue",
        "Time to first revenue",
        "Activation",
        "Days onboarded_on → first won partner deal. Program: per onboarding quarter, the share activated by "
        "day 30/60/90 among partners onboarded at least that long ago, and the median among the activated.",
        "all onboarded partners, as of",
    ),
    Kpi(
        "activation_rate",
        "Activation rate",
        "Activation",
        "Of partners onboarded ≥ 90 days before as-of, the share whose first win came within 90 days.",
        "as of",
    ),
    Kpi(
        "active_revenue_partners",
        "Active revenue partners",
        "Activation",
        "Share of active partners with at least one won partner deal closed in the window.",
        "trailing 90 d",
    ),
    Kpi(
        "activation_runway",
        "Activation runway",
        "Activation",
        "Days onboarded_on → first selling action (first intro, deal registration or co-sell call): median "
        "among those that got there, and the survival view.",
        "all onboarded partners, as of",
    ),
    Kpi(
        "first_win_cycle",
        "First-win cycle",
        "Activation",
        "Days first selling action → first win: median among the activated, and the survival view.",
        "all partners with a selling action, as of",
    ),
    Kpi(
        "partners_in_runway",
        "Partners in runway",
        "Activation",
        "Active partners onboarded in the last 180 days and not yet activated: count and change in a week; "
        "completion rate of the cohort whose 180 days ran out in the last 90 days.",
        "trailing 180 d",
    ),
    Kpi(
        "dropoff_by_step",
        "Drop-off by step",
        "Activation",
        "Per activation step, partners that reached it and conversion from the previous step (a later step "
        "implies the earlier), by onboarding quarter and by type, tier and region; the worst step is named. A "
        "step counts partners onboarded at least 30 days a step ago (90 for the first win): one too new to have "
        "reached it is left out of its conversion, not counted as lost.",
        "partners onboarded in the trailing 365 d",
    ),
    Kpi(
        "wip_per_manager",
        "WIP per manager",
        "Activation",
        "Partners in runway per owner; owners above the WIP limit (default 8) are flagged.",
        "as of",
    ),
    Kpi(
        "deal_registration_velocity",
        "Deal registration velocity",
        "Activation",
        "Median days registered_on → created_on of partner deals registered in the window.",
        "trailing 365 d",
    ),
    Kpi(
        "stage_velocity",
        "Stage velocity",
        "Pipeline health",
        "Median days spent in each stage, from the stage history, for stays that ended in the window; "
        "partner vs direct. Stays are measured to a tenth of a day.",
        "trailing 365 d",
    ),
    Kpi(
        "stage_conversion",
        "Stage conversion",
        "Pipeline health",
        "Of deals that first entered a stage in the window, the share that later entered a later pipeline "
        "stage or were won, per attribution.",
        "trailing 365 d",
    ),
    Kpi(
        "stalled_deals",
        "Stalled deals",
        "Pipeline health",
        "Open partner deals whose time in their current stage exceeds max(stall threshold, 75th percentile of that "
        "stage's stays ended in the trailing 365 d): count, value and the largest.",
        "as of",
    ),
    Kpi(
        "pipeline_movement",
        "Pipeline movement",
        "Pipeline health",
        "Share of open partner pipeline amount whose deal moved to a new stage in the window.",
        "trailing 14 d",
    ),
    Kpi(
        "handoff_response_time",
        "Handoff response time",
        "Handoffs",
        "Hours introduced_at → first_response_at of intros introduced in the window: median, 90th percentile "
        "and the worst with its seller and partner owner; intros still waiting count with their age so far.",
        "trailing 90 d",
    ),
    Kpi(
        "next_step_time",
        "Next-step time",
        "Handoffs",
        "Hours first_response_at → next_step_at of answered intros introduced in the window; those still "
        "without a next step count with their age so far.",
        "trailing 90 d",
    ),
    Kpi(
        "stale_intros",
        "Stale intros",
        "Handoffs",
        "Intros without a first response or outcome after the handoff SLA (default 24 h); past 2 × SLA the "
        "owner's manager is told too.",
        "as of",
    ),
    Kpi(
        "enablement_completion",
        "Enablement completion",
        "Enablement",
        "Share of active partners that completed every required course or certification.",
        "as of",
    ),
    Kpi(
        "active_partner_rate",
        "Active partner rate",
        "Enablement",
        "Share of active partners with any engagement activity (every activity kind counts) in the window.",
        "trailing 30 d",
    ),
    Kpi(
        "engagement_mix",
        "Engagement mix",
        "Enablement",
        "Per partner: activity counts by kind over 30 and 90 days, and the last activity of each kind.",
        "trailing 30 d and 90 d",
    ),
    Kpi(
        "dormant_partners",
        "Dormant partners",
        "Dormancy",
        "Active partners onboarded at least N days ago with no activity, intro, deal registration or stage "
        "change in the last N days (default 60), diagnosed momentum (sold with us before), else training "
        "(required courses missing), else fit; dormant beyond 180 d after an alert: a sunset candidate.",
        "trailing 60 d",
    ),
    Kpi(
        "goal_progress",
        "Goal progress",
        "Goals",
        "Per goal: actual against target within its period and pace (share of the period elapsed): met, on "
        "track, behind or missed. Program: share of partners with a current goal that are on track.",
        "the goal's period",
    ),
    Kpi(
        "psat",
        "Partner satisfaction",
        "Satisfaction",
        "Mean survey score and NPS (% 9–10 minus % 0–6) with the response count.",
        "trailing 365 d",
    ),
    Kpi(
        "tier_review",
        "Tier review",
        "Tiers",
        "Per partner: sourced revenue, partner win rate, required courses done and PSAT (each by its own KPI's "
        "rule) against the `tier_criteria` minimums: promote to the highest tier all of whose minimums it meets, "
        "keep while no minimum of its tier is missed by a figure (too little data never demotes; nor does a "
        "partner onboarded after the window began), else demote to "
        "the highest lower tier it holds; no tier (or one the criteria do not name): assign. How near the line: "
        "the nearest minimum's margin, (figure − minimum) ÷ minimum. Not onboarded by the window's end, or "
        "sunset: not reviewed.",
        "the four whole quarters before as-of (courses: completed before their end)",
    ),
)

BY_ID = {kpi.id: kpi for kpi in KPIS}


def find_kpi(text: str) -> tuple[Kpi | None, list[str]]:
    """An exact id (or title), or the one KPI whose title or definition names the word; else the closest ids to
    suggest."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key in BY_ID:
        return BY_ID[key], []
    for kpi in KPIS:
        if kpi.title.casefold() == text.strip().casefold():
            return kpi, []
    # a word the definition names (`nps` is the PSAT's NPS), when exactly one KPI names it
    word = re.compile(rf"\b{re.escape(text.strip())}\b", re.IGNORECASE)
    named = [kpi for kpi in KPIS if word.search(kpi.title) or word.search(kpi.definition)]
    if len(named) == 1 and len(text.strip()) >= 3:
        return named[0], []
    matches = process.extract(key, list(BY_ID), limit=3, score_cutoff=60)
    return None, [match for match, _, _ in matches]


def markdown_table() -> str:
    """The README's KPI table, generated so the two never drift (tests/test_readme.py compares them)."""
    rows = ["| id | KPI | definition | window |", "|---|---|---|---|"]
    rows += [f"| `{k.id}` | {k.title} | {k.definition} | {k.window} |" for k in KPIS]
    return "\n".join(rows)
