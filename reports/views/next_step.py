"""A scorecard's next step: one line drawn from the card's own figures, naming the people who can act, and the
one thing the card's buttons can do about it (an intro to answer, a dormant partner to snooze)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reports.config import STEP_FIRST_WIN, ProgramConfig, step_title
from reports.formatting import days, hours, money
from reports.kpis.goals import BEHIND
from reports.kpis.lifecycle import ACTIVE, IN_RUNWAY, NOT_YET_ONBOARDED, ONBOARDING_UNKNOWN, SUNSET
from reports.model import PersonProfile

if TYPE_CHECKING:
    from reports.views.scorecard import Scorecard

INTRO = "intro"  # subject: an intro id; answer it, log its next step, or snooze it
DORMANT_PARTNER = "dormant"  # subject: the partner id; snooze it


@dataclass(frozen=True)
class Who:
    """A person named in the step: a Slack mention where they are in Slack, else their name or email."""

    email: str
    profile: PersonProfile | None = None

    @property
    def plain(self) -> str:
        return self.profile.name if self.profile is not None and self.profile.name else self.email


@dataclass(frozen=True)
class NextStep:
    parts: tuple[str | Who, ...]
    action: str | None = None  # INTRO or DORMANT_PARTNER when the card can act on it
    subject: int | None = None

    @property
    def text(self) -> str:
        """Plain text: people by name (the fallback, the export, the terminal)."""
        return "".join(part.plain if isinstance(part, Who) else part for part in self.parts)

    @property
    def people(self) -> tuple[Who, ...]:
        return tuple(part for part in self.parts if isinstance(part, Who))


def _who(email: str | None, people: Mapping[str, PersonProfile]) -> Who | None:
    return Who(email, people.get(email.lower())) if email else None


def _step(*parts: str | Who | None, action: str | None = None, subject: int | None = None) -> NextStep:
    kept = [p for p in parts if p]
    if kept and isinstance(kept[0], str):
        kept[0] = kept[0][:1].upper() + kept[0][1:]
    return NextStep(tuple(kept), action, subject)


def _for(owner: Who | None, text: str, *, action: str | None = None, subject: int | None = None) -> NextStep:
    """'Dana Whitfield: review the plan…' (the owner as a mention on Slack), or the step alone without an owner."""
    if owner is not None and text[1:2].islower():
        text = text[:1].lower() + text[1:]
    return _step(owner, ": " if owner else None, text, action=action, subject=subject)


def compute_next_step(card: Scorecard, config: ProgramConfig, people: Mapping[str, PersonProfile]) -> NextStep:
    """The most useful thing to do next; `people` are the profiles of the card's owner and intro sellers."""
    owner = _who(card.partner.owner_email, people)
    if card.status == SUNSET:
        return _step("Sunset: no action needed unless the partner is coming back.")
    if card.status == NOT_YET_ONBOARDED:
        return _for(
            owner,
            f"prepare the kickoff: onboarding starts {card.partner.onboarded_on}; agree goals and required training "
            "before then.",
        )
    if card.stale:
        oldest = card.stale[0]
        intro = oldest.intro
        others = len(card.stale) - 1
        more = f" ({others} more past the SLA)" if others else ""
        return _step(
            f"Chase the intro to {intro.account or intro.external_id}: ",
            _who(intro.seller_email, people) or "no seller",
            f" has not answered in {hours(oldest.age_hours)} (SLA {config.handoff_sla_hours} h){more}.",
            action=INTRO,
            subject=intro.intro_id,
        )
    if card.dormant is not None:
        return _for(owner, card.dormant.step, action=DORMANT_PARTNER, subject=card.partner.id)
    if card.stalled.largest:
        top = card.stalled.largest[0]
        label = top.deal.name or top.deal.account or top.deal.external_id
        value = money(top.deal.amount_minor, card.currency) if top.deal.amount_minor is not None else "no amount"
        return _for(owner, f"unstick {label} ({value}): {days(top.days_in_stage)} in {top.deal.stage}.")
    if card.status == ONBOARDING_UNKNOWN:
        return _step("Record the onboarding date (partners import, column onboarded_on) so activation can be tracked.")
    if card.status == ACTIVE:
        stuck = step_title(card.activation.next_step or STEP_FIRST_WIN).lower()
        return _for(
            owner, f"review the plan: no first win after the 180-day runway (stuck at {stuck}); re-plan or sunset."
        )
    if card.status == IN_RUNWAY:
        return _for(owner, _runway_step(card))
    behind = [g for g in card.goals if g.status == BEHIND]
    if behind:
        goal = behind[0]
        return _for(owner, f"catch up on the {goal.goal.metric.replace('_', ' ')} goal for {goal.goal.period}.")
    return _for(owner, "keep momentum: plan the next QBR and grow sourced pipeline.")


def _runway_step(card: Scorecard) -> str:
    step = card.activation.next_step
    if step == "enabled" and card.missing_courses:
        return f"finish required training: {', '.join(card.missing_courses)}."
    if step == "first_selling_action":
        return "get a first intro or deal registration on the board: book an account-mapping session."
    if step == "first_qualified_opportunity":
        return "qualify their first opportunity: review open deals together and agree the next stage."
    if step == "first_win":
        return "push their most advanced deal to a first win: plan the close with the seller."
    return f"help them reach {step_title(step or STEP_FIRST_WIN).lower()}."
