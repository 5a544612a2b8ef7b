"""The Slack surface: the scopes partnerbot asks for, and one listener per row of the interaction table.

Every listener acks at once and hands the payload to the runtime, so a slow card never delays an ack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import Ack, App

from commands.interactions.table import INTERACTIONS, Interaction

# chat:write.public lets digests and first wins reach a public channel nobody invited the bot to (a private channel
# still needs the invite, and so does a file in any channel). The history scopes let the outbox look for a post
# whose answer was lost before posting it again (README, "Delivery"); group DMs are left out: a digest subscribed
# there may still double in that one case.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "files:write",
    "users:read",
    "users:read.email",
    "channels:history",
    "groups:history",
    "im:history",
)
Listener = Callable[[Ack, dict[str, Any]], None]


class Runtime(Protocol):
    """What the listeners need from the running bot (implemented in bot.runtime): run an interaction's work."""

    def interact(self, interaction: Interaction[Any], body: dict[str, Any]) -> None: ...


def listener(interaction: Interaction[Any], runtime: Runtime) -> Listener:
    def listen(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.interact(interaction, body)

    return listen


def register(app: App, runtime: Runtime) -> None:
    for interaction in INTERACTIONS:
        listen = listener(interaction, runtime)
        if interaction.kind == "command":
            app.command(interaction.id)(listen)
        elif interaction.kind == "action":
            app.action(interaction.id)(listen)
        elif interaction.kind == "view":
            app.view(interaction.id)(listen)
        else:
            app.event(interaction.id)(listen)
