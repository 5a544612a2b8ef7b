"""Channels and the invite: how far partnerbot reaches without one, and what admins are told when a channel refuses a
scheduled post or its chart (which channel, why, and what to do)."""

from __future__ import annotations

from reports.blocks.kit import section
from reports.message import Message, esc

WHAT = {"digest": "weekly digest", "first_win": "first-win post"}
ELSEWHERE = {
    "digest": "or subscribe another channel (`/partner digest subscribe` there)",
    "first_win": "or choose another with `partnerbot config set wins_channel <channel id>`",
}
WHERE = "\x00channel\x00"  # where the channel goes: a link in the section, its id in plain text
INVITE = f"`/invite @partnerbot` in {WHERE}"


def reach_note(*, files: str | None = None) -> str:
    """How far partnerbot reaches uninvited (chat:write.public), said wherever a channel is chosen for it."""
    needs = f"a private channel, and {files} in any channel, need" if files else "a private channel needs"
    return f"partnerbot posts in a public channel without joining it; {needs} `/invite @partnerbot` there."


def refusal_lines(*, kind: str, reason: str, posted: bool) -> str:
    """The notice with WHERE for the channel; `posted` when the message landed and only a file was refused."""
    what = WHAT.get(kind, kind.replace("_", " "))
    if posted:
        return (
            f"The {what} reached {WHERE}, but its chart did not: partnerbot may post in a public channel it is "
            f"not in, but sharing a file needs it in the channel. {INVITE} to get the charts too."
        )
    if reason in ("not_in_channel", "channel_not_found"):
        why = (
            "partnerbot is not in it: a private channel needs "
            + INVITE
            + " (a public one only if the app was installed without the chat:write.public scope: reinstall it from "
            "manifest.yml)"
        )
    elif reason == "is_archived":
        why = "it is archived: unarchive it"
    else:
        why = f"Slack answered {reason}: ask a workspace admin who may post there"
    return (
        f"The {what} was not delivered to {WHERE} ({reason}): {why}, {ELSEWHERE.get(kind, 'or use another channel')}."
    )


def refusal_text(*, kind: str, channel: str, reason: str, posted: bool) -> str:
    """The notice as plain text (the fallback, and the reason `/partner deliveries` lists)."""
    return refusal_lines(kind=kind, reason=reason, posted=posted).replace(WHERE, f"channel {channel}")


def refusal_notice(*, kind: str, channel: str, reason: str, posted: bool) -> Message:
    """The admins' DM: the channel as a link in the section, plain in the fallback."""
    lines = refusal_lines(kind=kind, reason=reason, posted=posted)
    return Message(
        text=refusal_text(kind=kind, channel=channel, reason=reason, posted=posted),
        blocks=[section(":warning: " + esc(lines).replace(WHERE, f"<#{esc(channel)}>"))],
        response_type="in_channel",
        shareable=False,
    )
