"""`/partner handoffs [segment X | region Y | owner Z]`: intro response speed and the stale intros to chase."""

from __future__ import annotations

from commands.context import CommandContext
from commands.gather import HANDOFF_WINDOW_DAYS
from commands.scope import parse_scope, resolve_scope
from reports.blocks.handoffs import LIST_LIMIT, handoffs_blocks, handoffs_chart, handoffs_text
from reports.blocks.tables import stale_intros_csv
from reports.message import File, Message
from reports.timeframe import trailing
from reports.views.handoffs import compute_handoffs
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_intros, load_unanswered_intros
from storage.program import load_config


def handle_handoffs(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    as_of = ctx.as_of
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        intros = load_intros(session, scope=scope, window=trailing(as_of, HANDOFF_WINDOW_DAYS, config.tz), tz=config.tz)
        unanswered = load_unanswered_intros(session, scope=scope, as_of=as_of, older_than=as_of)
        freshness = load_freshness(session, as_of=as_of, config=config)
    view = compute_handoffs(scope, intros, unanswered, config, as_of, freshness)
    files: tuple[File, ...] = (handoffs_chart(view),) if ctx.charts else ()
    if len(view.stale) > LIST_LIMIT:
        files += (stale_intros_csv(view.stale, config.tz),)
    return Message(text=handoffs_text(view, config), blocks=handoffs_blocks(view, config), files=files)
