"""The running bot behind the listeners: a bounded work pool, error mapping, delivery of replies and files.

Listeners ack and return; the work (gather → compute → render → deliver) runs here. Expected problems become a
helpful reply; anything unexpected becomes "Something went wrong (ref XXXX)" for the person and one log line with
the same ref and the stack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.errors import Reply, safely
from bot.identity import Directory
from bot.slack_port import ChannelUnavailable, SlackPort
from bot.work_pool import DrainablePool, drain
from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.home import home_for
from commands.snoozes import snooze_label
from commands.table import dispatch, dispatch_partner
from reports.blocks.alerts import RESPONDED_ACTION, STALE, item_block_id, resolve_item, snooze_modal
from reports.blocks.kit import MAX_BLOCKS, context
from reports.blocks.share import share_actions, share_modal
from reports.message import File, Message
from storage.alerts import record_intro_response, record_next_step, record_snooze
from storage.claims import claim_event, claim_interaction, record_workspace_status
from storage.db import Database
from storage.models import SlackEvent
from storage.work import load_sent_message, record_sent_blocks

log = logging.getLogger("partnerbot.runtime")
WORKERS = 4  # cards render charts: CPU-bound work stays bounded whatever the request rate
SUBJECT_GONE = "That alert's intro or partner is no longer in partnerbot: nothing to snooze."


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
        """Block until no job is queued or running (for graceful shutdown, and for tests)."""
        return self.pool.wait_idle(timeout)

    def close(self, timeout: float = 30.0) -> bool:
        """Finish what was acknowledged: the listeners running, then every job queued or running, within timeout.
        True when all of it finished; otherwise the jobs not started are dropped (and False)."""
        return drain([self.listeners, self.pool] if self.listeners is not None else [self.pool], timeout)

    @property
    def pending(self) -> int:
        return self.pool.busy

    # --- plumbing -------------------------------------------------------------------------------------------

    def submit(self, job: Callable[[], None], reply: Reply | None) -> None:
        self.pool.submit(safely, job, reply)

    def context(self, user_id: str, channel_id: str | None) -> CommandContext:
        return CommandContext(
            database=self.database, as_of=self.clock(), requester=self.directory.requester(user_id, channel_id)
        )

    def upload(self, file: File, channel_id: str | None, user_id: str) -> str:
        """Upload into the channel, or the person's DM when the bot can't post there; say where it went."""
        if channel_id:
            try:
                self.port.upload(channel_id, file)
                return f":paperclip: {file.title}: posted in this channel."
            except ChannelUnavailable as unavailable:
                log.info("upload to %s refused (%s): sending to the DM", channel_id, unavailable.reason)
        self.port.upload(self.port.open_dm(user_id), file)
        return (
            f":paperclip: {file.title}: sent to you in a direct message (invite @partnerbot to this channel to "
            "post charts here)."
        )

    def deliver(
        self,
        message: Message,
        *,
        response_url: str,
        user_id: str,
        channel_id: str | None,
        share_text: str | None,
        replace_original: bool = False,
    ) -> None:
        notes = [self.upload(file, channel_id, user_id) for file in message.files]
        blocks = list(message.blocks)
        if notes:
            blocks.append(context(*notes))
        if share_text is not None and message.shareable and len(blocks) < MAX_BLOCKS:
            blocks.append(share_actions(share_text))
        self.port.respond(response_url, replace(message, blocks=blocks[:MAX_BLOCKS]), replace_original=replace_original)

    def claim(self, key: str) -> bool:
        with self.database.transaction() as session:
            return claim_interaction(session, key=key, at=self.clock())

    # --- the Runtime protocol -------------------------------------------------------------------------------

    def run_command(self, *, text: str, user_id: str, channel_id: str | None, response_url: str) -> None:
        def job() -> None:
            message = dispatch(text, self.context(user_id, channel_id))
            self.deliver(
                message, response_url=response_url, user_id=user_id, channel_id=channel_id, share_text=text.strip()
            )

        self.submit(job, lambda message: self.port.respond(response_url, message))

    def pick_partner(self, *, partner_id: int, body: dict[str, Any]) -> None:
        user_id, channel_id, response_url = _who(body)

        def job() -> None:
            if not self.claim(f"pick:{_message_key(body)}:{partner_id}"):
                return
            message = dispatch_partner(partner_id, self.context(user_id, channel_id))
            self.deliver(
                message,
                response_url=response_url,
                user_id=user_id,
                channel_id=channel_id,
                share_text=f"#{partner_id}",
                replace_original=True,
            )

        self.submit(job, lambda message: self.port.respond(response_url, message))

    def share_reply(self, *, text: str, body: dict[str, Any]) -> None:
        user_id, channel_id, response_url = _who(body)

        def job() -> None:
            if not self.claim(f"share:{_message_key(body)}"):
                return  # a double click or a retried delivery: shared once already
            ctx = self.context(user_id, channel_id)
            message = (
                dispatch_partner(int(text[1:]), ctx)
                if text.startswith("#") and text[1:].isdigit()
                else dispatch(text, ctx)
            )
            shared = replace(message, response_type="in_channel", shareable=False)
            self.deliver(shared, response_url=response_url, user_id=user_id, channel_id=channel_id, share_text=None)
            self.port.respond(response_url, Message(text="shared"), delete_original=True)

        self.submit(job, lambda message: self.port.respond(response_url, message))

    def open_scorecard(self, *, partner_id: int, user_id: str) -> None:
        def job() -> None:
            dm = self.port.open_dm(user_id)
            message = dispatch_partner(partner_id, self.context(user_id, dm))
            self.port.post(dm, message)
            for file in message.files:
                self.port.upload(dm, file)

        self.submit(job, lambda message: self.port.post(self.port.open_dm(user_id), message))

    def start_share(self, *, partner_id: int, user_id: str, trigger_id: str) -> None:
        self.submit(lambda: self.port.open_view(trigger_id, share_modal(partner_id)), None)

    def finish_share(self, *, body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        view = body.get("view") or {}
        partner_id = int(view.get("private_metadata") or 0)
        channel_id = _selected_channel(view)

        def job() -> None:
            if not channel_id or not self.claim(f"share-view:{view.get('id')}:{body.get('trigger_id')}"):
                return
            message = dispatch_partner(partner_id, self.context(user_id, channel_id))
            if not message.shareable:  # a refusal is for the person who asked, never for the channel
                raise UserFacingError(message.text)
            try:
                self.port.post(channel_id, message)
                for file in message.files:
                    self.port.upload(channel_id, file)
            except ChannelUnavailable:
                raise UserFacingError(
                    f"I can't post in <#{channel_id}>: invite @partnerbot to that channel first, then share again."
                ) from None

        self.submit(job, lambda message: self.port.post(self.port.open_dm(user_id), message))

    def handle_event(self, *, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        kind = str(event.get("type", ""))
        event_id = str(body.get("event_id", ""))

        def job() -> None:
            with self.database.transaction() as session:
                first = claim_event(session, event_id=event_id, event_type=kind, at=self.clock())
            if not first:
                log.info("event %s (%s) already handled: skipping the retry", event_id, kind)
                return
            try:
                self.act_on_event(kind, event, body)
            except Exception:
                with self.database.transaction() as session:  # let Slack's retry try again
                    session.execute(delete(SlackEvent).where(SlackEvent.event_id == event_id))
                raise

        self.submit(job, None)

    def resolve_alert(self, *, action: str, body: dict[str, Any]) -> None:
        """Responded / Log next step on an alert DM: record it once, and update the message in place."""
        user_id, channel_id, _ = _who(body)
        value = (body.get("actions") or [{}])[0].get("value", "")
        message = body.get("message") or {}

        def job() -> None:
            if not value.isdigit() or not self.claim(f"{action}:{value}"):
                return
            now = self.clock()
            what = ":white_check_mark: Responded" if action == RESPONDED_ACTION else ":memo: Next step logged"
            note = f"{what} — recorded by <@{user_id}>."
            with self.database.transaction() as session:
                record = record_intro_response if action == RESPONDED_ACTION else record_next_step
                record(session, intro_id=int(value), at=now)
                fresh = list(message.get("blocks") or [])
                updated = self._resolve_sent(session, channel_id, message.get("ts"), STALE, value, note, fresh)
            if updated is not None:
                self.port.update(str(channel_id), str(message["ts"]), updated)

        self.submit(job, lambda m: self.port.post(self.port.open_dm(user_id), m))

    def start_snooze(self, *, body: dict[str, Any]) -> None:
        """Open the snooze modal. It carries ids only (rule, subject, and where the alert is): names and the
        message's blocks are read back from the store when it is submitted."""
        value = str((body.get("actions") or [{}])[0].get("value", ""))
        rule, _, subject = value.partition("|")
        channel = (body.get("channel") or {}).get("id")
        ts = (body.get("message") or {}).get("ts")

        def job() -> None:
            with self.database.session() as session:
                label = snooze_label(session, rule=rule, subject=subject)
            if label is None:
                raise UserFacingError(SUBJECT_GONE)
            self.port.open_view(
                body["trigger_id"], snooze_modal(label, rule=rule, subject=subject, channel=channel, ts=ts)
            )

        user_id = body["user"]["id"]
        self.submit(job, lambda m: self.port.post(self.port.open_dm(user_id), m))

    def finish_snooze(self, *, body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        view = body.get("view") or {}

        def job() -> None:
            if not self.claim(f"snooze-view:{view.get('id')}"):
                return
            where = json.loads(view.get("private_metadata") or "{}")
            values = ((view.get("state") or {}).get("values")) or {}
            days = int((values.get("length", {}).get("days", {}).get("selected_option") or {}).get("value", "3"))
            reason = (values.get("why", {}).get("reason", {}).get("value") or "").strip() or None
            now = self.clock()
            until = now + timedelta(days=days)
            requester = self.directory.requester(user_id, None)
            rule, subject = str(where.get("rule", "")), str(where.get("subject", ""))
            note = f":zzz: Snoozed for {days} days by <@{user_id}>" + (f": {reason}" if reason else "")
            with self.database.transaction() as session:
                label = snooze_label(session, rule=rule, subject=subject)
                if label is None:
                    raise UserFacingError(
                        "That alert's intro or partner is no longer in partnerbot: nothing to snooze."
                    )
                record_snooze(
                    session,
                    rule=rule,
                    subject=subject,
                    label=label,
                    owner_email=requester.email,
                    user_id=user_id,
                    reason=reason,
                    until=until,
                    at=now,
                )
                updated = self._resolve_sent(session, where.get("channel"), where.get("ts"), rule, subject, note)
            if updated is not None:
                self.port.update(str(where["channel"]), str(where["ts"]), updated)

        self.submit(job, lambda m: self.port.post(self.port.open_dm(user_id), m))

    @staticmethod
    def _resolve_sent(
        session: Session,
        channel: object,
        ts: object,
        rule: str,
        subject: str,
        note: str,
        fresh: list[dict[str, Any]] | None = None,
    ) -> Message | None:
        """One alert item marked done in the stored copy of its message, which is kept for the next item (so two
        items resolved one after the other both show); the message to send to Slack, or None if unknown."""
        if not channel or not ts:
            return None
        sent = load_sent_message(session, channel=str(channel), ts=str(ts))
        if sent is None and fresh is None:
            return None
        blocks = resolve_item(sent.blocks if sent else fresh or [], item_block_id(rule, subject), note)
        text = sent.text if sent else "Partner alerts"
        if sent is not None:
            record_sent_blocks(session, outbox_id=sent.outbox_id, text=text, blocks=blocks)
        return Message(text=text or "Partner alerts", blocks=blocks)

    def act_on_event(self, kind: str, event: dict[str, Any], body: dict[str, Any]) -> None:
        if kind == "app_home_opened":
            user_id = event["user"]
            self.directory.resolve_people()
            self.port.publish_home(user_id, home_for(self.context(user_id, None)))
        elif kind in ("app_uninstalled", "tokens_revoked"):
            status = "uninstalled" if kind == "app_uninstalled" else "tokens revoked"
            log.warning(
                "Slack says %s for team %s: sends stop until the app is reinstalled", status, body.get("team_id")
            )
            with self.database.transaction() as session:
                record_workspace_status(session, team_id=str(body.get("team_id", "")), status=status, at=self.clock())


def _who(body: dict[str, Any]) -> tuple[str, str | None, str]:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel, body.get("response_url", "")


def _message_key(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("message_ts") or body.get("response_url") or body.get("trigger_id"))


def _selected_channel(view: dict[str, Any]) -> str | None:
    for block in ((view.get("state") or {}).get("values") or {}).values():
        for element in block.values():
            selected = element.get("selected_conversation") or element.get("selected_channel")
            if selected:
                return str(selected)
    return None
