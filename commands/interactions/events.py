"""Events: App Home opened (publish the person's Home), and the app uninstalled or its tokens revoked (record it,
so sends stop until the app is reinstalled). Slack's retries are deduplicated by the runtime, by event id."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from commands.home import home_for
from commands.interactions.context import InteractionContext
from commands.interactions.effects import Effect, PublishHome
from commands.interactions.payload import Body
from storage.claims import record_workspace_status

log = logging.getLogger("partnerbot.interactions")
HOME_OPENED, UNINSTALLED, TOKENS_REVOKED = "app_home_opened", "app_uninstalled", "tokens_revoked"


@dataclass(frozen=True)
class HomeOpened:
    user_id: str


def parse_home_opened(body: Body) -> HomeOpened | None:
    user = (body.get("event") or {}).get("user")
    return HomeOpened(str(user)) if user else None


def handle_home_opened(request: HomeOpened, ctx: InteractionContext) -> Sequence[Effect]:
    ctx.people.resolve_people()  # someone is here: a good moment to find Slack ids for people who have none
    return [PublishHome(request.user_id, home_for(ctx.command_context(request.user_id, None)))]


@dataclass(frozen=True)
class WorkspaceLost:
    team_id: str
    status: str  # "uninstalled" or "tokens revoked"


def parse_workspace_lost(body: Body) -> WorkspaceLost | None:
    kind = (body.get("event") or {}).get("type")
    if kind not in (UNINSTALLED, TOKENS_REVOKED):
        return None
    return WorkspaceLost(str(body.get("team_id", "")), "uninstalled" if kind == UNINSTALLED else "tokens revoked")


def handle_workspace_lost(request: WorkspaceLost, ctx: InteractionContext) -> Sequence[Effect]:
    log.warning("Slack says %s for team %s: sends stop until the app is reinstalled", request.status, request.team_id)
    with ctx.database.transaction() as session:
        record_workspace_status(session, team_id=request.team_id, status=request.status, at=ctx.now)
    return []
