"""The quarterly business review in Slack: the pack's PDF with a few lines saying what it holds, the owner's
quarterly DM carrying the packs of their partners, and the admins' note about owners it could not reach."""

from __future__ import annotations

from collections.abc import Sequence

from reports.blocks.kit import Block, bullet_lines, context, header, section
from reports.message import File, Message, esc
from reports.qbr_pdf import qbr_filename, qbr_pdf
from reports.views.qbr import QbrView

FILES_PER_MESSAGE = 10  # Slack shares at most 10 files with one message (files_upload_v2); more go in a second DM


def qbr_file(view: QbrView) -> File:
    """The PDF; no alt text, which Slack reads for images only."""
    kind = "partner version" if view.partner_safe else "internal"
    return File(qbr_filename(view), f"QBR {view.partner.name} {view.quarter.title} ({kind})", qbr_pdf(view))


def _summary(view: QbrView) -> list[str]:
    """The pack's first section (the quarter against its goals), as lines."""
    return [f"{line.label}: {line.text}" for line in view.sections[0].lines]


def _headline(view: QbrView) -> str:
    """The pack's sourced revenue line, as its first page says it."""
    return next((f"{ln.label} {ln.text}" for ln in view.sections[0].lines if ln.label == "Sourced revenue"), "")


def qbr_text(view: QbrView) -> str:
    version = " (partner version)" if view.partner_safe else ""
    return f"Quarterly business review {view.quarter.title} for {view.partner.name}{version}: PDF attached."


def qbr_message(view: QbrView) -> Message:
    lines = [f"• {esc(line)}" for line in _summary(view)]
    blocks: list[Block] = [
        header(f"{view.partner.name} · QBR {view.quarter.title}"),
        *bullet_lines(lines),
        context(
            esc(
                f"{len(view.sections) + 1}-page PDF: the quarter against its goals, four quarters of trend, "
                f"activation and enablement, pipeline, intros, PSAT and suggested goals for {view.next_quarter}. "
                f"{view.freshness}"
            )
        ),
    ]
    return Message(text=qbr_text(view), blocks=blocks, files=(qbr_file(view),))


def owner_pack_messages(quarter: str, views: Sequence[QbrView], files: Sequence[File]) -> list[Message]:
    """One DM of the owner's packs for the quarter, split so no message carries more than FILES_PER_MESSAGE."""
    starts = range(0, len(files), FILES_PER_MESSAGE)
    return [
        owner_pack_message(
            quarter,
            views[start : start + FILES_PER_MESSAGE],
            files[start : start + FILES_PER_MESSAGE],
            number=number,
            parts=len(starts),
        )
        for number, start in enumerate(starts, start=1)
    ]


def owner_pack_message(
    quarter: str, views: Sequence[QbrView], files: Sequence[File], *, number: int = 1, parts: int = 1
) -> Message:
    """Part `number` of `parts` of an owner's packs: at most FILES_PER_MESSAGE of them."""
    part = f" (part {number} of {parts})" if parts > 1 else ""
    text = (
        f"Quarterly business reviews {quarter}{part}: {len(views)} of your partners, "
        "one PDF each, to prepare the review with them."
    )
    names = [f"• {esc(v.partner.name)} — {esc(_headline(v))}" for v in views]
    blocks: list[Block] = [
        section(esc(text)),
        *bullet_lines(names),
        context(
            "Internal packs: they hold program comparisons and notes for you. In a channel shared with a partner, "
            "`/partner qbr` gives the partner's version."
        ),
    ]
    return Message(text=text, blocks=blocks, files=tuple(files), response_type="in_channel", shareable=False)


def qbr_unreachable_message(quarter: str, owners: Sequence[tuple[str, int]]) -> Message:
    """For the admins: owners whose packs could not be sent, and how many partners each holds."""
    lines = [f"• {esc(owner)}: {n} partner{'s' if n != 1 else ''}" for owner, n in owners[:40]]
    text = (
        f"Quarterly business reviews {quarter}: {len(owners)} partner owner"
        f"{'s are' if len(owners) != 1 else ' is'} not in Slack (or not found by email), so their packs were not sent."
    )
    return Message(
        text=text,
        blocks=[
            section(f"*{esc(text)}*"),
            *bullet_lines(lines),
            context(f"Run `/partner qbr <partner> {quarter}` for them, or add them to Slack with the same email."),
        ],
        response_type="in_channel",
        shareable=False,
    )
