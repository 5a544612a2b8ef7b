"""`/partner wins [filters]`: the first-win log, newest first: each partner's first win, announced once."""

from __future__ import annotations

from commands.context import CommandContext
from commands.scope import parse_scope, resolve_scope
from reports.blocks.wins import wins_blocks, wins_text
from reports.message import Message
from reports.views.wins import compute_first_wins
from storage.loaders.activation import load_milestones
from storage.loaders.freshness import load_freshness
from storage.program import load_config
from storage.wins import load_win_log


def handle_wins(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        log = load_win_log(session, scope=scope)
        milestones = load_milestones(session, scope=scope)
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    wins = compute_first_wins([entry.win for entry in log], milestones, config, ctx.as_of)
    notes = {entry.win.partner_id: entry.note for entry in log if not entry.announced}
    return Message(
        text=wins_text(wins, freshness, config, scope),
        blocks=wins_blocks(wins, notes, freshness, config, scope),
    )
