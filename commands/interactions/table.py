"""Every interaction partnerbot answers, in one visible table: what Slack sends (the slash command, a button's
action id, a modal's callback id, an event type) → how its payload is read, what handles it, and where its
errors go. `commands/slack.py` registers each row; a new button is its module and one row here."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from commands.interactions.alerts import (
    handle_finish_snooze,
    handle_resolve_alert,
    handle_start_snooze,
    parse_finish_snooze,
    parse_resolve_alert,
    parse_start_snooze,
)
from commands.interactions.context import InteractionContext
from commands.interactions.disputes import (
    handle_finish_decision,
    handle_finish_dispute,
    handle_show_why,
    handle_start_decision,
    handle_start_dispute,
    parse_finish_decision,
    parse_finish_dispute,
    parse_show_why,
    parse_start_decision,
    parse_start_dispute,
)
from commands.interactions.effects import Effect, errors_by_dm, errors_in_place, errors_logged
from commands.interactions.events import (
    HOME_OPENED,
    TOKENS_REVOKED,
    UNINSTALLED,
    handle_home_opened,
    handle_workspace_lost,
    parse_home_opened,
    parse_workspace_lost,
)
from commands.interactions.payload import Body
from commands.interactions.scorecard import (
    handle_open_scorecard,
    handle_pick_partner,
    parse_open_scorecard,
    parse_pick_partner,
)
from commands.interactions.share import (
    handle_finish_share,
    handle_share_reply,
    handle_start_share,
    parse_finish_share,
    parse_share_reply,
    parse_start_share,
)
from commands.interactions.slash import handle_slash_command, parse_slash_command
from commands.table import SLASH_COMMAND
from reports.blocks.alerts import NEXT_STEP_ACTION, OPEN_ACTION, RESPONDED_ACTION, SNOOZE_ACTION, SNOOZE_VIEW
from reports.blocks.disputes import (
    ACCEPT_ACTION,
    DECIDE_VIEW,
    DISPUTE_ACTION,
    DISPUTE_VIEW,
    REJECT_ACTION,
    WHY_ACTION,
    WHY_PICK_ACTION,
)
from reports.blocks.home import HOME_OPEN_ACTION, HOME_SHARE_ACTION
from reports.blocks.lookup import PICK_ACTIONS
from reports.blocks.share import SHARE_ACTION, SHARE_VIEW
from reports.message import Message

Kind = Literal["command", "action", "view", "event"]
R = TypeVar("R")


@dataclass(frozen=True)
class Interaction(Generic[R]):
    kind: Kind
    id: str | re.Pattern[str]  # a pattern for buttons whose action id carries a suffix (Slack wants them unique)
    parse: Callable[[Body], R | None]  # None: a payload this interaction cannot read (logged, nothing done)
    handle: Callable[[R, InteractionContext], Sequence[Effect]]
    errors: Callable[[R, Message], Effect | None]  # where a failure's reply goes

    def matches(self, kind: Kind, id_: str) -> bool:
        if kind != self.kind:
            return False
        return bool(self.id.fullmatch(id_)) if isinstance(self.id, re.Pattern) else self.id == id_


# left unannotated, so mypy checks that each row's parser, handler and error route agree on one request type
INTERACTIONS = (
    Interaction("command", SLASH_COMMAND, parse_slash_command, handle_slash_command, errors_in_place),
    Interaction("action", PICK_ACTIONS, parse_pick_partner, handle_pick_partner, errors_in_place),
    Interaction("action", SHARE_ACTION, parse_share_reply, handle_share_reply, errors_in_place),
    Interaction("action", HOME_OPEN_ACTION, parse_open_scorecard, handle_open_scorecard, errors_by_dm),
    Interaction("action", HOME_SHARE_ACTION, parse_start_share, handle_start_share, errors_logged),
    Interaction("view", SHARE_VIEW, parse_finish_share, handle_finish_share, errors_by_dm),
    Interaction("action", RESPONDED_ACTION, parse_resolve_alert, handle_resolve_alert, errors_by_dm),
    Interaction("action", NEXT_STEP_ACTION, parse_resolve_alert, handle_resolve_alert, errors_by_dm),
    Interaction("action", SNOOZE_ACTION, parse_start_snooze, handle_start_snooze, errors_by_dm),
    Interaction("view", SNOOZE_VIEW, parse_finish_snooze, handle_finish_snooze, errors_by_dm),
    Interaction("action", OPEN_ACTION, parse_open_scorecard, handle_open_scorecard, errors_by_dm),
    Interaction("action", WHY_ACTION, parse_show_why, handle_show_why, errors_in_place),
    Interaction("action", WHY_PICK_ACTION, parse_show_why, handle_show_why, errors_in_place),
    Interaction("action", DISPUTE_ACTION, parse_start_dispute, handle_start_dispute, errors_in_place),
    Interaction("view", DISPUTE_VIEW, parse_finish_dispute, handle_finish_dispute, errors_by_dm),
    Interaction("action", ACCEPT_ACTION, parse_start_decision, handle_start_decision, errors_by_dm),
    Interaction("action", REJECT_ACTION, parse_start_decision, handle_start_decision, errors_by_dm),
    Interaction("view", DECIDE_VIEW, parse_finish_decision, handle_finish_decision, errors_by_dm),
    Interaction("event", HOME_OPENED, parse_home_opened, handle_home_opened, errors_logged),
    Interaction("event", UNINSTALLED, parse_workspace_lost, handle_workspace_lost, errors_logged),
    Interaction("event", TOKENS_REVOKED, parse_workspace_lost, handle_workspace_lost, errors_logged),
)
EVENTS = tuple(str(i.id) for i in INTERACTIONS if i.kind == "event")


def find_interaction(kind: Kind, id_: str) -> Interaction[Any] | None:
    """The row that answers this command, action id, callback id or event type."""
    return next((i for i in INTERACTIONS if i.matches(kind, id_)), None)
