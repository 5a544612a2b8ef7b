"""Every figure a chart shows is the figure its text shows and the JSON export holds, on every store.

For the scorecard, the program view, the handoffs view and the weekly digest: the chart sent with the reply is the
one drawn from the spec built from the view object; each figure in its caption is drawn as the spec says, appears
with the same wording and window in the Block Kit (and the fallback text where that gives it), and equals the export's
value; and the bars or bins add up to those figures. The scorecard's goal lines are the card's current goals. A
filtered view's chart names its filter in its title. Run on a small hand-built program and on the demo, early in
December, when the month in progress is two days old.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest
from matplotlib.figure import Figure

from commands.context import CommandContext
from commands.digest import digest_message, gather_digest
from commands.export import export_kpis
from commands.gather import HANDOFF_WINDOW_DAYS, gather_program, gather_scorecard
from commands.table import dispatch
from demodata import DemoSize, build_demo
from reports.blocks.runway import runway_funnel_spec
from reports.chart_specs import (
    HandoffChart,
    RevenueChart,
    Shown,
    TrendChart,
    handoffs_spec,
    program_revenue_spec,
    scorecard_revenue_spec,
    trend_spec,
)
from reports.charts import (
    _funnel_figure,
    _handoff_figure,
    _revenue_figure,
    _trend_figure,
    funnel_png,
    handoff_png,
    revenue_png,
    trend_png,
)
from reports.config import step_title
from reports.formatting import money
from reports.message import Message
from reports.model import Scope
from reports.timeframe import trailing
from reports.views.handoffs import compute_handoffs
from reports.views.program import compute_program
from reports.views.runway import compute_runway
from reports.views.scorecard import Scorecard, compute_scorecard
from storage.db import Database
from storage.loaders.activation import load_milestones
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_intros, load_unanswered_intros
from storage.loaders.partners import load_partner_profiles
from storage.program import load_config
from tests.factories import Fixture, at

AS_OF = datetime(2026, 12, 2, 15, tzinfo=UTC)  # 10:00 in New York, the second day of December
PARTNER = "Smith & <Sons>"
PROGRAM = "R&D <Partners>"
DEMO_SIZE = DemoSize(
    partners=60,
    direct_deals=300,
    deals_per_partner=12,
    activities_per_partner=60,
    intros_per_partner=6,
    surveys_per_partner=2,
)


def hand_built(db: Database) -> str:
    """A program whose figures straddle every edge the charts have: the trailing window's first day, the month in
    progress, this week and last week, the SLA."""
    f = Fixture(settings={"time_zone": "America/New_York", "program_name": PROGRAM})
    f.partner(
        "P-1", PARTNER, type="reseller", region="APAC", onboarded_on=date(2025, 6, 1), owner_email="olga@example.com"
    )
    f.partner("P-2", "Globex", type="referral", onboarded_on=date(2026, 10, 1))
    f.partner("P-3", "Initech", type="msp", onboarded_on=date(2026, 11, 1))
    won = {
        "W-outside": ("P-1", "sourced", date(2025, 12, 2), 70_000),  # a day before the trailing 365 days
        "W-first-day": ("P-1", "sourced", date(2025, 12, 3), 40_000),  # their first day: December 2025 in part
        "W-may": ("P-1", "sourced", date(2026, 5, 15), 25_000),
        "W-nov": ("P-1", "influenced", date(2026, 11, 20), 30_000),  # last week
        "W-mtd": ("P-1", "sourced", date(2026, 12, 1), 12_000),  # this week, and December to date
        "W-globex": ("P-2", "sourced", date(2026, 11, 28), 20_000),  # Globex's first win, this week
    }
    for key, (partner, attribution, closed, amount) in won.items():
        f.deal(
            key,
            partner=partner,
            attribution=attribution,
            created=date(2025, 11, 1),
            outcome="won",
            closed=closed,
            amount=amount,
        )
    f.deal(
        "O-1",
        partner="P-1",
        attribution="sourced",
        created=date(2026, 10, 1),
        amount=50_000,
        stages=(("Proposal", at(date(2026, 10, 1))),),
    )
    f.deal("O-2", partner="P-3", attribution="influenced", created=date(2026, 11, 20), amount=8_000)
    f.deal(
        "D-1",
        partner=None,
        attribution="direct",
        created=date(2026, 1, 1),
        outcome="won",
        closed=date(2026, 3, 1),
        amount=9_000,
    )
    # intros: answered within the SLA, answered late, waiting within it and waiting past it
    f.intro("I-1", partner="P-1", introduced=at(date(2026, 11, 20), 9), first_response_at=at(date(2026, 11, 20), 11))
    f.intro("I-2", partner="P-1", introduced=at(date(2026, 11, 10), 9), first_response_at=at(date(2026, 11, 12), 9))
    f.intro("I-3", partner="P-2", introduced=at(date(2026, 12, 2), 5))
    f.intro("I-4", partner="P-3", introduced=at(date(2026, 11, 27), 9), account="Hooli & <Co>")
    f.intro("I-5", partner="P-3", introduced=at(date(2026, 9, 1), 9), first_response_at=at(date(2026, 9, 1), 10))
    f.activity("P-1", "login", at(date(2026, 11, 30)))
    # this quarter's goals (drawn: sourced won $12,000 and sourced pipeline created $50,000 so far), last quarter's
    # revenue goal (past: not drawn) and a deal-count goal (no panel of its own: not drawn)
    q4, q3 = (date(2026, 10, 1), date(2027, 1, 1)), (date(2026, 7, 1), date(2026, 10, 1))
    f.goal("P-1", "sourced_revenue", *q3, target=30_000_00, period="2026-Q3")
    f.goal("P-1", "registered_deals", *q4, target=4, period="2026-Q4")
    f.goal("P-1", "sourced_revenue", *q4, target=40_000_00, period="2026-Q4")
    f.goal("P-1", "sourced_pipeline", *q4, target=90_000_00, period="2026-Q4")
    f.write(db)
    return "P-1"


def demo(db: Database) -> str:
    build_demo(db, anchor=AS_OF, size=DEMO_SIZE)
    return "Acme"


def texts(message: Message) -> Iterator[str]:
    """Every mrkdwn text of a message's blocks."""
    for block in message.blocks:
        if block["type"] == "section":
            if block.get("text"):
                yield block["text"]["text"]
            yield from (item["text"] for item in block.get("fields") or [])
        elif block["type"] == "context":
            yield from (element.get("text", "") for element in block["elements"])


