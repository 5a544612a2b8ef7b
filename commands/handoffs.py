"""`/partner handoffs [segment X | region Y | owner Z]`: intro response speed and the stale intros to chase."""

from __future__ import annotations

from commands.context import CommandContext
from commands.gather import HANDOFF_WINDOW_DAYS
from commands.scope import parse_scope
from reports.blocks.handoffs import LIST_LIMIT, handoffs_blocks, handoffs_chart, handoffs_text
from reports.blocks.tables import stale_intros_csv
from reports.kpis.handoffs import compute_handoff_response_time, compute_next_step_time, compute_stale_intros
from reports.message import File, Message
from reports.timeframe import trailing
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_intros, load_unanswered_intros
from storage.program import load_config


def handle_handoffs(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    as_of = ctx.as_of
    with ctx.database.session() as session:
        config = load_config(session)
        intros = load_intros(session, scope=scope, window=trailing(as_of, HANDOFF_WINDOW_DAYS, config.tz), tz=config.tz)
        unanswered = load_unanswered_intros(session, scope=scope, as_of=as_of, older_than=as_of)
        freshness = load_freshness(session, as_of=as_of, config=config)
    response = compute_handoff_response_time(intros, as_of)
    next_step = compute_next_step_time(intros, as_of)
    stale = compute_stale_intros(unanswered, as_of, config.handoff_sla_hours)
    files: tuple[File, ...] = (handoffs_chart(response, config),) if ctx.charts else ()
    if len(stale) > LIST_LIMIT:
        files += (stale_intros_csv(stale, config.tz),)
    return Message(
        text=handoffs_text(response, stale, freshness, config),
        blocks=handoffs_blocks(scope, response, next_step, stale, freshness, config),
        files=files,
    )
