"""`/partner program [segment X | region Y | owner Z]`: the program's KPIs at a glance."""

from __future__ import annotations

from commands.context import CommandContext
from commands.gather import gather_program
from commands.scope import parse_scope, resolve_scope
from reports.blocks.program import program_blocks, program_text
from reports.blocks.scorecard import revenue_chart
from reports.chart_specs import program_revenue_spec
from reports.message import File, Message
from reports.views.program import compute_program
from storage.program import load_config


def handle_program(text: str, ctx: CommandContext) -> Message:
    scope = parse_scope(text)
    with ctx.database.session() as session:
        scope = resolve_scope(session, scope)
        config = load_config(session)
        facts = gather_program(session, scope=scope, as_of=ctx.as_of, config=config)
    view = compute_program(facts, config, ctx.as_of)
    files: tuple[File, ...] = ()
    if ctx.charts:
        files = (revenue_chart(program_revenue_spec(view), filename="program-revenue.png"),)
    return Message(text=program_text(view, config), blocks=program_blocks(view, config), files=files)
