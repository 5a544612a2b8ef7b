"""The /partner command table: every subcommand, its usage and its handler, in one visible place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from commands.access import check_admin, check_known
from commands.context import ADMIN, CommandContext
from commands.define import handle_define
from commands.deliveries import handle_deliveries
from commands.digest import handle_digest
from commands.disputes import handle_disputes
from commands.dormant import handle_dormant
from commands.errors import UserFacingError
from commands.export import handle_export
from commands.handoffs import handle_handoffs
from commands.incentives import handle_incentives
from commands.partner_channel import handle_partner_channel
from commands.program import handle_program
from commands.qbr import handle_qbr
from commands.runway import handle_runway
from commands.scorecard import handle_scorecard, handle_scorecard_by_id
from commands.tiers import handle_tiers
from commands.top import handle_top
from commands.wins import handle_wins
from reports.blocks.kit import bullet_lines, context, header, section
from reports.lookup import exact_matches
from reports.message import Message, esc
from reports.model import Scope
from reports.terminal import Style, mrkdwn
from storage.loaders.partners import load_admins, load_partner_by_channel, load_partner_profiles

SLASH_COMMAND = "/partner"
FILTERS = "[segment X | region Y | owner Z | tier T | type K]"  # what every program view can be narrowed by
Handler = Callable[[str, CommandContext], Message]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    takes_arguments: bool = True
    admin_only: bool = False


def handle_help(text: str, ctx: CommandContext) -> Message:
    lines = [f"`{SLASH_COMMAND} {esc(c.usage)}` — {esc(c.summary)}" for c in SUBCOMMANDS]
    lines.insert(
        0,
        f"`{SLASH_COMMAND} &lt;partner&gt;` — a partner's scorecard: revenue, pipeline, activation, "
        "handoffs, enablement and the next step (name, alias or id; typos are fine)",
    )
    return Message(
        text="partnerbot: " + "; ".join(f"{SLASH_COMMAND} {c.usage}" for c in SUBCOMMANDS),
        blocks=[
            header("partnerbot — what moved in the partner program"),
            *bullet_lines(lines),
            context('Quote a partner whose name starts with a command word: `/partner "Top Gun"`'),
        ],
    )


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "program",
        f"program {FILTERS}",
        "the program's KPIs at a glance",
        handle_program,
    ),
    Subcommand(
        "dormant",
        f"dormant {FILTERS}",
        "partners that went quiet, why, and the step that fits",
        handle_dormant,
    ),
    Subcommand(
        "handoffs",
        f"handoffs {FILTERS}",
        "how fast sellers answer partner intros, and the stale ones",
        handle_handoffs,
    ),
    Subcommand(
        "runway",
        f"runway {FILTERS}",
        "partners on the way to a first win and where activation leaks",
        handle_runway,
    ),
    Subcommand("top", f"top [quarter | year] [N] {FILTERS}", "partners ranked by sourced revenue", handle_top),
    Subcommand("wins", f"wins {FILTERS}", "partners that won their first deal recently", handle_wins),
    Subcommand(
        "tiers",
        f"tiers {FILTERS}",
        "tier review: partners to promote, keep or demote on the tier criteria (admins and managers)",
        handle_tiers,
    ),
    Subcommand(
        "disputes",
        "disputes [open | decided] [partner]",
        "attribution disputes, open and decided (open one from a deal's *Why sourced?*)",
        handle_disputes,
    ),
    Subcommand("define", "define <kpi>", "what a KPI means, its window and its rules", handle_define),
    Subcommand(
        "incentives",
        "incentives [quarter]",
        "the fast-start incentive owed for a quarter's wins, with a CSV for finance (admins and managers)",
        handle_incentives,
    ),
    Subcommand(
        "qbr",
        "qbr <partner> [quarter]",
        "a partner's quarterly business review pack as a PDF: goals, four quarters of trend, suggested goals",
        handle_qbr,
    ),
    Subcommand(
        "digest",
        "digest subscribe|unsubscribe|list|preview [#channel] [weekday] [HH:MM] [time zone]",
        "the weekly throughput digest for a channel (admins and managers)",
        handle_digest,
    ),
    Subcommand(
        "deliveries",
        "deliveries",
        "what the schedule sent, skipped and failed, and when each source last delivered data (admins)",
        handle_deliveries,
        takes_arguments=False,
        admin_only=True,
    ),
    Subcommand(
        "export",
        "export",
        "every KPI, program and per partner, as a CSV file (admins)",
        handle_export,
        takes_arguments=False,
        admin_only=True,
    ),
    Subcommand("help", "help", "this list", handle_help, takes_arguments=False),
)
COMMANDS = {c.name: c for c in SUBCOMMANDS}


def parse_command(text: str) -> tuple[Subcommand | None, str]:
    """The subcommand and the rest of the text; None means the text names a partner."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return COMMANDS["help"], ""
    command = COMMANDS.get(words[0].lower())
    return (command, words[1] if len(words) > 1 else "") if command else (None, text.strip())