def field(message: Message, label: str) -> str:
    """The value of the Block Kit field with this label."""
    found = [text.partition("\n")[2] for text in texts(message) if text.startswith(f"*{label}*\n")]
    assert len(found) == 1, (label, list(texts(message)))
    return found[0]


def detail(message: Message, label: str) -> str:
    """The scorecard line that starts with this label in bold."""
    found = [row for text in texts(message) for row in text.splitlines() if row.startswith(f"*{label}* ")]
    assert len(found) == 1, (label, list(texts(message)))
    return found[0]


def line(message: Message, label: str) -> str:
    """The digest line that starts with this label."""
    found = [row for text in texts(message) for row in text.splitlines() if row.startswith(f"*{label}:*")]
    assert len(found) == 1, (label, list(texts(message)))
    return found[0]


def exported(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def caption_of(fig: Figure) -> str:
    return fig.axes[0].get_title(loc="left")


def assert_drawn(spec: RevenueChart | HandoffChart | TrendChart, fig: Figure) -> None:
    drawn = caption_of(fig)
    for shown in spec.caption:
        assert shown.phrase in drawn, (shown, drawn)


def assert_exported(shown: Shown, kpis: dict[str, Any]) -> None:
    assert shown.key is not None
    value = exported(kpis, shown.key)
    assert value == (shown.value if not isinstance(value, float) else pytest.approx(shown.value, abs=1e-4)), shown


@dataclass(frozen=True)
class World:
    db: Database
    partner: str
    export: dict[str, Any]

    @property
    def context(self) -> CommandContext:
        return CommandContext(database=self.db, as_of=AS_OF)

    def partner_kpis(self, name: str) -> dict[str, Any]:
        return next(row["kpis"] for row in self.export["partners"] if row["name"] == name)


@pytest.fixture(params=["hand-built", "demo"])
def world(request: pytest.FixtureRequest, db: Database) -> World:
    partner = hand_built(db) if request.param == "hand-built" else demo(db)
    return World(db, partner, export_kpis(db, as_of=AS_OF))


def assert_revenue_chart(spec: RevenueChart, message: Message, kpis: dict[str, Any], pipeline_field: str) -> None:
    sourced, influenced, pipeline = spec.caption
    c = spec.currency
    assert message.files[0].content == revenue_png(spec)  # the reply's chart is this spec, drawn
    assert_drawn(spec, _revenue_figure(spec))
    assert caption_of(_revenue_figure(spec)).startswith("trailing 365 d: ")
    for shown in spec.caption:
        assert_exported(shown, kpis)
    if pipeline_field == "Pipeline health":  # the scorecard: revenue on one line, open pipeline in the headline
        revenue = f"trailing 365 d: sourced {money(sourced.value, c)} · influenced {money(influenced.value, c)}"
        assert detail(message, "Revenue").endswith(revenue)
        assert field(message, pipeline_field).startswith(f"{money(pipeline.value, c)} open")
    else:
        assert f"{money(sourced.value, c)} trailing 365 d" in field(message, "Sourced revenue").splitlines()
        assert f"{money(influenced.value, c)} trailing 365 d" in field(message, "Influenced revenue").splitlines()
        assert money(pipeline.value, c) in field(message, pipeline_field)
    # the bars cover exactly the window the totals cover, and the pipeline line ends at the caption's figure
    assert sum(bar.sourced_minor for bar in spec.bars) == sourced.value
    assert sum(bar.influenced_minor for bar in spec.bars) == influenced.value
    assert spec.bars[-1].pipeline_minor == pipeline.value


def test_scorecard_chart_shows_the_cards_figures(world: World) -> None:
    with world.db.session() as session:
        config = load_config(session)
        profile = next(
            p
            for p in load_partner_profiles(session, scope=Scope())
            if p.external_id == world.partner or p.name == world.partner
        )
        card = compute_scorecard(gather_scorecard(session, partner=profile, as_of=AS_OF, config=config), config, AS_OF)
    spec = scorecard_revenue_spec(card)
    message = dispatch(profile.external_id, world.context)
    assert_revenue_chart(spec, message, world.partner_kpis(profile.name), "Pipeline health")
    assert detail(message, "Pipeline").startswith(f"*Pipeline* {card.open_deals:,} open deal")
    sourced, _influenced, pipeline = spec.caption
    assert f"Sourced {money(sourced.value, spec.currency)} trailing 365 d" in message.text
    assert pipeline.phrase in message.text
    assert_goals_drawn(spec, card, message)


def assert_goals_drawn(spec: RevenueChart, card: Scorecard, message: Message) -> None:
    """Each panel's goal line is the first current goal of its metric, at the target the card shows beside its
    actual; a panel without one draws none."""
    c = spec.currency
    marks = {mark.panel: mark for mark in spec.goals}
    fig = _revenue_figure(spec)
    for panel, metric, ax in (("won", "sourced_revenue", fig.axes[0]), ("pipeline", "sourced_pipeline", fig.axes[1])):
        goals = [g.goal for g in card.current_goals if g.goal.metric == metric]
        lines = [line for line in ax.lines if line.get_gid() == "goal"]
        if not goals:
            assert panel not in marks and not lines
            continue
        goal, mark = goals[0], marks[panel]
        assert (mark.target_minor, mark.actual_minor) == (goal.target, goal.actual)
        card_line = f"{metric.replace('_', ' ')} {money(goal.actual, c)} of {money(goal.target, c)}"
        assert any(card_line in text for text in texts(message)), card_line
        assert f"goal {goal.period}: {money(goal.target, c)} · ◆ {money(goal.actual, c)} so far" in mark.phrase
        (line,) = lines
        assert list(cast(Sequence[float], line.get_ydata())) == [goal.target] * 2
        assert mark.phrase in [text.get_text() for text in ax.texts]


def hand_built_card(db: Database) -> Scorecard:
    """The hand-built program's scorecard for P-1, computed straight from the view."""
    partner = hand_built(db)
    with db.session() as session:
        config = load_config(session)
        profile = next(p for p in load_partner_profiles(session, scope=Scope()) if p.external_id == partner)
        return compute_scorecard(gather_scorecard(session, partner=profile, as_of=AS_OF, config=config), config, AS_OF)


def test_the_hand_built_scorecard_draws_this_quarters_goals_only(db: Database) -> None:
    spec = scorecard_revenue_spec(hand_built_card(db))
    assert [(m.panel, m.target_minor, m.actual_minor, m.first, m.last) for m in spec.goals] == [
        ("won", 40_000_00, 12_000_00, 10, 12),  # October to December: the last three of the 13 bars
        ("pipeline", 90_000_00, 50_000_00, 10, 12),
    ]
    assert [m.phrase for m in spec.goals] == [
        "sourced revenue goal 2026-Q4: $40k · ◆ $12k so far",
        "sourced pipeline goal 2026-Q4: $90k · ◆ $50k so far",
    ]


def test_program_chart_shows_the_program_views_figures(world: World) -> None:
    with world.db.session() as session:
        config = load_config(session)
        view = compute_program(gather_program(session, scope=Scope(), as_of=AS_OF, config=config), config, AS_OF)
    spec = program_revenue_spec(view)
    message = dispatch("program", world.context)
    assert_revenue_chart(spec, message, world.export["program"], "Pipeline contribution")
    assert spec.caption[2].phrase in field(message, "Pipeline contribution")


def test_handoff_chart_shows_the_handoff_texts_counts(world: World) -> None:
    with world.db.session() as session:
        config = load_config(session)
        tz = config.tz
        view = compute_handoffs(
            Scope(),
            load_intros(session, scope=Scope(), window=trailing(AS_OF, HANDOFF_WINDOW_DAYS, tz), tz=tz),
            load_unanswered_intros(session, scope=Scope(), as_of=AS_OF, older_than=AS_OF),
            config,
            AS_OF,
            load_freshness(session, as_of=AS_OF, config=config),
        )
    spec = handoffs_spec(view)
    message = dispatch("handoffs", world.context)
    assert message.files[0].content == handoff_png(spec)
    assert_drawn(spec, _handoff_figure(spec))
    first_response = field(message, "First response")
    for shown in spec.caption:
        assert shown.phrase in first_response, (shown, first_response)
        assert shown.phrase in message.text, (shown, message.text)
        assert_exported(shown, world.export["program"])
    intros, answered, waiting, over, _median = spec.caption
    assert sum(spec.answered) == answered.value and sum(spec.waiting) == waiting.value
    assert sum(spec.answered) + sum(spec.waiting) == intros.value
    beyond = spec.edges.index(spec.sla_hours)  # bins from here on are over the SLA
    assert sum(spec.answered[beyond:]) + sum(spec.waiting[beyond:]) == over.value
    assert f"{over.phrase} ({view.sla.answered_late:,} answered late, {view.sla.waiting_past:,} still waiting)" in (
        first_response
    )


def test_digest_chart_shows_this_weeks_figures(world: World) -> None:
    with world.db.transaction() as session:
        config = load_config(session)
        view = gather_digest(session, scope=Scope(), as_of=AS_OF, config=config)
        message = digest_message(session, scope=Scope(), as_of=AS_OF, config=config)
    spec = trend_spec(view, config.program_name)
    assert message.files[0].content == trend_png(spec)
    assert_drawn(spec, _trend_figure(spec))
    c = spec.currency
    for shown in spec.caption:
        assert shown.phrase in message.text, (shown, message.text)
    assert line(message, "Sourced revenue this week").startswith(
        f"*Sourced revenue this week:* {money(spec.sourced.value, c)}, {spec.sourced_week_ago.phrase}"
    )
    assert line(message, "Partners in runway").startswith(f"*Partners in runway:* {spec.runway.value:,} ")
    assert_exported(spec.runway, world.export["program"])
    # the trend's latest points are this week's figures, and the week before's
    assert (spec.revenue[-1], spec.revenue[-2]) == (spec.sourced.value, spec.sourced_week_ago.value)
    assert spec.in_runway[-1] == spec.runway.value
    assert spec.first_wins[-1] == spec.wins.value


def test_runway_funnel_chart_shows_the_runway_texts_funnel(world: World) -> None:
    """The funnel's bars, conversions and largest drop are the dropoff the runway text and the export give."""
    with world.db.session() as session:
        config = load_config(session)
        view = compute_runway(
            load_milestones(session, scope=Scope()),
            Scope(),
            config,
            AS_OF,
            load_freshness(session, as_of=AS_OF, config=config),
        )
    spec = runway_funnel_spec(view)
    message = dispatch("runway", world.context)
    assert message.files[0].content == funnel_png(spec)
    exported_funnel = world.export["program"]["dropoff_by_step"]["overall"]
    assert [(row.label, row.reached) for row in spec.rows] == [
        (step_title(step["step"]), step["reached"]) for step in exported_funnel
    ]
    worst = world.export["program"]["dropoff_by_step"]["worst_step"]
    drawn = _funnel_figure(spec).axes[0].get_title(loc="left")
    if worst is None:
        assert spec.worst is None and "not enough data" in message.text
    else:
        assert spec.worst is not None
        assert spec.rows[spec.worst].label == step_title(worst)
        assert f"largest drop-off: {step_title(worst)}." in message.text
        assert drawn.startswith(f"Largest drop: {step_title(worst)} (")
        conversion = exported_funnel[spec.worst]["conversion"]["value"]
        assert f"({conversion:.0%} of previous step)" in drawn


def test_charts_and_fallback_texts_escape_names(db: Database) -> None:
    hand_built(db)
    context = CommandContext(database=db, as_of=AS_OF)
    for command in ("P-1", "program", "handoffs"):
        message = dispatch(command, context)
        everything = [message.wire_text, *texts(message)]  # what Slack receives
        assert not any(raw in text for text in everything for raw in (PARTNER, PROGRAM, "Hooli & <Co>")), command
    scorecard = dispatch("P-1", context)
    assert scorecard.text.startswith("Smith & <Sons> scorecard")  # plain text, escaped once on its way out
    assert scorecard.wire_text.startswith("Smith &amp; &lt;Sons&gt; scorecard")


def test_the_month_in_progress_is_marked_month_to_date(db: Database) -> None:
    """Two days into December, December is drawn lighter and hatched and labelled MTD, not as a collapse; the
    first bar holds only the days of December 2025 the trailing 365 days keep."""
    spec = scorecard_revenue_spec(hand_built_card(db))
    assert [(bar.label, bar.part) for bar in (spec.bars[0], spec.bars[-1])] == [("Dec 25", "3–31"), ("Dec 26", "MTD")]
    assert all(bar.part is None for bar in spec.bars[1:-1]) and len(spec.bars) == 13
    assert (spec.bars[0].sourced_minor, spec.bars[-1].sourced_minor) == (40_000_00, 12_000_00)
    fig = _revenue_figure(spec)
    fig.draw_without_rendering()
    ax, below = fig.axes
    assert [t.get_text() for t in below.get_xticklabels() if t.get_text()][-1] == "Dec 26\nMTD"
    sourced = ax.containers[0]
    assert sourced[-1].get_hatch() and sourced[-1].get_alpha() == 0.5
    assert not sourced[-2].get_hatch() and sourced[-2].get_alpha() is None
    assert "Part month" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_a_filtered_view_names_its_filter_in_its_charts_title(db: Database) -> None:
    """`program`, `runway`, `handoffs` and the digest asked for `region apac` draw the APAC figures under a title
    ending '· region APAC' (spelled as the partners hold it); unfiltered, the title names no filter."""
    hand_built(db)
    context = CommandContext(database=db, as_of=AS_OF)
    apac = Scope(region="APAC")
    with db.session() as session:
        config = load_config(session)
        tz = config.tz
        freshness = load_freshness(session, as_of=AS_OF, config=config)
        program = compute_program(gather_program(session, scope=apac, as_of=AS_OF, config=config), config, AS_OF)
        runway = compute_runway(load_milestones(session, scope=apac), apac, config, AS_OF, freshness)
        handoffs = compute_handoffs(
            apac,
            load_intros(session, scope=apac, window=trailing(AS_OF, HANDOFF_WINDOW_DAYS, tz), tz=tz),
            load_unanswered_intros(session, scope=apac, as_of=AS_OF, older_than=AS_OF),
            config,
            AS_OF,
            freshness,
        )
        digest = gather_digest(session, scope=apac, as_of=AS_OF, config=config)
        unfiltered = compute_program(gather_program(session, scope=Scope(), as_of=AS_OF, config=config), config, AS_OF)
    program_spec, runway_spec, handoffs_spec_ = (
        program_revenue_spec(program),
        runway_funnel_spec(runway),
        handoffs_spec(handoffs),
    )
    drawn = {
        "program region apac": (program_spec.title, revenue_png(program_spec)),
        "runway region apac": (runway_spec.title, funnel_png(runway_spec)),
        "handoffs region apac": (handoffs_spec_.title, handoff_png(handoffs_spec_)),
    }
    for command, (title, png) in drawn.items():
        assert title.endswith(" · region APAC"), title
        (file,) = dispatch(command, context).files
        assert file.content == png, command
        assert "region APAC" in file.title and file.alt_text.startswith(title), command  # the Slack file says it too
    assert program_revenue_spec(program).title == "Won partner revenue by month · region APAC"
    assert trend_spec(digest, config.program_name).title == f"Weekly throughput: {PROGRAM} · region APAC"
    assert program_revenue_spec(unfiltered).title == "Won partner revenue by month"
