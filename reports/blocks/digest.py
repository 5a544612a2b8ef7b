"""The weekly throughput digest as Block Kit: one line per signal, each with its change since last week."""

from __future__ import annotations

from collections.abc import Callable

from reports.blocks.common import stalled_text
from reports.blocks.freshness import freshness_block, freshness_text, stale_warning_blocks, stale_warning_text
from reports.blocks.kit import Block, bullet_lines, context, divider, header, section
from reports.chart_specs import digest_figures, trend_spec
from reports.charts import trend_png
from reports.config import ProgramConfig, step_title
from reports.formatting import count, days, hours, local_date, money, number
from reports.kpis.activation import Survival
from reports.message import File, Message, esc
from reports.stats import Median
from reports.views.digest import DigestView


def _count(value: float) -> str:
    return number(round(value))


def change(now: float | None, before: float | None, written: Callable[[float], str] = _count) -> str:
    """'▲ 3 since last week', '▼ 1.5 d since last week', '▲ $980 since last week', 'no change', or '' when either
    side is unknown. `written` writes the size of the change as the figure itself is written (a count, a duration,
    money), so a change too small to show in it is no change."""
    if now is None or before is None:
        return ""
    delta = now - before
    size = written(abs(delta))
    if size == written(0):
        return "no change"
    return f"{'▲' if delta > 0 else '▼'} {size} since last week"


def _median(survival: Survival) -> Median:
    return survival.median


def _with(text: str, delta: str) -> str:
    return f"{text} ({delta})" if delta else text


def digest_lines(view: DigestView, config: ProgramConfig) -> list[str]:
    c = view.currency
    runway = view.runway
    lines = [
        _with(
            f"*Partners in runway:* {number(runway.count)} · cohort completion {runway.completion.text()}",
            change(runway.count, runway.count_week_ago),
        ),
    ]
    fsa_now, fsa_then = _median(view.activation_runway.now), _median(view.activation_runway.week_ago)
    lines.append(
        _with(
            f"*Time to first selling action:* {fsa_now.text(label='median')}",
            change(fsa_now.value, fsa_then.value, days),
        )
    )
    handoff = view.handoff.now
    worst = handoff.worst
    worst_text = ""
    if worst is not None:
        worst_text = (
            f"; worst {hours(worst.hours)} ({esc(worst.intro.account or worst.intro.external_id)}, owner "
            f"{esc(worst.intro.partner_owner_email or 'unassigned')})"
        )
    lines.append(
        _with(
            f"*Handoff time:* {handoff.median.text('h', label='median')} over {count(handoff.intros, 'intro')}"
            f"{worst_text}",
            change(handoff.median.value, view.handoff.week_ago.median.value, hours),
        )
    )
    step_now, step_then = view.dropoff.now.worst_step, view.dropoff.week_ago.worst_step
    if step_now is not None and step_now.conversion is not None:
        weakest = []
        for label, groups in (
            ("cohort", view.dropoff.now.by_cohort[-3:]),
            ("type", dict(view.dropoff.now.by_segment).get("type", ())),
        ):
            found = [(name, f.worst_step) for name, f in groups if f.worst_step is not None]
            if found:
                name, _step = min(found, key=lambda item: item[1].conversion.value or 0.0)  # type: ignore[union-attr]
                weakest.append(f"weakest {label} {esc(name)}")
        moved = (
            ""
            if step_then is None or step_then.step == step_now.step
            else f"was {step_title(step_then.step).lower()} last week"
        )
        lines.append(
            _with(
                f"*Largest drop-off:* {step_title(step_now.step).lower()}, "
                f"{step_now.conversion.text()} of the step before" + (f"; {', '.join(weakest)}" if weakest else ""),
                moved,
            )
        )
    else:
        lines.append("*Largest drop-off:* not enough data yet")
    cycle_now, cycle_then = _median(view.first_win_cycle.now), _median(view.first_win_cycle.week_ago)
    lines.append(
        _with(f"*First-win cycle:* {cycle_now.text(label='median')}", change(cycle_now.value, cycle_then.value, days))
    )
    over_now, over_then = view.wip.now.over_limit, view.wip.week_ago.over_limit
    owners = ", ".join(f"{esc(o.owner_email or 'unassigned')} ({number(o.in_runway)})" for o in over_now[:3])
    lines.append(
        _with(
            f"*Capacity:* {count(len(over_now), 'owner')} over the WIP limit of {view.wip.now.limit}"
            + (f": {owners}" if owners else ""),
            change(len(over_now), len(over_then)),
        )
    )
    lines.append("")
    wins = view.first_wins
    if wins:
        names = ", ".join(
            f"{esc(w.partner.name)} ({money(w.amount_minor, c) if w.amount_minor else w.deal})" for w in wins[:5]
        )
        lines.append(
            f":trophy: *First wins this week:* {names}"
            + (f" and {number(len(wins) - 5)} more" if len(wins) > 5 else "")
        )
    else:
        lines.append("*First wins this week:* none")
    revenue = view.sourced_minor
    shown = digest_figures(view)
    lines.append(
        _with(
            f"*Sourced revenue this week:* {money(revenue.now, c)}, {shown['sourced_week_ago'].phrase}",
            change(revenue.now, revenue.week_ago, lambda minor: money(minor, c)),
        )
    )
    stalled = view.stalled
    lines.append(
        _with(
            f"*Stalled deals:* {stalled_text(stalled.now, c)}",
            change(stalled.now.count, stalled.week_ago.count),
        )
    )
    lines.append(
        _with(f"*Dormant partners:* {number(view.dormant.now)}", change(view.dormant.now, view.dormant.week_ago))
    )
    if view.snoozes:
        soon = "; ".join(
            f"{esc(s.label)} (until {local_date(s.until, config.tz)}" + (f", {esc(s.reason)}" if s.reason else "") + ")"
            for s in view.snoozes[:5]
        )
        lines.append(f":alarm_clock: *Snoozes ending this week:* {soon}")
    return lines


