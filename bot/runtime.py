"""The running bot behind the listeners: it runs each interaction's work in a bounded pool and performs what the
handler asks of Slack.

Listeners ack and return; here the payload is parsed, handled (gather → compute → render, in commands/), and its
effects delivered: replies with their files and Share button, posts, DMs, modals, message updates, App Home.
What goes wrong becomes a reply where the interaction's table row says (bot/errors.py maps it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete

from bot.errors import safely
from bot.identity import Directory
from bot.slack_port import ChannelUnavailable, SlackPort
from bot.work_pool import DrainablePool, drain
from commands.errors import UserFacingError
from commands.interactions.context import InteractionContext
from commands.interactions.effects import (
    DeleteOriginal,
    DirectMessage,
    Effect,
    OpenView,
    Post,
    PublishHome,
    Reply,
    Update,
)
from commands.interactions.table import Interaction
from reports.blocks.share import posted_note, reply_blocks, sent_to_dm_note
from reports.message import File, Message
from storage.claims import claim_event
from storage.db import Database
from storage.models import SlackEvent

log = logging.getLogger("partnerbot.runtime")
WORKERS = 4  # cards render charts: CPU-bound work stays bounded whatever the request rate


@dataclass
class BotRuntime:
    database: Database
    port: SlackPort
    directory: Directory
    clock: Callable[[], datetime]
    workers: int = WORKERS
    listeners: DrainablePool | None = None  # Bolt's listener pool, drained before the work pool on close
    pool: DrainablePool = field(init=False)

    def __post_init__(self) -> None:
        self.pool = DrainablePool(max_workers=self.workers, thread_name_prefix="partnerbot-work")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no listener and no job is queued or running, within one timeout (for tests).

        The listeners first: Slack has its ack as soon as a listener calls ack(), before the listener hands its
        work to the pool, so a pool found idle right after the ack may not have been given the work yet."""
        deadline = time.monotonic() + timeout
        pools = [self.listeners, self.pool] if self.listeners is not None else [self.pool]
        return all(pool.wait_idle(max(0.0, deadline - time.monotonic())) for pool in pools)

    def close(self, timeout: float = 30.0) -> bool:
        """Finish what was acknowledged: the listeners running, then every job queued or running, within timeout.
        True when all of it finished; otherwise the jobs not started are dropped (and False)."""
        return drain([self.listeners, self.pool] if self.listeners is not None else [self.pool], timeout)

    @property
    def pending(self) -> int:
        return self.pool.busy

    # --- the Runtime protocol -------------------------------------------------------------------------------

    def interact(self, interaction: Interaction[Any], body: dict[str, Any]) -> None:
        """Run one interaction after its ack: a failure to read the payload is only logged (with a ref)."""
        self.pool.submit(safely, lambda: self._interact(interaction, body), None)

    def _interact(self, interaction: Interaction[Any], body: dict[str, Any]) -> None:
        request = interaction.parse(body)
        if request is None:
            log.warning("a %s payload for %s that partnerbot cannot read: ignored", interaction.kind, interaction.id)
            return

        def job() -> None:
            ctx = InteractionContext(database=self.database, now=self.clock(), people=self.directory)
            self.perform(interaction.handle(request, ctx))

        def reply(message: Message) -> None:
            effect = interaction.errors(request, message)
            if effect is not None:
                self.perform([effect])

        if interaction.kind == "event":
            safely(lambda: self._once_per_event(body, job), reply)
        else:
            safely(job, reply)

    def _once_per_event(self, body: dict[str, Any], job: Callable[[], None]) -> None:
        """Slack retries an event it thinks failed: act on its first delivery only, and let a retry try again
        when that one did fail."""
        event_id, kind = str(body.get("event_id", "")), str((body.get("event") or {}).get("type", ""))
        with self.database.transaction() as session:
            first = claim_event(session, event_id=event_id, event_type=kind, at=self.clock())
        if not first:
            log.info("event %s (%s) already handled: skipping the retry", event_id, kind)
            return
        try:
            job()
        except Exception:
            with self.database.transaction() as session:
                session.execute(delete(SlackEvent).where(SlackEvent.event_id == event_id))
            raise

    # --- effects --------------------------------------------------------------------------------------------

    def perform(self, effects: Sequence[Effect]) -> None:
        for effect in effects:
            match effect:
                case Reply():
                    self.deliver(effect)
                case DeleteOriginal(response_url):
                    self.port.respond(response_url, Message(text="shared"), delete_original=True)
                case Post(channel, message, refused):
                    try:
                        self.post_with_files(channel, message)
                    except ChannelUnavailable:
                        if refused is None:
                            raise
                        raise UserFacingError(refused) from None
                case DirectMessage(user_id, message):
                    self.post_with_files(self.port.open_dm(user_id), message)
                case OpenView(trigger_id, view):
                    self.port.open_view(trigger_id, view)
                case Update(channel, ts, message):
                    self.port.update(channel, ts, message)
                case PublishHome(user_id, view):
                    self.port.publish_home(user_id, view)

    def post_with_files(self, channel: str, message: Message) -> None:
        self.port.post(channel, message)
        for file in message.files:
            self.port.upload(channel, file)

    def upload(self, file: File, channel_id: str | None, user_id: str) -> str:
        """Upload into the channel, or the person's DM when the bot can't post there; say where it went."""
        if channel_id:
            try:
                self.port.upload(channel_id, file)
                return posted_note(file)
            except ChannelUnavailable as unavailable:
                log.info("upload to %s refused (%s): sending to the DM", channel_id, unavailable.reason)
        self.port.upload(self.port.open_dm(user_id), file)
        return sent_to_dm_note(file)

    def deliver(self, reply: Reply) -> None:
        message = reply.message
        notes = [self.upload(file, reply.channel_id, reply.user_id) for file in message.files]
        blocks = reply_blocks(message, notes=notes, share_text=reply.share_text)
        self.port.respond(reply.response_url, replace(message, blocks=blocks), replace_original=reply.replace_original)