COMMAND_TYPO_SCORE = 75.0  # `dormnt`, `handoff`, `programme` are typos of a command, not partner names


def mistyped_command(text: str, ctx: CommandContext) -> Subcommand | None:
    """The subcommand the first word is a typo of, unless the text names a partner exactly (a partner called
    "Programme Ltd" is still that partner)."""
    words = text.split()
    if not words or len(words[0]) < 4:
        return None
    found = process.extractOne(words[0].lower(), list(COMMANDS), scorer=fuzz.ratio, score_cutoff=COMMAND_TYPO_SCORE)
    if found is None:
        return None
    with ctx.database.session() as session:
        partners = load_partner_profiles(session, scope=Scope())
    if exact_matches(text, partners):
        return None
    return COMMANDS[found[0]]


def dispatch(text: str, ctx: CommandContext) -> Message:
    """Run a /partner command exactly as typed after the slash command, as and where the requester typed it."""
    requester = ctx.requester
    with ctx.database.session() as session:
        shared_with = (
            load_partner_by_channel(session, channel_id=requester.channel_id) if requester.channel_id else None
        )
        admins = load_admins(session) if not requester.known else []
    if shared_with is not None:
        return handle_partner_channel(text, shared_with, ctx)
    check_known(requester, admins)
    command, rest = parse_command(text)
    if command is None:
        if (meant := mistyped_command(rest, ctx)) is not None:
            raise UserFacingError(
                f"“{rest.split()[0]}” is not a command, and no partner is called “{rest}”.",
                hint=f"Did you mean `{SLASH_COMMAND} {esc(meant.usage)}`? `{SLASH_COMMAND} help` lists them all.",
            )
        return handle_scorecard(rest, ctx)
    if command.admin_only and requester.role != ADMIN:
        with ctx.database.session() as session:
            check_admin(requester, command.name, load_admins(session))
    if rest.strip() and not command.takes_arguments:
        raise UserFacingError(
            f"`{SLASH_COMMAND} {command.name}` takes no arguments.",
            hint=f"Try `{SLASH_COMMAND} {esc(command.usage)}`.",
        )
    return command.handler(rest, ctx)


def dispatch_partner(partner_id: int, ctx: CommandContext) -> Message:
    """A partner's card picked by id (a button), behind the same gates as a typed name."""
    requester = ctx.requester
    with ctx.database.session() as session:
        channel = requester.channel_id
        shared_with = load_partner_by_channel(session, channel_id=channel) if channel else None
        admins = load_admins(session) if not requester.known else []
    if shared_with is not None:
        text = shared_with.external_id if shared_with.id == partner_id else f"#{partner_id}"
        return handle_partner_channel(text, shared_with, ctx)
    check_known(requester, admins)
    return handle_scorecard_by_id(partner_id, ctx)


def error_reply(error: UserFacingError) -> Message:
    """The message, escaped (it may quote what was typed), and the hint as written; the fallback text is both as
    plain text."""
    if not error.hint:
        return Message(text=error.message, blocks=[section(esc(error.message))], shareable=False)
    plain = f"{error.message} {mrkdwn(error.hint, Style(colour=False))}"
    return Message(text=plain, blocks=[section(f"{esc(error.message)} {error.hint}")], shareable=False)
