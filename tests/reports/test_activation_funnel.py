"""The activation funnel leaves out partners too new to have reached a step, worked out by hand.

As-of 2026-12-02 15:00 in a UTC program with the default steps, due on day 0 (onboarded), 30 (enabled),
60 (first selling action), 90 (first qualified opportunity) and 90 (first win). Three onboarding cohorts:

| cohort | onboarded  | age    | partners | enabled | selling action | qualified | won |
|--------|------------|--------|----------|---------|----------------|-----------|-----|
| X      | 2026-11-12 | 20.6 d | 6        | 2       | 0              | 0         | 0   |
| Y      | 2026-09-20 | 73.6 d | 5        | 5       | 3              | 1         | 0   |
| Z      | 2026-05-01 | 215 d  | 8        | 7       | 6              | 4         | 2   |

Counted per step (onboarded at least its due days ago), with the step before's partners as the denominator:
- onboarded: all 19.
- enabled (30 d): Y and Z, 13; 12 of them enabled: 92 %. X's 6 are too new (onboarded < 30 d ago).
- selling action (60 d): Y and Z again; 9 of the 12 enabled: 75 %. Nobody too new (Y is 73 days old).
- qualified (90 d): Z only; 4 of its 6 with a selling action: 67 %. Y's 3 with a selling action are too new.
- first win (90 d): Z; 2 of its 4 qualified: fewer than 5, not enough data.
The worst step is the qualified opportunity (67 %). Counting every partner at every step, as before, gave 14 of
19 enabled (74 %), 9 of 14 (64 %), 5 of 9 (56 %) and 2 of 5 (40 %): the first win looked worst, because the
partners onboarded 20 days ago counted as lost at every step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reports.blocks.runway import runway_blocks, runway_funnel_spec
from reports.chart_specs import too_new_text
from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import Milestones, compute_dropoff_by_step, step_due_days
from reports.message import esc
from reports.model import PartnerProfile, Scope
from reports.stats import Rate
from reports.views.runway import compute_runway
from tests.factories import at

AS_OF = datetime(2026, 12, 2, 15, tzinfo=UTC)
CONFIG = ProgramConfig()
COHORTS = {  # onboarded on → the furthest step each of its partners reached
    date(2026, 11, 12): ["enabled"] * 2 + ["onboarded"] * 4,
    date(2026, 9, 20): ["first_qualified_opportunity"] + ["first_selling_action"] * 2 + ["enabled"] * 2,
    date(2026, 5, 1): ["first_win"] * 2
    + ["first_qualified_opportunity"] * 2
    + ["first_selling_action"] * 2
    + ["enabled"]
    + ["onboarded"],
}


def milestones() -> list[Milestones]:
    """Each partner with its furthest step reached five days after onboarding (a later step implies the earlier)."""
    out: list[Milestones] = []
    for onboarded, furthest in COHORTS.items():
        for step in furthest:
            pid = len(out) + 1
            partner = PartnerProfile(pid, f"P{pid}", f"Partner {pid}", onboarded_on=onboarded)
            reached = {} if step == "onboarded" else {step: at(onboarded.replace(day=onboarded.day + 5))}
            out.append(Milestones(partner, reached))
    return out


def test_each_step_is_due_30_days_after_the_one_before_and_a_first_win_after_90() -> None:
    assert step_due_days(CONFIG.activation_steps) == (0, 30, 60, 90, 90)
    assert step_due_days(("onboarded", "first_selling_action", "first_win")) == (0, 30, 90)
    assert step_due_days(("onboarded", "enabled", "activity:webinar", "activity:qbr", "first_win")) == (
        0,
        30,
        60,
        90,
        90,
    )


def test_partners_too_new_for_a_step_are_left_out_of_its_denominator() -> None:
    funnel = compute_dropoff_by_step(milestones(), CONFIG, AS_OF).overall
    assert [(s.step, s.reached, s.conversion, s.too_new) for s in funnel.steps] == [
        ("onboarded", 19, None, 0),
        ("enabled", 12, Rate(12, 13), 6),
        ("first_selling_action", 9, Rate(9, 12), 0),
        ("first_qualified_opportunity", 4, Rate(4, 6), 3),
        ("first_win", 2, Rate(2, 4), 0),
    ]
    assert funnel.worst_step is not None and funnel.worst_step.step == "first_qualified_opportunity"


def test_a_cohort_too_young_for_every_later_step_has_no_rates_there() -> None:
    cohorts = dict(compute_dropoff_by_step(milestones(), CONFIG, AS_OF).by_cohort)
    young = cohorts["2026-Q4"]  # cohort X: 20 days old
    assert [s.reached for s in young.steps] == [6, 0, 0, 0, 0]
    assert [s.conversion for s in young.steps[1:]] == [Rate(0, 0)] * 4
    assert young.steps[1].too_new == 6 and young.worst_step is None


def test_the_runway_text_and_chart_say_who_was_left_out() -> None:
    view = compute_runway(milestones(), Scope(), CONFIG, AS_OF, Freshness(AS_OF))
    said = "Left out as too new: 6 at enabled (onboarded < 30 d ago) · 3 at first qualified opportunity (< 90 d)"
    assert too_new_text(view.dropoff.overall) == said
    assert runway_funnel_spec(view).note == said
    contexts = [e["text"] for b in runway_blocks(view, CONFIG) if b["type"] == "context" for e in b["elements"]]
    assert any(text.startswith(esc(said)) for text in contexts)  # mrkdwn: '<' escaped
