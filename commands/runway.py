"""`/partner runway [segment X | region Y | owner Z]`: partners in runway and where activation leaks."""

from __future__ import annotations

from commands.context import CommandContext
from commands.scope import parse_scope, resolve_scope
from reports.blocks.runway import LIST_LIMIT, runway_blocks, runway_chart, runway_text
from reports.blocks.tables import runway_csv
from reports.message import File, Message
from reports.views.runway import compute_runway
from storage.loaders.activation import load_milestones
from storage.loaders.freshness import load_freshness
from storage.program import load_config


def handle_runway(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        milestones = load_milestones(session, scope=scope)
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    view = compute_runway(milestones, scope, config, ctx.as_of, freshness)
    files: tuple[File, ...] = (runway_chart(view),) if ctx.charts else ()
    if len(view.in_runway) > LIST_LIMIT or len(view.wip.over_limit) > 5:
        files += (runway_csv(view.in_runway, view.wip.owners),)
    return Message(text=runway_text(view, config), blocks=runway_blocks(view, config), files=files)
