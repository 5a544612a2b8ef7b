"""The weekly throughput digest as Block Kit: one line per signal, each with its change since last week."""

from __future__ import annotations

from reports.blocks.freshness import freshness_block, freshness_text, stale_warning_blocks, stale_warning_text
from reports.blocks.kit import Block, bullet_lines, context, divider, esc, header, section
from reports.charts import trend_png
from reports.config import ProgramConfig, step_title
from reports.formatting import count, hours, local_date, money
from reports.kpis.activation import Survival
from reports.message import File
from reports.stats import Median
from reports.views.digest import DigestView


def change(now: float | None, before: float | None, unit: str = "", *, digits: int = 0) -> str:
    """'▲3 since last week', '▼1.5 d', 'no change', or '' when either side is unknown."""
    if now is None or before is None:
        return ""
    delta = round(now - before, digits)
    if delta == 0:
        return "no change"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow}{abs(delta):.{digits}f}{unit} since last week"


def _median(survival: Survival) -> Median:
    return survival.median


def _with(text: str, delta: str) -> str:
    return f"{text} ({delta})" if delta else text


def digest_lines(view: DigestView, config: ProgramConfig) -> list[str]:
    c = view.currency
    runway = view.runway
    lines = [
        _with(
            f"*Partners in runway:* {runway.count} · cohort completion {runway.completion.text()}",
            change(runway.count, runway.count_week_ago),
        ),
    ]
    fsa_now, fsa_then = _median(view.activation_runway.now), _median(view.activation_runway.week_ago)
    lines.append(
        _with(
            f"*Time to first selling action:* median {fsa_now.text()}",
            change(fsa_now.value, fsa_then.value, " d", digits=1),
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
            f"*Handoff time:* median {handoff.median.text('h')} over {count(handoff.intros, 'intro')}{worst_text}",
            change(handoff.median.value, view.handoff.week_ago.median.value, " h", digits=1),
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
                f"*Largest drop-off:* {step_title(step_now.step).lower()} "
                f"({step_now.conversion.text()})" + (f"; {', '.join(weakest)}" if weakest else ""),
                moved,
            )
        )
    else:
        lines.append("*Largest drop-off:* not enough data yet")
    cycle_now, cycle_then = _median(view.first_win_cycle.now), _median(view.first_win_cycle.week_ago)
    lines.append(
        _with(
            f"*First-win cycle:* median {cycle_now.text()}", change(cycle_now.value, cycle_then.value, " d", digits=1)
        )
    )
    over_now, over_then = view.wip.now.over_limit, view.wip.week_ago.over_limit
    owners = ", ".join(f"{esc(o.owner_email or 'unassigned')} ({o.in_runway})" for o in over_now[:3])
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
            f":trophy: *First wins this week:* {names}" + (f" and {len(wins) - 5} more" if len(wins) > 5 else "")
        )
    else:
        lines.append("*First wins this week:* none")
    revenue = view.sourced_minor
    lines.append(
        _with(
            f"*Sourced revenue this week:* {money(revenue.now, c)} (last week {money(revenue.week_ago, c)})",
            change(revenue.now / 100, revenue.week_ago / 100, "") if revenue.week_ago else "",
        )
    )
    stalled = view.stalled
    lines.append(
        _with(
            f"*Stalled deals:* {stalled.now.count} worth {money(stalled.now.amount_minor, c)}",
            change(stalled.now.count, stalled.week_ago.count),
        )
    )
    lines.append(_with(f"*Dormant partners:* {view.dormant.now}", change(view.dormant.now, view.dormant.week_ago)))
    if view.snoozes:
        soon = "; ".join(
            f"{esc(s.label)} (until {local_date(s.until, config.tz)}" + (f", {esc(s.reason)}" if s.reason else "") + ")"
            for s in view.snoozes[:5]
        )
        lines.append(f":alarm_clock: *Snoozes ending this week:* {soon}")
    return lines


def digest_text(view: DigestView, config: ProgramConfig) -> str:
    warning = stale_warning_text(view.freshness, config.tz)
    lead = f"{warning} " if warning else ""
    if not view.moved:
        return (
            f"{lead}{config.program_name}: nothing moved this week — {view.runway.count} partners in runway, "
            f"{view.dormant.now} dormant, no first wins. {freshness_text(view.freshness, config.tz)}."
        )
    return (
        f"{lead}{config.program_name} this week: {view.runway.count} partners in runway, {len(view.first_wins)} "
        f"first wins, {money(view.sourced_minor.now, view.currency)} sourced, {view.stalled.now.count} stalled "
        f"deals, {view.dormant.now} dormant partners. {freshness_text(view.freshness, config.tz)}."
    )


def digest_blocks(view: DigestView, config: ProgramConfig) -> list[Block]:
    title = f"Weekly throughput — {config.program_name}"
    scope = view.scope.describe()
    warning = stale_warning_blocks(view.freshness, config.tz)
    if not view.moved:
        return [
            *warning,
            section(
                f"*{esc(title)}* ({esc(scope)}): nothing moved this week — {view.runway.count} partners in "
                f"runway, {view.dormant.now} dormant, no first wins."
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
    png = trend_png(
        title=f"Weekly throughput: {config.program_name}",
        weeks=view.weeks,
        revenue=view.weekly_revenue,
        in_runway=view.weekly_runway,
        first_wins=view.weekly_first_wins,
        currency=view.currency,
    )
    return File(
        "weekly-trend.png",
        "Weekly trend",
        png,
        alt_text="Sourced revenue won per week with first wins, and partners in runway",
    )
