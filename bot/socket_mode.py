"""Socket Mode, for trying partnerbot on a laptop: no public URL, and a watchdog for connections gone quiet."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("partnerbot.socket")
QUIET_AFTER = 90.0  # seconds without a ping/pong before the connection counts as dead
CHECK_EVERY = 30.0


@dataclass
class Watchdog:
    """Reconnects when the client says it is disconnected, or its session has had no ping/pong for too long.

    After a laptop sleeps or a network drops, a WebSocket can stay "open" while nothing arrives; the client's own
    monitor does not always notice, so this one does.
    """

    client: Any
    quiet_after: float = QUIET_AFTER
    wallclock: Callable[[], float] = time.time
    reconnects: int = field(default=0)

    def check(self) -> bool:
        session = getattr(self.client, "current_session", None)
        last = getattr(session, "last_ping_pong_time", None)
        quiet = last is not None and self.wallclock() - last > self.quiet_after
        if self.client.is_connected() and not quiet:
            return False
        log.warning("Socket Mode connection %s: reconnecting", "went quiet" if quiet else "is down")
        self.client.connect_to_new_endpoint(force=True)
        self.reconnects += 1
        return True


def run_forever(handler: Any, watchdog: Watchdog, *, stop: threading.Event | None = None) -> None:
    """Connect, then check the connection every CHECK_EVERY seconds until stop is set."""
    stop = stop or threading.Event()
    handler.connect()
    log.info("partnerbot is connected in Socket Mode; press Ctrl-C to stop")
    while not stop.wait(CHECK_EVERY):
        try:
            watchdog.check()
        except Exception:
            log.exception("Socket Mode reconnect failed; trying again in %.0f s", CHECK_EVERY)
