"""Error mapping, in one place: what goes wrong in a job becomes a reply the person can use and a log line we can.

Expected problems (`UserFacingError`) are shown as they are; Slack being unavailable gets "try again"; anything
else gets "Something went wrong (ref XXXX)" for the person and one log line with the same ref and the stack.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import replace

from bot.slack_port import SlackUnavailable
from commands.errors import UserFacingError
from commands.table import error_reply
from reports.message import Message

log = logging.getLogger("partnerbot.errors")
ReplyTo = Callable[[Message], object]  # sends an error reply to the person


def new_ref() -> str:
    return secrets.token_hex(2).upper()


def safely(job: Callable[[], None], reply: ReplyTo | None) -> None:
    """Run a job; turn what goes wrong into a reply (never shareable) through `reply`, when there is one."""
    try:
        job()
        return
    except UserFacingError as error:
        message = error_reply(error)
    except SlackUnavailable as error:
        log.warning("Slack unavailable: %s", error)
        message = Message(text="Slack is busy right now, so I couldn't finish that. Try again in a minute.")
    except Exception:
        ref = new_ref()
        log.exception("unexpected error (ref %s)", ref)
        message = Message(text=f"Something went wrong (ref {ref}). The team can find what happened with that ref.")
    if reply is not None:
        try:
            reply(replace(message, shareable=False))
        except Exception:
            log.exception("could not deliver an error reply")