def digest_text(view: DigestView, config: ProgramConfig) -> str:
    name = config.program_name
    shown = digest_figures(view)
    fresh = freshness_text(view.freshness, config.tz)
    warning = stale_warning_text(view.freshness, config.tz)
    lead = f"{warning} " if warning else ""
    if not view.moved:
        return (
            f"{lead}{name}: nothing moved this week — {shown['in_runway'].phrase}, "
            f"{count(view.dormant.now, 'dormant partner')}, no first wins. {fresh}."
        )
    return (
        f"{lead}{name} this week: {shown['in_runway'].phrase}, {shown['first_wins'].phrase}, {shown['sourced'].phrase} "
        f"({shown['sourced_week_ago'].phrase}), {count(view.stalled.now.count, 'stalled deal')}, "
        f"{count(view.dormant.now, 'dormant partner')}. {fresh}."
    )


def digest_blocks(view: DigestView, config: ProgramConfig) -> list[Block]:
    title = f"Weekly throughput — {config.program_name}"
    scope = view.scope.describe()
    warning = stale_warning_blocks(view.freshness, config.tz)
    if not view.moved:
        return [
            *warning,
            section(
                f"*{esc(title)}* ({esc(scope)}): nothing moved this week — {number(view.runway.count)} partners in "
                f"runway, {number(view.dormant.now)} dormant, no first wins."
            ),
            freshness_block(view.freshness, config.tz),
        ]
    lines = digest_lines(view, config)
    split = lines.index("")
    return [
        *warning,
        header(title),
        context(esc(scope)),
        *bullet_lines(lines[:split]),
        divider(),
        *bullet_lines(lines[split + 1 :]),
        freshness_block(view.freshness, config.tz),
    ]


def digest_chart(view: DigestView, config: ProgramConfig) -> File:
    spec = trend_spec(view, config.program_name)
    return File(
        "weekly-trend.png",
        spec.title,
        trend_png(spec),
        alt_text=f"{spec.title}: sourced revenue won per week with first wins, and partners in runway; this week: "
        + ", ".join(item.phrase for item in spec.caption),
    )


def digest_reply(view: DigestView, config: ProgramConfig, *, charts: bool = True) -> Message:
    """The digest as posted: the chart goes only when something moved."""
    files = (digest_chart(view, config),) if charts and view.moved else ()
    return Message(
        text=digest_text(view, config), blocks=digest_blocks(view, config), files=files, response_type="in_channel"
    )
